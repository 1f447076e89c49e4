#!/bin/sh
# imstore cpim: the corpus parsed to its expected JSON and errors, --strict,
# --sip, stdin, text output, usage errors, the JSON schema; no store needed.
. "$(dirname "$0")/test-lib.sh"

C=$IMS_SRCDIR/tests/corpus/cpim
S=$IMS_SRCDIR/tests/corpus/sip
SCHEMA=$IMS_SRCDIR/schemas/imstore-cpim-v1.schema.json
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	test_set_prereq JSONSCHEMA
fi

# corpus_run DIR FILE OPTION...: imstore cpim on DIR/FILE run from DIR (so
# that messages name the file as the .err files do); FILE.out, FILE.errout
# and FILE.rc in the scratch directory
corpus_run () {
	test_d_=$1 test_f_=$2
	shift 2
	(cd "$test_d_" && imstore cpim "$@" "$test_f_") \
		>"$TEST_DIR/$test_f_.out" 2>"$TEST_DIR/$test_f_.errout"
	echo $? >"$TEST_DIR/$test_f_.rc"
}

# corpus_check DIR EXT OPTION...: every ok-*.EXT prints its ok-*.json and
# exits 0; every bad-*.EXT exits 1 with nothing on stdout and its bad-*.err
corpus_check () {
	test_d_=$1 test_x_=$2
	shift 2
	test_n_=0
	for test_p_ in "$test_d_"/ok-*."$test_x_"; do
		test_b_=${test_p_##*/}
		corpus_run "$test_d_" "$test_b_" "$@" &&
		echo 0 >expect.rc && test_cmp expect.rc "$test_b_.rc" &&
		test_cmp "${test_p_%.*}.json" "$test_b_.out" &&
		test_must_be_empty "$test_b_.errout" || return 1
		test_n_=$((test_n_ + 1))
	done
	for test_p_ in "$test_d_"/bad-*."$test_x_"; do
		test_b_=${test_p_##*/}
		corpus_run "$test_d_" "$test_b_" "$@" &&
		echo 65 >expect.rc && test_cmp expect.rc "$test_b_.rc" &&
		test_must_be_empty "$test_b_.out" &&
		test_cmp "${test_p_%.*}.err" "$test_b_.errout" || return 1
		test_n_=$((test_n_ + 1))
	done
	echo "checked $test_n_ files"
	test "$test_n_" -gt 20
}

test_expect_success 'every CPIM corpus file: its expected JSON or error' '
	corpus_check "$C" cpim --format json
'

test_expect_success 'every SIP corpus file with --sip: its expected JSON or error' '
	corpus_check "$S" sip --sip --format json
'

test_expect_success 'each expected output and error is one line' '
	for f in "$C"/*.json "$C"/*.err "$S"/*.json "$S"/*.err; do
		test_line_count = 1 "$f" || return 1
	done
'

test_expect_success 'every expected file has its input and every input a file' '
	for f in "$C"/*.json "$C"/*.err; do
		test -f "${f%.*}.cpim" || { echo "no input for $f"; return 1; }
	done &&
	for f in "$S"/*.json "$S"/*.err; do
		test -f "${f%.*}.sip" || { echo "no input for $f"; return 1; }
	done &&
	for f in "$C"/ok-*.cpim "$S"/ok-*.sip; do
		test -f "${f%.*}.json" || { echo "no .json for $f"; return 1; }
	done &&
	for f in "$C"/bad-*.cpim "$S"/bad-*.sip; do
		test -f "${f%.*}.err" || { echo "no .err for $f"; return 1; }
	done
'

test_expect_success JSONSCHEMA 'every JSON output validates against the schema' '
	cat "$C"/ok-*.json "$S"/ok-*.json >all.json &&
	for f in "$C"/ok-*.cpim; do
		imstore cpim --format json "$f" || return 1
	done >>all.json &&
	for f in "$S"/ok-*.sip; do
		imstore cpim --sip --format json "$f" || return 1
	done >>all.json &&
	/usr/bin/python3 "$IMS_SRCDIR/tests/validate-json.py" "$SCHEMA" all.json
'

test_expect_success JSONSCHEMA 'the schema rejects a wrong document' '
	echo "{\"has_outer\": true}" >bad.json &&
	test_must_fail /usr/bin/python3 "$IMS_SRCDIR/tests/validate-json.py" "$SCHEMA" bad.json
'

test_expect_success 'an LF-only file: a warning by default, an error with --strict' '
	imstore cpim --format json $C/ok-12-lf-only.cpim | json_get warnings >out &&
	echo "[{\"code\":\"line ends with lf instead of crlf\",\"line\":1}]" >expect &&
	test_cmp expect out &&
	test_expect_code 65 imstore cpim --strict $C/ok-12-lf-only.cpim >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: cannot parse ${SQ}$C/ok-12-lf-only.cpim${SQ}: line 1, column 26: expected crlf line end" >expect &&
	test_cmp expect err
'

test_expect_success '--strict refuses the other leniencies' '
	test_expect_code 65 imstore cpim --strict $C/ok-13-stray-content-type.cpim 2>err &&
	echo "imstore: cannot parse ${SQ}$C/ok-13-stray-content-type.cpim${SQ}: line 2, column 1: expected blank line after outer mime headers" >expect &&
	test_cmp expect err &&
	test_expect_code 65 imstore cpim --strict $C/ok-14-extra-blank-line.cpim 2>err &&
	echo "imstore: cannot parse ${SQ}$C/ok-14-extra-blank-line.cpim${SQ}: line 3, column 1: unexpected blank line, expected a header" >expect &&
	test_cmp expect err &&
	printf "From: <sip:a@x>\r\nx.Foo: bar\r\n\r\nContent-Type: text/plain\r\n\r\nx" >undeclared &&
	imstore cpim --format json undeclared >out &&
	json_get warnings <out >got &&
	echo "[{\"code\":\"header prefix without ns declaration\",\"line\":2}]" >expect &&
	test_cmp expect got &&
	json_get headers <out >got &&
	grep -F "{\"lang\":null,\"name\":\"Foo\",\"ns\":null,\"prefix\":\"x\",\"value\":\"bar\"}" got &&
	test_expect_code 65 imstore cpim --strict undeclared 2>err &&
	echo "imstore: cannot parse ${SQ}undeclared${SQ}: line 2, column 1: undeclared namespace prefix ${SQ}x${SQ}" >expect &&
	test_cmp expect err
'

test_expect_success '--strict prints the same as the default for a conforming file' '
	n=0 &&
	for f in "$C"/ok-*.cpim; do
		imstore cpim --format json "$f" >lenient || return 1
		grep -q "\"warnings\":\[\]" lenient || continue
		imstore cpim --strict --format json "$f" >strict &&
		test_cmp lenient strict || return 1
		n=$((n + 1))
	done &&
	test "$n" -gt 20
'

test_expect_success '--sip --strict refuses an LF-only request' '
	imstore cpim --sip $S/ok-08-lf-only.sip >/dev/null &&
	test_expect_code 65 imstore cpim --sip --strict $S/ok-08-lf-only.sip 2>err &&
	echo "imstore: cannot parse ${SQ}$S/ok-08-lf-only.sip${SQ}: line 1, column 36: expected crlf line end" >expect &&
	test_cmp expect err
'

test_expect_success '--sip: the cpim object is what cpim prints for the body alone' '
	imstore cpim --sip --format json $S/ok-06-cpim-body.sip >out &&
	json_get cpim <out >from_sip &&
	off=$(json_get body <out | sed "s/.*\"offset\":\([0-9]*\).*/\1/") &&
	len=$(json_get body <out | sed "s/.*\"length\":\([0-9]*\).*/\1/") &&
	test "$off" = 328 && test "$len" = 252 &&
	tail -c +$((off + 1)) $S/ok-06-cpim-body.sip | head -c "$len" >body &&
	imstore cpim --format json body >alone &&
	json_norm <alone >alone.norm &&
	test_cmp alone.norm from_sip
'

test_expect_success '--sip: a body that is not message/cpim is not parsed' '
	imstore cpim --sip --format json $S/ok-01-message-basic.sip | json_get cpim >out &&
	echo null >expect &&
	test_cmp expect out
'

test_expect_success '--sip: a bad message/cpim body is an error, lines from the body' '
	printf "MESSAGE sip:b@x SIP/2.0\r\nFrom: <sip:a@x>\r\nTo: <sip:b@x>\r\nCall-ID: 1\r\nCSeq: 1 MESSAGE\r\nContent-Type: Message/CPIM;charset=utf-8\r\n\r\nFrom: <sip:a@x>\r\nTo: <sip:b@x\r\n\r\nContent-Type: text/plain\r\n\r\nx" >req.sip &&
	test_expect_code 65 imstore cpim --sip req.sip >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: cannot parse the message/cpim body of ${SQ}req.sip${SQ}: line 2, column 13: expected ${SQ}>${SQ} after uri in To header" >expect &&
	test_cmp expect err
'

test_expect_success 'a SIP request read without --sip is not CPIM' '
	test_expect_code 65 imstore cpim $S/ok-01-message-basic.sip 2>err &&
	grep "^imstore: cannot parse .*: line 1, column 8: expected ${SQ}:${SQ} after header name$" err
'

test_expect_success 'stdin: no operand or -; errors name it -' '
	imstore cpim --format json <$C/ok-05-rcs-text-plain.cpim >out &&
	test_cmp $C/ok-05-rcs-text-plain.json out &&
	imstore cpim --format json - <$C/ok-05-rcs-text-plain.cpim >out &&
	test_cmp $C/ok-05-rcs-text-plain.json out &&
	imstore cpim --sip --format json - <$S/ok-06-cpim-body.sip >out &&
	test_cmp $S/ok-06-cpim-body.json out &&
	test_expect_code 65 imstore cpim <$C/bad-05-datetime-feb29-2023.cpim 2>err &&
	echo "imstore: cannot parse ${SQ}-${SQ}: line 3, column 19: no such date in DateTime header" >expect &&
	test_cmp expect err &&
	test_expect_code 65 imstore cpim - </dev/null 2>err &&
	echo "imstore: cannot parse ${SQ}-${SQ}: line 1, column 1: expected cpim headers" >expect &&
	test_cmp expect err
'

# RFC 3339 years have four digits, 0999 included.
test_expect_success 'a DateTime before the year 1000 has a four-digit utc year' '
	printf "From: <sip:a@x>\r\nDateTime: 0999-05-05T10:00:00+01:00\r\n\r\nContent-Type: text/plain\r\n\r\nx" >y999.cpim &&
	imstore cpim --format json y999.cpim | json_get datetime >out &&
	echo "{\"text\":\"0999-05-05T10:00:00+01:00\",\"utc\":\"0999-05-05T09:00:00Z\"}" >expect &&
	test_cmp expect out
'

test_expect_success 'content offsets point at the content bytes, binary included' '
	off=$(imstore cpim --format json $C/ok-11-binary-content-nul.cpim |
		json_get content | sed "s/.*\"offset\":\([0-9]*\).*/\1/") &&
	test "$off" = 96 &&
	tail -c +$((off + 1)) $C/ok-11-binary-content-nul.cpim >content &&
	printf "\211PNG\r\n\032\n\000\000\000\rIHDR\000\000\000\001\000\377\376\r\n\r\n\000end" >expect &&
	cmp expect content
'

test_expect_success 'text output: key: value lines, warnings' '
	imstore cpim $C/ok-12-lf-only.cpim >out &&
	cat >expect <<-\EOF &&
	has_outer: no
	headers:
	  - From: <sip:a@example.com>
	  - To: <sip:b@example.com>
	  - DateTime: 2024-01-01T00:00:00Z
	from: <sip:a@example.com>
	to:
	  - <sip:b@example.com>
	datetime:
	  text: 2024-01-01T00:00:00Z
	  utc: 2024-01-01T00:00:00Z
	mime_headers:
	  - Content-Type: text/plain
	content_type: text/plain
	content:
	  offset: 108
	  length: 6
	warnings:
	  - line 1: line ends with lf instead of crlf
	EOF
	test_cmp expect out
'

test_expect_success 'text output: IMDN, names, languages' '
	imstore cpim $C/ok-21-imdn-record-route.cpim >out &&
	cat >expect <<-\EOF &&
	has_outer: no
	headers:
	  - From: <sip:a@example.com>
	  - To: <sip:b@example.com>
	  - NS: imdn <urn:ietf:params:imdn>
	  - imdn.Message-ID: rr-1
	  - imdn.Original-To: "Bob" <sip:bob@example.com>
	  - imdn.IMDN-Record-Route: <sip:as1.example.com>
	  - imdn.IMDN-Record-Route: <sip:as2.example.com>
	  - imdn.Disposition-Notification: positive-delivery, negative-delivery, processing
	from: <sip:a@example.com>
	to:
	  - <sip:b@example.com>
	ns:
	  - imdn <urn:ietf:params:imdn>
	imdn:
	  message_id: rr-1
	  disposition_notification:
	    - positive-delivery
	    - negative-delivery
	    - processing
	  original_to: "Bob" <sip:bob@example.com>
	  record_route:
	    - <sip:as1.example.com>
	    - <sip:as2.example.com>
	mime_headers:
	  - Content-Type: text/plain
	content_type: text/plain
	content:
	  offset: 360
	  length: 1
	EOF
	test_cmp expect out &&
	imstore cpim $C/ok-25-subject-multi-lang.cpim | grep "^  - \[" >out &&
	printf "  - [en] Hello\n  - [de] Hallo\n  - [fr] Bonjour\n" >expect &&
	test_cmp expect out
'

test_expect_success 'text output: control characters of decoded names are escaped' '
	printf "From: \"a\\\\u001b[2Jb\\\\tc\\\\u009b\" <sip:a@x>\r\nSubject:;lang=\"e\\\\u0007n\" hi\r\n\r\nContent-Type: text/plain\r\n\r\nx" >esc.cpim &&
	imstore cpim esc.cpim >out &&
	grep -x "from: \"a\\\\u001b\[2Jb\\\\tc\\\\u009b\" <sip:a@x>" out &&
	grep -x "  - \[e\\\\u0007n\] hi" out &&
	! grep -q "$(printf "\033")" out &&
	imstore cpim --format json esc.cpim >out &&
	json_norm <out >/dev/null &&
	grep -F "\"from\":{\"name\":\"a\\u001b[2Jb\\tc" out
'

test_expect_success 'text output of --sip' '
	imstore cpim --sip $S/ok-05-date-expires.sip >out &&
	cat >expect <<-\EOF &&
	method: MESSAGE
	request_uri: sip:bob@example.com
	from: "Alice" <sip:alice@example.com>;tag=49583
	to: <sip:bob@example.com>
	call_id: asd88asd77a@1.2.3.4
	cseq: 1
	date: 2010-11-13T23:29:00Z
	expires: 3600
	content_type: text/plain
	body:
	  offset: 343
	  length: 1
	EOF
	test_cmp expect out &&
	imstore cpim --sip $S/ok-06-cpim-body.sip >out &&
	grep -x "cpim:" out &&
	grep -x "  has_outer: no" out &&
	grep -x "    - imdn.Message-ID: m1" out
'

test_expect_success 'no store is opened: a missing store does not matter' '
	test_path=$TEST_DIR/no-such-store &&
	IMSTORE_STORE=$test_path imstore cpim $C/ok-01-rfc3862-example.cpim >out &&
	imstore cpim --store "$test_path" --format json $C/ok-01-rfc3862-example.cpim >out &&
	test_cmp $C/ok-01-rfc3862-example.json out &&
	! test -e "$test_path"
'

test_expect_success 'the imstore-cpim alias runs the same code' '
	ln -s "$IMSTORE" imstore-cpim &&
	./imstore-cpim --format json $C/ok-03-rfc5438-imdn-request.cpim >out &&
	test_cmp $C/ok-03-rfc5438-imdn-request.json out
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 64 imstore cpim $C/ok-01-rfc3862-example.cpim $C/ok-02-rfc3862-no-outer.cpim 2>err &&
	echo "imstore: cpim takes at most one FILE" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore cpim --format xml $C/ok-01-rfc3862-example.cpim 2>err &&
	echo "imstore: cpim does not support --format xml" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore cpim --sip=yes $C/ok-01-rfc3862-example.cpim 2>err &&
	test_expect_code 64 imstore cpim --nope 2>err &&
	echo "imstore: unknown option ${SQ}--nope${SQ} for cpim" >expect &&
	test_cmp expect err
'

test_expect_success 'an unreadable input exits 1' '
	test_expect_code 66 imstore cpim nosuch.cpim >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: cannot read ${SQ}nosuch.cpim${SQ}: no such file or directory" >expect &&
	test_cmp expect err &&
	test_expect_code 74 imstore cpim . 2>err &&
	grep "^imstore: cannot read ${SQ}.${SQ}: " err
'

test_done
