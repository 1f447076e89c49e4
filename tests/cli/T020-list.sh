#!/bin/sh
# imstore list: text columns, order, --reverse, --count, filters, --explain
# and filter errors.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com
CAROL=sip:carol@example.com

# msgids_are 'a1 a2' FILTER...: list FILTER matches those Message-IDs, in
# that order.
msgids_are () {
	mi_want=$1
	shift
	imstore list --format json "$@" >mi.json &&
	printf "%s\n" "$(json_get message_id <mi.json | tr "\n" " " | sed "s/ \$//")" >mi.actual &&
	printf "%s\n" "$mi_want" >mi.expect &&
	test_cmp mi.expect mi.actual
}

# plan_is 'plan: ...' FILTER...: the first line of list --explain.
plan_is () {
	pi_want=$1
	shift
	imstore list --explain "$@" >pi.out &&
	head -n 1 pi.out >pi.actual &&
	printf "%s\n" "$pi_want" >pi.expect &&
	test_cmp pi.expect pi.actual
}

test_expect_success 'setup: six messages with fixed received times' '
	imstore init >/dev/null &&
	printf "hello bob\n" | imstore put -o $BOB -f "Alice <$ALICE>" --to $BOB -m a1 \
		--subject "Lunch today?" --conversation c1 --received 2026-01-10T09:00:00Z >id.a1 &&
	head -c 2048 /dev/zero | imstore put -o $BOB -f $CAROL -m a2 --type image/png \
		--subject Photo --received 2026-01-11T10:30:00Z >id.a2 &&
	printf "ok\n" | imstore put -o $ALICE -f $BOB --to $ALICE -m a3 --folder history \
		--subject "Re: Lunch" --conversation c1 --received 2026-01-12T12:00:00Z >id.a3 &&
	head -c 1500 /dev/zero | imstore put -o $ALICE -f $CAROL -m a4 \
		--type "image/jpeg; name=a.jpg" --received 2026-02-01T00:00:00Z >id.a4 &&
	head -c 1024 /dev/zero | tr "\0" x | imstore put -o $BOB -f $ALICE -m a5 \
		--subject "$(printf "Tab\there")" --received 2026-01-11T10:30:00Z >id.a5 &&
	printf "happy" | imstore put -o $CAROL -f $ALICE --cc $BOB -m a6 --folder history \
		--mode session --subject "New year" --received 2025-12-31T23:59:59Z >id.a6
'

test_expect_success 'list prints tab-separated columns in received order' '
	imstore list >out &&
	cat id.a6 id.a1 id.a2 id.a5 id.a3 id.a4 >expect.ids &&
	cut -f1 out >ids &&
	test_cmp expect.ids ids &&
	cut -f2- out >actual &&
	cat >expect <<-EOF &&
	2025-12-31T23:59:59Z	history	stored	$CAROL	$ALICE	5	text/plain	New year
	2026-01-10T09:00:00Z	deferred	pending	$BOB	$ALICE	10	text/plain	Lunch today?
	2026-01-11T10:30:00Z	deferred	pending	$BOB	$CAROL	2048	image/png	Photo
	2026-01-11T10:30:00Z	deferred	pending	$BOB	$ALICE	1024	text/plain	Tab here
	2026-01-12T12:00:00Z	history	stored	$ALICE	$BOB	3	text/plain	Re: Lunch
	2026-02-01T00:00:00Z	deferred	pending	$ALICE	$CAROL	1500	image/jpeg; name=a.jpg	
	EOF
	test_cmp expect actual &&
	awk -F "\t" "NF != 9 { exit 1 }" out
'

test_expect_success 'equal received times are ordered by id' '
	(
		IMSTORE_STORE=$TEST_DIR/ties &&
		imstore init >/dev/null &&
		for i in 1 2 3 4 5; do
			put_msg $BOB $ALICE tie$i --received 2026-05-05T05:05:05Z >>tie.ids ||
			exit 1
		done &&
		put_msg $BOB $ALICE early --received 2026-05-05T05:05:04.999999Z >early.id &&
		imstore list | cut -f1 >out
	) &&
	cat early.id tie.ids >expect &&
	test_cmp expect out &&
	sort tie.ids >sorted &&
	test_cmp sorted tie.ids
