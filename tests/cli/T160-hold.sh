#!/bin/sh
# imstore hold, release and audit: legal hold keeps messages whatever asks
# for their deletion; every operator action is recorded.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
EVE=sip:eve@example.com

test_expect_success 'setup' '
	imstore init >/dev/null &&
	for i in 1 2 3; do
		echo "evidence $i" | imstore put -o $BOB -f $EVE -m e$i >/dev/null || return 1
	done &&
	echo other | imstore put -o $BOB -f sip:carol@example.com -m c1 >/dev/null
'

test_expect_success 'hold needs a reason and a filter that is not everything' '
	test_expect_code 64 imstore hold from:$EVE 2>err &&
	grep "^imstore: usage: imstore hold FILTER... --reason TEXT$" err &&
	test_expect_code 64 imstore hold --reason x "*" 2>err &&
	grep "refusing to hold every message" err
'

test_expect_success 'hold, then nothing deletes the held messages (a delete of nothing is not recorded)' '
	imstore hold --reason "case 42" from:$EVE >out &&
	echo "held: 3" >expect && test_cmp expect out &&
	imstore list state:held --count >got && echo 3 >expect && test_cmp expect got &&
	imstore delete --all >out &&
	echo "deleted 1 message (6 bytes), kept 3 under legal hold" >expect && test_cmp expect out &&
	id=$(imstore list msgid:e1 | cut -f1) &&
	imstore delete "$id" >out &&
	grep "kept 1 under legal hold" out &&
	imstore deferred delete $BOB e2 >/dev/null &&
	imstore list --count >got && echo 3 >expect && test_cmp expect got
'

test_expect_success 'the user no longer sees what they deleted while held' '
	imstore deferred summary $BOB | cut -f1 >got &&
	imstore list msgid:e1 or msgid:e3 | cut -f1 >expect && test_cmp expect got
'

test_expect_success 'release: messages deleted by their user go now' '
	imstore release --reason "case closed" msgid:e2 or msgid:e3 >out &&
	echo "released: 2" >expect && test_cmp expect out &&
	imstore list | cut -f9 >/dev/null &&
	imstore list --count >got && echo 2 >expect && test_cmp expect got &&
	imstore list msgid:e2 --count >got && echo 0 >expect && test_cmp expect got
'

test_expect_success 'hold --list and audit show who did what, never content' '
	imstore hold --list | cut -f2,3,4,5,6 >got &&
	cat >expect <<-EOF &&
	hold	$(id -un)	3	from:$EVE	case 42
	release	$(id -un)	2	msgid:e2 or msgid:e3	case closed
	EOF
	test_cmp expect got &&
	imstore audit | cut -f2 >got &&
	printf "hold\ndelete\nrelease\n" >expect && test_cmp expect got &&
	imstore audit --format json >audit.json &&
	! grep -q evidence audit.json &&
	imstore audit --since 1h >recent && test_line_count = 3 recent &&
	imstore audit --since 2099-01-01 >none && test_must_be_empty none &&
	test_expect_code 64 imstore audit --since yesterday-ish
'

test_expect_success 'a dry-run delete is not recorded' '
	imstore delete --dry-run --all >/dev/null &&
	imstore audit >all && test_line_count = 3 all
'

test_done
