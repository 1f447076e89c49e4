#!/bin/sh
# cmd/imstored/kamailio.cfg, run unchanged by the real Kamailio on loopback
# ports, with SIPp standing in for imstored (a UAS answering 202, or 408,
# 503, or nothing) and for the users' user agents: what reaches imstored's
# address, what the sender gets back, the third-party REGISTER, the pushes
# from imstored's address, P-Asserted-Identity, the history copy.
if ! command -v kamailio >/dev/null 2>&1 || ! command -v sipp >/dev/null 2>&1; then
	echo "1..0 # SKIP kamailio or sipp (sip-tester) not installed"
	exit 0
fi
. "$(dirname "$0")/../cli/test-lib.sh"
. "$IMS_SRCDIR/tests/sip/sip-lib.sh"
SIP_TIMEOUT=30

KP=$(sip_port) IP=$(sip_port) UP=$(sip_port) || exit 1

# msg NAME USER [SIPP ARGS]: one MESSAGE from alice to USER through Kamailio
# (the scenario $MSG_SF, default uac-message.xml); prints the answer's code
msg () {
	msg_n_=$1 msg_u_=$2
	shift 2
	printf 'SEQUENTIAL\n%s;example.com\n' "$msg_u_" >"inf-$msg_n_" &&
	sip_sipp "$msg_n_" -sf "${MSG_SF:-$SIP_SCEN/uac-message.xml}" -inf "inf-$msg_n_" \
	  -key sender alice -m 1 "$@" 127.0.0.1:"$KP"
	sip_log "$msg_n_" | awk '{ print $2 }' >"$msg_n_.code"
	cat "$msg_n_.code"
}

# reg NAME USER EXPIRES: USER registers sip:USER@127.0.0.1:$UP
reg () {
	printf 'SEQUENTIAL\n%s;example.com\n' "$2" >"inf-$1" &&
	sip_sipp "$1" -sf "$SIP_SCEN/uac-register.xml" -inf "inf-$1" -m 1 \
	  -key contact "127.0.0.1:$UP" -key expires "$3" 127.0.0.1:"$KP"
}

# imstored NAME CODE|silent: the stand-in on imstored's port (the previous
# one stopped first)
imstored () {
	test -n "${ims_pid-}" && sip_stop "$ims_pid"
	ims_sf_=$SIP_SCEN/uas-silent.xml
	test "$2" = silent || ims_sf_=$(sip_uas "$2")
	sip_sipp_bg "$1" -sf "$ims_sf_" -p "$IP" -timeout 120s
	ims_pid=$SIP_LAST_PID
	sleep 0.3
}

# the same MESSAGE, claiming to come from sip:boss@example.com
sed 's|^\(      CSeq: 1 MESSAGE\)$|\1\
      P-Asserted-Identity: <sip:boss@example.com>|' \
  "$SIP_SCEN/uac-message.xml" >uac-message-pai.xml

test_expect_success 'kamailio starts with the example cfg (-A sets the addresses)' '
	imstored ims1 202 &&
	sip_kamailio kam "$KP" -A "IMSTORED_PORT=$IP" -A "FR_TIMER=3000" \
	  -A CHILDREN=2 -A WITH_HISTORY
'
kam_pid=$SIP_LAST_PID

test_expect_success 'MESSAGE to a user without a contact: to imstored, its 202 back' '
	test "$(msg m1 user1)" = 202 &&
	sip_log ims1 >ims1.seen &&
	grep "^MESSAGE sip:user1@example.com|" ims1.seen >line &&
	test_line_count = 1 line &&
	grep -F "| <sip:alice@example.com>|" line &&
	grep -F "$(sed -n "s/^user1 202 //p" m1.log)" line
'

test_expect_success 'an untrusted sender cannot assert another identity' '
	test "$(MSG_SF=uac-message-pai.xml msg m2 user2)" = 202 &&
	sip_log ims1 | grep "^MESSAGE sip:user2@example.com|" >line &&
	grep -F "| <sip:alice@example.com>|" line &&
	! grep boss line
'

test_expect_success '503 from imstored: the sender gets 480' '
	imstored ims2 503 &&
	test "$(msg m3 user3)" = 480 &&
	sip_log ims2 | grep "^MESSAGE sip:user3@example.com|"
'

test_expect_success '408 from imstored: the sender gets 480' '
	imstored ims3 408 &&
	test "$(msg m4 user4)" = 480 &&
	sip_log ims3 | grep "^MESSAGE sip:user4@example.com|"
'

test_expect_success 'imstored does not answer: 480 when the transaction times out' '
	imstored ims4 silent &&
	test "$(msg m5 user5)" = 480 &&
	sip_log ims4 | grep "^MESSAGE sip:user5@example.com|"
'

test_expect_success 'REGISTER: 200, then a third-party REGISTER to imstored' '
	imstored ims5 202 &&
	sip_sipp_bg ua1 -sf "$(sip_uas 200)" -p "$UP" -timeout 120s &&
	ua_pid=$SIP_LAST_PID &&
	reg r1 user7 600 &&
	sip_wait_log ims5 1 10 &&
	sip_log ims5 >seen &&
	test_line_count = 1 seen &&
	grep "^REGISTER sip:127.0.0.1:$IP| *<\{0,1\}sip:user7@example.com>\{0,1\}| *600|" seen
