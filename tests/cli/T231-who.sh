#!/bin/sh
# imstore who: the processes that hold the store open, from the locks on
# lock.mdb and LMDB's reader table; compact's "open in another process"
# names them.
. "$(dirname "$0")/test-lib.sh"

HOLD=${IMS_BUILDDIR:-$IMS_SRCDIR/build}/reliability/holdreader
test -x "$HOLD" && test_set_prereq HOLD
test -r /proc/locks && test_set_prereq PROC_LOCKS

trap 'for p in $(cat "$TEST_DIR/bg.pids" 2>/dev/null); do kill -9 $p 2>/dev/null; done; test_cleanup' EXIT

test_expect_success 'setup: a store with a body larger than a pipe holds' '
	imstore init >/dev/null &&
	head -c 1000000 /dev/zero | tr "\\0" x >big &&
	imstore put -o sip:bob@example.com -f sip:alice@example.com -m big big >id
'

test_expect_success PROC_LOCKS 'nobody holds a store no process has open' '
	imstore who >out &&
	test_must_be_empty out &&
	imstore who --format json >out &&
	test_must_be_empty out
'

# An imstore show --raw writing into a pipe nobody reads: it blocks with
# the store open and a snapshot read.
test_expect_success PROC_LOCKS 'a background imstore reading a snapshot is listed with its pid' '
	mkfifo pipe &&
	{ "$IMSTORE" show --raw "$(cat id)" >pipe 2>bg.err & } &&
	bg=$! && echo $bg >>bg.pids &&
	exec 3<pipe &&
	i=0 && while ! imstore who | grep -q "^$bg	"; do
		i=$((i + 1)) && test $i -lt 100 || return 1; sleep 0.05
	done &&
	imstore who >out &&
	grep "^$bg	imstore	[0-9-]*T[0-9:.]*Z	open	[0-9][0-9]*$" out &&
	imstore who --format json >j &&
	grep "\"pid\":$bg,\"program\":\"imstore\",\"since\":\"[^\"]*Z\",\"state\":\"open\",\"snapshot\":[0-9]" j &&
	/usr/bin/python3 $IMS_SRCDIR/tests/validate-json.py $IMS_SRCDIR/schemas/imstore-output-v1.schema.json j
'

test_expect_success PROC_LOCKS 'compact refuses it and names the process that holds the store' '
	test_expect_code 75 imstore compact 2>err &&
	grep "^imstore: cannot compact .*open in another process: pid $bg (imstore, open since [0-9-]*T" err
'

test_expect_success PROC_LOCKS 'once it is gone, nobody is listed' '
	exec 3<&- &&
	{ wait $bg; true; } &&
	imstore who >out &&
	test_must_be_empty out &&
	imstore compact >/dev/null
'

# (while another process keeps the store open: the first open resets the
# reader table)
test_expect_success HOLD 'a reader killed with -9 leaves a slot of a process that is gone' '
	{ "$HOLD" open store >k.out & } &&
	keeper=$! && echo $keeper >>bg.pids &&
	{ "$HOLD" hold store >r.out & } &&
	r=$! && echo $r >>bg.pids &&
	i=0 && while ! grep -q "^ready" r.out 2>/dev/null || ! grep -q "^ready" k.out; do
		i=$((i + 1)) && test $i -lt 100 || return 1; sleep 0.05
	done &&
	kill -9 $r && { wait $r 2>/dev/null; true; } &&
	imstore who >out &&
	grep "^$r	-	-	gone	[0-9]" out &&
	grep "^$keeper	holdreader	.*	open	-$" out &&
	kill -9 $keeper && { wait $keeper 2>/dev/null; true; }
'

test_expect_success 'a copy never opened (no lock.mdb): nobody holds it' '
	imstore backup copy >/dev/null && test ! -e copy/lock.mdb &&
	imstore -s copy who >out &&
	test_must_be_empty out
'

test_expect_success 'usage: no operands; no store' '
	test_expect_code 64 imstore who x &&
	test_expect_code 66 imstore --store nowhere who 2>err &&
	grep "no store at" err
'

test_done
