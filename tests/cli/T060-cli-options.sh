#!/bin/sh
# Common options before and after the command, --help, --version,
# --format(-version), unknown options and commands, the imstore-CMD aliases;
# subcommands and their own options; one parser and one error wording per
# type of option; one time grammar.
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
	test_expect_code 64 imstore -s other list -- --count 2>err &&
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
	test_expect_code 64 imstore >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err | grep "^usage: imstore " &&
	test_expect_code 64 imstore --store other 2>err &&
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
	test_expect_code 64 imstore frobnicate 2>err &&
	echo "imstore: unknown command ${SQ}frobnicate${SQ} (run ${SQ}imstore --help${SQ})" >expect &&
	test_cmp expect err
'

test_expect_success 'an unknown option exits 2, before or after the command' '
	test_expect_code 64 imstore -s other list --frobnicate 2>err &&
	echo "imstore: unknown option ${SQ}--frobnicate${SQ} for list" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore --frobnicate list 2>err &&
	echo "imstore: unknown option ${SQ}--frobnicate${SQ}" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other list -Z 2>err &&
	echo "imstore: unknown option ${SQ}-Z${SQ} for list" >expect &&
	test_cmp expect err
'

test_expect_success 'an option of another command is unknown' '
	test_expect_code 64 imstore -s other stats --limit 3 2>err &&
	echo "imstore: unknown option ${SQ}--limit${SQ} for stats" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore --limit 3 list 2>err
'

test_expect_success 'a missing option argument exits 2' '
	test_expect_code 64 imstore list --store 2>err &&
	echo "imstore: option ${SQ}--store${SQ} needs an argument (DIR)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other list --limit 2>err &&
	echo "imstore: option ${SQ}--limit${SQ} needs an argument (N)" >expect &&
	test_cmp expect err
'

test_expect_success 'a flag with an argument exits 2' '
	test_expect_code 64 imstore -s other list --count=yes 2>err &&
	echo "imstore: option ${SQ}--count${SQ} takes no argument" >expect &&
	test_cmp expect err
'

test_expect_success '--format-version 1 is accepted, 2 is a usage error' '
	imstore -s other list --count --format-version 1 >out &&
	test_cmp two out &&
	test_expect_code 64 imstore -s other list --format json --format-version 2 >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: unsupported format version ${SQ}2${SQ} (this imstore writes 1)" >expect.err &&
	test_cmp expect.err err &&
	test_expect_code 64 imstore --format-version 2 -s other stats 2>err &&
	test_cmp expect.err err &&
	test_expect_code 64 imstore -s other list --format-version 1x 2>err
'

test_expect_success 'an unknown or unsupported --format is a usage error' '
	test_expect_code 64 imstore -s other list --format yaml 2>err &&
	echo "imstore: unknown format ${SQ}yaml${SQ} (expected text, json or xml)" >expect.err &&
	test_cmp expect.err err &&
	test_expect_code 64 imstore -s other list --format xml >out 2>err &&
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
	test_expect_code 64 ./imstore-frobnicate 2>err &&
	echo "imstore: unknown command ${SQ}frobnicate${SQ}" >expect.err &&
	test_cmp expect.err err
'

test_expect_success 'IMSTORE_STORE is the default store' '
	env IMSTORE_STORE="$TEST_DIR/other" "$IMSTORE" list --count >out &&
	test_cmp two out
'

test_expect_success 'an empty --store is a usage error' '
	env IMSTORE_STORE="$TEST_DIR/other" "$IMSTORE" --store "" list --count >out 2>err;
	test $? = 64 &&
	test_must_be_empty out &&
	grep "^imstore: .*store" err
'

test_expect_success 'an option of another subcommand is refused, not ignored' '
	test_expect_code 64 imstore -s other deferred summary sip:bob@example.com \
		--duration 5m >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: unknown option ${SQ}--duration${SQ} for deferred summary" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other quota get sip:bob@example.com \
		--deferred-count 3 2>err &&
	echo "imstore: unknown option ${SQ}--deferred-count${SQ} for quota get" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other history transcript sip:bob@example.com c1 \
		--limit 3 2>err &&
	echo "imstore: unknown option ${SQ}--limit${SQ} for history transcript" >expect &&
	test_cmp expect err
