#!/bin/sh
# imstored, third-party REGISTER: answered 200; the user's deferred
# messages are pushed as MESSAGEs to sip_core (a SIPp responder here), each
# acknowledged in the store on its 2xx (gone from the deferred folder), or
# released on a failure (pending again, for the next registration).
. "$(dirname "$0")/imstored-lib.sh"

# register_req USER: a third-party REGISTER of USER, Expires 3600
register_req () {
	printf 'REGISTER sip:%s SIP/2.0\r\n' "$DOMAIN"
	printf 'Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bK-reg-%s\r\n' "$1"
	printf 'Max-Forwards: 70\r\nFrom: <sip:registrar@%s>;tag=r\r\n' "$DOMAIN"
	printf 'To: <sip:%s@%s>\r\nCall-ID: reg-%s\r\nCSeq: 1 REGISTER\r\n' "$1" "$DOMAIN" "$1"
	printf 'Contact: <sip:%s@127.0.0.1:9>\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n' "$1"
}

# core CODE N: a SIPp stand-in for the SIP core answering N MESSAGEs CODE
core () {
	sed "s|SIP/2.0 202 Answer|SIP/2.0 $1 Answer|" "$SCEN/uas-answer.xml" >uas-$1.xml &&
	{ timeout -s KILL 60 sipp -sf uas-$1.xml -i 127.0.0.1 -p $CORE -m $2 -nostdin \
		-trace_logs -log_file core.log >core.out 2>&1 & } &&
	core_pid=$! && sleep 0.3
}

test_expect_success SIP 'three messages for bob stored, SIP core stand-in answering 202' '
	imstore init >/dev/null &&
	CORE=$(free_port) &&
	imstored_conf "sip_core = udp:127.0.0.1:$CORE" "push_window = 2" && imstored_start &&
	for i in 1 2 3; do sip_request bob p-$i "push $i" >p$i.sip; done &&
	raw_sip p1.sip p2.sip p3.sip >got &&
	printf "SIP/2.0 202 Accepted\n%.0s" 1 2 3 >expect && test_cmp expect got &&
	core 202 3
'

test_expect_success SIP 'REGISTER: 200, the three pushed, acknowledged, gone' '
	register_req bob >reg.sip &&
	raw_sip reg.sip >got &&
	echo "SIP/2.0 200 OK" >expect && test_cmp expect got &&
	wait $core_pid &&
	wait_metric acked_total 3 &&
	test "$(metric pushed_total)" = 3 &&
	grep -c "^MESSAGE sip:bob@$DOMAIN|" core.log >n && echo 3 >expect && test_cmp expect n &&
	imstore list --count owner:sip:bob@$DOMAIN folder:deferred >n &&
	echo 0 >expect && test_cmp expect n
'

test_expect_success SIP 'a user agent answering 486: released, still pending' '
	for i in 1 2; do sip_request carol c-$i "busy $i" >c$i.sip; done &&
	raw_sip c1.sip c2.sip >/dev/null &&
	core 486 2 &&
	register_req carol >regc.sip &&
	raw_sip regc.sip >got &&
	echo "SIP/2.0 200 OK" >expect && test_cmp expect got &&
	wait $core_pid &&
	wait_metric released_total 2 &&
	imstore list --count owner:sip:carol@$DOMAIN folder:deferred state:pending >n &&
	echo 2 >expect && test_cmp expect n
'

test_expect_success SIP 'a sender asking for processing: the IMDN stored goes to her (RFC 5438)' '
	core 202 1 &&
	cpim=$(printf "From: <sip:alice@%s>\r\nTo: <sip:dan@%s>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: Xs7ab1\r\nDateTime: 2026-12-08T01:02:03Z\r\nimdn.Disposition-Notification: processing\r\n\r\nContent-Type: text/plain\r\n\r\nhello" $DOMAIN $DOMAIN) &&
	sip_request dan imdn-1 "$cpim" | sed "s|^Content-Type: text/plain\r\$|Content-Type: message/cpim\r|" >imdn.sip &&
	grep -c "^Content-Type: message/cpim" imdn.sip &&
	raw_sip imdn.sip >got &&
	echo "SIP/2.0 202 Accepted" >expect && test_cmp expect got &&
	wait $core_pid &&
	grep "^MESSAGE sip:alice@$DOMAIN|" core.log &&
	imstored_stop
'

test_done
