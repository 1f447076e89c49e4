#!/bin/sh
# Two processes on one store: a writer storing 300 messages while the
# foreground lists, counts, shows and deletes by filter.  Nothing may fail,
# and the counts must add up.
. "$(dirname "$0")/test-lib.sh"

KEEP=sip:keep@example.com
DROP=sip:drop@example.com
N=300

# writer: store w1..wN, every third for DROP; failures to writer.err.
writer () {
	i=1
	while test $i -le $N; do
		owner=$KEEP
		test $((i % 3)) = 0 && owner=$DROP
		printf "body of w%d\n" $i |
		"$IMSTORE" put -o $owner -f sip:w@example.com -m w$i >/dev/null 2>>writer.err ||
			echo "put w$i failed: $?" >>writer.err
		i=$((i + 1))
	done
	: >writer.done
}

# one_round: list, count, show one message, delete DROP's messages.
one_round () {
	imstore list >round.list 2>>fg.err || echo "list failed: $?" >>fg.err
	awk -F "\t" "NF != 9" round.list >>fg.err
	imstore list --count >/dev/null 2>>fg.err || echo "count failed: $?" >>fg.err
	imstore list --format json --limit 20 owner:$KEEP >round.json 2>>fg.err ||
		echo "list json failed: $?" >>fg.err
	json_norm <round.json >/dev/null 2>>fg.err || echo "invalid JSON" >>fg.err
	id=$(grep "	$KEEP	" round.list | tail -n 1 | cut -f1)
	if test -n "$id"; then
		imstore show --raw "$id" >round.body 2>>fg.err || echo "show $id failed: $?" >>fg.err
		grep -q "^body of w[0-9]*\$" round.body || echo "bad body of $id" >>fg.err
	fi
	imstore delete owner:$DROP >round.del 2>>fg.err || echo "delete failed: $?" >>fg.err
	sed -n "s/^deleted \([0-9]*\) messages\{0,1\} (.*/\1/p" round.del >>deleted.counts
	imstore stats --format json >/dev/null 2>>fg.err || echo "stats failed: $?" >>fg.err
}

test_expect_success 'setup' '
	imstore init >/dev/null &&
	: >writer.err && : >fg.err && : >deleted.counts
'

test_expect_success 'list, count, show and delete while another process stores' '
	writer &
	writer_pid=$! &&
	rounds=0 && start=$(date +%s) &&
	while ! test -f writer.done; do
		one_round &&
		rounds=$((rounds + 1)) &&
		if test $(($(date +%s) - start)) -gt 120; then
			kill $writer_pid
			echo "timed out" >>fg.err
			break
		fi
	done &&
	wait $writer_pid &&
	echo "rounds: $rounds" &&
	test $rounds -ge 2 &&
	test_must_be_empty writer.err &&
	test_must_be_empty fg.err
'

test_expect_success 'count = stored - deleted' '
	deleted=$(awk "{ s += \$1 } END { print s + 0 }" deleted.counts) &&
	echo "deleted while storing: $deleted" &&
	imstore list --count >out &&
	echo $((N - deleted)) >expect &&
	test_cmp expect out &&
	imstore list | wc -l | tr -d " " >out &&
	test_cmp expect out &&
	imstore stats --format json | json_get total | json_get messages >out &&
	test_cmp expect out
'

test_expect_success 'a last delete leaves exactly the KEEP messages' '
	imstore delete owner:$DROP >out &&
	sed -n "s/^deleted \([0-9]*\) messages\{0,1\} (.*/\1/p" out >>deleted.counts &&
	awk "{ s += \$1 } END { print s + 0 }" deleted.counts >out &&
	echo $((N / 3)) >expect &&
	test_cmp expect out &&
	imstore list --count >out &&
	echo $((N - N / 3)) >expect &&
	test_cmp expect out &&
	imstore list --count owner:$KEEP >out &&
	test_cmp expect out
'

test_expect_success 'every listed message shows with its own body' '
	imstore list --format json >all.json &&
	json_get id <all.json >ids &&
	json_get message_id <all.json >msgids &&
	i=0 &&
	while read id && read msgid <&3; do
		imstore show --raw $id >body &&
		echo "body of $msgid" >expect &&
		test_cmp expect body || return 1
		i=$((i + 1))
	done <ids 3<msgids &&
	test $i = $((N - N / 3))
'

test_expect_success 'every KEEP Message-ID is there exactly once' '
	i=1 && : >expect &&
	while test $i -le $N; do
		test $((i % 3)) = 0 || echo w$i >>expect
		i=$((i + 1))
	done &&
	sort expect >expect.sorted &&
	sort msgids >actual &&
	test_cmp expect.sorted actual
'

test_done
