#!/bin/sh
# imstored, PUBLISH of the IM service settings (OMA IM 004 §5.2.4, RFC
# 3903): the document stored before the 200, entity tags (modify, refresh,
# remove, stale 412), 489 for another event, 415 with Accept, 423 with
# Min-Expires, 400 for a hostile document with nothing changed, 403 for
# another user's settings or an untrusted source, 412 after a restart, and
# the published settings deciding what a MESSAGE gets.
. "$(dirname "$0")/imstored-lib.sh"

# pub_request USER CALL-ID [HEADER...] : a PUBLISH for USER, asserted as
# USER (PAI) unless a header says otherwise; the body is the file doc.xml
# (none if it is absent; the tests from the fourth on rewrite it); on
# stdout for sip_answer and raw_sip.
pub_request () {
	u=$1 cid=$2
	shift 2
	body=
	test -f doc.xml && body=$(cat doc.xml)
	printf 'PUBLISH sip:%s@%s SIP/2.0\r\n' "$u" "$DOMAIN"
	printf 'Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bK-%s\r\n' "$cid"
	printf 'Max-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=p\r\n' "$u" "$DOMAIN"
	printf 'To: <sip:%s@%s>\r\nCall-ID: %s\r\nCSeq: 1 PUBLISH\r\n' "$u" "$DOMAIN" "$cid"
	pai="P-Asserted-Identity: <sip:$u@$DOMAIN>"
	ev="Event: poc-settings" ct="Content-Type: application/poc-settings+xml"
	for h in "$@"; do
		case "$h" in
		P-Asserted-Identity:*) pai=$h ;;
		Event:*) ev=$h ;;
		Content-Type:*) ct=$h ;;
		*) printf '%s\r\n' "$h" ;;
		esac
	done
	test -n "${pai#*: }" && printf '%s\r\n' "$pai"
	printf '%s\r\n%s\r\n' "$ev" "$ct"
	printf 'Content-Length: %s\r\n\r\n%s' "${#body}" "$body"
}

# sip_answer FILE : send it to imstored over UDP, print the answer's
# status line and headers (LF line ends), or "timeout".
sip_answer () {
	python3 - "$PORT" "$1" <<-'PY'
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0)); s.settimeout(5)
	data = open(sys.argv[2], "rb").read().replace(b"@PORT@", str(s.getsockname()[1]).encode())
	s.sendto(data, ("127.0.0.1", int(sys.argv[1])))
	try:
	    print(s.recv(65535).split(b"\r\n\r\n")[0].decode().replace("\r\n", "\n"))
	except socket.timeout:
	    print("timeout")
	PY
}

settings () {
	imstore settings get "sip:$1@$DOMAIN"
}

test_expect_success SIP 'start imstored on a fresh store' '
	imstore init >/dev/null &&
	imstored_conf && imstored_start
'

test_expect_success SIP 'SIPp: publish, modify with the tag, stale tag 412, refresh, remove' '
	sipp_run publish.xml -key user bob -m 1 &&
	cat >expect <<-EOF &&
	initial 200
	modify 200
	stale 412
	refresh 200
	remove 200
	removed 412
	EOF
	awk "{print \$1, \$2}" sipp.log >steps &&
	test_cmp expect steps &&
	grep "^refresh 200 .* 1800$" sipp.log &&
	test $(awk "{print \$3}" sipp.log | sort -u | wc -l) = 3
'

test_expect_success SIP 'the same over TCP' '
	sipp_run publish.xml -key user bob-tcp -m 1 -t t1 &&
	awk "{print \$1, \$2}" sipp.log >steps &&
	test_cmp expect steps &&
	settings bob-tcp >got && grep "^bar_pager: yes$" got
'

test_expect_success SIP 'imstore settings get shows what was published, after the remove too' '
	settings bob >got &&
	cat >expect <<-EOF &&
	user: sip:bob@$DOMAIN
	offline_delivery: notify
	history_session: no
	history_pager: yes
	bar_session: no
	bar_pager: yes
	invisible: no
	EOF
	test_cmp expect got
'

