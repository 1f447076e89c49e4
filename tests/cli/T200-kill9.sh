#!/bin/sh
# kill -9: a writer of four threads (sharing group commits) is killed with
# SIGKILL at random moments and restarted; every message it acknowledged
# (ims_put() returned 0) is then present exactly once with its body intact,
# and the store verifies.  IMS_CRASH_CYCLES (make torture: 1000) overrides
# the 200 cycles; IMS_CRASH_SEED replays one run.
. "$(dirname "$0")/test-lib.sh"

CRASHWRITER=${IMS_BUILDDIR:-$IMS_SRCDIR/build}/reliability/crashwriter
cycles=${IMS_CRASH_CYCLES:-200}
test_have_prereq SANITIZE && cycles=${IMS_CRASH_CYCLES:-50}
test -x "$CRASHWRITER" && test_set_prereq CRASHWRITER

test_expect_success CRASHWRITER "$cycles writers killed with SIGKILL" '
	"$CRASHWRITER" loop store acks $cycles 4 >out &&
	cat out && test -s acks
'

test_expect_success CRASHWRITER 'every acknowledged message is there once, intact' '
	"$CRASHWRITER" check store acks >out &&
	cat out
'

test_expect_success CRASHWRITER 'the store verifies after the kills' '
	imstore verify >out &&
	grep "^store is sound" out
'

test_expect_success CRASHWRITER 'a single-threaded writer killed too' '
	"$CRASHWRITER" loop store acks1 $((cycles / 4)) 1 >out 2>&1 || { cat out; false; } &&
	"$CRASHWRITER" check store acks1 >out 2>&1 || { cat out; false; } &&
	cat out && imstore verify >/dev/null
'

test_done
