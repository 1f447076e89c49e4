#!/bin/sh
# Exit statuses a script can act on: each class of imstore(1) EXIT STATUS
# (<sysexits.h>) from one command that meets it.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

test_expect_success 'setup' '
	imstore init >/dev/null &&
	echo hi | imstore put -o $BOB -f $ALICE -m m1 >/dev/null
'

test_expect_success '64 EX_USAGE: an unknown option, an invalid filter' '
	test_expect_code 64 imstore list --no-such-option 2>err &&
	test_expect_code 64 imstore list "from:(" 2>err
'

test_expect_success '65 EX_DATAERR: input that does not parse, a message refused' '
	printf "From: <sip:a@example.com\r\n\r\n" >bad.cpim &&
	test_expect_code 65 imstore cpim bad.cpim 2>err &&
	grep "^imstore: cannot parse" err &&
	echo x | test_expect_code 65 imstore put -o $BOB -f $ALICE -m old --folder deferred \
		--expires 2001-01-01T00:00:00Z 2>err
'

test_expect_success '66 EX_NOINPUT: no store, no such input file' '
	test_expect_code 66 imstore --store nowhere list 2>err &&
	grep "no store at" err &&
	test_expect_code 66 imstore put -o $BOB -f $ALICE -m m2 no-such-file 2>err
'

test_expect_success '68 like doveadm: no such message' '
	test_expect_code 68 imstore show 01M80SEB8JR9WEK5WW19K1MNXD 2>err &&
	grep "no message" err
'

test_expect_success '73 EX_CANTCREAT: the store exists' '
	test_expect_code 73 imstore init 2>err &&
	grep "already exists" err
'

test_expect_success '74 EX_IOERR: the output cannot be written' '
	if test -w /dev/full; then
		test_expect_code 74 imstore list >/dev/full 2>err
	fi
'

test_expect_success '75 EX_TEMPFAIL: over a quota (may pass later)' '
	imstore quota set $BOB --deferred-count 1 >/dev/null &&
	test "$(imstore list --count owner:$BOB folder:deferred)" = 1 &&
	echo b | test_expect_code 75 imstore deferred store $BOB -f $ALICE -m d2 2>err &&
	grep "not stored.*quota" err
'

test_expect_success MDB_TOOLS '72 EX_OSFILE: a store of a format this imstore cannot use' '
	imstore -s newer init >/dev/null &&
	printf "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n format\n \\\\00\\\\00\\\\00\\\\09\nDATA=END\n" >meta.txt &&
	mdb_load -f meta.txt -s meta newer &&
	test_expect_code 72 imstore -s newer list 2>err &&
	grep "unsupported store format" err
'

test_expect_success NOT_ROOT '77 EX_NOPERM: a store the user may not read' '
	imstore -s closed init >/dev/null && chmod 000 closed &&
	test_expect_code 77 imstore -s closed list 2>err;
	rc=$? && chmod 700 closed && test $rc = 0
'

test_expect_success SETPRIV '77 EX_NOPERM: a store another user may not read' '
	test_have_prereq NOT_ROOT ||
	{ chmod 755 "$TEST_DIR" && copy_imstore bin &&
	  test_expect_code 77 setpriv --reuid=65534 --regid=65534 --clear-groups \
		./bin/imstore -s "$TEST_DIR/store" list 2>err &&
	  grep "permission denied" err; }
'

test_done
