#!/bin/sh
# imstore put: ids, idempotence per (owner, folder, Message-ID), exact
# bodies, required options and what is refused.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

test_expect_success 'setup' '
	imstore init >/dev/null
'

test_expect_success 'put prints a 26-character id' '
	put_msg $BOB $ALICE m1@example.com >id1 &&
	test_line_count = 1 id1 &&
	grep -E "^[0-9A-HJKMNP-TV-Z]{26}$" id1 &&
	imstore list --count >out &&
	echo 1 >expect &&
	test_cmp expect out
'

test_expect_success 'the same owner, folder and Message-ID again: same id, nothing stored' '
	echo "another body" | imstore put -o $BOB -f $ALICE -m m1@example.com >id1b &&
	test_cmp id1 id1b &&
	imstore list --count >out &&
	echo 1 >expect &&
	test_cmp expect out &&
	imstore show --raw "$(cat id1)" >body &&
	echo "body of m1@example.com" >expect &&
	test_cmp expect body
'

test_expect_success 'owner variants that compare equal name the same owner' '
	put_msg "sip:Bob@EXAMPLE.com;transport=tcp" $ALICE m2@example.com >id2 &&
	put_msg "sip:Bob@example.com" $ALICE m2@example.com >id2b &&
	put_msg "<sip:Bob@example.COM>" $ALICE m2@example.com >id2c &&
	test_cmp id2 id2b &&
	test_cmp id2 id2c &&
	imstore list --count owner:sip:Bob@example.com >out &&
	echo 1 >expect &&
	test_cmp expect out
'

test_expect_success 'the user part is case-sensitive: bob and Bob are two owners' '
	! test_cmp id1 id2 >/dev/null &&
	imstore list --count >out &&
	echo 2 >expect &&
	test_cmp expect out &&
	imstore list owner:$BOB | cut -f5 >out &&
	echo $BOB >expect &&
	test_cmp expect out
'

test_expect_success 'the same Message-ID in another folder is another message' '
	put_msg $BOB $ALICE m1@example.com --folder history >id3 &&
	! test_cmp id1 id3 >/dev/null &&
	put_msg $BOB $ALICE m1@example.com --folder history >id3b &&
	test_cmp id3 id3b &&
	imstore list --count msgid:m1@example.com >out &&
	echo 2 >expect &&
	test_cmp expect out
'

test_expect_success 'put --format json says whether it stored' '
	put_msg $BOB $ALICE j1 --format json >out1 &&
	put_msg $BOB $ALICE j1 --format json >out2 &&
	json_get id <out1 >id &&
	printf "{\"id\":\"%s\",\"stored\":true}\n" "$(cat id)" >expect &&
	test_cmp_json expect out1 &&
	printf "{\"id\":\"%s\",\"stored\":false}\n" "$(cat id)" >expect &&
	test_cmp_json expect out2
'

test_expect_success 'the body comes from a FILE operand, from - or from stdin' '
	printf "from a file" >bodyfile &&
	f=$(imstore put -o $BOB -f $ALICE -m file1 bodyfile) &&
	s=$(printf "from stdin" | imstore put -o $BOB -f $ALICE -m stdin1 -) &&
	imstore show --raw $f >out && test_cmp bodyfile out &&
	printf "from stdin" >expect &&
	imstore show --raw $s >out && test_cmp expect out
'

test_expect_success 'an empty body' '
	e=$(imstore put -o $BOB -f $ALICE -m empty1 </dev/null) &&
	imstore show --raw $e >out &&
	test_must_be_empty out &&
	imstore list msgid:empty1 | cut -f7 >out &&
	echo 0 >expect &&
	test_cmp expect out
'

test_expect_success 'a binary body with NUL bytes round-trips exactly' '
	printf "\000\001\002a\000b\377\376\r\n\000" >bin &&
	b=$(imstore put -o $BOB -f $ALICE -m bin1 --type application/octet-stream bin) &&
	imstore show --raw $b >out &&
	cmp bin out &&
	imstore list msgid:bin1 | cut -f7 >size &&
	echo 11 >expect &&
	test_cmp expect size
