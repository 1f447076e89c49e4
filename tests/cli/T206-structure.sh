#!/bin/sh
# Structural damage of the LMDB file itself (page numbers, node sizes and
# flags, not our records): imstore verify finds it without faulting, the
# library answers "corrupt" for a value reaching past the file's end, and a
# command that still faults inside LMDB says what to run.
. "$(dirname "$0")/test-lib.sh"

DAMAGE="$IMS_SRCDIR/tests/corrupt/lmdb-damage.py"
command -v python3 >/dev/null 2>&1 && test_set_prereq PYTHON

# sound: a store of 60 messages, some bodies in overflow pages, the msg
# tree two levels deep
test_expect_success PYTHON 'a sound store passes the structural check' '
	imstore -s sound init &&
	python3 -c "
import os, subprocess, sys
for i in range(60):
    body = os.urandom([150, 300, 3000, 9000, 70000][i % 5]).hex()
    subprocess.run([sys.argv[1], \"-s\", \"sound\", \"put\", \"--owner\", \"sip:u%d@x\" % (i % 5),
                    \"--from\", \"sip:s@x\", \"--message-id\", \"m%d\" % i],
                   input=body.encode(), check=True, capture_output=True)
" "$IMSTORE" &&
	imstore -s sound verify >out &&
	grep "store is sound: 60 messages checked" out &&
	! grep structure out &&
	imstore -s sound verify --pages >out &&
	echo "store pages are sound" >expect && test_cmp expect out
'

fresh () { rm -rf "$1" && cp -r sound "$1"; }

# 150 stores of 3 KB and a delete every 40 (the writer of the next test)
churn () {
	i=0
	while test $i -lt 150; do
		i=$((i + 1))
		head -c 3000 /dev/zero | tr "\\0" "x$i" |
		imstore -s "$1" put -o sip:w$((i % 7))@x -f sip:s@x -m w$i >/dev/null || return 1
		if test $((i % 40)) = 0; then
			imstore -s "$1" delete owner:sip:w3@x >/dev/null || return 1
		fi
	done
}

test_expect_success PYTHON 'checks while another process stores and deletes: no false report' '
	fresh live &&
	{ churn live & } &&
	writer=$! bad=0 n=0 &&
	while kill -0 $writer 2>/dev/null; do
		imstore -s live verify --pages >vout 2>&1 || { bad=$((bad + 1)); cat vout; }
		n=$((n + 1))
	done &&
	wait $writer && echo "$n checks during the writes" && test $bad = 0 && test $n -gt 3 &&
	imstore -s live verify >out && grep "store is sound: 193 messages checked" out
'

test_expect_success PYTHON 'a record claiming 64 MiB past the end of the file: corrupt, not SIGBUS' '
	fresh big && idhex=$(python3 "$DAMAGE" big/data.mdb inflate msg) &&
	test_expect_code 1 imstore -s big verify >out 2>err &&
	grep "^structure - page [0-9]* of .msg.: the node at offset [0-9]* reaches outside the page" out &&
	grep "damaged, which no repair can mend: restore the latest backup" err &&
	imstore -s big list >list 2>err; rc=$?; test $rc -lt 128 &&
	test $(wc -l <list) = 59 && grep "1 corrupt record skipped" err &&
	bad=0 && for id in $(imstore -s sound list | cut -f1); do
		imstore -s big show "$id" >/dev/null 2>err; rc=$?
		test $rc -lt 128 || bad=99
		test $rc = 0 || { grep "corrupt" err && bad=$((bad + 1)); }
	done && test $bad = 1
'

test_expect_success PYTHON 'a child page past the end of the file is reported' '
	fresh child && python3 "$DAMAGE" child/data.mdb child msg >far &&
	test_expect_code 1 imstore -s child verify >out 2>err &&
	grep "^structure - page $(cat far) of .msg.: it lies outside the file of" out &&
	test_expect_code 1 imstore -s child verify --pages >out &&
	grep "^structure - page $(cat far) of .msg.: it lies outside the file of" out &&
	grep "^store pages are not sound: 1 problem$" out &&
	test_expect_code 64 imstore -s child verify --pages --repair 2>err &&
	grep "cannot be used with --repair" err
'

test_expect_success PYTHON 'a node flagged with duplicates is reported' '
	fresh dup && pg=$(python3 "$DAMAGE" dup/data.mdb dupflag ix_owner) &&
	test_expect_code 1 imstore -s dup verify >out &&
	grep "^structure - page $pg of .ix_owner.: a node at offset [0-9]* is malformed" out
'

test_expect_success PYTHON 'overlapping nodes are reported; --repair changes nothing' '
	fresh ov && pg=$(python3 "$DAMAGE" ov/data.mdb overlap ix_time) &&
	cp ov/data.mdb before.mdb &&
	test_expect_code 1 imstore -s ov verify --repair >out 2>err &&
	grep "^structure - page $pg of .ix_time.: node 1 at offset [0-9]* overlaps another" out &&
	grep "^repair: 1 problem found, 0 records quarantined, 0 other repairs" out &&
	cmp ov/data.mdb before.mdb
'

test_expect_success PYTHON 'the JSON report names the kind "structure"' '
	test_expect_code 1 imstore -s ov verify --format json >out &&
	grep "\"problem\":\"structure\"" out
'

# Random flips anywhere past the meta pages.  verify must never die of a
# signal; another command that faults inside LMDB (which trusts its pages)
# must say so and what to run.  Under the sanitizers their report replaces
# that message.
test_expect_success PYTHON 'random bit flips: verify never faults; a faulting command says why' '
	trials=${IMS_FLIP_TRIALS:-40} faults=0 found=0 i=0 fail= &&
	while test $i -lt $trials && test -z "$fail"; do
		fresh f && python3 "$DAMAGE" f/data.mdb flips $i 32 &&
		imstore -s f verify >vout 2>&1; rc=$?
		test $rc -lt 128 || fail="verify died ($rc) at trial $i"
		grep -q "^structure" vout && found=$((found + 1))
		for cmd in list "list --format json" stats "export -o f.tar --force"; do
			imstore -s f $cmd >/dev/null 2>cerr; rc=$?
			test $rc -ge 128 || continue
			faults=$((faults + 1))
			test_have_prereq SANITIZE ||
			grep -q "its file may be damaged; run .imstore verify." cerr ||
			fail="$cmd died ($rc) at trial $i without a word"
		done
		i=$((i + 1))
	done
	echo "trials $i, structural damage found in $found, commands faulting $faults${fail:+; $fail}" &&
	test -z "$fail" && test $found -gt 0
'

test_done