'

test_expect_success 'a TAB in the content type does not add a column' '
	(
		IMSTORE_STORE=$TEST_DIR/tabs &&
		imstore init >/dev/null &&
		put_msg $BOB $ALICE tab1 --type "$(printf "text/plain;\tcharset=utf-8")" \
			--subject "$(printf "a\tb")" >/dev/null &&
		imstore list >tabs.out
	) &&
	awk -F "\t" "NF != 9 { print NF; exit 1 }" tabs.out
'

test_expect_success '--reverse lists newest first' '
	imstore list >fwd &&
	imstore list --reverse >rev &&
	awk "{ l[NR] = \$0 } END { for (i = NR; i > 0; i--) print l[i] }" fwd >expect &&
	test_cmp expect rev &&
	imstore list -r owner:$BOB | cut -f1 >out &&
	cat id.a5 id.a2 id.a1 >expect &&
	test_cmp expect out
'

test_expect_success '--count' '
	imstore list --count >out &&
	echo 6 >expect && test_cmp expect out &&
	imstore list -c owner:$BOB >out &&
	echo 3 >expect && test_cmp expect out &&
	imstore list --count owner:sip:nobody@example.com >out &&
	echo 0 >expect && test_cmp expect out &&
	imstore list --count --format json folder:history >out &&
	echo "{\"count\":2}" >expect && test_cmp_json expect out
'

test_expect_success 'list --format json: one object per message' '
	imstore list --format json msgid:a1 >out &&
	test_line_count = 1 out &&
	json_get id <out >id && test_cmp id.a1 id &&
	cat >expect <<-EOF &&
	{"owner":"$BOB","folder":"deferred","mode":"pager","state":"pending","held":false,
	 "from":{"uri":"$ALICE","name":"Alice"},"to":[{"uri":"$BOB","name":null}],"cc":[],
	 "message_id":"a1","conversation":"c1","received":"2026-01-10T09:00:00Z",
	 "sent":null,"sent_text":null,"expires":null,"delivered":null,"type":"text/plain",
	 "subject":"Lunch today?","size":10,"headers":[]}
	EOF
	tr -d "\n" <expect >expect.1 && echo >>expect.1 &&
	test_cmp_json expect.1 out id &&
	imstore list --format json >all &&
	test_line_count = 6 all &&
	json_norm <all >/dev/null
'

test_expect_success 'a subject with a TAB stays one column in text, exact in JSON' '
	imstore list --format json msgid:a5 | json_get subject >out &&
	printf "Tab\there\n" >expect &&
	test_cmp expect out
'

test_expect_success 'filter: owner:, from:, to: (To and cc), peer:' '
	msgids_are "a1 a2 a5" owner:$BOB &&
	msgids_are "a1 a2 a5" owner:sip:bob@EXAMPLE.COM &&
	msgids_are "" owner:sip:Bob@example.com &&
	msgids_are "a2 a4" from:$CAROL &&
	msgids_are "a6 a1" to:$BOB &&
	msgids_are "a3" to:$ALICE &&
	msgids_are "a6 a1 a3" peer:$BOB
'

test_expect_success 'filter: folder:, mode:, state:, conversation:, msgid:, id:' '
	msgids_are "a6 a3" folder:history &&
	msgids_are "a6" mode:session &&
	msgids_are "a6 a3" state:stored &&
	msgids_are "a1 a3" conversation:c1 &&
	msgids_are "a3" msgid:a3 &&
	msgids_are "a5" id:$(cat id.a5) &&
	msgids_are "a5" id:$(tr A-Z a-z <id.a5)
'

test_expect_success !SANITIZE 'filter: msgid: and id: that match nothing' '
	msgids_are "" msgid:nope &&
	msgids_are "" id:01M80SEB8JR9WEK5WW19K1MNXD &&
	imstore delete msgid:nope >out &&
	echo "deleted 0 messages (0 bytes)" >expect &&
	test_cmp expect out
