#!/bin/sh
# imstore check: the permission and sanity audit (postfix check): each
# finding a line with its severity; the exit status says whether anything
# was found.
. "$(dirname "$0")/test-lib.sh"

HOLD=${IMS_BUILDDIR:-$IMS_SRCDIR/build}/reliability/holdreader
test -x "$HOLD" && test_set_prereq HOLD
test -r /proc/locks && test_set_prereq PROC_LOCKS
FX=$IMS_SRCDIR/tests/fixtures

trap 'for p in $(cat "$TEST_DIR/bg.pids" 2>/dev/null); do kill -9 $p 2>/dev/null; done; test_cleanup' EXIT

test_expect_success 'a new store: nothing found, exit 0' '
	imstore init >/dev/null &&
	echo hi | imstore put -o sip:bob@example.com -f sip:alice@example.com -m m1 >/dev/null &&
	imstore check >out &&
	test_must_be_empty out
'

test_expect_success 'a directory open to others: a warning, exit 1' '
	chmod 755 store &&
	test_expect_code 1 imstore check >out &&
	echo "warning: mode: ${SQ}$IMSTORE_STORE${SQ} is open to its group or others (mode 0755, 0700 expected)" >expect &&
	test_cmp expect out &&
	chmod 700 store
'

test_expect_success 'a data file writable by everyone or by its group: an error' '
	chmod 666 store/data.mdb &&
	test_expect_code 1 imstore check >out &&
	grep "^error: world-writable: ${SQ}$IMSTORE_STORE/data.mdb${SQ} is writable by everyone (mode 0666)" out &&
	{ imstore verify >vout 2>&1; true; } && grep "writable by everyone" vout &&
	chmod 620 store/lock.mdb && chmod 600 store/data.mdb &&
	test_expect_code 1 imstore check >out &&
	echo "error: group-writable: ${SQ}$IMSTORE_STORE/lock.mdb${SQ} is writable by its group (mode 0620)" >expect &&
	test_cmp expect out &&
	chmod 600 store/lock.mdb && imstore check
'

test_expect_success 'a file of another owner, a stranger, a compaction left behind' '
	if test_have_prereq !NOT_ROOT; then
		chown 65534 store/lock.mdb &&
		test_expect_code 1 imstore check >out &&
		grep "^error: owner: ${SQ}$IMSTORE_STORE/lock.mdb${SQ} belongs to uid 65534, the store directory to uid 0$" out &&
		chown 0 store/lock.mdb
	fi &&
	touch store/data.mdb.compact-Ab12Cd store/notes &&
	chmod 600 store/data.mdb.compact-Ab12Cd store/notes &&
	test_expect_code 1 imstore check --format json >out.json &&
	grep "\"severity\":\"warning\",\"check\":\"stale-file\",\"path\":\"$IMSTORE_STORE/data.mdb.compact-Ab12Cd\"" out.json &&
	grep "\"severity\":\"warning\",\"check\":\"file\",\"path\":\"$IMSTORE_STORE/notes\"" out.json &&
	test_line_count = 2 out.json &&
	/usr/bin/python3 $IMS_SRCDIR/tests/validate-json.py $IMS_SRCDIR/schemas/imstore-output-v1.schema.json out.json &&
	rm store/data.mdb.compact-Ab12Cd store/notes &&
	imstore check
'

test_expect_success HOLD,PROC_LOCKS 'a reader slot of a process killed with -9' '
	{ "$HOLD" open store >k.out & } &&
	keeper=$! && echo $keeper >>bg.pids &&
	{ "$HOLD" hold store >r.out & } &&
	r=$! && echo $r >>bg.pids &&
	i=0 && while ! grep -q "^ready" r.out 2>/dev/null || ! grep -q "^ready" k.out; do
		i=$((i + 1)) && test $i -lt 100 || return 1; sleep 0.05
	done &&
	kill -9 $r && { wait $r 2>/dev/null; true; } &&
	test_expect_code 1 imstore check >out &&
	grep "^warning: stale-reader: a reader slot of pid $r, which no longer exists, holds snapshot [0-9]* (the next open reclaims it)$" out &&
	kill -9 $keeper && { wait $keeper 2>/dev/null; true; } &&
	imstore check
'

test_expect_success MDB_TOOLS 'a store left at format 1' '
	mkdir old && mdb_load -f "$FX/v1-store.dump" old &&
	chmod 700 old && chmod 600 old/* &&
	test_expect_code 1 imstore -s old check >out &&
	echo "warning: format: the store is at format 1: the next writable open upgrades it to 3" >expect &&
	test_cmp expect out
'

test_expect_success 'a backup never opened (no lock.mdb) is a sound store' '
	imstore backup copy >/dev/null && test ! -e copy/lock.mdb &&
	imstore -s copy check >out &&
	test_must_be_empty out
'

test_expect_success 'no store, an operand' '
	test_expect_code 66 imstore -s nowhere check 2>err &&
	grep "no store at" err &&
	test_expect_code 64 imstore check x
'

test_done
