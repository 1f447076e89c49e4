#!/bin/sh
# imstore history: recording by the user's settings, conversations, the
# history-list and transcript documents, rename, delete, user isolation.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
AL=sip:al@example.com
ALICE=sip:alice@example.com
S=$IMS_SRCDIR/schemas

record () { # USER MSGID [OPTION...]
	u=$1 m=$2
	shift 2
	printf 'line of %s\n' "$m" | imstore history record "$u" -m "$m" "$@"
}

activate () { # USER PAGER SESSION
	printf '<im-settings xmlns="urn:oma:xml:im:service-settings"><history-settings>
<session-mode active="%s"/><pager-mode active="%s"/></history-settings></im-settings>' "$3" "$2" |
	imstore settings set "$1" >/dev/null
}

test_expect_success 'setup' '
	imstore init >/dev/null
'

test_expect_success 'record is refused while history is not active' '
	test_expect_code 77 record $BOB r0 -f $ALICE -t $BOB 2>err &&
	grep "^imstore: not recorded for ${SQ}$BOB${SQ}: history is not active for pager mode$" err
'

test_expect_success 'record pager and session messages once active' '
	activate $BOB true true && activate $AL true false &&
	record $BOB p1 -f "Alice <$ALICE>" -t $BOB --subject Plans --received 2026-11-01T10:00:00Z >/dev/null &&
	record $BOB p2 -f $BOB -t $ALICE --received 2026-11-01T10:05:00Z >/dev/null &&
	record $BOB s1 -f $BOB -t sip:carol@example.com --mode session \
		--conversation sess-7 --received 2026-11-02T09:00:00Z >/dev/null &&
	record $AL q1 -f $AL -t sip:carol@example.com >/dev/null &&
	test_expect_code 77 record $AL q2 -f $AL -t sip:carol@example.com --mode session 2>/dev/null &&
	record $BOB p1 -f $ALICE -t $BOB --format json >again &&
	json_get stored <again >got && echo false >expect && test_cmp expect got
'

test_expect_success 'list: conversations, latest end first; pager both ways is one conversation' '
	imstore history list $BOB >rows &&
	test_line_count = 2 rows &&
	cut -f1,4,5,7 rows >got &&
	printf "sess-7\tsession\t1\tsip:carol@example.com\n" >expect &&
	head -1 got >first && test_cmp expect first &&
	sed -n 2p got | cut -f2,3,4 >second &&
	printf "pager\t2\t$ALICE\n" >expect && test_cmp expect second
'

test_expect_success 'list: the history-list document validates; JSON validates' '
	imstore history list $BOB --format xml >hl.xml &&
	xmllint --noout --schema $S/history-list.xsd hl.xml &&
	grep -q "<history-reference>sess-7</history-reference>" hl.xml &&
	imstore history list $BOB --format json >hl.json &&
	/usr/bin/python3 $IMS_SRCDIR/tests/validate-json.py $S/imstore-output-v1.schema.json hl.json
'

test_expect_success 'show and transcript of a conversation' '
	conv=$(sed -n 2p rows | cut -f1) &&
	imstore history show $BOB "$conv" | cut -f9 >got &&
	printf "Plans\n\n" >expect && test_cmp expect got &&
	imstore history transcript $BOB "$conv" >t.xml &&
	xmllint --noout --schema $S/transcript.xsd t.xml &&
	grep -c "<message " t.xml >got && echo 2 >expect && test_cmp expect got &&
	grep -q "line of p2" t.xml
'

test_expect_success 'show and delete conversations named by a URI-list' '
	conv=$(sed -n 2p rows | cut -f1) &&
	cat >refs.xml <<-EOF &&
	<?xml version="1.0"?>
	<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
	  <list><entry uri="$conv"/><entry uri="sess-7"/><entry uri="nope"/></list>
	</resource-lists>
	EOF
	imstore history show $BOB --uri-list refs.xml | cut -f9 >got &&
	printf "Plans\n\n\n" >expect && test_cmp expect got &&
	imstore history delete $AL --uri-list refs.xml >out && grep "^deleted: 0$" out &&
	printf "<!DOCTYPE r [<!ENTITY e \"x\">]><r/>" >bad.xml &&
	test_expect_code 65 imstore history show $BOB --uri-list bad.xml 2>err &&
	grep "^imstore: invalid URI-list ${SQ}bad.xml${SQ}: " err
'

test_expect_success 'rename, then the name shows in the list' '
	imstore history rename $BOB sess-7 "Trip & co" &&
	imstore history list $BOB --format xml | grep -q "<subject>Trip &amp; co</subject>" &&
	test_expect_code 68 imstore history rename $BOB nope x 2>err &&
	grep "^imstore: no conversation ${SQ}nope${SQ} in the history of ${SQ}$BOB${SQ}$" err
'

test_expect_success 'isolation: al and a case variant of bob see nothing of bob' '
	for u in $AL sip:Bob@example.com; do
		imstore history list "$u" | grep -c sess-7 >got; echo 0 >expect
		test_cmp expect got || return 1
		imstore history show "$u" sess-7 >got && test_must_be_empty got || return 1
		test_expect_code 68 imstore history rename "$u" sess-7 mine 2>/dev/null || return 1
		imstore history delete "$u" sess-7 >out && grep "^deleted: 0$" out || return 1
		imstore history delete "$u" --filter msgid:p1 >out &&
		grep "^deleted: 0$" out || return 1
	done &&
	imstore list --count owner:$BOB folder:history >got && echo 3 >expect && test_cmp expect got
'

test_expect_success 'isolation: the same address in another form is the same user' '
	imstore history list "sip:bob@EXAMPLE.com;transport=tcp" >got &&
	imstore history list $BOB >expect && test_cmp expect got
'

test_expect_success 'delete a conversation, and by filter' '
	imstore history delete $BOB sess-7 >out && grep "^deleted: 1$" out &&
	imstore history delete $BOB --filter msgid:p2 >out && grep "^deleted: 1$" out &&
	imstore history list $BOB | cut -f5 >got && echo 1 >expect && test_cmp expect got &&
	imstore list --count owner:$AL >got && echo 1 >expect && test_cmp expect got
'

test_expect_success 'usage errors' '
	test_expect_code 64 imstore history &&
	test_expect_code 64 imstore history fly $BOB &&
	test_expect_code 64 imstore history list bob@example.com &&
	test_expect_code 64 imstore history show $BOB &&
	test_expect_code 64 imstore history show $BOB --format xml x &&
	test_expect_code 64 imstore history delete $BOB
'

test_done
