#!/bin/sh
# Readers that misbehave: one killed with -9 leaves a stale reader slot,
# reclaimed by the next open; one stopped with SIGSTOP holds its snapshot
# while another process writes: the writes never block, the file grows
# (and stats shows it) only until the reader is gone, and the space is
# reused afterwards; many commands opening and closing the store while a
# writer runs all succeed and see a consistent store.
. "$(dirname "$0")/test-lib.sh"

HOLD=${IMS_BUILDDIR:-$IMS_SRCDIR/build}/reliability/holdreader
test -x "$HOLD" && test_set_prereq HOLD
test_have_prereq HOLD && test_have_prereq MDB_TOOLS && test_set_prereq HOLD_MDB

trap 'for p in $(cat "$TEST_DIR/bg.pids" 2>/dev/null); do kill -9 $p 2>/dev/null; done; test_cleanup' EXIT

# start_bg FILE HOLDREADER-ARGS...: start in the background, wait for
# "ready", print its pid (also kept in bg.pids, killed at exit).
# mdb_stat -r exits 1 even when it lists the readers.
start_bg () {
	test_f_=$1
	shift
	# a "ready" left in the file by an earlier reader must not be taken
	# for this one's: the child truncates it only once it runs
	rm -f "$test_f_"
	"$HOLD" "$@" >"$test_f_" &
	test_p_=$!
	echo $test_p_ >>bg.pids
	i=0
	while ! grep -q "^ready" "$test_f_" 2>/dev/null; do
		i=$((i + 1)) && test $i -lt 100 || return 1
		sleep 0.05
	done
	echo $test_p_
}

file_bytes () {
	imstore stats --format json | sed "s/.*\"file_bytes\":\([0-9]*\).*/\1/"
}

test_expect_success HOLD 'a store with messages' '
	imstore init >/dev/null &&
	"$HOLD" fill store a 20
'

test_expect_success HOLD_MDB 'a reader killed with -9 leaves a stale slot' '
	keeper=$(start_bg keeper.out open store) &&
	reader=$(start_bg reader.out hold store) &&
	kill -9 $reader && wait $reader 2>/dev/null;
	{ mdb_stat -r store >slots; true; } &&
	grep "^ *$reader " slots
'

test_expect_success HOLD_MDB 'the next open reclaims it' '
	imstore list --count >count &&
	echo 20 >expect && test_cmp expect count &&
	{ mdb_stat -r store >slots; true; } &&
	grep "Reader Table" slots &&
	! grep "^ *$reader " slots &&
	kill -9 $keeper && wait $keeper 2>/dev/null;
	true
'

test_expect_success HOLD 'a stopped reader: 1000 writes complete, the file grows' '
	before=$(file_bytes) &&
	reader=$(start_bg reader.out hold store) &&
	kill -STOP $reader &&
	timeout 300 "$HOLD" fill store b 1000 &&
	grown=$(file_bytes) &&
	echo "file $before -> $grown bytes" &&
	test $grown -gt $before &&
	imstore list --count >count &&
	echo 1020 >expect && test_cmp expect count &&
	kill -CONT $reader
'

test_expect_success HOLD 'once it is gone the space is reused' '
	kill -9 $reader && wait $reader 2>/dev/null;
	imstore delete "from:sip:writer@example.org" >/dev/null &&
	imstore list --count >count && echo 0 >expect && test_cmp expect count &&
	grown=$(file_bytes) &&
	timeout 300 "$HOLD" fill store c 500 &&
	after=$(file_bytes) &&
	echo "file $grown -> $after bytes" &&
	test $after -le $grown &&
	imstore verify >/dev/null
'

test_expect_success HOLD 'many commands open and close while a writer runs' '
	( timeout 300 "$HOLD" fill store d 400; echo $? >fill.rc ) &
	fill=$!
	for j in 1 2 3 4; do
		(
			k=0
			while test $k -lt 25; do
				k=$((k + 1))
				imstore list --count >/dev/null 2>>cli.err || echo "list $?" >>cli.fail
				imstore stats >/dev/null 2>>cli.err || echo "stats $?" >>cli.fail
			done
		) &
	done
	wait &&
	echo 0 >expect && test_cmp expect fill.rc &&
	! test -e cli.fail &&
	test_must_be_empty cli.err &&
	imstore verify >out && grep "^store is sound" out
'

test_done
