#!/bin/sh
# The cross-user matrix, for every command that acts for one user: each
# user-scoped command run for another user (look-alikes, a longer address,
# another domain or scheme, an empty-looking user) with the victim's
# Message-IDs, conversation ids, lease tokens, URI-lists and filters that
# try to widen the scope, sees nothing of the victim and changes nothing
# of the victim's; the victim's own state is byte for byte the same after.
. "$(dirname "$0")/test-lib.sh"

V=sip:alice@example.com
ATTACKERS="sip:al@example.com sip:alice@example.co sip:alice@example.com.evil.org
sip:alicex@example.com tel:+15551234 sip:bob@example.com sip:Alice@example.com
sip:alice@example.com:5061"
MARK=SECRET-OF-ALICE

# the victim's whole state, as every command shows it
state () {
	imstore list --format json owner:$V &&
	imstore deferred summary $V --format xml &&
	imstore history list $V --format xml &&
	imstore history show $V conv-a &&
	imstore history transcript $V conv-a &&
	imstore settings get $V --format xml &&
	imstore quota get $V
}

test_expect_success 'setup: the victim has deferred and history messages, settings, a quota, a lease' '
	imstore init >/dev/null &&
	cat >set.xml <<-EOF &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <history-settings><session-mode active="true"/><pager-mode active="true"/></history-settings>
	</im-settings>
	EOF
	imstore settings set $V set.xml >/dev/null &&
	for i in 1 2 3; do
		printf "%s deferred %s\n" $MARK $i |
		imstore deferred store $V -f sip:carol@example.net -m alice-d$i --conversation conv-d >/dev/null || return 1
		printf "%s history %s\n" $MARK $i |
		imstore history record $V -f sip:carol@example.net -m alice-h$i --conversation conv-a \
			--subject "$MARK" >/dev/null || return 1
	done &&
	imstore history rename $V conv-a "$MARK name" &&
	cat >set2.xml <<-EOF &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <history-settings><session-mode active="true"/><pager-mode active="true"/></history-settings>
	  <barring-settings><incoming-session active="true"/></barring-settings>
	</im-settings>
	EOF
	imstore settings set $V set2.xml >/dev/null &&
	imstore quota set $V --deferred-count 7 >/dev/null &&
	imstore deferred lease $V alice-d3 --format json >lease.json &&
	json_get lease <lease.json >token &&
	cat >ids.xml <<-EOF &&
	<?xml version="1.0"?>
	<resource-lists xmlns="urn:ietf:params:xml:ns:resource-lists">
	  <list><entry uri="alice-d1"/><entry uri="alice-d2"/><entry uri="alice-h1"/><entry uri="conv-a"/>
	  <entry uri="$V"/><entry uri="conv-d"/></list>
	</resource-lists>
	EOF
	state >before &&
	grep -q $MARK before
'

# Each command for user $1; nothing it prints may show the victim's data.
attack () {
	u=$1 t=$(cat token)
	{
	imstore deferred summary "$u"
	imstore deferred summary "$u" --format xml
	imstore deferred summary "$u" --filter "owner:$V"
	imstore deferred summary "$u" --filter "msgid:alice-d1 or owner:$V"
	imstore deferred summary "$u" --filter "not msgid:zzz"
	imstore deferred lease "$u" alice-d1 alice-d2 --format json
	imstore deferred lease "$u" --uri-list ids.xml --format json
	imstore deferred lease "$u" --format json
	imstore deferred ack "$u" "$t"
	imstore deferred release "$u" "$t"
	imstore deferred on-register "$u" --format json
	imstore deferred delete "$u" alice-d1 alice-d2 alice-h1
	imstore deferred delete "$u" --uri-list ids.xml
	imstore deferred delete "$u" --filter "msgid:alice-d1 or owner:$V"
	imstore history list "$u" --format xml
	imstore history list "$u" --filter "owner:$V or folder:history"
	imstore history show "$u" conv-a
	imstore history show "$u" --uri-list ids.xml
	imstore history transcript "$u" conv-a
	imstore history rename "$u" conv-a mine
	imstore history delete "$u" conv-a
	imstore history delete "$u" --uri-list ids.xml
	imstore history delete "$u" --filter "conversation:conv-a or owner:$V"
	imstore settings get "$u" --format xml
	imstore quota get "$u"
	} 2>&1
}

for u in $ATTACKERS; do
	test_expect_success "'$u' sees nothing of '$V'" '
		attack "$u" >out.txt;
		! grep -e $MARK -e "alice-[dh][123]" out.txt &&
		! grep -e "deleted: [1-9]" -e "acknowledged: [1-9]" -e "released: [1-9]" out.txt
	'
done

test_expect_success 'the victim is unchanged: messages, lease, documents, settings, quota' '
	state >after &&
	test_cmp before after &&
	imstore deferred ack $V "$(cat token)" >out && grep "^acknowledged: 1$" out
'

test_expect_success 'the variants of the same address are the victim (and may act)' '
	imstore deferred summary "sip:alice@EXAMPLE.com;transport=tcp" >got &&
	imstore deferred summary $V >expect && test_cmp expect got &&
	test_line_count = 2 got
'

# the control: the same commands for the victim do reach her data, so the
# matrix above would have seen a leak
test_expect_success 'the same commands for the victim show and delete her messages' '
	attack $V >out.txt;
	grep -q $MARK out.txt && grep -q "alice-d1" out.txt && grep -q "alice-h2" out.txt &&
	grep -q "deleted: [1-9]" out.txt &&
	imstore list --count owner:$V >got && echo 0 >expect && test_cmp expect got
'

test_expect_success 'a store-wide command scoped by owner: only that owner' '
	imstore list owner:sip:al@example.com >got && test_must_be_empty got &&
	imstore export -o al.tar owner:sip:al@example.com >/dev/null &&
	tar -tf al.tar >names && ! grep "^messages/" names
'

test_done
