#!/bin/sh
# Errors: permissions, stores of a newer format or of another program,
# unwritable output, and the form of every error message.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

# Permission checks need a user they apply to: ourselves when not root,
# else nobody through setpriv.
if test_have_prereq NOT_ROOT; then
	test_set_prereq UNPRIV
elif test_have_prereq SETPRIV; then
	chmod 755 "$TEST_DIR" &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$TEST_DIR" &&
	test_set_prereq UNPRIV
fi

as_user () {
	if test_have_prereq NOT_ROOT; then
		"$@"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	fi
}

test_expect_success UNPRIV 'setup: a store owned by the unprivileged user' '
	copy_imstore bin &&
	mkdir perm && chmod 777 perm &&
	as_user ./bin/imstore -s perm/st init >/dev/null &&
	echo x | as_user ./bin/imstore -s perm/st put -o $BOB -f $ALICE -m p1 >/dev/null &&
	as_user ./bin/imstore -s perm/st list --count >out &&
	echo 1 >expect &&
	test_cmp expect out
'

test_expect_success UNPRIV 'a read-only store (dir 500, files 400): a clear error, nothing changed' '
	chmod 400 perm/st/data.mdb perm/st/lock.mdb && chmod 500 perm/st &&
	cp perm/st/data.mdb data.before &&
	echo "imstore: cannot open store ${SQ}perm/st${SQ}: permission denied" >expect &&
	echo x | test_expect_code 77 as_user ./bin/imstore -s perm/st put -o $BOB -f $ALICE -m p2 2>err &&
	test_cmp expect err &&
	test_expect_code 77 as_user ./bin/imstore -s perm/st delete --all 2>err &&
	test_cmp expect err &&
	test_expect_code 77 as_user ./bin/imstore -s perm/st list 2>err &&
	test_cmp expect err &&
	test_expect_code 77 as_user ./bin/imstore -s perm/st stats 2>err &&
	test_cmp expect err &&
	cmp data.before perm/st/data.mdb &&
	chmod 700 perm/st && chmod 600 perm/st/data.mdb perm/st/lock.mdb &&
	as_user ./bin/imstore -s perm/st list --count >out &&
	echo 1 >expect &&
	test_cmp expect out
'

test_expect_success UNPRIV 'a store directory we may not enter (000): permission denied' '
	chmod 000 perm/st &&
	test_expect_code 77 as_user ./bin/imstore -s perm/st init 2>err &&
	echo "imstore: cannot create store ${SQ}perm/st${SQ}: permission denied" >expect &&
	test_cmp expect err &&
	chmod 700 perm/st
'

test_expect_success UNPRIV 'a store directory we may not search (600): permission denied' '
	chmod 600 perm/st &&
	test_expect_code 77 as_user ./bin/imstore -s perm/st list 2>err;
	rc=$? &&
	chmod 700 perm/st &&
	test $rc = 0 &&
	echo "imstore: cannot open store ${SQ}perm/st${SQ}: permission denied" >expect &&
	test_cmp expect err
'

test_expect_success UNPRIV 'a store directory that is not ours to create in' '
	mkdir locked && chmod 555 locked &&
	test_expect_code 77 as_user ./bin/imstore -s locked/st init 2>err &&
	echo "imstore: cannot create store ${SQ}locked/st${SQ}: permission denied" >expect &&
	test_cmp expect err &&
	test ! -e locked/st
'

test_expect_success MDB_TOOLS 'setup: a store of format 4' '
	imstore -s newer init >/dev/null &&
	echo x | imstore -s newer put -o $BOB -f $ALICE -m n1 >/dev/null &&
	cat >meta.txt <<-\EOF &&
	VERSION=3
	format=print
	type=btree
	HEADER=END
	 format
	 \00\00\00\04
	DATA=END
	EOF
	mdb_load -f meta.txt -s meta newer &&
	mdb_dump -p -s meta newer >dump &&
	grep -x " \\\\00\\\\00\\\\00\\\\04" dump
