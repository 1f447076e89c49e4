# test-lib.sh - the library of the command-line tests (POSIX sh), in the
# style of git's t/test-lib.sh and notmuch's test/test-lib.sh.
#
# A test script (T0NN-topic.sh, #!/bin/sh, executable) sources this file
# and then runs
#
#	test_expect_success [PREREQ] 'what it checks' 'commands && commands'
#	test_expect_failure [PREREQ] 'a known bug' 'commands'   (reported as TODO)
#	test_done
#
# Each body is eval'ed in the script's shell (variables it sets are seen by
# later tests), from the scratch directory, with its output kept in a file
# that is shown as TAP comments when the test fails (or always with -v or
# IMS_VERBOSE=1).  Prints TAP for prove.
#
# Environment: IMSTORE_BIN the imstore to test (default build/imstore),
# IMS_SRCDIR the source tree, IMS_KEEP=1 keeps the scratch directory of a
# script that failed, IMS_VERBOSE=1 shows every test's output.

LC_ALL=C TZ=UTC
export LC_ALL TZ
unset IMSTORE_STORE LANG LANGUAGE
umask 022
ulimit -c 0 2>/dev/null

case "${1-}" in -v|--verbose) IMS_VERBOSE=1 ;; esac

IMS_SRCDIR=$(cd "${IMS_SRCDIR:-$(dirname "$0")/../..}" && pwd) || exit 1
IMSTORE=${IMSTORE_BIN:-$IMS_SRCDIR/build/imstore}
case "$IMSTORE" in /*) ;; *) IMSTORE=$(pwd)/$IMSTORE ;; esac

# A copy of the command another user may run (the build tree may be closed
# to them): the binary and the shared libraries it finds beside itself.
copy_imstore () {
	mkdir "$1" &&
	cp "$IMSTORE" "$1/imstore" &&
	cp "${IMSTORE%/*}/libimstore.so.0" "${IMSTORE%/*}/libcpim.so.0" "$1/" &&
	chmod 755 "$1" "$1/imstore" "$1/libimstore.so.0" "$1/libcpim.so.0"
}
export IMS_SRCDIR IMSTORE

# Under ASan/UBSan a report must fail the command loudly (signal, not exit 1,
# so that test_must_fail does not take it for an ordinary error).
: "${ASAN_OPTIONS=abort_on_error=1:detect_leaks=1}"
: "${UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS UBSAN_OPTIONS

if ! test -x "$IMSTORE"; then
	echo "Bail out! no imstore binary at $IMSTORE (run make, or set IMSTORE_BIN)"
	exit 1
fi

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/imstore-test.XXXXXX") || exit 1
IMSTORE_STORE=$TEST_DIR/store
export IMSTORE_STORE

test_count=0
test_failed=0
test_fixed=0
test_broken=0

test_cleanup () {
	if test "$test_failed" -gt 0 && test -n "${IMS_KEEP-}"; then
		echo "# kept the scratch directory $TEST_DIR"
		return
	fi
	chmod -R u+rwx "$TEST_DIR" 2>/dev/null
	rm -rf "$TEST_DIR"
}
trap 'test_cleanup' EXIT
trap 'exit 130' INT TERM HUP

cd "$TEST_DIR" || exit 1
SQ="'"

# The command under test.
imstore () {
	"$IMSTORE" "$@"
}

# ---------------------------------------------------------------- prereqs

test_prereqs=" "

test_set_prereq () {
	test_prereqs="$test_prereqs$1 "
}

# test_have_prereq NAME or !NAME
test_have_prereq () {
	case "$1" in
	!*) ! test_have_prereq "${1#!}"; return ;;
	esac
	case "$test_prereqs" in *" $1 "*) return 0 ;; esac
	return 1
}

test "$(id -u)" = 0 || test_set_prereq NOT_ROOT
if test "$(id -u)" = 0 && command -v setpriv >/dev/null 2>&1 &&
   setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	test_set_prereq SETPRIV
fi
# built with -fsanitize (check-asan): UBSan or ASan reports abort
grep -q -e __ubsan_handle -e __asan_init "$IMSTORE" 2>/dev/null &&
	test_set_prereq SANITIZE
command -v mdb_dump >/dev/null 2>&1 && command -v mdb_load >/dev/null 2>&1 &&
	test_set_prereq MDB_TOOLS

# ---------------------------------------------------------------- running

test_run_ () {
	test_out_=$TEST_DIR/.test-output
	cd "$TEST_DIR" || exit 1
	eval "$1" >"$test_out_" 2>&1 </dev/null
	test_rc_=$?
	cd "$TEST_DIR" || exit 1
	return $test_rc_
}

test_show_output_ () {
	test -s "$TEST_DIR/.test-output" && sed -e 's/^/#	/' "$TEST_DIR/.test-output"
	return 0
}

# test_start_ KIND ARGS...: sets test_prereq_, test_title_, test_body_;
# returns 1 when a prerequisite is missing (the test is then skipped).
test_start_ () {
	test_count=$((test_count + 1))
	test_prereq_=
	if test $# = 3; then
		test_prereq_=$1
		shift
	fi
	if test $# != 2; then
		echo "bug in the test script: test_expect_* needs 2 or 3 arguments" >&2
		exit 1
	fi
	test_title_=$1
	test_body_=$2
	if test -n "$test_prereq_" && ! test_have_prereq "$test_prereq_"; then
		echo "ok $test_count # skip $test_title_ (missing $test_prereq_)"
		return 1
	fi
	return 0
}

test_expect_success () {
	test_start_ "$@" || return 0
	if test_run_ "$test_body_"; then
		echo "ok $test_count - $test_title_"
		test -n "${IMS_VERBOSE-}" && test_show_output_
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $test_title_"
		sed -e 's/^/#	/' <<EOF
$test_body_
EOF
		test_show_output_
	fi
	return 0
}

# A known bug: reported as TODO, does not fail the script.
test_expect_failure () {
	test_start_ "$@" || return 0
	if test_run_ "$test_body_"; then
		test_fixed=$((test_fixed + 1))
		echo "ok $test_count - $test_title_ # TODO known breakage vanished"
	else
		test_broken=$((test_broken + 1))
		echo "not ok $test_count - $test_title_ # TODO known breakage"
		test -n "${IMS_VERBOSE-}" && test_show_output_
	fi
	return 0
}

test_done () {
	echo "1..$test_count"
	test "$test_fixed" -gt 0 && echo "# $test_fixed known breakage(s) vanished"
	test "$test_broken" -gt 0 && echo "# still have $test_broken known breakage(s)"
	if test "$test_failed" -gt 0; then
		echo "# failed $test_failed among $test_count test(s)"
		exit 1
	fi
	exit 0
}

# ---------------------------------------------------------------- helpers

# test_expect_code N CMD...: CMD exits with status N.
test_expect_code () {
	test_want_=$1
	shift
	"$@"
	test_got_=$?
	test "$test_got_" = "$test_want_" && return 0
	echo "test_expect_code: '$*' exited with $test_got_, expected $test_want_" >&2
	return 1
}

# test_must_fail CMD...: CMD fails normally (1..125), not by a signal.
test_must_fail () {
	"$@"
	test_got_=$?
	if test "$test_got_" = 0; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif test "$test_got_" -gt 128; then
		echo "test_must_fail: '$*' died by signal $((test_got_ - 128))" >&2
		return 1
	elif test "$test_got_" -gt 125; then
		echo "test_must_fail: '$*' could not run ($test_got_)" >&2
		return 1
	fi
	return 0
}

# test_cmp EXPECTED ACTUAL
test_cmp () {
	diff -u "$@"
}

# test_line_count OP N FILE: e.g. test_line_count = 3 out
test_line_count () {
	test_n_=$(wc -l <"$3" | tr -d ' ')
	test "$test_n_" "$1" "$2" && return 0
	echo "test_line_count: $3 has $test_n_ lines, expected $1 $2" >&2
	return 1
}

# JSON lines on stdin, each parsed and printed again with sorted keys: fails
# on invalid JSON.  Keys named as arguments are dropped from top-level
# objects (ids, times).
json_norm () {
	perl -MJSON::PP -e '
		my $j = JSON::PP->new->utf8->canonical->allow_nonref;
		my %drop = map { $_ => 1 } @ARGV;
		@ARGV = ();
		while (my $l = <STDIN>) {
			my $v = $j->decode($l);
			if (ref $v eq "HASH") { delete $v->{$_} for keys %drop }
			print $j->encode($v), "\n";
		}' "$@"
}

# test_cmp_json EXPECTED ACTUAL [KEY...]: the same JSON lines once normalised.
test_cmp_json () {
	test_e_=$1
	test_a_=$2
	shift 2
	json_norm "$@" <"$test_e_" >"$test_e_.norm" &&
	json_norm "$@" <"$test_a_" >"$test_a_.norm" &&
	test_cmp "$test_e_.norm" "$test_a_.norm"
}

# json_get KEY: that top-level key of each JSON line on stdin (strings bare).
json_get () {
	perl -MJSON::PP -e '
		my $j = JSON::PP->new->utf8->canonical->allow_nonref;
		while (my $l = <STDIN>) {
			my $v = $j->decode($l)->{$ARGV[0]};
			if (ref $v || !defined $v) { $v = $j->encode($v) }
			else { utf8::encode($v) }
			print $v, "\n";
		}' "$1"
}

# put_msg OWNER FROM MSGID [OPTION...]: store a message whose body is
# "body of MSGID\n"; prints its id.
put_msg () {
	test_o_=$1 test_f_=$2 test_m_=$3
	shift 3
	printf 'body of %s\n' "$test_m_" |
	imstore put --owner "$test_o_" --from "$test_f_" --message-id "$test_m_" "$@"
}

# test_must_be_empty FILE
test_must_be_empty () {
	test -s "$1" || return 0
	echo "test_must_be_empty: $1 is not empty:" >&2
	cat "$1" >&2
	return 1
}