'

test_expect_success 'filter: msgid: and id: that match nothing (UBSan)' '
	msgids_are "" msgid:nope &&
	msgids_are "" id:01M80SEB8JR9WEK5WW19K1MNXD &&
	imstore delete msgid:nope >out &&
	echo "deleted 0 messages (0 bytes)" >expect &&
	test_cmp expect out
'

test_expect_success 'filter: type:' '
	msgids_are "a2 a4" "type:image/*" &&
	msgids_are "a2" type:image/png &&
	msgids_are "a4" type:IMAGE/JPEG &&
	msgids_are "a6 a1 a5 a3" type:text/plain owner:$BOB or type:text/plain owner:$ALICE or folder:history
'

test_expect_success 'filter: size:' '
	msgids_are "a2 a4" "size:>1K" &&
	msgids_are "a2 a5 a4" "size:>=1K" &&
	msgids_are "a6 a1 a3" "size:<1K" &&
	msgids_are "a6 a1 a5 a3" "size:<=1024" &&
	msgids_are "a5 a4" size:1000..1500 &&
	msgids_are "a5" size:1024 &&
	msgids_are "a2" size:2K..
'

test_expect_success 'filter: date:' '
	msgids_are "a2 a5 a3" date:2026-01-11..2026-01-12 &&
	msgids_are "a2 a5" date:2026-01-11 &&
	msgids_are "a6" "date:<2026-01-01" &&
	msgids_are "a3 a4" "date:>2026-01-11" &&
	msgids_are "a1 a2 a5" date:2026-01-10T09:00:00Z..2026-01-11T10:30:00Z &&
	msgids_are "a1" date:2026-01-10T09:00Z &&
	msgids_are "a4" date:2026-01-31T19:00:00-05:00..
'

test_expect_success 'filter: subject: is a case-insensitive substring' '
	msgids_are "a1 a3" subject:lunch &&
	msgids_are "a3" "subject:\"Re: Lunch\"" &&
	msgids_are "" subject:dinner
'

test_expect_success 'filter: and, or, not, -, parentheses' '
	msgids_are "a2" owner:$BOB type:image/png &&
	msgids_are "a2" owner:$BOB and type:image/png &&
	msgids_are "a6 a1 a2 a5 a3" owner:$BOB or folder:history &&
	msgids_are "a6 a1 a5 a3" not "type:image/*" &&
	msgids_are "a1 a2 a5 a4" -- -folder:history &&
	msgids_are "a2 a4" "(from:$CAROL or from:$BOB) and not folder:history" &&
	msgids_are "a3 a4" "owner:$ALICE and (size:<1K or type:image/jpeg)" &&
	msgids_are "a1 a3" "NOT (owner:$CAROL OR size:>1000)" &&
	msgids_are "a6 a1 a2 a5 a3 a4" "*" &&
	msgids_are "a6 a1 a2 a5 a3 a4" -- "*" -owner:sip:tie@example.com &&
	msgids_are "a6" -- -owner:$BOB -owner:$ALICE
'

test_expect_success '--explain: an index plan for owner:, from:, conversation:, msgid:, date:, id:' '
	plan_is "plan: index owner = $BOB, folders deferred+history (merged)" owner:$BOB &&
	plan_is "plan: index owner = $BOB, folder history" owner:$BOB folder:history &&
	plan_is "plan: index originator = $CAROL" from:$CAROL &&
	plan_is "plan: index originator = $CAROL" from:$CAROL "type:image/*" &&
	plan_is "plan: index conversation = c1" conversation:c1 &&
	plan_is "plan: index msgid = a3" msgid:a3 &&
	plan_is "plan: index received-time range" date:2026-01-11 &&
	plan_is "plan: index received-time range" "subject:x and date:>2026-01-01" &&
	plan_is "plan: direct lookup by id" id:$(cat id.a1) &&
	plan_is "plan: index owner = sip:nobody@example.com (unknown: no match)" owner:sip:nobody@example.com
