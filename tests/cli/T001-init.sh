#!/bin/sh
# imstore init: creating a store, its modes, and refusing what is not one.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'init creates a store' '
	imstore init >out &&
	echo "created store ${SQ}$IMSTORE_STORE${SQ} (format 3)" >expect &&
	test_cmp expect out &&
	test -f store/data.mdb && test -f store/lock.mdb
'

test_expect_success 'the store directory is 0700 and its files 0600' '
	stat -c "%a %n" store store/data.mdb store/lock.mdb >out &&
	cat >expect <<-\END &&
	700 store
	600 store/data.mdb
	600 store/lock.mdb
	END
	test_cmp expect out
'

test_expect_success 'the modes do not depend on the umask (umask 000)' '
	(umask 000 && imstore --store open init >/dev/null) &&
	stat -c "%a %n" open open/data.mdb open/lock.mdb >out &&
	cat >expect <<-\END &&
	700 open
	600 open/data.mdb
	600 open/lock.mdb
	END
	test_cmp expect out
'

test_expect_success 'a new store is empty' '
	imstore list --count >out &&
	echo 0 >expect &&
	test_cmp expect out &&
	imstore list >out &&
	test_must_be_empty out
'

test_expect_success 'init on an existing store fails and keeps it' '
	put_msg sip:bob@example.com sip:alice@example.com keep1 >/dev/null &&
	test_expect_code 73 imstore init >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: store ${SQ}$IMSTORE_STORE${SQ} already exists" >expect &&
	test_cmp expect err &&
	echo 1 >expect &&
	imstore list --count >out &&
	test_cmp expect out
'

test_expect_success 'init in an existing empty directory' '
	mkdir empty &&
	imstore --store empty init >/dev/null &&
	test -f empty/data.mdb &&
	imstore --store empty list --count >out &&
	echo 0 >expect &&
	test_cmp expect out
'

test_expect_success 'init --format json' '
	imstore --store j --format json init >out &&
	echo "{\"store\":\"j\",\"format\":3}" >expect &&
	test_cmp_json expect out
'

test_expect_success 'init takes no operands' '
	test_expect_code 64 imstore --store x init extra 2>err &&
	grep "^imstore: init takes no operands" err &&
	test ! -e x
'

test_expect_success 'init below a missing directory fails clearly' '
	test_expect_code 66 imstore --store no/such/dir init 2>err &&
	echo "imstore: cannot create store ${SQ}no/such/dir${SQ}: no such file or directory" >expect &&
	test_cmp expect err
'

test_expect_success 'a regular file is not a store' '
	echo hello >afile &&
	test_expect_code 66 imstore --store afile list 2>err &&
	echo "imstore: cannot open store ${SQ}afile${SQ}: not an imstore store" >expect &&
	test_cmp expect err &&
	test_expect_code 66 imstore --store afile init 2>err &&
	echo "imstore: cannot create store ${SQ}afile${SQ}: not an imstore store" >expect &&
	test_cmp expect err &&
	echo hello >expect &&
	test_cmp expect afile
'

test_expect_success 'a directory holding other files is not a store' '
	mkdir other && echo x >other/notes &&
	test_expect_code 66 imstore --store other list 2>err &&
	echo "imstore: cannot open store ${SQ}other${SQ}: not an imstore store" >expect &&
	test_cmp expect err
'

test_expect_success 'a missing store suggests imstore init' '
	for cmd in list stats "show 01M80SEB8JR9WEK5WW19K1MNXD" "delete --all"; do
		test_expect_code 66 imstore --store missing $cmd 2>err &&
		echo "imstore: no store at ${SQ}missing${SQ} (create one with ${SQ}imstore init${SQ})" >expect &&
		test_cmp expect err || return 1
	done &&
	test ! -e missing
'

test_expect_success 'put to a missing store fails and creates nothing' '
	echo hi | test_expect_code 66 imstore --store missing put -o sip:a@example.com \
		-f sip:b@example.com -m m1 2>err &&
	grep "^imstore: no store at ${SQ}missing${SQ}" err &&
	test ! -e missing
'

test_expect_success 'IMSTORE_STORE names the default store' '
	env IMSTORE_STORE="$TEST_DIR/open" "$IMSTORE" list --count >out &&
	echo 0 >expect &&
	test_cmp expect out
'

test_done