'

test_expect_success 'before its subcommand a command takes only the common options' '
	imstore deferred -s other --format json summary sip:bob@example.com >out &&
	test_line_count = 2 out &&
	test_expect_code 64 imstore -s other deferred --limit 1 summary sip:bob@example.com 2>err &&
	echo "imstore: unknown option ${SQ}--limit${SQ} for deferred" >expect &&
	test_cmp expect err
'

test_expect_success 'a missing or unknown subcommand is a usage error' '
	test_expect_code 64 imstore -s other deferred >out 2>err &&
	test_must_be_empty out &&
	head -n 1 err >actual &&
	echo "usage: imstore deferred [options] SUBCOMMAND USER [ARGS...]" >expect &&
	test_cmp expect actual &&
	grep "^  on-register " err &&
	test_expect_code 64 imstore -s other history fly sip:bob@example.com 2>err &&
	echo "imstore: unknown history subcommand ${SQ}fly${SQ} (run ${SQ}imstore history --help${SQ})" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other quota set 2>err &&
	echo "imstore: usage: imstore quota set [options] USER | default" >expect &&
	test_cmp expect err
'

test_expect_success 'a command lists its subcommands, a subcommand its own options' '
	imstore deferred --help >out &&
	head -n 1 out >actual &&
	echo "usage: imstore deferred [options] SUBCOMMAND USER [ARGS...]" >expect &&
	test_cmp expect actual &&
	for s in store summary lease ack release delete on-register; do
		grep "^  $s " out || return 1
	done &&
	! grep -e "--duration" out &&
	imstore deferred summary --help >out &&
	head -n 2 out >actual &&
	printf "%s\n" "usage: imstore deferred summary [options] USER" \
		"list the deferred messages of USER" >expect &&
	test_cmp expect actual &&
	grep -e "^      --filter FILTER " out && grep -e "^  -n, --limit N " out &&
	grep -e "^  -s, --store DIR " out &&
	! grep -e "--duration" out && ! grep -e "--from" out &&
	imstore deferred store --help >out &&
	grep "^message options:" out && grep -e "-f, --from ADDR" out &&
	imstore help deferred summary >out.help &&
	imstore deferred summary -h >out.h &&
	imstore deferred --help summary >out.pre &&
	imstore deferred summary --help >out &&
	test_cmp out out.help && test_cmp out out.h && test_cmp out out.pre &&
	ln -s "$IMSTORE" imstore-deferred &&
	./imstore-deferred summary --help >out.alias &&
	test_cmp out out.alias &&
	for c in history quota settings; do
		imstore $c --help >out && grep "^subcommands:" out || return 1
	done
'

test_expect_success 'a subcommand refuses a format it does not write' '
	test_expect_code 64 imstore -s other deferred lease sip:bob@example.com --format xml 2>err &&
	echo "imstore: deferred lease does not support --format xml" >expect &&
	test_cmp expect err
'

test_expect_success 'keyword options: their values listed once, for parsing and --help' '
	imstore put --help >out &&
	grep -e "^      --mode MODE .*: pager, large or session$" out &&
	grep -e "^      --format FORMAT .*: text, json or xml$" out &&
	test_expect_code 64 imstore -s other list --format yaml 2>err &&
	echo "imstore: unknown format ${SQ}yaml${SQ} (expected text, json or xml)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other export -o x.tar --layout mbox 2>err &&
	echo "imstore: unknown layout ${SQ}mbox${SQ} (expected raw or eml)" >expect &&
	test_cmp expect err
'

test_expect_success 'keyword values match in any case and take effect (put, show)' '
	put_msg sip:kw@example.com sip:alice@example.com kw1 --store other \
		--folder HISTORY --mode Large --state DELIVERED >/dev/null &&
	imstore -s other show -o sip:kw@example.com --folder History kw1 --format json >out &&
	json_get folder <out >got && json_get mode <out >>got && json_get state <out >>got &&
	printf "history\nlarge\ndelivered\n" >expect && test_cmp expect got &&
	test_expect_code 68 imstore -s other show -o sip:kw@example.com --folder DEFERRED kw1 2>err &&
	echo "imstore: no message ${SQ}kw1${SQ}" >expect && test_cmp expect err
