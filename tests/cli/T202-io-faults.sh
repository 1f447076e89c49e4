#!/bin/sh
# I/O faults injected with libfiu (fiu-run -x): fdatasync failing with EIO
# once and always, data-page writes (writev) and the meta-page write
# (pwrite) failing or cut short.  A failed store is reported as failed, never
# acknowledged; a meta-page failure kills the handle (IMS_PANIC) until it is
# reopened; everything acknowledged is there afterwards and the store
# verifies.
. "$(dirname "$0")/test-lib.sh"

# LeakSanitizer cannot run under ptrace: traced runs leave leaks to the
# other tests
traced () {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"
}

FAULTWRITER=${IMS_BUILDDIR:-$IMS_SRCDIR/build}/reliability/faultwriter
command -v fiu-run >/dev/null && test -x "$FAULTWRITER" && test_set_prereq FIU
# Under the sanitizers fiu's preload library comes before their runtime,
# which is harmless here; the one string it never frees is not ours.
if test_have_prereq SANITIZE; then
	ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
	LSAN_OPTIONS="suppressions=$IMS_SRCDIR/tests/cli/fiu-lsan.supp:print_suppressions=0"
	export ASAN_OPTIONS LSAN_OPTIONS
fi
command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null &&
	test_have_prereq FIU && test_set_prereq FIU_STRACE

# fault NAME POINT FLAGS N: run the writer for N messages under the fault
fault () {
	fiu-run -x -c "enable name=$2$3" "$FAULTWRITER" put store "$1" "$4" >"$1.out" &&
	"$FAULTWRITER" check store "$1.out" >"$1.check" &&
	test_must_be_empty "$1.check"
}

# fault_meta NAME FAULT OPTS N: the same for meta-page faults, where a put
# that failed with "fatal store error" may still be stored: LMDB, when
# its meta-page write fails, writes back the old transaction id with the
# new trees' roots, whose pages are already synced.  Such a put was never
# acknowledged; it is intact if there, and nothing else may be reported.
fault_meta () {
	fiu-run -x -c "enable name=$2$3" "$FAULTWRITER" put store "$1" "$4" >"$1.out" &&
	"$FAULTWRITER" check store "$1.out" >"$1.check" &&
	! grep -v "^stored though failed " "$1.check" &&
	for id in $(sed -n "s/^stored though failed //p" "$1.check"); do
		grep -q "^fail $id fatal store error" "$1.out" || return 1
	done
}

test_expect_success FIU 'a store with messages' '
	imstore init >/dev/null &&
	"$FAULTWRITER" put store before 5 >before.out &&
	test $(grep -c "^ok " before.out) = 5
'

test_expect_success FIU 'fdatasync fails once: that put fails, the next ones succeed' '
	fault sync1 posix/io/sync/fdatasync ",failinfo=5,onetime" 4 &&
	sed -n 1p sync1.out >first &&
	echo "fail sync1-1@fault input/output error" >expect && test_cmp expect first &&
	test $(grep -c "^ok " sync1.out) = 3
'

test_expect_success FIU 'fdatasync always fails: nothing is acknowledged' '
	fault syncall posix/io/sync/fdatasync ",failinfo=5" 4 &&
	! grep -v "^fail .* input/output error$" syncall.out
'

test_expect_success FIU 'a data-page write fails once, then always' '
	fault wv1 posix/io/rw/writev ",failinfo=5,onetime" 4 &&
	grep -q "^fail wv1-1@fault " wv1.out && test $(grep -c "^ok " wv1.out) = 3 &&
	fault wvall posix/io/rw/writev ",failinfo=5" 3 &&
	! grep -q "^ok " wvall.out
'

# fiu's reduce points shorten a write by a random amount, which may be
# none: a short write that is sure to happen comes from strace, which
# answers the first writev with 100 bytes written
test_expect_success FIU_STRACE 'a short data-page write fails the put' '
	traced -f -o /dev/null -e inject=writev:retval=100:when=1 \
		"$FAULTWRITER" put store wvshort 3 >wvshort.out &&
	"$FAULTWRITER" check store wvshort.out >wvshort.check &&
	test_must_be_empty wvshort.check &&
	grep -q "^fail wvshort-1@fault input/output error" wvshort.out &&
	test $(grep -c "^ok " wvshort.out) = 2 &&
	fault wvreduce posix/io/rw/writev/reduce "" 4 &&
	! grep -v -e "^ok " -e "^fail .* input/output error$" wvreduce.out
'

test_expect_success FIU 'the meta-page write fails: the handle is dead until reopened' '
	fault_meta meta1 posix/io/rw/pwrite ",failinfo=5,onetime" 4 &&
	# the failing put itself says the handle is dead; LMDB also writes
	# single data pages with pwrite: when the failed one was a data page,
	# the commit fails with EIO and the handle lives on
	if grep -q "^fail meta1-1@fault fatal store error" meta1.out; then
		grep -q "^reopen$" meta1.out && grep -q "^ok meta1-2@fault$" meta1.out
	else
		grep -q "^fail meta1-1@fault input/output error" meta1.out &&
		grep -q "^ok meta1-2@fault$" meta1.out
	fi &&
	fault_meta metashort posix/io/rw/pwrite/reduce "" 4 &&
	! grep -v -e "^ok " -e "^fail " -e "^reopen$" metashort.out &&
	fault_meta metaall posix/io/rw/pwrite ",failinfo=5" 4 &&
	! grep -q "^ok " metaall.out
'

test_expect_success FIU 'imstore put under a failed sync: exit 74 (EX_IOERR), a clear error, no id' '
	echo body >body &&
	test_expect_code 74 fiu-run -x -c "enable name=posix/io/sync/fdatasync,failinfo=5" \
		"$IMSTORE" put -o sip:a@x.org -f sip:b@x.org -m cli1 body >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: cannot store message ${SQ}cli1${SQ} for ${SQ}sip:a@x.org${SQ}: input/output error" >expect &&
	test_cmp expect err
'

test_expect_success FIU 'everything acknowledged is intact and the store verifies' '
	cat *.out >all.out &&
	"$FAULTWRITER" check store all.out >check &&
	! grep -v "^stored though failed " check &&
	for id in $(sed -n "s/^stored though failed //p" check); do
		grep -q "^fail $id fatal store error" all.out || return 1
	done &&
	imstore verify >out &&
	grep "^store is sound" out
'

test_done