'

test_expect_success 'a 5 MiB compressible body round-trips exactly' '
	yes "Lorem ipsum dolor sit amet, consectetur adipiscing elit" |
		head -c 5242880 >big &&
	b=$(imstore put -o $BOB -f $ALICE -m big1 <big) &&
	imstore show --raw $b >out &&
	cmp big out
'

test_expect_success 'a 3 MiB random body round-trips exactly' '
	head -c 3145728 /dev/urandom >rnd &&
	r=$(imstore put -o $BOB -f $ALICE -m rnd1 rnd) &&
	imstore show --raw $r >out &&
	cmp rnd out &&
	imstore list msgid:rnd1 | cut -f7 >size &&
	echo 3145728 >expect &&
	test_cmp expect size
'

test_expect_success 'missing --owner, --from or --message-id is a usage error' '
	imstore list --count >before &&
	echo x | test_expect_code 64 imstore put -f $ALICE -m u1 2>err &&
	echo "imstore: the message needs --owner" >expect && test_cmp expect err &&
	echo x | test_expect_code 64 imstore put -o $BOB -m u1 2>err &&
	echo "imstore: the message needs --from" >expect && test_cmp expect err &&
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE 2>err &&
	echo "imstore: the message needs --message-id" >expect && test_cmp expect err &&
	imstore list --count >after &&
	test_cmp before after
'

test_expect_success 'more than one FILE is a usage error' '
	test_expect_code 64 imstore put -o $BOB -f $ALICE -m u2 bin bin 2>err &&
	grep "^imstore: put takes at most one FILE" err
'

test_expect_success 'an unreadable FILE is refused' '
	test_expect_code 66 imstore put -o $BOB -f $ALICE -m u3 no-such-file 2>err &&
	echo "imstore: cannot read ${SQ}no-such-file${SQ}: no such file or directory" >expect &&
	test_cmp expect err
'

# refused_put ID OPTION...: put fails with exit 1, "imstore: ..." on stderr,
# and stores nothing.
refused_put () {
	rp_id=$1
	shift
	imstore list --count >count.before &&
	echo body | test_expect_code 65 imstore put -m "$rp_id" "$@" 2>err &&
	grep "^imstore: " err &&
	! grep -i "mdb" err &&
	imstore list --count >count.after &&
	test_cmp count.before count.after
}

test_expect_success 'a subject with invalid UTF-8 is refused' '
	refused_put bad1 -o $BOB -f $ALICE --subject "$(printf "caf\351")" &&
	refused_put bad2 -o $BOB -f $ALICE --subject "$(printf "a\300\257b")" &&
	refused_put bad3 -o $BOB -f $ALICE --subject "$(printf "\355\240\200")"
'