'

test_expect_success 'MESSAGE to a registered user: to its contact, the 200 back' '
	test "$(msg m6 user7)" = 200 &&
	sip_log ua1 | grep "^MESSAGE sip:user7@127.0.0.1:$UP|" >line &&
	test_line_count = 1 line &&
	grep -F "| <sip:alice@example.com>|" line &&
	! sip_log ims5 | grep "^MESSAGE sip:user7@"
'

test_expect_success 'WITH_HISTORY: a copy went to sip:History@example.com' '
	sip_wait_log ims5 2 10 &&
	sip_log ims5 | grep "^MESSAGE sip:History@example.com|" >line &&
	test_line_count = 1 line &&
	grep -F "<sip:user7@example.com>|" line &&
	grep -F "| <sip:alice@example.com>|" line
'

test_expect_success 'the contact answers 486: the sender gets 486, nothing stored' '
	sip_stop "$ua_pid" &&
	sip_sipp_bg ua2 -sf "$(sip_uas 486)" -p "$UP" -timeout 120s &&
	ua_pid=$SIP_LAST_PID && sleep 0.3 &&
	test "$(msg m7 user7)" = 486 &&
	sip_log ua2 | grep "^MESSAGE sip:user7@127.0.0.1:$UP|" &&
	! sip_log ims5 | grep "^MESSAGE sip:user7@"
'

test_expect_success 'the contact does not answer: the message goes to imstored' '
	sip_stop "$ua_pid" &&
	sip_sipp_bg ua3 -sf "$SIP_SCEN/uas-silent.xml" -p "$UP" -timeout 120s &&
	ua_pid=$SIP_LAST_PID && sleep 0.3 &&
	test "$(msg m8 user7)" = 202 &&
	sip_log ua3 | grep "^MESSAGE sip:user7@127.0.0.1:$UP|" &&
	sip_log ims5 | grep "^MESSAGE sip:user7@example.com|"
'

test_expect_success 'a push from imstored: to the contact, its P-Asserted-Identity kept' '
	sip_stop "$ims_pid" && ims_pid= &&
	sip_stop "$ua_pid" &&
	sip_sipp_bg ua4 -sf "$(sip_uas 200)" -p "$UP" -timeout 120s &&
	ua_pid=$SIP_LAST_PID && sleep 0.3 &&
	test "$(MSG_SF=uac-message-pai.xml msg m9 user7 -p "$IP")" = 200 &&
	sip_log ua4 | grep "^MESSAGE sip:user7@127.0.0.1:$UP|" >line &&
	grep -F "| <sip:boss@example.com>|" line
'

test_expect_success 'a push from imstored to a user without a contact: 480 at once, not sent back' '
	test "$(msg m10 user8 -p "$IP")" = 480 &&
	! grep "MESSAGE sip:user8" m10.err m10.out &&
	# Kamailio answered: not a timeout (3 s) of a copy sent to imstored
	awk -F";" "\$2 > 1500 { exit 1 }" m10.rtt
'

test_expect_success 'REGISTER with Expires 0: third-party REGISTER with Expires: 0' '
	imstored ims7 202 &&
	reg r2 user7 0 &&
	sip_wait_log ims7 1 10 &&
	sip_log ims7 >seen &&
	test_line_count = 1 seen &&
	grep "^REGISTER sip:127.0.0.1:$IP| *<\{0,1\}sip:user7@example.com>\{0,1\}| *0|" seen
'

test_expect_success 'after de-registration MESSAGEs go to imstored again' '
	test "$(msg m11 user7)" = 202 &&
	sip_log ims7 | grep "^MESSAGE sip:user7@example.com|"
'

test_expect_success 'Expires as a Contact parameter: the third-party REGISTER carries it' '
	sed -e "/^      Expires: /d" \
	  -e "s|^\(      Contact: <sip:\[field0\]@\[contact\]>\)$|\1;expires=[expires]|" \
	  "$SIP_SCEN/uac-register.xml" >uac-register-param.xml &&
	grep -F ">;expires=[expires]" uac-register-param.xml &&
	! grep "^      Expires:" uac-register-param.xml &&
	printf "SEQUENTIAL\nuser9;example.com\n" >inf-r3 &&
	sip_sipp r3 -sf uac-register-param.xml -inf inf-r3 -m 1 \
	  -key contact "127.0.0.1:$UP" -key expires 300 127.0.0.1:"$KP" &&
	sip_wait_log ims7 3 10 &&
	sip_log ims7 | grep "^REGISTER sip:127.0.0.1:$IP| *<\{0,1\}sip:user9@example.com>\{0,1\}| *300|"
'

test_expect_success 'kamailio stops on SIGTERM' '
	sip_stop "$kam_pid" &&
	! kill -0 "$kam_pid" 2>/dev/null
'

test_done