test_expect_success SIP 'the published barring decides what a MESSAGE gets: 480 barred' '
	cat >doc.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <barring-settings><incoming-pager active="false"/></barring-settings>
	</im-settings>
	XML
	sip_request bob m-1 "hi" >m1.sip &&
	raw_sip m1.sip >got &&
	echo "SIP/2.0 480 Not Stored: barred" >expect && test_cmp expect got &&
	pub_request bob unbar-1 >unbar.sip &&
	sip_answer unbar.sip >ans &&
	head -n 1 ans >got && echo "SIP/2.0 200 OK" >expect && test_cmp expect got &&
	grep "^SIP-ETag: ." ans && grep "^Expires: 3600$" ans &&
	sip_request bob m-2 "hi again" >m2.sip &&
	raw_sip m2.sip >got &&
	echo "SIP/2.0 202 Accepted" >expect && test_cmp expect got &&
	imstore list --count owner:sip:bob@$DOMAIN >n && echo 1 >expect && test_cmp expect n
'

test_expect_success SIP 'an unknown tag: 412, settings unchanged' '
	settings bob >before &&
	pub_request bob unk-1 "SIP-If-Match: 0000000000000000.1" >unk.sip &&
	raw_sip unk.sip >got &&
	echo "SIP/2.0 412 Conditional Request Failed" >expect && test_cmp expect got &&
	settings bob >after && test_cmp before after
'

test_expect_success SIP 'another user'"'"'s tag: 412' '
	pub_request carol c-1 >c1.sip && sip_answer c1.sip >ans &&
	tag=$(sed -n "s/^SIP-ETag: //p" ans) && test -n "$tag" &&
	pub_request bob steal-1 "SIP-If-Match: $tag" >steal.sip &&
	raw_sip steal.sip >got &&
	echo "SIP/2.0 412 Conditional Request Failed" >expect && test_cmp expect got
'

test_expect_success SIP 'another event: 489 with Allow-Events, nothing stored' '
	settings dave >before &&
	pub_request dave ev-1 "Event: presence" >ev.sip &&
	sip_answer ev.sip >ans &&
	head -n 1 ans >got && echo "SIP/2.0 489 Bad Event" >expect && test_cmp expect got &&
	grep "^Allow-Events: poc-settings$" ans &&
	pub_request dave ev-2 "Event: poc-settingsx" >ev2.sip && raw_sip ev2.sip >got &&
	echo "SIP/2.0 489 Bad Event" >expect && test_cmp expect got &&
	settings dave >after && test_cmp before after
'

test_expect_success SIP 'another Content-Type: 415 with Accept' '
	pub_request dave ct-1 "Content-Type: application/pidf+xml" >ct.sip &&
	sip_answer ct.sip >ans &&
	head -n 1 ans >got && echo "SIP/2.0 415 Unsupported Media Type" >expect &&
	test_cmp expect got &&
	grep "^Accept: application/poc-settings+xml$" ans
'

test_expect_success SIP 'too short an expiry: 423 with Min-Expires; too long: cut to a day; 0: no tag' '
	pub_request dave ex-1 "Expires: 10" >ex.sip &&
	sip_answer ex.sip >ans &&
	head -n 1 ans >got && echo "SIP/2.0 423 Interval Too Brief" >expect &&
	test_cmp expect got && grep "^Min-Expires: 60$" ans &&
	pub_request dave ex-2 "Expires: 999999999" >ex2.sip &&
	sip_answer ex2.sip >ans && grep "^Expires: 86400$" ans &&
	pub_request dave ex-3 "Expires: 0" >ex3.sip &&
	sip_answer ex3.sip >ans &&
	head -n 1 ans >got && echo "SIP/2.0 200 OK" >expect && test_cmp expect got &&
	grep "^Expires: 0$" ans && ! grep "^SIP-ETag" ans
'

test_expect_success SIP 'no body and no tag: 400' '
	rm -f doc.xml &&
	pub_request dave nb-1 >nb.sip && raw_sip nb.sip >got &&
	echo "SIP/2.0 400 Missing Settings Document" >expect && test_cmp expect got
'

test_expect_success SIP 'a hostile document (DOCTYPE, entities): 400 with the reason, nothing changed' '
	cat >doc.xml <<-XML &&
	<?xml version="1.0"?>
	<!DOCTYPE im-settings [<!ENTITY t "true"><!ENTITY x SYSTEM "file:///etc/passwd">]>
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <barring-settings><incoming-pager active="&t;"/></barring-settings>
	</im-settings>
	XML
	settings erin >before &&
	pub_request erin dt-1 >dt.sip && raw_sip dt.sip >got &&
	grep "^SIP/2.0 400 Bad Settings Document: ." got &&
	settings erin >after && test_cmp before after &&
	printf "<im-settings xmlns=\"urn:oma:xml:im:service-settings\"><nope/></im-settings>" >doc.xml &&
	pub_request erin dt-2 >dt2.sip && raw_sip dt2.sip >got &&
	grep "^SIP/2.0 400 Bad Settings Document: ." got &&
	printf "<im-settings" >doc.xml &&
	pub_request erin dt-3 >dt3.sip && raw_sip dt3.sip >got &&
	grep "^SIP/2.0 400 Bad Settings Document: ." got &&
	settings erin >after && test_cmp before after
