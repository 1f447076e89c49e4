#!/bin/sh
# imstored, REFER to sip:Delete@<domain> (issue 19 item 5): the URI-list's
# references are deleted among the asserted user's own only (never
# another's, even for a Message-ID both have); 202, then a NOTIFY with a
# message/sipfrag in the dialog the 202 created, through the stand-in for
# the SIP core; no P-Asserted-Identity or an untrusted source: 403 and
# nothing deleted.
. "$(dirname "$0")/push-lib.sh"

# refer FROM-ADDR PAI-USER REF... : a REFER to Delete@ from FROM-ADDR
# (127.0.0.1 trusted, 127.0.0.2 not) asserting PAI-USER (none: no
# P-Asserted-Identity), its URI-list naming the REFs; prints the answer's
# status line and To tag, and writes the REFER's Call-ID and From tag to
# refer.ids
refer () {
	python3 - "$PORT" "$DOMAIN" "$@" <<-'PY'
	import socket, sys, re, random
	port, dom, src, pai = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
	refs = sys.argv[5:]
	body = ('<?xml version="1.0" encoding="UTF-8"?>\r\n'
	        '<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists"><list>'
	        + "".join('<entry uri="%s"/>' % r for r in refs) +
	        '</list></resource-lists>\r\n').encode()
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind((src, 0)); s.settimeout(5)
	lp = s.getsockname()[1]
	cid, tag = "refer-%d" % random.randrange(1 << 30), "ft%d" % random.randrange(1 << 30)
	hdrs = ["REFER sip:Delete@%s SIP/2.0" % dom,
	        "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s" % (src, lp, cid),
	        "Max-Forwards: 70",
	        "From: <sip:%s@%s>;tag=%s" % (pai if pai != "none" else "bob", dom, tag),
	        "To: <sip:Delete@%s>" % dom,
	        "Call-ID: %s" % cid, "CSeq: 1 REFER",
	        "Contact: <sip:%s@127.0.0.1:9>" % (pai if pai != "none" else "bob"),
	        "Refer-To: <cid:list@%s>" % dom,
	        "Content-Type: application/resource-lists+xml",
	        "Content-Disposition: recipient-list"]
	if pai != "none":
	    hdrs.append("P-Asserted-Identity: <sip:%s@%s>" % (pai, dom))
	hdrs.append("Content-Length: %d" % len(body))
	s.sendto(("\r\n".join(hdrs) + "\r\n\r\n").encode() + body, ("127.0.0.1", port))
	try:
	    ans = s.recv(65535).decode()
	except socket.timeout:
	    print("timeout"); sys.exit(0)
	m = re.search(r"\r\nTo:[^\r]*;tag=([^;\r]+)", ans)
	print(ans.split("\r\n")[0])
	print(m.group(1) if m else "no-tag")
	open("refer.ids", "w").write("%s %s\n" % (cid, tag))
	PY
}

ids () {
	stored_ids "owner:sip:$1@$DOMAIN" folder:deferred | tr '\n' ' '
}

test_expect_success SIP 'start imstored, the stand-in, deferred messages of two users' '
	imstore init >/dev/null &&
	imstored_conf "sip_core = udp:127.0.0.1:$CORE" &&
	imstored_start &&
	core_start 200 &&
	deposit bob 4 &&
	deposit carol 2 &&
	deposit bob 1 shared && deposit carol 1 shared &&
	test "$(ids bob)" = "bob-1 bob-2 bob-3 bob-4 shared-1 " &&
	test "$(ids carol)" = "carol-1 carol-2 shared-1 "
'

test_expect_success SIP 'REFER without P-Asserted-Identity: 403, nothing deleted' '
	refer 127.0.0.1 none bob-1 >got &&
	test "$(head -1 got)" = "SIP/2.0 403 No Asserted Identity" &&
	test "$(ids bob)" = "bob-1 bob-2 bob-3 bob-4 shared-1 "
'

test_expect_success SIP 'REFER from an untrusted source: 403, nothing deleted' '
	refer 127.0.0.2 bob bob-1 >got &&
	test "$(head -1 got)" = "SIP/2.0 403 Forbidden" &&
	test "$(ids bob)" = "bob-1 bob-2 bob-3 bob-4 shared-1 "
'

test_expect_success SIP 'bob deletes bob-1, bob-3, shared-1 and carol-1: only his own go' '
	refer 127.0.0.1 bob bob-1 bob-3 shared-1 carol-1 >got &&
	test "$(head -1 got)" = "SIP/2.0 202 Accepted" &&
	core_wait 1 &&
	test "$(ids bob)" = "bob-2 bob-4 " &&
	test "$(ids carol)" = "carol-1 carol-2 shared-1 "
'

test_expect_success SIP 'the NOTIFY: in the dialog of the 202, sipfrag 200 OK' '
	read cid ftag <refer.ids &&
	totag=$(sed -n 2p got) &&
	sip_log core | cut -d"|" -f1-4 >log &&
	echo "NOTIFY sip:bob@127.0.0.1:9|sip:Delete@$DOMAIN|message/sipfrag|$cid" >expect &&
	test_cmp expect log &&
	python3 - "$SIP_DIR/core.msg" "$cid" "$ftag" "$totag" <<-"PY"
	import re, sys
	data = open(sys.argv[1], "rb").read().decode()
	cid, ftag, totag = sys.argv[2:5]
	i = data.find("NOTIFY sip:")
	assert i >= 0, "no NOTIFY"
	msg = data[i:]
	head, _, body = msg.partition("\r\n\r\n")
	h = dict((l.split(":", 1)[0].lower(), l.split(":", 1)[1].strip())
	         for l in head.split("\r\n")[1:] if ":" in l)
	assert h["call-id"] == cid, h
	assert h["from"].endswith(";tag=" + totag), (h["from"], totag)
	assert h["to"].endswith(";tag=" + ftag), (h["to"], ftag)
	assert h["event"] == "refer", h
	assert h["subscription-state"].startswith("terminated"), h
	assert re.match(r"\d+ NOTIFY$", h["cseq"]), h
	assert body.startswith("SIP/2.0 200 OK\r\n"), body
	PY
'

test_expect_success SIP 'REFER with a body that is no URI-list: 400, nothing deleted' '
	printf "REFER sip:Delete@%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bK-bad\r\nFrom: <sip:bob@%s>;tag=b\r\nTo: <sip:Delete@%s>\r\nCall-ID: bad-refer\r\nCSeq: 1 REFER\r\nContact: <sip:bob@127.0.0.1:9>\r\nRefer-To: <cid:x@y>\r\nP-Asserted-Identity: <sip:bob@%s>\r\nContent-Type: application/resource-lists+xml\r\nContent-Length: 7\r\n\r\n<list/>" \
	  "$DOMAIN" "$DOMAIN" "$DOMAIN" "$DOMAIN" >bad.sip &&
	raw_sip bad.sip >got &&
	echo "SIP/2.0 400 Bad URI-List" >expect && test_cmp expect got &&
	test "$(ids bob)" = "bob-2 bob-4 "
'

test_expect_success SIP 'SIGTERM: imstored stops' '
	core_stop &&
	imstored_stop
'

test_done