'

test_expect_success 'one wording of the error of each type of option' '
	test_expect_code 64 imstore -s other list --limit 12x 2>err &&
	echo "imstore: invalid number ${SQ}12x${SQ} for --limit (expected 1 or more)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other stats --top 10001 2>err &&
	echo "imstore: invalid number ${SQ}10001${SQ} for --top (expected 1 to 10000)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other list --limit 1K 2>err &&
	grep "^imstore: invalid number ${SQ}1K${SQ} for --limit" err &&
	test_expect_code 64 imstore verify-archive --max-bytes 1X x.tar 2>err &&
	echo "imstore: invalid size ${SQ}1X${SQ} for --max-bytes (expected 1 or more bytes, with K, M or G)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other purge --older-than 5y 2>err &&
	echo "imstore: invalid duration ${SQ}5y${SQ} for --older-than (expected a duration such as 90s, 5m, 2h, 7d or 1h30m)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other deferred lease sip:bob@example.com --duration 0s 2>err &&
	echo "imstore: invalid duration ${SQ}0s${SQ} for --duration (expected a positive duration such as 90s, 5m, 2h, 7d or 1h30m)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other audit --since last-week 2>err &&
	echo "imstore: invalid time ${SQ}last-week${SQ} for --since (expected 2026-11-01, 2026-11-01T10:00:00Z, now or a duration ago such as 7d)" >expect &&
	test_cmp expect err &&
	echo x | test_expect_code 64 imstore -s other put -o sip:a@example.com -f sip:b@example.com \
		-m t1 --expires soon 2>err &&
	echo "imstore: invalid time ${SQ}soon${SQ} for --expires (expected 2026-11-01, 2026-11-01T10:00:00Z, now or a duration from now such as 72h)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other quota set default --history-retention forever 2>err &&
	echo "imstore: invalid duration ${SQ}forever${SQ} for --history-retention (expected a positive duration such as 90s, 5m, 2h, 7d or 1h30m, or never or default)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore -s other put --state lost 2>err </dev/null &&
	echo "imstore: unknown state ${SQ}lost${SQ} (expected stored, pending, delivering, delivered or failed)" >expect &&
	test_cmp expect err
'

test_expect_success 'option values are checked before the store is opened, after --help' '
	test_expect_code 64 imstore -s missing list --limit 0 2>err &&
	grep "^imstore: invalid number" err &&
	test ! -e missing &&
	imstore -s missing deferred lease sip:bob@example.com --duration 0s --help >out &&
	head -n 1 out | grep "^usage: imstore deferred lease "
'

test_expect_success 'put --received reads the time grammar of list date:' '
	imstore -s grammar init >/dev/null &&
	put_msg sip:bob@example.com sip:alice@example.com g1 -s grammar \
		--received 2026-11-01T10:00 >/dev/null &&
	put_msg sip:bob@example.com sip:alice@example.com g2 -s grammar \
		--received "2026-11-01 10:00:30" >/dev/null &&
	put_msg sip:bob@example.com sip:alice@example.com g3 -s grammar \
		--received 2026-11-01T11:00:00.5+01:00 >/dev/null &&
	imstore -s grammar list date:2026-11-01T10:00 | cut -f2 >out &&
	echo 2026-11-01T10:00:00Z >expect && test_cmp expect out &&
	imstore -s grammar list date:2026-11-01T10:00..2026-11-01T10:01 | cut -f2 >out &&
	printf "%s\n" 2026-11-01T10:00:00Z 2026-11-01T10:00:00.500000Z \
		2026-11-01T10:00:30Z >expect &&
	test_cmp expect out &&
	put_msg sip:bob@example.com sip:alice@example.com g4 -s grammar \
		--received today >/dev/null &&
	imstore -s grammar list --count date:today >out &&
	echo 1 >expect && test_cmp expect out
'

test_done
