#!/bin/sh
# The flag audit: nothing in the library trades durability for speed (no
# MDB_NOSYNC, MDB_NOMETASYNC, MDB_WRITEMAP, MDB_MAPASYNC or MDB_NOLOCK),
# eatmydata is not faking the syncs of these tests, and strace shows the
# order of an acknowledged put: data pages written, fdatasync of them, the
# meta page written through the O_DSYNC descriptor, and only then the id on
# stdout.
. "$(dirname "$0")/test-lib.sh"

# LeakSanitizer cannot run under ptrace: traced runs leave leaks to the
# other tests
traced () {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"
}

command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null &&
	test_set_prereq STRACE

# compact.c alone opens other environments: the old file read-only under
# the exclusive lock it holds, and its private temporary copy, synced in
# full (mdb_env_sync(dst, 1), fsync) before it replaces the store
test_expect_success 'no durability-weakening LMDB flag in the sources' '
	! grep -rn -e MDB_NOSYNC -e MDB_NOMETASYNC -e MDB_WRITEMAP \
		-e MDB_MAPASYNC -e MDB_NOLOCK \
		"$IMS_SRCDIR/libstore" "$IMS_SRCDIR/cmd" |
		grep -v "^$IMS_SRCDIR/libstore/admin/compact.c:" >found &&
	test_must_be_empty found &&
	! grep -n -e MDB_NOMETASYNC -e MDB_WRITEMAP -e MDB_MAPASYNC \
		"$IMS_SRCDIR/libstore/admin/compact.c" &&
	grep -q "mdb_env_sync(dst, 1)" "$IMS_SRCDIR/libstore/admin/compact.c" &&
	grep -q "rename(" "$IMS_SRCDIR/libstore/admin/compact.c"
'

test_expect_success 'eatmydata is not active' '
	case "${LD_PRELOAD-}" in *eatmydata*) false ;; esac &&
	! grep -qs eatmydata /etc/ld.so.preload &&
	! grep -qs eatmydata /proc/self/maps
'

test_expect_success 'a store to put into' '
	imstore init >/dev/null &&
	echo "hello" >body
'

# the order of one acknowledged put in an strace log (-v id=THE-ID)
cat >order.awk <<'EOF_AWK'
/openat\(.*data\.mdb", O_RDWR/ { data = $NF }
/openat\(.*data\.mdb", O_WRONLY\|O_DSYNC/ { meta = $NF }
/msync\(/ { print "msync used: " $0; bad = 1 }
/(writev|pwrite64|pwritev2?)\(/ && data != "" && index($0, "(" data ",") { wrote = NR }
/(fdatasync|fsync)\(/ && data != "" && index($0, "(" data ")") { synced = NR }
/pwrite64\(/ && meta != "" && index($0, "(" meta ",") { metaw = NR }
/ write\(1, / && index($0, id) { out = NR }
END {
	if (data == "" || meta == "") { print "data.mdb not opened as expected"; exit 1 }
	if (!wrote) { print "no data page written"; exit 1 }
	if (!(synced > wrote)) { print "no fdatasync after the last data write"; exit 1 }
	if (!(metaw > synced)) { print "no O_DSYNC meta write after the sync"; exit 1 }
	if (!(out > metaw)) { print "id printed before the meta page was written"; exit 1 }
	exit bad
}
EOF_AWK

test_expect_success STRACE 'put: data synced and meta page written before the id is printed' '
	traced -f -o trace -e trace=openat,write,writev,pwrite64,pwritev,pwritev2,fdatasync,fsync,msync,sync_file_range \
		"$IMSTORE" put -o sip:a@x.org -f sip:b@x.org -m m1 body >id &&
	test -s id &&
	awk -v id="$(cat id)" -f order.awk trace
'

test_expect_success STRACE 'a failed fdatasync is never reported as stored' '
	test_expect_code 74 traced -f -o /dev/null -e inject=fdatasync:error=EIO \
		"$IMSTORE" put -o sip:a@x.org -f sip:b@x.org -m m2 body >out 2>err &&
	test_must_be_empty out &&
	grep "^imstore: cannot store message ${SQ}m2${SQ} for ${SQ}sip:a@x.org${SQ}: input/output error$" err &&
	imstore list msgid:m2 >found && test_must_be_empty found &&
	imstore verify >/dev/null &&
	imstore put -o sip:a@x.org -f sip:b@x.org -m m2 body >id2 &&
	test -n "$(imstore list msgid:m2)"
'

test_done
