#!/bin/sh
# imstore purge: retention in short transactions; held messages kept;
# recorded in the audit trail.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: 300 old and 20 recent messages, 2 held' '
	imstore init >/dev/null &&
	i=0 && while [ $i -lt 300 ]; do
		echo "old $i" | imstore put -o sip:a@x.org -f sip:f@x.org -m old$i \
			--received 2020-01-01T00:00:00Z >/dev/null || return 1
		i=$((i + 1))
	done &&
	i=0 && while [ $i -lt 20 ]; do
		echo "new $i" | imstore put -o sip:a@x.org -f sip:f@x.org -m new$i >/dev/null || return 1
		i=$((i + 1))
	done &&
	imstore hold --reason keep msgid:old1 or msgid:old2 >/dev/null
'

test_expect_success '--older-than with a filter: both must match; before the year 1 refused' '
	imstore purge --dry-run --older-than 365d msgid:old7 or msgid:new3 >out &&
	echo "would purge 1 message (6 bytes)" >expect && test_cmp expect out &&
	imstore purge --dry-run --older-than 1h msgid:old7 or msgid:new3 >out &&
	echo "would purge 1 message (6 bytes)" >expect && test_cmp expect out &&
	imstore purge --dry-run --older-than 0s msgid:new3 >out &&
	echo "would purge 1 message (6 bytes)" >expect && test_cmp expect out &&
	test_expect_code 64 imstore purge --older-than 3000000d 2>err &&
	echo "imstore: invalid filter ${SQ}older:3000000d${SQ}: invalid duration ${SQ}3000000d${SQ} (years 1 to 9999 only)" >expect &&
	test_cmp expect err
'

test_expect_success 'purge needs something to select; everything is refused' '
	test_expect_code 64 imstore purge 2>err && grep "needs a FILTER" err &&
	test_expect_code 64 imstore purge "*" 2>err && grep "refusing to purge every message" err
'

test_expect_success '--dry-run reports exactly what would go' '
	imstore purge --dry-run --older-than 365d >out &&
	echo "would purge 298 messages (2278 bytes), kept 2 under legal hold" >expect &&
	test_cmp expect out &&
	imstore list --count >got && echo 320 >expect && test_cmp expect got
'

test_expect_success 'purge in small transactions, held messages kept' '
	imstore purge --older-than 365d --batch 50 --format json >out.json &&
	json_get purged <out.json >got && echo 298 >expect && test_cmp expect got &&
	json_get transactions <out.json >got && test "$(cat got)" -ge 6 &&
	imstore list --count >got && echo 22 >expect && test_cmp expect got &&
	imstore list --count state:held >got && echo 2 >expect && test_cmp expect got
'

test_expect_success 'recorded in the audit trail' '
	imstore audit | grep "	purge	" | cut -f4,5 >got &&
	printf "298\t--older-than 365d\n" >expect && test_cmp expect got
'

test_expect_success 'a second purge finds nothing more' '
	imstore purge --older-than 365d >out &&
	grep "^purged 0 messages" out
'

test_expect_success '--expired --dry-run reports exactly what --expired removes' '
	i=0 && while [ $i -lt 6 ]; do
		echo "e$i" | imstore put -o sip:e@x.org -f sip:f@x.org -m e$i \
			--expires 2020-01-02T00:00:00Z --expired >/dev/null || return 1
		echo "x$i" | imstore put -o sip:e@x.org -f sip:f@x.org -m x$i >/dev/null || return 1
		i=$((i + 1))
	done &&
	echo "z" | imstore put -o sip:z@x.org -f sip:f@x.org -m z0 \
		--expires 2020-01-02T00:00:00Z --expired >/dev/null &&
	imstore hold --reason keep msgid:e0 or msgid:x0 >/dev/null &&
	imstore purge --expired --dry-run owner:sip:e@x.org >out &&
	echo "would purge 5 messages (15 bytes) and 6 expired deferred, kept 2 under legal hold" >expect &&
	test_cmp expect out &&
	test "$(imstore list --count owner:sip:e@x.org or owner:sip:z@x.org)" = 13 &&
	imstore purge --expired --dry-run --format json >out.json &&
	json_get expired <out.json >got && echo 6 >expect && test_cmp expect got &&
	json_get would_purge <out.json >got && echo 0 >expect && test_cmp expect got &&
	imstore purge --expired owner:sip:e@x.org >out &&
	grep "^purged 5 messages (15 bytes) and 6 expired deferred, kept 2 under legal hold in " out &&
	imstore list --format json owner:sip:e@x.org or owner:sip:z@x.org |
		json_get message_id | sort >got &&
	printf "e0\nx0\n" >expect && test_cmp expect got
