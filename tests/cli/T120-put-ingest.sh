#!/bin/sh
# imstore put --cpim and --sip: metadata from real IM payloads, the payload
# bytes kept exactly, malformed input refused with nothing stored.
. "$(dirname "$0")/test-lib.sh"

C=$IMS_SRCDIR/tests/corpus/cpim
S=$IMS_SRCDIR/tests/corpus/sip

test_expect_success 'setup' '
	imstore init >/dev/null
'

test_expect_success '--cpim fills the record from the CPIM headers' '
	imstore put --owner sip:bob@example.com --cpim $C/ok-03-rfc5438-imdn-request.cpim >id &&
	imstore show --format json "$(cat id)" >out &&
	json_get message_id <out >got && echo 34jk324j >expect && test_cmp expect got &&
	json_get from <out >got &&
	echo "{\"name\":\"Alice\",\"uri\":\"im:alice@example.com\"}" >expect && test_cmp expect got &&
	json_get to <out >got &&
	echo "[{\"name\":\"Bob\",\"uri\":\"im:bob@example.com\"}]" >expect && test_cmp expect got &&
	json_get sent <out >got && echo 2006-04-04T17:16:49Z >expect && test_cmp expect got &&
	json_get sent_text <out >got && echo 2006-04-04T12:16:49-05:00 >expect && test_cmp expect got &&
	json_get type <out >got && echo text/plain >expect && test_cmp expect got
'

test_expect_success '--cpim stores the whole payload bytes as the body' '
	imstore show --raw "$(cat id)" >raw &&
	cmp raw $C/ok-03-rfc5438-imdn-request.cpim
'

test_expect_success 'the same payload again stores nothing and prints the same id' '
	imstore put --owner sip:bob@example.com --cpim - <$C/ok-03-rfc5438-imdn-request.cpim >id2 &&
	test_cmp id id2 &&
	echo 1 >expect && imstore list --count >got && test_cmp expect got
'

test_expect_success 'without --owner the CPIM To is the owner (the recipient)' '
	imstore put --cpim $C/ok-03-rfc5438-imdn-request.cpim >id3 &&
	imstore show --format json "$(cat id3)" | json_get owner >got &&
	echo im:bob@example.com >expect && test_cmp expect got
'

test_expect_success 'options given explicitly win over the payload' '
	imstore put --owner sip:bob@example.com --message-id chosen --subject Mine \
		--cpim $C/ok-03-rfc5438-imdn-request.cpim >id4 &&
	imstore show --format json "$(cat id4)" >out &&
	json_get message_id <out >got && echo chosen >expect && test_cmp expect got &&
	json_get subject <out >got && echo Mine >expect && test_cmp expect got
'

test_expect_success 'a payload without imdn.Message-ID needs --message-id' '
	test_expect_code 64 imstore put --owner sip:bob@example.com \
		--cpim $C/ok-01-rfc3862-example.cpim 2>err &&
	grep "^imstore: the message needs --message-id (the input does not give it)$" err
'

test_expect_success 'malformed CPIM is refused, with line and column, nothing stored' '
	imstore list --count >before &&
	for f in $C/bad-*.cpim; do
		test_expect_code 65 imstore put --owner sip:bob@example.com --message-id x \
			--cpim "$f" 2>err &&
		grep "^imstore: cannot parse message/cpim " err || return 1
	done &&
	grep -q "line [0-9]*, column [0-9]*" err &&
	imstore list --count >after && test_cmp before after
'

test_expect_success '--strict refuses LF-only line ends that lenient parsing accepts' '
	test_expect_code 65 imstore put --strict --owner sip:bob@example.com \
		--message-id lf1 --cpim $C/ok-12-lf-only.cpim 2>err &&
	imstore put --owner sip:bob@example.com --message-id lf1 \
		--cpim $C/ok-12-lf-only.cpim >/dev/null
'

test_expect_success '--sip: owner from the Request-URI, originator, CPIM body' '
	imstore put --sip $S/ok-06-cpim-body.sip >sid &&
	imstore show --format json "$(cat sid)" >out &&
	json_get owner <out >got && echo sip:bob@example.com >expect && test_cmp expect got &&
	json_get message_id <out >got && echo m1 >expect && test_cmp expect got &&
	json_get sent <out >got && echo 2024-05-06T10:11:12Z >expect && test_cmp expect got &&
	json_get type <out >got && echo "text/plain;charset=UTF-8" >expect && test_cmp expect got &&
	json_get from <out >got &&
	echo "{\"name\":\"Alice\",\"uri\":\"sip:alice@example.com\"}" >expect && test_cmp expect got
'

test_expect_success '--sip keeps the body bytes exactly (after the blank line)' '
	imstore show --raw "$(cat sid)" >raw &&
	perl -0777 -ne "print substr(\$_, index(\$_, qq(\\r\\n\\r\\n)) + 4)" \
		$S/ok-06-cpim-body.sip >expect &&
	cmp expect raw
'

test_expect_success '--sip: P-Asserted-Identity is the originator, Call-ID is kept' '
	imstore put --sip $S/ok-04-pai-multiple.sip >pid &&
	imstore show --format json "$(cat pid)" >out &&
	json_get from <out >got &&
	echo "{\"name\":\"Alice Smith\",\"uri\":\"sip:alice@example.com\"}" >expect &&
	test_cmp expect got &&
	json_get headers <out | grep "Call-ID" &&
	json_get headers <out | grep "P-Asserted-Identity"
'

test_expect_success 'every valid SIP request of the corpus stores' '
	for f in $S/ok-*.sip; do
		imstore put --sip "$f" >/dev/null || return 1
	done
'

test_expect_success 'malformed SIP requests are refused and nothing is stored' '
	imstore list --count >before &&
	for f in $S/bad-*.sip; do
		test_expect_code 65 imstore put --sip "$f" 2>err &&
		grep "^imstore: cannot parse SIP request " err || return 1
	done &&
	imstore list --count >after && test_cmp before after
'

test_expect_success '--cpim and --sip together, or with a FILE operand: usage errors' '
	test_expect_code 64 imstore put --cpim a --sip b &&
	test_expect_code 64 imstore put --cpim a file
'

test_done
