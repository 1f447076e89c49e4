#!/bin/sh
# imstore show: metadata and body by id or Message-ID, text and JSON,
# --raw bytes, unknown messages.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

test_expect_success 'setup' '
	imstore init >/dev/null &&
	printf "hello body\n" | imstore put -o $BOB -f "Alice <$ALICE>" -m txt1@example.com \
		--to $BOB --to "\"Carl C\" <sip:carl@example.com>" --cc sip:dora@example.com \
		--subject "Hi there" --conversation conv-9 --mode large --folder history \
		--received 2026-01-02T03:04:05Z --sent 2026-01-02T03:04:00+01:00 \
		--expires 2026-02-02T00:00:00Z --expired -H "X-Foo: bar" -H "P-Asserted-Identity: <$ALICE>" \
		>id.txt &&
	printf "a\000b\001\377\n" >bin &&
	imstore put -o $BOB -f $ALICE -m bin1 --type application/octet-stream \
		--received 2026-01-03T00:00:00Z bin >id.bin
'

test_expect_success 'show ID: metadata lines, a blank line, the body' '
	imstore show "$(cat id.txt)" >out &&
	cat >expect <<-EOF &&
	id: $(cat id.txt)
	owner: $BOB
	folder: history
	mode: large
	state: stored
	held: no
	from: "Alice" <$ALICE>
	to:
	  - <$BOB>
	  - "Carl C" <sip:carl@example.com>
	cc:
	  - <sip:dora@example.com>
	message_id: txt1@example.com
	conversation: conv-9
	received: 2026-01-02T03:04:05Z
	sent: 2026-01-02T02:04:00Z
	sent_text: 2026-01-02T03:04:00+01:00
	expires: 2026-02-02T00:00:00Z
	type: text/plain
	subject: Hi there
	size: 11
	headers:
	  - X-Foo: bar
	  - P-Asserted-Identity: <$ALICE>

	hello body
	EOF
	test_cmp expect out
'

test_expect_success 'show --format json includes the body' '
	imstore show --format json "$(cat id.txt)" >out &&
	test_line_count = 1 out &&
	cat >expect <<-EOF &&
	{"id":"$(cat id.txt)","owner":"$BOB","folder":"history","mode":"large",
	 "state":"stored","held":false,"from":{"uri":"$ALICE","name":"Alice"},
	 "to":[{"uri":"$BOB","name":null},{"uri":"sip:carl@example.com","name":"Carl C"}],
	 "cc":[{"uri":"sip:dora@example.com","name":null}],
	 "message_id":"txt1@example.com","conversation":"conv-9",
	 "received":"2026-01-02T03:04:05Z","sent":"2026-01-02T02:04:00Z",
	 "sent_text":"2026-01-02T03:04:00+01:00","expires":"2026-02-02T00:00:00Z",
	 "delivered":null,"type":"text/plain","subject":"Hi there","size":11,
	 "headers":[{"name":"X-Foo","value":"bar"},
	            {"name":"P-Asserted-Identity","value":"<$ALICE>"}],
	 "body":"hello body\n"}
	EOF
	tr -d "\n" <expect >expect.1 && echo >>expect.1 &&
	test_cmp_json expect.1 out
'

test_expect_success 'show --raw writes the exact body bytes' '
	imstore show --raw "$(cat id.txt)" >out &&
	printf "hello body\n" >expect &&
	cmp expect out &&
	imstore show --raw "$(cat id.bin)" >out &&
	cmp bin out
'

test_expect_success 'a binary body: a note in text, base64 in JSON' '
	imstore show "$(cat id.bin)" >out &&
	tail -n 2 out >actual &&
	printf "\n(binary body of 6 bytes: use --raw)\n" >expect &&
	test_cmp expect actual &&
	imstore show --format json "$(cat id.bin)" >out &&
	json_get body_base64 <out >actual &&
	echo YQBiAf8K >expect &&
	test_cmp expect actual &&
	json_get body <out >actual &&
	echo null >expect &&
	test_cmp expect actual
'

test_expect_success 'a UTF-8 text body is a JSON string' '
	printf "caf\303\251 \342\202\254\r\n" | imstore put -o $BOB -f $ALICE -m utf8body >id.u &&
	imstore show --format json "$(cat id.u)" | json_get body >out &&
	printf "caf\303\251 \342\202\254\r\n\n" >expect &&
	cmp expect out
'