'

test_expect_success MDB_TOOLS 'a store of a newer format is refused by every command' '
	cp newer/data.mdb data.newer &&
	echo "imstore: cannot open store ${SQ}newer${SQ}: unsupported store format version (this imstore reads formats 1 to 3)" >expect &&
	for cmd in list stats "delete --all" "show -o $BOB n1"; do
		test_expect_code 72 imstore -s newer $cmd >out 2>err &&
		test_must_be_empty out &&
		test_cmp expect err || return 1
	done &&
	echo x | test_expect_code 72 imstore -s newer put -o $BOB -f $ALICE -m n2 2>err &&
	test_cmp expect err &&
	test_expect_code 72 imstore -s newer init 2>err &&
	grep "^imstore: .*unsupported store format version" err &&
	cmp data.newer newer/data.mdb
'

test_expect_success 'a data.mdb that is not LMDB is not a store' '
	mkdir garbage && echo "not a database" >garbage/data.mdb &&
	test_expect_code 66 imstore -s garbage list 2>err &&
	echo "imstore: cannot open store ${SQ}garbage${SQ}: not an imstore store" >expect &&
	test_cmp expect err &&
	test_expect_code 66 imstore -s garbage init 2>err &&
	echo "imstore: cannot create store ${SQ}garbage${SQ}: not an imstore store" >expect &&
	test_cmp expect err &&
	echo "not a database" >expect &&
	test_cmp expect garbage/data.mdb
'

test_expect_success MDB_TOOLS 'an LMDB environment of another program is not a store' '
	mkdir foreign &&
	printf "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n somekey\n somevalue\nDATA=END\n" >f.txt &&
	mdb_load -f f.txt foreign &&
	test_expect_code 66 imstore -s foreign list 2>err &&
	echo "imstore: cannot open store ${SQ}foreign${SQ}: not an imstore store" >expect &&
	test_cmp expect err
'

test_expect_success MDB_TOOLS 'init refuses an LMDB environment of another program' '
	mdb_dump -a foreign >before &&
	test_expect_code 66 imstore -s foreign init 2>err &&
	echo "imstore: cannot create store ${SQ}foreign${SQ}: not an imstore store" >expect &&
	test_cmp expect err &&
	mdb_dump -a foreign >after &&
	test_cmp before after
'

test_expect_success 'an unwritable stdout is an error' '
	imstore init >/dev/null &&
	put_msg $BOB $ALICE w1 >id &&
	if test -w /dev/full; then
		test_expect_code 74 imstore list >/dev/full 2>err &&
		echo "imstore: cannot write output: no space left on device" >expect &&
		test_cmp expect err &&
		test_expect_code 74 imstore stats --format json >/dev/full 2>err &&
		test_cmp expect err &&
		test_expect_code 74 imstore show --raw "$(cat id)" >/dev/full 2>err &&
		grep "^imstore: " err
	fi
'

test_expect_success 'every error message: "imstore: " and lowercase, one line, no full stop' '
	: >all.err &&
	for args in "frobnicate" "list --frobnicate" "list --limit 0" "list foo:bar" \
		"list owner:bob" "list (" "show" "show 01M80SEB8JR9WEK5WW19K1MNXD" \
		"show notanid" "delete" "delete *" "stats extra" "init" \
		"--store missing list" "--store id list" "list --format yaml" \
		"list --format-version 2" "put -o $BOB" "put -o $BOB -f $ALICE -m x nofile" \
		"list --cursor zz"; do
		test_must_fail imstore $args >/dev/null 2>err </dev/null &&
		test_line_count = 1 err &&
		cat err >>all.err || return 1
	done &&
	grep -v "^imstore: [a-z${SQ}]" all.err >bad;
	test_must_be_empty bad &&
	grep "\.\$" all.err >bad;
	test_must_be_empty bad &&
	grep -i "mdb_\|lmdb" all.err >bad;
	test_must_be_empty bad
'

test_done
