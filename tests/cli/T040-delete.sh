#!/bin/sh
# imstore delete: by ids, by filter, --dry-run, --all, and the counts that
# list and stats show afterwards.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com
CAROL=sip:carol@example.com

count_is () {
	imstore list --count "$@" >count.out &&
	cat >count.expect &&
	test_cmp count.expect count.out
}

test_expect_success 'setup: ten messages' '
	imstore init >/dev/null &&
	for i in 0 1 2 3 4 5 6 7 8 9; do
		owner=$BOB && test $i -ge 6 && owner=$CAROL
		folder=deferred && test $((i % 2)) = 1 && folder=history
		head -c $i /dev/zero | imstore put -o $owner -f $ALICE -m d$i --folder $folder \
			--received 2026-01-1${i}T00:00:00Z >id.$i || return 1
	done &&
	echo 10 | count_is
'

test_expect_success 'delete needs a filter, ids or --all' '
	test_expect_code 64 imstore delete 2>err &&
	echo "imstore: delete needs a FILTER or IDs (or --all for every message)" >expect &&
	test_cmp expect err &&
	echo 10 | count_is
'

test_expect_success 'a filter that matches everything is refused without --all' '
	echo "imstore: refusing to delete every message without --all" >expect &&
	test_expect_code 64 imstore delete "*" 2>err &&
	test_cmp expect err &&
	test_expect_code 64 imstore delete "" 2>err &&
	test_cmp expect err &&
	test_expect_code 64 imstore delete -- "*" "*" 2>err &&
	test_cmp expect err &&
	echo 10 | count_is
'

test_expect_success 'delete --dry-run counts and deletes nothing' '
	imstore delete --dry-run owner:$CAROL >out &&
	echo "would delete 4 messages (30 bytes)" >expect &&
	test_cmp expect out &&
	imstore delete -n --format json folder:history >out &&
	echo "{\"would_delete\":5,\"bytes\":25,\"held\":0}" >expect &&
	test_cmp_json expect out &&
	imstore delete --dry-run "$(cat id.1)" "$(cat id.2)" >out &&
	echo "would delete 2 messages (3 bytes)" >expect &&
	test_cmp expect out &&
	imstore delete --dry-run --all >out &&
	echo "would delete 10 messages (45 bytes)" >expect &&
	test_cmp expect out &&
	echo 10 | count_is
'

test_expect_success 'delete one id' '
	imstore delete "$(cat id.3)" >out &&
	echo "deleted 1 message (3 bytes)" >expect &&
	test_cmp expect out &&
	echo 9 | count_is &&
	test_expect_code 68 imstore show "$(cat id.3)" 2>/dev/null
'

test_expect_success 'delete several ids' '
	imstore delete "$(cat id.0)" "$(cat id.4)" >out &&
	echo "deleted 2 messages (4 bytes)" >expect &&
	test_cmp expect out &&
	echo 7 | count_is &&
	imstore list | cut -f1 >left &&
	cat id.1 id.2 id.5 id.6 id.7 id.8 id.9 >expect &&
	test_cmp expect left
'

test_expect_success 'an id that is not there: an error, the others are deleted' '
	test_expect_code 68 imstore delete "$(cat id.3)" "$(cat id.5)" >out 2>err &&
	echo "deleted 1 message (5 bytes)" >expect &&
	test_cmp expect out &&
	echo "imstore: no message ${SQ}$(cat id.3)${SQ}" >expect &&
	test_cmp expect err &&
	echo 6 | count_is
'

test_expect_success 'delete by filter' '
	imstore delete owner:$CAROL folder:history >out &&
	echo "deleted 2 messages (16 bytes)" >expect &&
	test_cmp expect out &&
	echo 4 | count_is &&
	echo 0 | count_is owner:$CAROL folder:history &&
	echo 2 | count_is owner:$CAROL
'

test_expect_success 'delete by filter --format json' '
	imstore delete --format json msgid:d1 >out &&
	echo "{\"deleted\":1,\"bytes\":1,\"held\":0}" >expect &&
	test_cmp_json expect out &&
	echo 3 | count_is
'

test_expect_success 'a filter that matches nothing deletes nothing' '
	imstore delete owner:sip:nobody@example.com >out &&
	echo "deleted 0 messages (0 bytes)" >expect &&
	test_cmp expect out &&
	echo 3 | count_is
'

test_expect_success 'an invalid filter is a usage error and deletes nothing' '
	test_expect_code 64 imstore delete owner:carol 2>err &&
	grep "^imstore: invalid filter ${SQ}owner:carol${SQ}" err &&
	echo 3 | count_is
'

test_expect_success 'stats follow the deletes' '
	imstore stats --format json >out &&
	json_get total <out >actual &&
	echo "{\"bytes\":16,\"messages\":3}" >expect &&
	test_cmp_json expect actual &&
	json_get owners <out >actual &&
	echo 2 >expect &&
	test_cmp expect actual
'

test_expect_success 'deleting a Message-ID lets it be stored again' '
	imstore delete msgid:d2 >/dev/null &&
	printf "%02d" 0 | imstore put -o $BOB -f $ALICE -m d2 >id.2b &&
	! test_cmp id.2 id.2b >/dev/null &&
	echo 3 | count_is
'

test_expect_success 'delete --batch' '
	for i in 1 2 3 4 5 6 7; do
		put_msg sip:batch@example.com $ALICE b$i >/dev/null || return 1
	done &&
	imstore delete --batch 2 owner:sip:batch@example.com >out &&
	echo "deleted 7 messages (77 bytes)" >expect &&
	test_cmp expect out &&
	test_expect_code 64 imstore delete --batch 0 msgid:x 2>err &&
	echo "imstore: invalid number ${SQ}0${SQ} for --batch (expected 1 to 1000000)" >expect &&
	test_cmp expect err
'

test_expect_success 'delete --all deletes everything' '
	imstore delete --all >out &&
	echo "deleted 3 messages (16 bytes)" >expect &&
	test_cmp expect out &&
	echo 0 | count_is &&
	imstore list >out &&
	test_must_be_empty out &&
	imstore stats --format json | json_get owners >out &&
	echo 0 >expect &&
	test_cmp expect out
'

test_expect_success 'delete --all on an empty store' '
	imstore delete --all >out &&
	echo "deleted 0 messages (0 bytes)" >expect &&
	test_cmp expect out
'

test_done