'

test_expect_success SIP 'settings of another user (asserted identity is not the Request-URI): 403' '
	cat >doc.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <deferred-settings><offline-delivery active="false"/></deferred-settings>
	</im-settings>
	XML
	settings frank >before &&
	pub_request frank id-1 "P-Asserted-Identity: <sip:mallory@$DOMAIN>" >id.sip &&
	raw_sip id.sip >got &&
	echo "SIP/2.0 403 Not Your Settings" >expect && test_cmp expect got &&
	pub_request frank id-2 "P-Asserted-Identity: " >id2.sip &&
	! grep "^P-Asserted" id2.sip && raw_sip id2.sip >got &&
	echo "SIP/2.0 403 No Asserted Identity" >expect && test_cmp expect got &&
	settings frank >after && test_cmp before after
'

# six partial documents at once for one user, each changing one setting:
# each is read over the stored settings, so one user's documents are
# stored one after the other; at once, a change would be lost
test_expect_success SIP 'six partial documents at once: all six changes kept' '
	i=0 &&
	for el in "deferred-settings><offline-delivery active=\"false\"/></deferred-settings" \
	          "history-settings><session-mode active=\"true\"/></history-settings" \
	          "history-settings><pager-mode active=\"true\"/></history-settings" \
	          "barring-settings><incoming-session active=\"true\"/></barring-settings" \
	          "barring-settings><incoming-pager active=\"true\"/></barring-settings" \
	          "invisibility active=\"true\"/"; do
		i=$((i + 1)) &&
		printf "<im-settings xmlns=\"urn:oma:xml:im:service-settings\"><%s></im-settings>" "$el" >doc.xml &&
		pub_request ivy part-$i >part-$i.sip || return 1
	done &&
	python3 - "$PORT" part-?.sip >got <<-PY &&
	import socket, sys
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0)); s.settimeout(10)
	for f in sys.argv[2:]:
	    data = open(f, "rb").read().replace(b"@PORT@", str(s.getsockname()[1]).encode())
	    s.sendto(data, ("127.0.0.1", int(sys.argv[1])))
	for f in sys.argv[2:]:
	    print(s.recv(65535).split(b"\r\n")[0].decode())
	PY
	printf "SIP/2.0 200 OK\n%.0s" 1 2 3 4 5 6 >expect && test_cmp expect got &&
	settings ivy >got &&
	cat >expect <<-EOF &&
	user: sip:ivy@$DOMAIN
	offline_delivery: notify
	history_session: yes
	history_pager: yes
	bar_session: yes
	bar_pager: yes
	invisible: yes
	EOF
	test_cmp expect got
'

test_expect_success SIP 'a tag from before a restart: 412, then an initial PUBLISH works' '
	cat >doc.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <deferred-settings><offline-delivery active="false"/></deferred-settings>
	</im-settings>
	XML
	pub_request gina r-1 >r1.sip && sip_answer r1.sip >ans &&
	tag=$(sed -n "s/^SIP-ETag: //p" ans) && test -n "$tag" &&
	imstored_stop && imstored_start &&
	rm -f doc.xml &&
	pub_request gina r-2 "SIP-If-Match: $tag" >r2.sip && raw_sip r2.sip >got &&
	echo "SIP/2.0 412 Conditional Request Failed" >expect && test_cmp expect got &&
	settings gina >got && grep "^offline_delivery: notify$" got
'

test_expect_success SIP 'untrusted source claiming another user: 403, nothing changed' '
	imstored_stop &&
	imstored_conf "trusted = 127.0.0.2" && imstored_start &&
	cat >doc.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <barring-settings><incoming-pager active="true"/></barring-settings>
	</im-settings>
	XML
	settings hank >before &&
	pub_request hank u-1 >u1.sip && raw_sip u1.sip >got &&
	echo "SIP/2.0 403 Forbidden" >expect && test_cmp expect got &&
	settings hank >after && test_cmp before after &&
	test "$(metric "refused_total{reason=\"forbidden\"}")" = 1
'

test_expect_success SIP 'SIGTERM: imstored exits 0' '
	imstored_stop
'

test_done
