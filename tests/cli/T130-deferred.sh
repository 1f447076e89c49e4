#!/bin/sh
# imstore deferred and imstore settings: the Deferred Messaging function as
# the IM server drives it, its documents, and user isolation.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
AL=sip:al@example.com
ALICE=sip:alice@example.com
S=$IMS_SRCDIR/schemas

dstore () { # USER MSGID [OPTION...]
	u=$1 m=$2
	shift 2
	printf 'text of %s\n' "$m" | imstore deferred store "$u" -f sip:carol@example.net -m "$m" "$@"
}

test_expect_success 'setup' '
	imstore init >/dev/null &&
	dstore $BOB b1 --received 2026-11-01T10:00:00Z --expires 2099-01-01T00:00:00Z >out &&
	grep "^result: stored$" out &&
	dstore $BOB b2 --subject "Lunch & <more>" >/dev/null &&
	dstore $BOB b3 --mode session >/dev/null &&
	dstore $ALICE a1 >/dev/null &&
	dstore $AL l1 >/dev/null
'

test_expect_success 'store: a retransmission is stored before, same id' '
	dstore $BOB b2 --format json >out &&
	json_get result <out >got && echo stored >expect && test_cmp expect got &&
	imstore list --count owner:$BOB >got && echo 3 >expect && test_cmp expect got
'

test_expect_success 'store: an expired message is not stored (exit 1, reason)' '
	test_expect_code 65 dstore $BOB old --received 2001-01-01T00:00:00Z --format json >out 2>err &&
	json_get reason <out >got && echo expired >expect && test_cmp expect got &&
	grep "^imstore: not stored for ${SQ}$BOB${SQ}: expired$" err
'

test_expect_success 'store: barred by the recipient settings' '
	cat >bar.xml <<-EOF &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <barring-settings><incoming-pager active="true"/></barring-settings>
	</im-settings>
	EOF
	imstore settings set $AL bar.xml >/dev/null &&
	test_expect_code 77 dstore $AL l2 2>err &&
	grep "barred" err &&
	dstore $AL s2 --mode session >/dev/null
'

test_expect_success 'summary: text rows, JSON, and the deferred-list document' '
	imstore deferred summary $BOB >rows &&
	test_line_count = 3 rows &&
	imstore deferred summary $BOB --format json | json_get message_id >got &&
	printf "b1\nb2\nb3\n" >expect && test_cmp expect got &&
	imstore deferred summary $BOB --format xml >dl.xml &&
	xmllint --noout --schema $S/deferred-list.xsd dl.xml &&
	grep "<subject>Lunch &amp; &lt;more&gt;</subject>" dl.xml &&
	grep "<reference>b1</reference>" dl.xml
'

test_expect_success 'summary --filter, --limit' '
	imstore deferred summary $BOB --filter mode:session | cut -f1 >got &&
	imstore list msgid:b3 | cut -f1 >expect && test_cmp expect got &&
	imstore deferred summary $BOB --limit 1 --format xml | grep -c "<message>" >got &&
	echo 1 >expect && test_cmp expect got
'

test_expect_success 'lease by Message-ID and by URI-list, then release' '
	cat >ids.xml <<-EOF &&
	<?xml version="1.0"?>
	<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
	  <list><entry uri="b2"/><entry uri="a1"/></list>
	</resource-lists>
	EOF
	imstore deferred lease $BOB b1 --uri-list ids.xml --format json >lease.json &&
	json_get messages <lease.json | grep -c message_id >/dev/null &&
	perl -MJSON::PP -ne "print scalar @{decode_json(\$_)->{messages}}, qq(\n)" lease.json >got &&
	echo 2 >expect && test_cmp expect got &&
	token=$(json_get lease <lease.json) &&
	imstore deferred release $BOB "$token" >out &&
	grep "^released: 2$" out
'

test_expect_success 'lease all, ack: gone from deferred (history not active)' '
	imstore deferred lease $BOB --format json >lease.json &&
	token=$(json_get lease <lease.json) &&
	imstore deferred lease $BOB >again &&
	head -1 again | grep "0 messages" &&
	imstore deferred ack $BOB "$token" >out &&
	grep "^acknowledged: 3$" out &&
	imstore deferred summary $BOB >rows && test_must_be_empty rows &&
	test_expect_code 68 imstore deferred ack $BOB "$token" 2>err &&
	grep "^imstore: no lease ${SQ}$token${SQ} for ${SQ}$BOB${SQ}$" err