test_expect_success 'a non-UTF-8 body gives valid JSON (body_base64)' '
	printf "caf\351\n" | imstore put -o $BOB -f $ALICE -m latin1 >id.l &&
	imstore show --format json "$(cat id.l)" >out &&
	json_get body_base64 <out >actual &&
	echo Y2Fm6Qo= >expect &&
	test_cmp expect actual
'

test_expect_success 'a body without a final newline is shown with one in text' '
	printf "no newline" | imstore put -o $BOB -f $ALICE -m nonl >id.nonl &&
	imstore show "$(cat id.nonl)" | tail -n 1 >out &&
	echo "no newline" >expect &&
	test_cmp expect out &&
	imstore show --raw "$(cat id.nonl)" >out &&
	printf "no newline" >expect &&
	cmp expect out
'

test_expect_success 'an id is case-insensitive' '
	imstore show --raw "$(tr A-Z a-z <id.bin)" >out &&
	cmp bin out
'

test_expect_success 'show by Message-ID with --owner' '
	imstore show -o $BOB txt1@example.com >out &&
	imstore show "$(cat id.txt)" >expect &&
	test_cmp expect out &&
	imstore show --owner "sip:bob@EXAMPLE.com;transport=tcp" --raw bin1 >out &&
	cmp bin out &&
	imstore show -o $BOB --folder history txt1@example.com >out &&
	test_cmp expect out
'

test_expect_success 'a Message-ID in both folders needs --folder' '
	echo deferred | imstore put -o $BOB -f $ALICE -m twice >id.d &&
	echo history | imstore put -o $BOB -f $ALICE -m twice --folder history >id.h &&
	test_expect_code 64 imstore show -o $BOB twice 2>err &&
	echo "imstore: message-id ${SQ}twice${SQ} is in both folders (give --folder)" >expect &&
	test_cmp expect err &&
	imstore show -o $BOB --folder history --raw twice >out &&
	echo history >expect &&
	test_cmp expect out &&
	imstore show -o $BOB --folder deferred --raw twice >out &&
	echo deferred >expect &&
	test_cmp expect out
'

test_expect_success 'a Message-ID without --owner is a usage error' '
	test_expect_code 64 imstore show txt1@example.com 2>err &&
	echo "imstore: ${SQ}txt1@example.com${SQ} is not an id; to show by Message-ID give --owner" >expect &&
	test_cmp expect err
'

test_expect_success 'an unknown id exits 1: no message' '
	test_expect_code 68 imstore show 01M80SEB8JR9WEK5WW19K1MNXD >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: no message ${SQ}01M80SEB8JR9WEK5WW19K1MNXD${SQ}" >expect &&
	test_cmp expect err &&
	test_expect_code 68 imstore show --raw 01M80SEB8JR9WEK5WW19K1MNXD >out 2>err &&
	test_must_be_empty out &&
	test_cmp expect err
'

test_expect_success 'an unknown Message-ID or owner exits 1: no message' '
	test_expect_code 68 imstore show -o $BOB nosuch 2>err &&
	echo "imstore: no message ${SQ}nosuch${SQ}" >expect &&
	test_cmp expect err &&
	test_expect_code 68 imstore show -o sip:nobody@example.com txt1@example.com 2>err &&
	echo "imstore: no message ${SQ}txt1@example.com${SQ}" >expect &&
	test_cmp expect err &&
	test_expect_code 68 imstore show -o $BOB --folder deferred txt1@example.com 2>err &&
	test_cmp expect err
'

test_expect_success 'show needs exactly one operand' '
	test_expect_code 64 imstore show 2>err &&
	echo "imstore: show takes one ID or Message-ID" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore show "$(cat id.txt)" "$(cat id.bin)" 2>err &&
	test_cmp expect err
'

test_expect_success 'an unknown --folder is a usage error' '
	test_expect_code 64 imstore show -o $BOB --folder inbox twice 2>err &&
	echo "imstore: unknown folder ${SQ}inbox${SQ} (expected deferred or history)" >expect &&
	test_cmp expect err
'

test_expect_success 'show of a deleted message: no message' '
	imstore delete "$(cat id.nonl)" >/dev/null &&
	test_expect_code 68 imstore show "$(cat id.nonl)" 2>err &&
	echo "imstore: no message ${SQ}$(cat id.nonl)${SQ}" >expect &&
	test_cmp expect err
'

test_done
