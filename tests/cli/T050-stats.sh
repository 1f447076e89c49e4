#!/bin/sh
# imstore stats: totals per folder, owners, bytes; text and JSON.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

# The lines of text stats that do not depend on LMDB's file layout.
stable () {
	grep -v -E "^(file_bytes|map_bytes|page_size|pages_used|stored_bytes):"
}

test_expect_success 'stats of an empty store' '
	imstore init >/dev/null &&
	imstore stats | stable >out &&
	cat >expect <<-EOF &&
	store: $IMSTORE_STORE
	format: 1
	total:
	  messages: 0
	  bytes: 0
	deferred:
	  messages: 0
	  bytes: 0
	history:
	  messages: 0
	  bytes: 0
	owners: 0
	EOF
	test_cmp expect out
'

test_expect_success 'stats count messages and bytes per folder and owners' '
	head -c 100 /dev/zero | imstore put -o $BOB -f $ALICE -m s1 >/dev/null &&
	head -c 200 /dev/zero | imstore put -o $BOB -f $ALICE -m s2 --folder history >/dev/null &&
	head -c 300 /dev/zero | imstore put -o $ALICE -f $BOB -m s3 >/dev/null &&
	head -c 400 /dev/zero | imstore put -o sip:Bob@example.com -f $BOB -m s4 --folder history >/dev/null &&
	imstore stats | stable >out &&
	cat >expect <<-EOF &&
	store: $IMSTORE_STORE
	format: 1
	total:
	  messages: 4
	  bytes: 1000
	deferred:
	  messages: 2
	  bytes: 400
	history:
	  messages: 2
	  bytes: 600
	owners: 3
	EOF
	test_cmp expect out
'

test_expect_success 'a repeated put does not change the stats' '
	imstore stats | stable >before &&
	head -c 100 /dev/zero | imstore put -o $BOB -f $ALICE -m s1 >/dev/null &&
	imstore stats | stable >after &&
	test_cmp before after
'

test_expect_success 'stats --format json' '
	imstore stats --format json >out &&
	test_line_count = 1 out &&
	cat >expect <<-EOF &&
	{"store":"$IMSTORE_STORE","format":1,"total":{"messages":4,"bytes":1000},
	 "deferred":{"messages":2,"bytes":400},"history":{"messages":2,"bytes":600},
	 "owners":3}
	EOF
	tr -d "\n" <expect >expect.1 && echo >>expect.1 &&
	test_cmp_json expect.1 out stored_bytes file_bytes map_bytes page_size pages_used
'

test_expect_success 'the layout numbers are there and plausible' '
	imstore stats --format json >out &&
	for k in stored_bytes file_bytes map_bytes page_size pages_used; do
		v=$(json_get $k <out) &&
		test "$v" -gt 0 || return 1
	done &&
	test $(json_get stored_bytes <out) -le 1000 &&
	test $(json_get file_bytes <out) -eq $(stat -c %s store/data.mdb)
'

test_expect_success 'stats agree with list --count' '
	imstore list --count >n &&
	imstore stats --format json | json_get total | json_get messages >m &&
	test_cmp n m &&
	imstore list --count folder:history >n &&
	imstore stats --format json | json_get history | json_get messages >m &&
	test_cmp n m
'

test_expect_success 'stats follow deletes; an owner with no message left is not counted' '
	imstore delete owner:$ALICE >/dev/null &&
	imstore delete msgid:s2 >/dev/null &&
	imstore stats | stable >out &&
	cat >expect <<-EOF &&
	store: $IMSTORE_STORE
	format: 1
	total:
	  messages: 2
	  bytes: 500
	deferred:
	  messages: 1
	  bytes: 100
	history:
	  messages: 1
	  bytes: 400
	owners: 2
	EOF
	test_cmp expect out
'

test_expect_success 'stored_bytes is smaller than bytes for a compressible body' '
	yes "compress me please" | head -c 1048576 |
		imstore put -o $BOB -f $ALICE -m big >/dev/null &&
	imstore stats --format json >out &&
	test $(json_get stored_bytes <out) -lt 524288
'

test_expect_success 'stats takes no operands' '
	test_expect_code 2 imstore stats extra 2>err &&
	echo "imstore: stats takes no operands" >expect &&
	test_cmp expect err
'

test_done