test_expect_success 'a subject with control characters is refused' '
	refused_put bad4 -o $BOB -f $ALICE --subject "$(printf "a\001b")" &&
	refused_put bad5 -o $BOB -f $ALICE --subject "$(printf "line1\nline2")" &&
	refused_put bad6 -o $BOB -f $ALICE --subject "$(printf "a\033[31mred")" &&
	refused_put bad7 -o $BOB -f $ALICE --subject "$(printf "del\177")"
'

test_expect_success 'a valid UTF-8 subject with a TAB is kept' '
	u=$(echo x | imstore put -o $BOB -f $ALICE -m utf1 --subject "$(printf "caf\303\251\tbar \342\202\254")") &&
	imstore show --format json $u | json_get subject >out &&
	printf "caf\303\251\tbar \342\202\254\n" >expect &&
	test_cmp expect out
'

test_expect_success 'quotes and backslashes survive in JSON' '
	q=$(echo x | imstore put -o $BOB -f "\"Al \\\\ \\\"Q\\\"\" <$ALICE>" -m "q\"1\\" \
		--subject "say \"hi\" \\ ok") &&
	imstore show --format json $q >out &&
	json_get subject <out >actual &&
	printf "%s\n" "say \"hi\" \\ ok" >expect &&
	test_cmp expect actual &&
	json_get message_id <out >actual &&
	printf "%s\n" "q\"1\\" >expect &&
	test_cmp expect actual
'

test_expect_success 'invalid addresses are refused' '
	refused_put bad10 -o bob -f $ALICE &&
	echo body | test_expect_code 64 imstore put -m bad11 -o $BOB -f "not an address" 2>err &&
	grep "^imstore: invalid address ${SQ}not an address${SQ}: unexpected character in uri" err &&
	refused_put bad12 -o $BOB -f $ALICE --to "example.com" &&
	refused_put bad13 -o "sip:bob@exa$(printf "\001")mple.com" -f $ALICE &&
	echo body | test_expect_code 64 imstore put -m bad14 -o $BOB -f $ALICE --cc "" 2>err &&
	grep "^imstore: invalid address ${SQ}${SQ}: empty address" err &&
	refused_put bad15 -o "" -f $ALICE
'

test_expect_success 'a malformed display-name address is refused' '
	imstore list --count >before &&
	echo x | test_must_fail imstore put -o $BOB -f "Alice <sip:alice@example.com" -m bad16 2>err &&
	echo "imstore: invalid address ${SQ}Alice <sip:alice@example.com${SQ}: expected ${SQ}>${SQ} after uri at byte 29" >expect &&
	test_cmp expect err &&
	imstore list --count >after &&
	test_cmp before after
'

test_expect_success 'a Message-ID of 256 bytes is accepted' '
	m256=$(printf "%0256d" 7) &&
	echo x | imstore put -o $BOB -f $ALICE -m "$m256" >id &&
	imstore show -o $BOB "$m256" --format json | json_get message_id >out &&
	echo "$m256" >expect &&
	test_cmp expect out
'

test_expect_success 'a Message-ID of 257 bytes is refused with a clear error' '
	m257=$(printf "%0257d" 7) &&
	refused_put "$m257" -o $BOB -f $ALICE &&
	grep "^imstore: cannot store message: message-id: longer than 256 bytes (257)$" err
'

test_expect_success 'a Message-ID of 4096 bytes is refused with a clear error' '
	m4096=$(printf "%04096d" 7) &&
	refused_put "$m4096" -o $BOB -f $ALICE &&
	grep "^imstore: cannot store message: message-id: longer than 256 bytes (4096)$" err
'

test_expect_success 'the error names the field at fault and stays short' '
	echo x | test_expect_code 65 imstore put -o $BOB -f $ALICE -m bad20 \
		--subject "$(printf "a\001b")" 2>err &&
	grep -i "subject" err &&
	echo x | test_expect_code 65 imstore put -o $BOB -f $ALICE -m "$m4096" 2>err &&
	grep -i "message-id" err &&
	test $(wc -c <err) -lt 300
'

test_expect_success 'an empty Message-ID is refused' '
	echo x | test_must_fail imstore put -o $BOB -f $ALICE -m "" 2>err &&
	grep "^imstore: " err
'

test_expect_success 'a subject over 4096 bytes is refused, 4096 is kept' '
	s4096=$(printf "%04096d" 1) &&
	echo x | imstore put -o $BOB -f $ALICE -m subj4096 --subject "$s4096" >/dev/null &&
	refused_put subj4097 -o $BOB -f $ALICE --subject "${s4096}2" &&
	grep "subject: longer than 4096 bytes (4097)" err
'

test_expect_success 'an owner address over the limit is refused' '
	long=$(printf "%0600d" 1) &&
	refused_put longowner -o "sip:$long@example.com" -f $ALICE &&
	grep "owner: address longer than 480 bytes" err
'

test_expect_success 'unknown --folder, --mode and --state are usage errors' '
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE -m e1 --folder inbox 2>err &&
	echo "imstore: unknown folder ${SQ}inbox${SQ} (expected deferred or history)" >expect &&
	test_cmp expect err &&
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE -m e1 --mode fax 2>err &&
	echo "imstore: unknown mode ${SQ}fax${SQ} (expected pager, large or session)" >expect &&
	test_cmp expect err &&
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE -m e1 --state lost 2>err &&
	echo "imstore: unknown state ${SQ}lost${SQ} (expected stored, pending, delivering, delivered or failed)" >expect &&
	test_cmp expect err
'

test_expect_success 'an invalid --received time is a usage error' '
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE -m e2 --received yesterday-ish 2>err &&
	grep "^imstore: invalid time ${SQ}yesterday-ish${SQ} for --received" err &&
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE -m e2 --received 2026-13-01T00:00:00Z 2>err &&
	grep "^imstore: invalid time" err
'

test_expect_success 'an impossible --received date or offset is a usage error' '
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE -m e4 \
		--received 2026-02-30T00:00:00Z 2>err &&
	grep "^imstore: invalid time" err &&
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE -m e5 \
		--received 2026-01-01T00:00:00+ab:cd 2>err &&
	grep "^imstore: invalid time" err
'

test_expect_success 'an invalid -H header is a usage error' '
	echo x | test_expect_code 64 imstore put -o $BOB -f $ALICE -m e3 -H "no colon" 2>err &&
	echo "imstore: invalid header ${SQ}no colon${SQ} (expected ${SQ}NAME: VALUE${SQ})" >expect &&
	test_cmp expect err
'

test_expect_success 'the default state is pending in deferred and stored in history' '
	put_msg $ALICE $BOB st1 --received 2026-03-01T00:00:00Z >/dev/null &&
	put_msg $ALICE $BOB st2 --received 2026-03-01T00:00:01Z --folder history >/dev/null &&
	put_msg $ALICE $BOB st3 --received 2026-03-01T00:00:02Z --state delivered >/dev/null &&
	imstore list owner:$ALICE | cut -f2- >out &&
	cat >expect <<-EOF &&
	2026-03-01T00:00:00Z	deferred	pending	$ALICE	$BOB	12	text/plain	
	2026-03-01T00:00:01Z	history	stored	$ALICE	$BOB	12	text/plain	
	2026-03-01T00:00:02Z	deferred	delivered	$ALICE	$BOB	12	text/plain	
	EOF
	test_cmp expect out
'

test_expect_success 'received times with an offset and fractions are stored in UTC' '
	put_msg $ALICE $BOB tz1 --received 2026-03-02T01:30:00+01:00 >/dev/null &&
	put_msg $ALICE $BOB tz2 --received 2026-03-02T00:30:00.25Z >/dev/null &&
	imstore list msgid:tz1 or msgid:tz2 | cut -f2 >out &&
	cat >expect <<-\EOF &&
	2026-03-02T00:30:00Z
	2026-03-02T00:30:00.250000Z
	EOF
	test_cmp expect out
'

test_expect_success 'an --expires duration past the year 9999 is refused, not wrapped into the past' '
	imstore list --count >before &&
	for d in 20000000w 100000000w 99999999d1w 5000000w " 1h" "1h 5m" "1h+5m" "-1h"; do
		printf x | test_expect_code 64 imstore put -o sip:dur@example.com -f sip:a@example.com \
			-m "dur-$d" --expires "$d" 2>err &&
		grep "invalid time .$d. for --expires" err || return 1
	done &&
	imstore list --count >after && test_cmp before after &&
	printf x | imstore put -o sip:dur@example.com -f sip:a@example.com -m dur-ok --expires 300000w >/dev/null &&
	imstore list --format json msgid:dur-ok | json_get expires | grep "^[78][0-9][0-9][0-9]-"
'

test_done
