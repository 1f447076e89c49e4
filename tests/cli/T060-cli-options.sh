#!/bin/sh
# Common options before and after the command, --help, --version,
# --format(-version), unknown options and commands, the imstore-CMD aliases.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: a store in another directory' '
	imstore --store other init >/dev/null &&
	put_msg sip:bob@example.com sip:alice@example.com o1 --store other >/dev/null &&
	put_msg sip:bob@example.com sip:alice@example.com o2 --store other >/dev/null &&
	echo 2 >two
'

test_expect_success '--store before the command' '
	imstore --store other list --count >out && test_cmp two out
'

test_expect_success '--store after the command' '
	imstore list --store other --count >out && test_cmp two out &&
	imstore list --count --store other >out && test_cmp two out
'

test_expect_success '-s DIR, -sDIR and --store=DIR' '
	imstore -s other list --count >out && test_cmp two out &&
	imstore list -s other --count >out && test_cmp two out &&
	imstore -sother list -c >out && test_cmp two out &&
	imstore --store=other list --count >out && test_cmp two out &&
	imstore list --store=other --count >out && test_cmp two out
'

test_expect_success '--store overrides IMSTORE_STORE; the last --store wins' '
	env IMSTORE_STORE=/nonexistent "$IMSTORE" --store other list --count >out &&
	test_cmp two out &&
	imstore --store missing list --store other --count >out &&
	test_cmp two out
'

test_expect_success '--format before and after the command' '
	imstore --format json -s other list --count >out &&
	echo "{\"count\":2}" >jexpect &&
	test_cmp_json jexpect out &&
	imstore -s other list --count --format json >out &&
	test_cmp_json jexpect out &&
	imstore -s other list --count --format=json >out &&
	test_cmp_json jexpect out &&
	imstore -s other --format json list --format text --count >out &&
	test_cmp two out
'

test_expect_success '-- ends the options' '
	test_expect_code 2 imstore -s other list -- --count 2>err &&
	grep "^imstore: invalid filter ${SQ}--count${SQ}" err
'

test_expect_success '--help of every command exits 0 and prints its usage' '
	for cmd in init put list show delete stats; do
		imstore $cmd --help >out 2>err &&
		test_must_be_empty err &&
		head -n 1 out | grep "^usage: imstore $cmd " &&
		grep "^  -s, --store DIR" out &&
		imstore $cmd -h >out.h &&
		test_cmp out out.h &&
		imstore help $cmd >out.help &&
		test_cmp out out.help &&
		imstore --help $cmd >out.pre &&
		test_cmp out out.pre || return 1
	done
'

test_expect_success '--help ignores the store and other options' '
	imstore --store missing list --limit 0 --help >out &&
	head -n 1 out >actual &&
	echo "usage: imstore list [options] [FILTER...]" >expect &&
	test_cmp expect actual &&
	test ! -e missing
'

test_expect_success 'the usage of each command lists its options' '
	imstore put --help >out &&
	for o in "-o, --owner ADDR" "-f, --from ADDR" "-m, --message-id ID" "--folder FOLDER" \
		"--received TIME" "-H, --header"; do
		grep -e "$o" out || return 1
	done &&
	imstore list --help >out &&
	for o in "-n, --limit N" "--cursor CURSOR" "-r, --reverse" "-c, --count" "--explain"; do
		grep -e "$o" out || return 1
	done &&
	imstore delete --help >out &&
	grep -e "-n, --dry-run" out && grep -e "--all" out
'

test_expect_success 'imstore --help and help list the commands' '
	imstore --help >out &&
	head -n 1 out >actual &&
	echo "usage: imstore [options] COMMAND [options] [ARGS]" >expect &&
	test_cmp expect actual &&
	for cmd in init put list show delete stats; do
		grep "^  $cmd " out || return 1
	done &&
	imstore help >out.help &&
	test_cmp out out.help
'

test_expect_success 'imstore without a command: usage on stderr, exit 2' '
	test_expect_code 2 imstore >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err | grep "^usage: imstore " &&
	test_expect_code 2 imstore --store other 2>err &&
	head -n 1 err | grep "^usage: imstore "
'

test_expect_success '--version' '
	imstore --version >out &&
	grep -E "^imstore [0-9]+\.[0-9]+\.[0-9]+ \(store format 3\)$" out &&
	test_line_count = 1 out &&
	imstore list --version >out2 &&
	test_cmp out out2
'

test_expect_success 'an unknown command exits 2' '
	test_expect_code 2 imstore frobnicate 2>err &&
	echo "imstore: unknown command ${SQ}frobnicate${SQ} (run ${SQ}imstore --help${SQ})" >expect &&
	test_cmp expect err
'

