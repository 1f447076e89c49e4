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
	format: 3
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
	format: 3
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
	{"store":"$IMSTORE_STORE","format":3,"total":{"messages":4,"bytes":1000},
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
	format: 3
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
	test_expect_code 64 imstore stats extra 2>err &&
	echo "imstore: stats takes no operands" >expect &&
	test_cmp expect err
'

test_expect_success 'setup: a store for the reports' '
	Q="--store $TEST_DIR/q" &&
	imstore $Q init >/dev/null &&
	ago () { date -u -d "-$1 minutes" +%Y-%m-%dT%H:%M:%SZ; } &&
	n=0 &&
	for spec in bob@example.com:2 bob@example.com:7 al@example.com:7 \
	            al@example.com:100 cy@other.org:2000 cy@other.org:30; do
		n=$((n + 1)) &&
		echo "m$n" | imstore $Q put -o "sip:${spec%:*}" -f $ALICE -m m$n \
			--received "$(ago ${spec#*:})" >/dev/null || return 1
	done &&
	printf "<p>" | imstore $Q put -o sip:bob@example.com -f $ALICE -m h1 \
		--type "Text/HTML; charset=UTF-8" >/dev/null &&
	printf "12345" | imstore $Q put -o tel:+15550100 -f $ALICE -m h2 --folder history \
		--type application/octet-stream >/dev/null
'

test_expect_success 'stats --types: per media type, without parameters' '
	imstore $Q stats --types | sed -n "/^types:/,\$p" >out &&
	cat >expect <<-EOF &&
	types:
	  text/plain: 6 messages, 18 bytes
	  application/octet-stream: 1 message, 5 bytes
	  text/html: 1 message, 3 bytes
	EOF
	test_cmp expect out
'

test_expect_success 'stats --owners and --top N: the owners with most messages' '
	imstore $Q stats --owners | sed -n "/^top owners:/,\$p" >out &&
	cat >expect <<-EOF &&
	top owners:
	  sip:bob@example.com: 3 messages, 9 bytes
	  sip:al@example.com: 2 messages, 6 bytes
	  sip:cy@other.org: 2 messages, 6 bytes
	  tel:+15550100: 1 message, 5 bytes
	EOF
	test_cmp expect out &&
	imstore $Q stats --top 1 | sed -n "/^top owners:/,\$p" >out &&
	head -n 2 expect >expect.1 && test_cmp expect.1 out
'

test_expect_success 'stats --queue: deferred messages by recipient domain and age (qshape)' '
	imstore $Q stats --queue | sed -n "/^deferred queue:/,\$p" >out &&
	cat >expect <<-EOF &&
	deferred queue:
	                   T     5m    10m    20m    40m    80m   160m   320m   640m  1280m 1280m+
	        TOTAL      7      2      2      0      1      0      1      0      0      0      1
	  example.com      5      2      2      0      0      0      1      0      0      0      0
	    other.org      2      0      0      0      1      0      0      0      0      0      1
	EOF
	test_cmp expect out &&
	imstore $Q stats --queue --top 1 | tail -n 2 >out &&
	printf "  example.com      5      2      2      0      0      0      1      0      0      0      0\n" >expect &&
	printf "      (other)      2      0      0      0      1      0      0      0      0      0      1\n" >>expect &&
	test_cmp expect out
'

test_expect_success 'the reports in JSON; they validate' '
	imstore $Q stats --format json --types --owners --queue --top 2 >out.json &&
	json_get queue <out.json | json_get total >got &&
	echo "{\"ages\":[2,2,0,1,0,1,0,0,0,1],\"bytes\":21,\"messages\":7}" >expect &&
	test_cmp_json expect got &&
	json_get top_owners <out.json >got &&
	echo "[{\"bytes\":9,\"messages\":3,\"owner\":\"sip:bob@example.com\"},{\"bytes\":6,\"messages\":2,\"owner\":\"sip:al@example.com\"}]" >expect &&
	test_cmp_json expect got &&
	if /usr/bin/python3 -c "import jsonschema" 2>/dev/null; then
		/usr/bin/python3 "$IMS_SRCDIR/tests/validate-json.py" \
			"$IMS_SRCDIR/schemas/imstore-output-v1.schema.json" out.json
	fi
'

test_expect_success 'stats --owners --sort bytes ranks and chooses the owners by bytes' '
	imstore -s sorted init >/dev/null &&
	for i in 1 2 3; do
		echo hi | imstore -s sorted put -o sip:many@example.com -f sip:a@example.com -m s$i \
			>/dev/null || return 1
	done &&
	head -c 9000 /dev/zero | tr "\0" b |
		imstore -s sorted put -o sip:big@example.com -f sip:a@example.com -m b1 >/dev/null &&
	echo hello | imstore -s sorted put -o sip:one@example.com -f sip:a@example.com -m o1 \
		>/dev/null &&
	imstore -s sorted stats --owners --sort count | sed -n "/^top owners:/,\$p" >out &&
	cat >expect <<-\EOF &&
	top owners:
	  sip:many@example.com: 3 messages, 9 bytes
	  sip:big@example.com: 1 message, 9000 bytes
	  sip:one@example.com: 1 message, 6 bytes
	EOF
	test_cmp expect out &&
	imstore -s sorted stats --sort bytes | sed -n "/^top owners:/,\$p" >out &&
	cat >expect <<-\EOF &&
	top owners:
	  sip:big@example.com: 1 message, 9000 bytes
	  sip:many@example.com: 3 messages, 9 bytes
	  sip:one@example.com: 1 message, 6 bytes
	EOF
	test_cmp expect out &&
	imstore -s sorted stats --owners --sort bytes --top 1 --format json >out.json &&
	json_get top_owners <out.json >got &&
	echo "[{\"bytes\":9000,\"messages\":1,\"owner\":\"sip:big@example.com\"}]" >expect &&
	test_cmp_json expect got &&
	imstore -s sorted stats --owners --top 1 --format json >out.json &&
	json_get top_owners <out.json >got &&
	echo "[{\"bytes\":9,\"messages\":3,\"owner\":\"sip:many@example.com\"}]" >expect &&
	test_cmp_json expect got &&
	test_expect_code 64 imstore -s sorted stats --sort size 2>err &&
	grep "expected count or bytes" err
'

test_expect_success 'stats --top needs a number from 1 to 10000' '
	test_expect_code 64 imstore $Q stats --top 0 2>err &&
	grep "invalid number .0. for --top" err &&
	test_expect_code 64 imstore $Q stats --top 10001
'

test_done