'

test_expect_success '--explain: a full scan only when nothing is indexable' '
	plan_is "plan: full scan (received-time order)" &&
	plan_is "plan: full scan (received-time order)" "*" &&
	plan_is "plan: full scan (received-time order)" subject:lunch &&
	plan_is "plan: full scan (received-time order)" "type:image/*" "size:>1K" &&
	plan_is "plan: full scan (received-time order)" owner:$BOB or subject:x &&
	plan_is "plan: full scan (received-time order)" not owner:$BOB
'

test_expect_success '--explain prints the plan, not the messages' '
	imstore list --explain owner:$BOB and date:2026-01-11 >out &&
	cat >expect <<-EOF &&
	plan: index owner = $BOB, folders deferred+history (merged)
	range: received >= 1768089600000000 and < 1768176000000000 (µs)
	filter: (owner:$BOB and date:2026-01-11)
	order: received ascending
	EOF
	test_cmp expect out
'

test_expect_success 'indexed plans and full scans give the same answers' '
	for f in owner:$BOB from:$CAROL conversation:c1 msgid:a3 date:2026-01-11 \
		"owner:$ALICE folder:history"; do
		imstore list $f >indexed &&
		imstore list "$f or msgid:never-there" >scanned &&
		test_cmp indexed scanned || return 1
	done
'

test_expect_success 'an invalid filter exits 2 and quotes the filter' '
	test_expect_code 64 imstore list foo:bar 2>err &&
	echo "imstore: invalid filter ${SQ}foo:bar${SQ}: unknown search term ${SQ}foo${SQ} (did you mean ${SQ}from${SQ}?)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore list owner:bob 2>err &&
	echo "imstore: invalid filter ${SQ}owner:bob${SQ}: invalid address ${SQ}bob${SQ} (an address starts with its scheme, e.g. sip:bob@example.com)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore list "(" owner:$BOB 2>err &&
	grep "^imstore: invalid filter ${SQ}( owner:$BOB${SQ}: expected ${SQ})${SQ}" err &&
	test_expect_code 64 imstore list size:abc 2>err &&
	grep "^imstore: invalid filter ${SQ}size:abc${SQ}: invalid size" err &&
	test_expect_code 64 imstore list date:2026-02-30 2>err &&
	grep "^imstore: invalid filter ${SQ}date:2026-02-30${SQ}: invalid date ${SQ}2026-02-30${SQ} (no such date)" err &&
	test_expect_code 64 imstore list subject: 2>err &&
	grep "^imstore: invalid filter ${SQ}subject:${SQ}: missing value" err &&
	test_expect_code 64 imstore list sip:bob@example.com 2>err &&
	grep "^imstore: invalid filter ${SQ}sip:bob@example.com${SQ}: unknown search term ${SQ}sip${SQ}" err &&
	test_expect_code 64 imstore list "owner:$BOB and" 2>err &&
	grep "^imstore: invalid filter .*: expected a search term after ${SQ}and${SQ}" err
'

test_expect_success 'an invalid filter is reported before the store is opened' '
	test_expect_code 64 imstore --store missing list foo:bar 2>err &&
	grep "^imstore: invalid filter" err
'

test_expect_success 'invalid --limit and --cursor are usage errors' '
	test_expect_code 64 imstore list --limit 0 2>err &&
	echo "imstore: invalid number ${SQ}0${SQ} for --limit (expected 1 or more)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore list --limit -3 2>err &&
	test_expect_code 64 imstore list --limit x 2>err &&
	test_expect_code 64 imstore list --limit " 5" 2>err &&
	test_expect_code 64 imstore list --limit " -1" 2>err &&
	echo "imstore: invalid number ${SQ} -1${SQ} for --limit (expected 1 or more)" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore list --cursor bogus 2>err &&
	echo "imstore: invalid cursor ${SQ}bogus${SQ}" >expect &&
	test_cmp expect err
'

test_done