test_expect_success 'an unknown option exits 2, before or after the command' '
	test_expect_code 2 imstore -s other list --frobnicate 2>err &&
	echo "imstore: unknown option ${SQ}--frobnicate${SQ} for list" >expect &&
	test_cmp expect err &&
	test_expect_code 2 imstore --frobnicate list 2>err &&
	echo "imstore: unknown option ${SQ}--frobnicate${SQ}" >expect &&
	test_cmp expect err &&
	test_expect_code 2 imstore -s other list -Z 2>err &&
	echo "imstore: unknown option ${SQ}-Z${SQ} for list" >expect &&
	test_cmp expect err
'

test_expect_success 'an option of another command is unknown' '
	test_expect_code 2 imstore -s other stats --limit 3 2>err &&
	echo "imstore: unknown option ${SQ}--limit${SQ} for stats" >expect &&
	test_cmp expect err &&
	test_expect_code 2 imstore --limit 3 list 2>err
'

test_expect_success 'a missing option argument exits 2' '
	test_expect_code 2 imstore list --store 2>err &&
	echo "imstore: option ${SQ}--store${SQ} needs an argument (DIR)" >expect &&
	test_cmp expect err &&
	test_expect_code 2 imstore -s other list --limit 2>err &&
	echo "imstore: option ${SQ}--limit${SQ} needs an argument (N)" >expect &&
	test_cmp expect err
'

test_expect_success 'a flag with an argument exits 2' '
	test_expect_code 2 imstore -s other list --count=yes 2>err &&
	echo "imstore: option ${SQ}--count${SQ} takes no argument" >expect &&
	test_cmp expect err
'

test_expect_success '--format-version 1 is accepted, 2 is a usage error' '
	imstore -s other list --count --format-version 1 >out &&
	test_cmp two out &&
	test_expect_code 2 imstore -s other list --format json --format-version 2 >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: unsupported format version ${SQ}2${SQ} (this imstore writes 1)" >expect.err &&
	test_cmp expect.err err &&
	test_expect_code 2 imstore --format-version 2 -s other stats 2>err &&
	test_cmp expect.err err &&
	test_expect_code 2 imstore -s other list --format-version 1x 2>err
'

test_expect_success 'an unknown or unsupported --format is a usage error' '
	test_expect_code 2 imstore -s other list --format yaml 2>err &&
	echo "imstore: unknown format ${SQ}yaml${SQ} (expected text, json or xml)" >expect.err &&
	test_cmp expect.err err &&
	test_expect_code 2 imstore -s other list --format xml >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: list does not support --format xml" >expect.err &&
	test_cmp expect.err err
'

test_expect_success 'the imstore-list alias behaves like imstore list' '
	ln -s "$IMSTORE" imstore-list &&
	./imstore-list -s other >out.alias &&
	imstore -s other list >out &&
	test_cmp out out.alias &&
	./imstore-list -s other --count --format json >out.alias &&
	test_cmp_json jexpect out.alias &&
	./imstore-list -s other msgid:o2 | cut -f1 >a &&
	imstore -s other list msgid:o2 | cut -f1 >b &&
	test_cmp a b &&
	./imstore-list --help | head -n 1 >out &&
	echo "usage: imstore list [options] [FILTER...]" >expect.u &&
	test_cmp expect.u out
'

test_expect_success 'the other aliases' '
	for cmd in init put show delete stats; do
		ln -s "$IMSTORE" imstore-$cmd || return 1
	done &&
	./imstore-init -s viaalias >/dev/null &&
	echo hi | ./imstore-put -s viaalias -o sip:a@example.com -f sip:b@example.com -m x >id &&
	./imstore-show -s viaalias --raw "$(cat id)" >out &&
	echo hi >expect.b &&
	test_cmp expect.b out &&
	./imstore-stats -s viaalias --format json | json_get owners >out &&
	echo 1 >expect.b && test_cmp expect.b out &&
	./imstore-delete -s viaalias --all >out &&
	echo "deleted 1 message (3 bytes)" >expect.b &&
	test_cmp expect.b out
'

test_expect_success 'an alias of an unknown command exits 2' '
	ln -s "$IMSTORE" imstore-frobnicate &&
	test_expect_code 2 ./imstore-frobnicate 2>err &&
	echo "imstore: unknown command ${SQ}frobnicate${SQ}" >expect.err &&
	test_cmp expect.err err
'

test_expect_success 'IMSTORE_STORE is the default store' '
	env IMSTORE_STORE="$TEST_DIR/other" "$IMSTORE" list --count >out &&
	test_cmp two out
'

test_expect_success 'an empty --store is a usage error' '
	env IMSTORE_STORE="$TEST_DIR/other" "$IMSTORE" --store "" list --count >out 2>err;
	test $? = 2 &&
	test_must_be_empty out &&
	grep "^imstore: .*store" err
'

test_done
