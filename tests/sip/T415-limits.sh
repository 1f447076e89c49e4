#!/bin/sh
# imstored, limits per source address (issue 19, item 6): source_inflight
# (requests from acceptance to answer) and source_rate/source_burst (a
# token bucket); over either 503 with Retry-After, counted by reason, and
# nothing answered 503 is stored; every 202 is.  0 turns each off.
. "$(dirname "$0")/imstored-lib.sh"

# blast USER N [PREFIX]: N MESSAGEs to USER sent at once over UDP from one
# socket, then every answer read; prints "STATUS CALL-ID RETRY-AFTER" for
# each (RETRY-AFTER "-" without the header), sorted by Call-ID.
blast () {
	python3 - "$PORT" "$DOMAIN" "$1" "$2" "${3:-m}" <<-'PY'
	import socket, sys, re
	port, dom, user, n, pre = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
	s.bind(("127.0.0.1", 0)); me = s.getsockname()[1]
	for i in range(n):
	    cid = "%s-%03d" % (pre, i); body = "message %d" % i
	    s.sendto(("MESSAGE sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"
	              "Max-Forwards: 70\r\nFrom: <sip:alice@%s>;tag=a%d\r\nTo: <sip:%s@%s>\r\n"
	              "Call-ID: %s\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
	              "Content-Length: %d\r\n\r\n%s" % (user, dom, me, cid, dom, i, user, dom, cid,
	              len(body), body)).encode(), ("127.0.0.1", port))
	got = {}
	s.settimeout(10)
	while len(got) < n:
	    try:
	        d = s.recv(65535).decode("latin-1")
	    except socket.timeout:
	        break
	    st = d.split(" ")[1]
	    cid = re.search(r"(?mi)^(?:Call-ID|i):\s*(\S+)", d).group(1)
	    ra = re.search(r"(?mi)^Retry-After:\s*(\d+)", d)
	    if st >= "200":
	        got.setdefault(cid, (st, ra.group(1) if ra else "-"))
	for cid in sorted(got):
	    print(got[cid][0], cid, got[cid][1])
	PY
}

test_expect_success SIP 'source_inflight = 2, one worker: some 503, every 202 stored' '
	imstore init >/dev/null &&
	imstored_conf "workers = 1" "source_inflight = 2" "source_rate = 0" \
		"retry_after = 7" &&
	imstored_start &&
	blast bob 60 >ans &&
	test_line_count = 60 ans &&
	grep "^202 " ans | cut -d" " -f2 >ok &&
	grep "^503 " ans >busy &&
	test $(wc -l <ok) -ge 2 && test $(wc -l <busy) -ge 1 &&
	! grep -v -e "^202 " -e "^503 " ans &&
	! grep "^503 .* -$" busy && ! grep -v " 7$" busy &&
	stored_ids owner:sip:bob@$DOMAIN >stored &&
	test_cmp ok stored &&
	test "$(metric "refused_total{reason=\"inflight_limited\"}")" = $(wc -l <busy) &&
	test "$(metric "refused_total{reason=\"rate_limited\"}")" = 0 &&
	grep "over source_inflight" imstored.log
'

test_expect_success SIP 'after the burst the source is free again (in flight counted down)' '
	blast bob 1 after >ans &&
	echo "202 after-000 -" >expect && test_cmp expect ans
'

test_expect_success SIP 'source_rate = 5, burst 5: 50 at once, about 5 accepted, 503 Retry-After' '
	imstored_stop && rm -rf "$IMSTORE_STORE" && imstore init >/dev/null &&
	imstored_conf "source_rate = 5" "source_burst = 5" "source_inflight = 0" &&
	imstored_start &&
	blast carol 50 >ans &&
	test_line_count = 50 ans &&
	grep "^202 " ans | cut -d" " -f2 >ok &&
	grep "^503 " ans >busy &&
	n=$(wc -l <ok) && test $n -ge 5 && test $n -le 7 &&
	test $(wc -l <busy) = $((50 - n)) &&
	! grep -v "^503 [^ ]* 1$" busy &&
	stored_ids owner:sip:carol@$DOMAIN >stored &&
	test_cmp ok stored &&
	test "$(metric "refused_total{reason=\"rate_limited\"}")" = $((50 - n)) &&
	test "$(metric "refused_total{reason=\"inflight_limited\"}")" = 0 &&
	test $(grep -c "over source_rate" imstored.log) -le 2
'

test_expect_success SIP 'the bucket refills: a second later one more is accepted' '
	sleep 1.2 &&
	blast carol 1 later >ans &&
	echo "202 later-000 -" >expect && test_cmp expect ans
'

test_expect_success SIP 'limits 0: 300 at once, one worker, every one 202 and stored' '
	imstored_stop && rm -rf "$IMSTORE_STORE" && imstore init >/dev/null &&
	imstored_conf "workers = 1" "source_rate = 0" "source_inflight = 0" &&
	imstored_start &&
	blast dave 300 >ans &&
	test_line_count = 300 ans &&
	! grep -v "^202 " ans &&
	cut -d" " -f2 ans >ok &&
	stored_ids owner:sip:dave@$DOMAIN >stored && test_cmp ok stored &&
	test "$(metric "refused_total{reason=\"rate_limited\"}")" = 0 &&
	test "$(metric "refused_total{reason=\"inflight_limited\"}")" = 0
'

test_expect_success SIP 'bad values are refused at start' '
	imstored_stop &&
	for kv in "source_rate = -1" "source_rate = 1000001" "source_burst = 0" \
		"source_inflight = x"; do
		imstored_conf "$kv" &&
		test_must_fail "$IMSTORED" -c imstored.conf -f 2>err &&
		grep "${kv%% *}" err || return 1
	done
'

test_done
