#!/bin/sh
# What was correct but wrong for the user (issue 21): one address parser
# for options and CPIM, one time grammar with leap seconds, quoted and cut
# echoes of user input, and the smaller surprises.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

test_expect_success 'setup' '
	imstore init >/dev/null
'

test_expect_success 'put --from takes what a CPIM From header takes' '
	put_msg $BOB "\"Bob <work>\" <$ALICE>" a1 >/dev/null &&
	imstore show -o $BOB a1 >out &&
	grep "^from: \"Bob <work>\" <$ALICE>\$" out &&
	printf "Content-type: Message/CPIM\r\n\r\nFrom: \"Bob <work>\" <$ALICE>\r\nTo: <$BOB>\r\nDateTime: 2026-01-02T03:04:05Z\r\n\r\nContent-Type: text/plain\r\nMessage-ID: <c1>\r\n\r\nhi" >c.cpim &&
	imstore put -o $BOB -m c1 --cpim c.cpim >/dev/null &&
	imstore show -o $BOB c1 >out2 &&
	grep "^from: " out >f1 && grep "^from: " out2 >f2 && test_cmp f1 f2
'

test_expect_success 'put --to and --cc are read the same way; bad ones say why' '
	put_msg $BOB $ALICE a2 --to "Carl Smith <sip:carl@example.com>" \
		--cc sip:dora@example.com >/dev/null &&
	test_expect_code 64 put_msg $BOB "Bob <$ALICE> extra" a3 2>err &&
	grep "^imstore: invalid address .*after ${SQ}>${SQ}" err
'