'

if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	test_set_prereq JSONSCHEMA
fi

test_expect_success '--notices: the failure notices (RFC 5438) the senders of expired messages asked for' '
	RFC=$IMS_SRCDIR/tests/corpus/cpim/ok-03-rfc5438-imdn-request.cpim &&
	sed "s/positive-delivery, display/negative-delivery/" "$RFC" >asks.cpim &&
	imstore put --cpim asks.cpim -o im:bob@example.com \
		--expires 2020-01-02T00:00:00Z --expired >/dev/null &&
	imstore put --cpim "$RFC" -o im:carol@example.com -m n2 \
		--expires 2020-01-02T00:00:00Z --expired >/dev/null &&
	imstore put --cpim asks.cpim -o im:dave@example.com -m n3 >/dev/null &&
	test_expect_code 64 imstore purge --notices msgid:n3 2>err &&
	echo "imstore: --notices needs --expired" >expect && test_cmp expect err &&
	imstore purge --expired --notices --dry-run >out &&
	grep -c "^notice	" out >got && echo 1 >expect && test_cmp expect got &&
	head -1 out >got &&
	printf "notice\tim:alice@example.com\tim:bob@example.com\t34jk324j\n" >expect &&
	test_cmp expect got &&
	tail -1 out >got &&
	echo "would purge 0 messages (0 bytes) and 2 expired deferred, 1 failure notice" >expect &&
	test_cmp expect got &&
	sed -n "2,/^<\/imdn>/p" out >notice.cpim &&
	imstore cpim --strict notice.cpim >parsed &&
	grep "^from: <im:bob@example.com>" parsed &&
	grep "^  - To: <im:alice@example.com>" parsed &&
	sed -n "/^<?xml/,/^<\/imdn>/p" notice.cpim >imdn.xml &&
	grep "<failed/>" imdn.xml && grep "<message-id>34jk324j</message-id>" imdn.xml &&
	xmllint --noout --schema "$IMS_SRCDIR/schemas/imdn.xsd" imdn.xml
'

test_expect_success '--notices, then the sweep; in the audit trail' '
	imstore purge --expired --notices --format json >out.json &&
	head -1 out.json | json_get notice >got && test -s got &&
	tail -1 out.json | json_get notices >got && echo 1 >expect && test_cmp expect got &&
	tail -1 out.json | json_get expired >got && echo 2 >expect && test_cmp expect got &&
	imstore purge --expired --notices >out &&
	echo "purged 0 messages (0 bytes), 0 failure notices" >expect &&
	cut -d" " -f1-8 out | sed "s/ in$//" >got && test_cmp expect got &&
	imstore audit | grep "	purge	" | tail -1 | cut -f4,5 >got &&
	printf "2\t--expired --notices\n" >expect && test_cmp expect got &&
	test "$(imstore list --count owner:im:dave@example.com)" = 1
'

test_expect_success JSONSCHEMA '--notices output validates' '
	/usr/bin/python3 "$IMS_SRCDIR/tests/validate-json.py" \
		"$IMS_SRCDIR/schemas/imstore-output-v1.schema.json" out.json
'

test_done
