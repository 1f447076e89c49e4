#!/bin/sh
# imstored, MESSAGE to History@<domain>: the copy the SIP core forks is
# recorded in the history of the sender and of the recipient as each one's
# settings say, answered 200; nobody's deferred folder changes.
. "$(dirname "$0")/imstored-lib.sh"

test_expect_success SIP 'history on for alice only: her copy recorded, not bob'"'"'s' '
	imstore init >/dev/null &&
	cat >hist.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <history-settings><pager-mode active="true"/></history-settings>
	</im-settings>
	XML
	imstore settings set sip:alice@$DOMAIN hist.xml >/dev/null &&
	imstored_conf && imstored_start &&
	sip_request History h-1 "for the record" |
		sed "s/^To: <sip:History@/To: <sip:bob@/" >h1.sip &&
	raw_sip h1.sip >got &&
	echo "SIP/2.0 200 OK" >expect && test_cmp expect got &&
	imstore list --count owner:sip:alice@$DOMAIN folder:history msgid:h-1 >n &&
	echo 1 >expect && test_cmp expect n &&
	imstore list --count owner:sip:bob@$DOMAIN >n &&
	echo 0 >expect && test_cmp expect n &&
	imstore list --count folder:deferred >n && test_cmp expect n
'

test_expect_success SIP 'history on for bob too: his copy recorded, alice'"'"'s once' '
	imstore settings set sip:bob@$DOMAIN hist.xml >/dev/null &&
	sip_request History h-2 "both" |
		sed "s/^To: <sip:History@/To: <sip:bob@/" >h2.sip &&
	raw_sip h2.sip h2.sip >got &&
	printf "SIP/2.0 200 OK\nSIP/2.0 200 OK\n" >expect && test_cmp expect got &&
	imstore list --count folder:history msgid:h-2 >n &&
	echo 2 >expect && test_cmp expect n &&
	imstore list --count owner:sip:bob@$DOMAIN folder:history >n &&
	echo 1 >expect && test_cmp expect n &&
	test "$(metric history_recorded_total)" = 3 &&
	imstored_stop
'

test_done
