#!/bin/sh
# A store written by an earlier build (record version 1, body chunk methods
# 0 and 1: tests/fixtures/mk-v1-store.sh at cddf26e) opens, reads byte for
# byte and verifies in this one, and takes new messages beside the old.
. "$(dirname "$0")/test-lib.sh"

FX=$IMS_SRCDIR/tests/fixtures

test_expect_success 'setup: the store loaded from its dump' '
	mkdir store &&
	mdb_load -f "$FX/v1-store.dump" store 2>err &&
	test -s store/data.mdb
'

# the format key of the store: 1 or 3
format_is () {
	mdb_dump -p -s meta store >meta.dump &&
	grep -A1 -x " format" meta.dump | tail -1 >got &&
	printf " \\\\00\\\\00\\\\00\\\\0%s\n" "$1" >want &&
	test_cmp want got &&
	imstore stats --format json >stats.json &&
	grep "\"format\":$1[,}]" stats.json
}

test_expect_success 'the dump is of format 1' '
	format_is 1
'

test_expect_success 'verify finds the old store sound' '
	imstore verify >out &&
	grep "store is sound: 5 messages checked" out
'

test_expect_success 'list: every field as the old build listed it' '
	imstore list --format json >out &&
	test_cmp "$FX/v1-store.list.json" out
'

test_expect_success 'show --raw: every body byte for byte' '
	while read -r id sum; do
		got=$(imstore show --raw "$id" | sha256sum | cut -d" " -f1) &&
		test "$got" = "$sum" || { echo "body of $id differs"; return 1; }
	done <"$FX/v1-store.sha256"
'

test_expect_success 'reading leaves it at format 1' '
	format_is 1
'

test_expect_success 'new messages beside the old, then a change to an old record' '
	printf "hello again, hello again, hello again, hello again\n" |
		imstore put -o sip:bob@example.com -f sip:alice@example.com -m new1 \
		--subject "new" >id.new &&
	imstore put -o sip:bob@example.com -f sip:alice@example.com -m txt1@example.com \
		--folder history </dev/null >dup &&
	echo 01M8X6G1WBGM0D768QJ90RRAHD >expect &&
	test_cmp expect dup &&
	imstore hold -r "again" msgid:bin1 >/dev/null &&
	imstore verify >out &&
	grep "store is sound: 6 messages checked" out &&
	imstore list --format json msgid:bin1 >out &&
	grep "\"held\":true" out &&
	test "$(imstore show --raw "$(cat id.new)")" = "hello again, hello again, hello again, hello again"
'

test_expect_success 'a writable open marked it format 3' '
	format_is 3
'

test_expect_success 'export of the mixed store verifies' '
	imstore export -o out.tar.gz >/dev/null &&
	imstore verify-archive out.tar.gz >/dev/null
'

test_done