'

test_expect_success 'ack files into history when pager history is active' '
	cat >hist.xml <<-EOF &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <history-settings><pager-mode active="true"/></history-settings>
	</im-settings>
	EOF
	imstore settings set $BOB hist.xml >/dev/null &&
	dstore $BOB b4 >/dev/null &&
	token=$(imstore deferred lease $BOB --format json | json_get lease) &&
	imstore deferred ack $BOB "$token" >/dev/null &&
	imstore list --count owner:$BOB folder:history msgid:b4 >got &&
	echo 1 >expect && test_cmp expect got
'

test_expect_success 'delete by Message-IDs and by filter' '
	dstore $BOB d1 >/dev/null && dstore $BOB d2 --subject drop >/dev/null &&
	dstore $BOB d3 >/dev/null &&
	imstore deferred delete $BOB d1 nope >out && grep "^deleted: 1$" out &&
	imstore deferred delete $BOB --filter subject:drop >out && grep "^deleted: 1$" out &&
	imstore deferred summary $BOB | cut -f1 >got &&
	imstore list msgid:d3 | cut -f1 >expect && test_cmp expect got
'

test_expect_success 'on-register: push with a lease, or notify with the summary' '
	imstore deferred on-register $BOB --format json >reg.json &&
	json_get action <reg.json >got && echo push >expect && test_cmp expect got &&
	imstore deferred release $BOB "$(json_get lease <reg.json)" >/dev/null &&
	cat >notify.xml <<-EOF &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <deferred-settings><offline-delivery active="false"/></deferred-settings>
	</im-settings>
	EOF
	imstore settings set $BOB notify.xml >/dev/null &&
	imstore deferred on-register $BOB >reg.txt &&
	head -1 reg.txt >got && echo "notify 1" >expect && test_cmp expect got &&
	sed 1d reg.txt >summary.xml &&
	xmllint --noout --schema $S/deferred-list.xsd summary.xml &&
	imstore deferred on-register sip:nobody@example.com >got &&
	echo "nothing 0" >expect && test_cmp expect got
'

test_expect_success 'settings: get as text, JSON and a document that validates' '
	imstore settings get $BOB >got &&
	grep "^offline_delivery: notify$" got && grep "^history_pager: yes$" got &&
	imstore settings get $BOB --format json | json_get history_pager >got &&
	echo true >expect && test_cmp expect got &&
	imstore settings get $BOB --format xml >s.xml &&
	xmllint --noout --schema $S/im-service-settings.xsd s.xml &&
	imstore settings set $ALICE s.xml >/dev/null &&
	imstore settings get $ALICE --format xml >a.xml && test_cmp s.xml a.xml
'

test_expect_success 'settings: hostile and invalid documents are refused, nothing changes' '
	imstore settings get $BOB >before &&
	printf "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>" >xxe.xml &&
	test_expect_code 65 imstore settings set $BOB xxe.xml 2>err &&
	grep "^imstore: invalid settings document ${SQ}xxe.xml${SQ}: document type" err &&
	printf "<im-settings xmlns=\"urn:oma:xml:im:service-settings\"><mood active=\"true\"/></im-settings>" >unknown.xml &&
	test_expect_code 65 imstore settings set $BOB unknown.xml 2>err &&
	grep "unknown element ${SQ}mood${SQ}" err &&
	imstore settings get $BOB >after && test_cmp before after
'

# The cross-user matrix: every function as one user against another's data
# (look-alike and variant addresses included) behaves as if it did not exist.
test_expect_success 'isolation: al cannot reach alice, nor alice al' '
	dstore $ALICE x1 >/dev/null &&
	for u in $AL "sip:alice@EXAMPLE.com;transport=tcp" sip:Alice@example.com; do
		case $u in *EXAMPLE*) continue ;; esac
		imstore deferred summary "$u" | grep -c x1 >got; echo 0 >expect
		test_cmp expect got || return 1
		imstore deferred lease "$u" x1 --format json | json_get messages >got
		echo "[]" >expect && test_cmp expect got || return 1
		imstore deferred delete "$u" x1 >out && grep "^deleted: 0$" out || return 1
		imstore deferred delete "$u" --filter msgid:x1 >out &&
		grep "^deleted: 0$" out || return 1
	done &&
	imstore list --count msgid:x1 >got && echo 1 >expect && test_cmp expect got