test_expect_success 'an error quotes the input it echoes: control characters escaped' '
	test_expect_code 64 imstore list "$(printf "from:\033[31mx(")" 2>err &&
	! grep "$(printf "\033")" err &&
	grep "\\\\e\[31m" err &&
	test_must_fail put_msg $BOB "$(printf "a\033b")" a4 2>err &&
	! grep "$(printf "\033")" err
'

test_expect_success 'an error cuts an overlong input and says how long it was' '
	long=$(printf "%0100000d" 0) &&
	test_expect_code 64 imstore list "$long" 2>err &&
	test_line_count = 1 err &&
	test $(wc -c <err) -lt 400 &&
	grep "(100000 bytes)" err &&
	test_expect_code 64 imstore quota get "sip:$long@x" 2>err &&
	grep "^imstore: invalid user address ${SQ}sip:0*...${SQ} (100006 bytes) (longer than 480 bytes)\$" err &&
	test_expect_code 64 imstore list --cursor "$long" 2>err &&
	grep "(100000 bytes)" err
'

test_expect_success 'put --sent takes a leap second as CPIM DateTime does' '
	put_msg $BOB $ALICE leap1 --sent 2016-12-31T23:59:60Z \
		--received 2016-12-31T23:59:60.5Z >/dev/null &&
	imstore show -o $BOB leap1 >out &&
	grep "^sent: 2017-01-01T00:00:00Z" out &&
	grep "^sent_text: 2016-12-31T23:59:60Z" out &&
	grep "^received: 2017-01-01T00:00:00.500000Z" out &&
	test_expect_code 64 put_msg $BOB $ALICE leap2 --sent 2016-12-31T23:59:61Z 2>err &&
	grep "invalid time .2016-12-31T23:59:61Z. for --sent" err
'

test_expect_success 'put --expires in the past is refused as deferred store refuses it' '
	imstore list --count >before &&
	test_expect_code 65 put_msg $BOB $ALICE old1 --expires 2020-01-01T00:00:00Z 2>err &&
	grep "^imstore: not stored for ${SQ}$BOB${SQ}: expired" err &&
	echo x | test_expect_code 65 imstore deferred store $BOB -f $ALICE -m old1 \
		--expires 2020-01-01T00:00:00Z 2>err2 &&
	grep "^imstore: not stored for ${SQ}$BOB${SQ}: expired" err2 &&
	imstore list --count >after &&
	test_cmp before after &&
	put_msg $BOB $ALICE old1 --expires 2020-01-01T00:00:00Z --expired >/dev/null &&
	put_msg $BOB $ALICE hist1 --folder history --expires 2020-01-01T00:00:00Z >/dev/null
'

test_expect_success 'help --help is help, exit 0' '
	imstore help --help >out &&
	grep "^usage: imstore" out &&
	imstore help -h >out2 && test_cmp out out2
'

test_expect_success 'a request of another method is named without a wrong article' '
	sed "s/^MESSAGE /INVITE /; s/^\\(CSeq: [0-9]*\\) MESSAGE/\\1 INVITE/" \
		"$IMS_SRCDIR/tests/corpus/sip/ok-01-message-basic.sip" >invite.sip &&
	head -1 invite.sip | grep "^INVITE " &&
	test_must_fail imstore put -o $BOB --sip invite.sip 2>err &&
	grep "not a MESSAGE request: the method is ${SQ}INVITE${SQ}" err &&
	! grep "a INVITE" err
'

test_expect_success 'a world-writable store is not sound; --repair makes it so' '
	imstore verify >out &&
	chmod 777 "$IMSTORE_STORE" && chmod 666 "$IMSTORE_STORE/data.mdb" &&
	test_expect_code 1 imstore verify >out &&
	grep "^permissions - ${SQ}.*/store${SQ} is writable by everyone (mode 0777)" out &&
	grep "^permissions - ${SQ}.*/store/data.mdb${SQ} is writable by everyone (mode 0666)" out &&
	grep "^store is not sound: 2 problems" out &&
	test_expect_code 1 imstore verify --format json >out.json &&
	grep "\"problem\":\"permissions\"" out.json &&
	imstore verify --repair >out &&
	grep "^store is sound" out &&
	test "$(stat -c %a "$IMSTORE_STORE" "$IMSTORE_STORE/data.mdb")" = "$(printf "775\n664")" &&
	imstore verify
'

test_expect_success 'put --sip discards bytes after the Content-Length body (RFC 3261 18.3)' '
	S=$IMS_SRCDIR/tests/corpus/sip &&
	imstore put -o $BOB -m trail1 --sip $S/ok-08-trailing-bytes.sip >/dev/null &&
	imstore show -o $BOB --raw trail1 >body &&
	printf x >expect && test_cmp expect body
'

test_expect_success 'put --cpim from an anonymous originator warns, stores, and --from files it' '
	printf "From: <sip:anonymous@anonymous.invalid>\r\nTo: <$BOB>\r\nDateTime: 2026-01-02T03:04:05Z\r\n\r\nContent-Type: text/plain\r\n\r\nhi" >anon.cpim &&
	imstore put -o $BOB -m anon1 --cpim anon.cpim >/dev/null 2>err &&
	grep "^imstore: warning: the originator of ${SQ}anon.cpim${SQ} is anonymous" err &&
	imstore put -o $BOB -m anon2 --cpim anon.cpim -f $ALICE >/dev/null 2>err &&
	test_must_be_empty err &&
	imstore show -o $BOB anon2 | grep "^from: <$ALICE>\$"
'

test_expect_success 'an msilo dump without a message says so and exits 1' '
	: >empty.tsv &&
	test_expect_code 65 imstore import --from-msilo tabs empty.tsv >out 2>err &&
	test_must_be_empty out &&
	echo "imstore: no message found in ${SQ}empty.tsv${SQ}: nothing imported" >expect &&
	test_cmp expect err
'

test_expect_success 'quota get shows unlimited and the use beside each limit' '
	imstore --store q init >/dev/null &&
	printf "12345" | imstore --store q put -o $BOB -f $ALICE -m u1 >/dev/null &&
	printf "123" | imstore --store q put -o $BOB -f $ALICE -m u2 --folder history >/dev/null &&
	imstore --store q quota get $BOB >out &&
	grep "^deferred_count_used: 1\$" out &&
	grep "^deferred_bytes_used: 5\$" out &&
	grep "^history_count: unlimited\$" out &&
	grep "^history_count_used: 1\$" out &&
	grep "^history_bytes_used: 3\$" out &&
	imstore --store q quota get --format json $BOB >out.json &&
	grep "\"history_count\":0,\"history_count_used\":1," out.json &&
	imstore --store q quota get default >out &&
	! grep "_used" out
'

if command -v script >/dev/null 2>&1; then test_set_prereq SCRIPT; fi

test_expect_success SCRIPT 'hold --list at a terminal names its columns; in a pipe it does not' '
	imstore hold --reason case-1 msgid:a1 >/dev/null &&
	script -qec "$IMSTORE hold --list" /dev/null >tty.out &&
	head -1 tty.out | tr -d "\r" >first &&
	printf "TIME\tACTION\tACTOR\tCOUNT\tFILTER\tREASON\n" >expect &&
	test_cmp expect first &&
	grep "hold.*case-1" tty.out &&
	imstore hold --list >pipe.out &&
	! grep "^TIME" pipe.out && grep "case-1" pipe.out
'

test_done
