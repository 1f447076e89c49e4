#!/bin/sh
# imstored, MESSAGE for an offline user: 202 only for what is stored,
# retransmissions and duplicates stored once, 480 with the reason, 413,
# 400 for Content-Length games and malformed requests, 403 from an
# untrusted source, 404 outside the served domains.
. "$(dirname "$0")/imstored-lib.sh"

test_expect_success SIP 'start imstored on a fresh store' '
	imstore init >/dev/null &&
	imstored_conf "max_request = 4096" &&
	imstored_start
'

test_expect_success SIP 'SIPp: 200 MESSAGEs, every one 202 and stored' '
	sipp_run message.xml -key user bob -m 200 -l 64 -r 400 &&
	sipp_ids 202 >answered && test_line_count = 200 answered &&
	stored_ids owner:sip:bob@$DOMAIN >stored &&
	test_cmp answered stored
'

test_expect_success SIP 'a retransmission and a re-sent duplicate: 202, stored once' '
	sip_request carol dup-1 "first" >dup.sip &&
	sed -e "s/branch=z9hG4bK-dup-1/branch=z9hG4bK-other/" \
	    -e "s/^CSeq: 1 /CSeq: 2 /" dup.sip >dup2.sip &&
	raw_sip dup.sip dup.sip dup2.sip >got &&
	printf "SIP/2.0 202 Accepted\n%.0s" 1 2 3 >expect &&
	test_cmp expect got &&
	stored_ids owner:sip:carol@$DOMAIN >stored &&
	echo dup-1 >expect && test_cmp expect stored &&
	test "$(metric duplicates_total)" = 1
'

# libre 1.1.0 answers a request merged with an open transaction (the
# same Call-ID, From tag and CSeq, another branch) 482 itself: the store
# is not reached, so nothing is stored twice either
test_expect_success SIP 'a merged request (new branch, same CSeq): 482 from libre' '
	sed "s/branch=z9hG4bK-dup-1/branch=z9hG4bK-third/" dup.sip >dup3.sip &&
	raw_sip dup3.sip >got &&
	echo "SIP/2.0 482 Loop Detected" >expect && test_cmp expect got &&
	stored_ids owner:sip:carol@$DOMAIN >stored &&
	echo dup-1 >expect && test_cmp expect stored
'

test_expect_success SIP 'barred: 480 with the reason, nothing stored' '
	cat >bar.xml <<-XML &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <barring-settings><incoming-pager active="true"/></barring-settings>
	</im-settings>
	XML
	imstore settings set sip:dave@$DOMAIN bar.xml >/dev/null &&
	sip_request dave bar-1 "hi" >bar.sip &&
	raw_sip bar.sip >got &&
	echo "SIP/2.0 480 Not Stored: barred" >expect && test_cmp expect got &&
	imstore list --count owner:sip:dave@$DOMAIN >n && echo 0 >expect && test_cmp expect n &&
	test "$(metric "refused_total{reason=\"barred\"}")" = 1
'

test_expect_success SIP 'quota: the first stored, the second 480' '
	imstore quota set sip:erin@$DOMAIN --deferred-count 1 >/dev/null &&
	sip_request erin q-1 "one" >q1.sip && sip_request erin q-2 "two" >q2.sip &&
	raw_sip q1.sip q2.sip >got &&
	printf "SIP/2.0 202 Accepted\nSIP/2.0 480 Not Stored: quota\n" >expect &&
	test_cmp expect got &&
	stored_ids owner:sip:erin@$DOMAIN >stored && echo q-1 >expect && test_cmp expect stored
'

test_expect_success SIP 'over max_request: 413, not stored' '
	body=$(printf "%05000d" 0) &&
	sip_request frank big-1 "$body" >big.sip &&
	raw_sip big.sip >got &&
	echo "SIP/2.0 413 Request Entity Too Large" >expect && test_cmp expect got &&
	imstore list --count owner:sip:frank@$DOMAIN >n && echo 0 >expect && test_cmp expect n
'

test_expect_success SIP 'Content-Length larger than the body: 400, not stored' '
	sip_request gina cl-1 "short" | sed "s/^Content-Length: 5/Content-Length: 50/" >cl.sip &&
	raw_sip cl.sip >got &&
	echo "SIP/2.0 400 Content-Length Larger Than Body" >expect && test_cmp expect got &&
	imstore list --count owner:sip:gina@$DOMAIN >n && echo 0 >expect && test_cmp expect n
'

test_expect_success SIP 'Content-Length smaller than the datagram: only its bytes are stored' '
	sip_request gina cl-2 "shortTRAILING" | sed "s/^Content-Length: 13/Content-Length: 5/" >cl2.sip &&
	raw_sip cl2.sip >got &&
	echo "SIP/2.0 202 Accepted" >expect && test_cmp expect got &&
	imstore list --format json msgid:cl-2 >j &&
	grep "\"size\":5," j
'

test_expect_success SIP 'a Content-Length that is no number: 400' '
	sip_request gina cl-3 "abc" | sed "s/^Content-Length: 3/Content-Length: 3x/" >cl3.sip &&
	raw_sip cl3.sip >got &&
	echo "SIP/2.0 400 Content-Length Larger Than Body" >expect && test_cmp expect got
'

test_expect_success SIP 'no Call-ID to take a Message-ID from: 400, not stored' '
	sip_request gina nocid "x" | sed "/^Call-ID:/d" >nocid.sip &&
	raw_sip nocid.sip >got &&
	grep "^SIP/2.0 400 " got &&
	imstore list --count owner:sip:gina@$DOMAIN >n && echo 1 >expect && test_cmp expect n
'

test_expect_success SIP 'a folded header: answered as libcpim reads it, never 5xx' '
	sip_request gina fold-1 "f" "Subject: a" " folded subject" >fold.sip &&
	raw_sip fold.sip >got &&
	grep -E "^SIP/2.0 (202|400) " got
'

test_expect_success SIP 'a domain not served: 404' '
	sip_request gina dom-1 "x" | sed "1s/@$DOMAIN/@elsewhere.org/" >dom.sip &&
	raw_sip dom.sip >got &&
	echo "SIP/2.0 404 Not Found" >expect && test_cmp expect got
'

test_expect_success SIP 'UDP requests of 20 KiB (past libre 1.1.0 default 8 KiB reads)' '
	imstored_stop &&
	imstored_conf "max_request = 60000" && imstored_start &&
	body=$(printf "%020000d" 7) &&
	sip_request hank big-2 "$body" >big2.sip &&
	raw_sip big2.sip >got &&
	echo "SIP/2.0 202 Accepted" >expect && test_cmp expect got &&
	imstore list --format json msgid:big-2 >j && grep "\"size\":20000," j
'

test_expect_success SIP 'untrusted source: 403, nothing stored' '
	imstored_stop &&
	imstored_conf "trusted = 127.0.0.2" && imstored_start &&
	sipp_run message.xml -key user ivan -m 20 -l 8 &&
	sipp_ids 403 >refused && test_line_count = 20 refused &&
	imstore list --count owner:sip:ivan@$DOMAIN >n && echo 0 >expect && test_cmp expect n &&
	test "$(metric "refused_total{reason=\"forbidden\"}")" = 20
'

test_expect_success SIP 'SIGTERM: imstored exits 0' '
	imstored_stop &&
	grep "notice: stopped" imstored.log
'

test_done