'

test_expect_success 'isolation: a variant of the same address is the same user' '
	imstore deferred summary "sip:alice@EXAMPLE.com;transport=tcp" | grep -c . >got &&
	imstore deferred summary $ALICE | grep -c . >expect && test_cmp expect got
'

test_expect_success 'isolation: another user cannot settle a lease' '
	token=$(imstore deferred lease $ALICE x1 --format json | json_get lease) &&
	test_expect_code 68 imstore deferred ack $AL "$token" 2>err &&
	grep "no lease" err &&
	test_expect_code 68 imstore deferred release sip:Alice@example.com "$token" &&
	imstore deferred ack $ALICE "$token" >out && grep "^acknowledged: 1$" out
'

test_expect_success 'every JSON output validates against the output schema' '
	dstore $BOB v1 --format json >all.json &&
	imstore deferred summary $BOB --format json >>all.json &&
	imstore deferred lease $BOB --format json >lease.json && cat lease.json >>all.json &&
	imstore deferred release $BOB "$(json_get lease <lease.json)" --format json >>all.json &&
	imstore deferred delete $BOB v1 --format json >>all.json &&
	imstore deferred on-register $BOB --format json >>all.json &&
	imstore deferred on-register sip:nobody@example.com --format json >>all.json &&
	imstore deferred retry --format json >>all.json &&
	imstore settings get $BOB --format json >>all.json &&
	(test_expect_code 65 dstore $BOB old2 --received 2001-01-01T00:00:00Z --format json 2>/dev/null) >>all.json &&
	/usr/bin/python3 $IMS_SRCDIR/tests/validate-json.py $S/imstore-output-v1.schema.json all.json
'

CAROL=sip:carol@example.com

test_expect_success 'retry now: leased messages are pending again at once, for one user or all' '
	for m in r1 r2 r3; do dstore $BOB $m >/dev/null || return 1; done &&
	dstore $CAROL ra >/dev/null &&
	imstore deferred lease $BOB r1 r2 r3 --duration 1h --format json >l1.json &&
	test "$(grep -o "\"message_id\"" l1.json | wc -l)" = 3 &&
	imstore deferred lease $CAROL ra --duration 1h >/dev/null &&
	imstore deferred lease $BOB r1 r2 r3 >l2 && grep "^lease - .*, 0 messages$" l2 &&
	imstore deferred retry --user $BOB >out && echo "retried: 3" >expect && test_cmp expect out &&
	imstore list --count owner:$BOB state:delivering >n && echo 0 >expect && test_cmp expect n &&
	imstore list --count owner:$CAROL state:delivering >n && echo 1 >expect && test_cmp expect n &&
	imstore deferred lease $BOB r1 r2 r3 >l3 && grep ", 3 messages$" l3 &&
	token=$(json_get lease <l1.json) &&
	imstore deferred ack $BOB "$token" >out && grep "^acknowledged: 0$" out &&
	imstore deferred retry msgid:nothing-like-this >out && echo "retried: 0" >expect &&
	test_cmp expect out &&
	imstore deferred retry >out && echo "retried: 4" >expect && test_cmp expect out &&
	imstore list --count folder:deferred state:delivering >n && echo 0 >expect && test_cmp expect n
'

test_expect_success 'usage errors' '
	test_expect_code 64 imstore deferred &&
	test_expect_code 64 imstore deferred fly $BOB &&
	test_expect_code 64 imstore deferred summary not-an-address &&
	test_expect_code 64 imstore deferred lease $BOB --format xml &&
	test_expect_code 64 imstore deferred ack $BOB &&
	test_expect_code 64 imstore deferred retry --user not-an-address &&
	test_expect_code 64 imstore deferred retry "from:(" &&
	test_expect_code 64 imstore settings frob $BOB
'

test_done
