#!/bin/sh
# cmd/imstored/kamailio.cfg in front of the real imstored ($IMSTORED_BIN):
# MESSAGEs to users without a contact stored through Kamailio, each once
# for the Request-URI's user from the sender Kamailio asserted; the
# third-party REGISTER answered; the push to a user who registers: its
# deferred messages reach its contact and leave the store; a REFER to
# Delete@ through Kamailio deletes the listed messages of its user only and
# its NOTIFY comes back through Kamailio.  Skipped where
# imstored is not built.
IMSTORED=${IMSTORED_BIN:-${IMS_BUILDDIR:-build}/imstored}
if ! test -x "$IMSTORED" || ! command -v kamailio >/dev/null 2>&1 ||
   ! command -v sipp >/dev/null 2>&1; then
	echo "1..0 # SKIP no imstored at $IMSTORED, or no kamailio or sipp"
	exit 0
fi
case "$IMSTORED" in /*) ;; *) IMSTORED=$(pwd)/$IMSTORED ;; esac
. "$(dirname "$0")/../cli/test-lib.sh"
. "$IMS_SRCDIR/tests/sip/sip-lib.sh"
SIP_TIMEOUT=60

KP=$(sip_port) IP=$(sip_port) UP=$(sip_port) || exit 1
sip_users users.csv 5

count () {
	imstore list --count "folder:deferred" "$@"
}

# ids_now USER: USER's deferred Message-IDs, sorted, on one line
ids_now () {
	imstore list --format json "owner:sip:$1@example.com" folder:deferred |
	  python3 -c "import json,sys; print(' '.join(sorted(json.loads(l)['message_id'] for l in sys.stdin if l.strip())))"
}

test_expect_success 'imstored and kamailio start' '
	imstore init &&
	cat >imstored.conf <<-EOF &&
	store = $IMSTORE_STORE
	listen = udp:127.0.0.1:$IP
	domain = example.com
	sip_core = udp:127.0.0.1:$KP
	trusted = 127.0.0.1
	log = stderr
	log_level = debug
	EOF
	{ "$IMSTORED" -c imstored.conf -f >imstored.log 2>&1 </dev/null & } &&
	ims_pid=$! && SIP_PIDS="$SIP_PIDS $ims_pid" &&
	n=0 &&
	while ! ss -Hunl "sport = :$IP" | grep -q .; do
		test $n -lt 100 && kill -0 $ims_pid || return 1
		n=$((n + 1))
		sleep 0.1
	done &&
	sip_kamailio kam "$KP" -A "IMSTORED_PORT=$IP" -A CHILDREN=2
'

test_expect_success '20 MESSAGEs to 5 offline users: 20 times 202, 20 stored' '
	sip_sipp m1 -sf "$SIP_SCEN/uac-message.xml" -inf users.csv -key sender alice \
	  -m 20 -l 8 -r 100 127.0.0.1:"$KP" &&
	test "$(grep -c " 202 " m1.log)" = 20 &&
	test "$(count)" = 20
'

test_expect_success 'each stored for its Request-URI user, from the asserted sender' '
	for u in 1 2 3 4 5; do
		test "$(count "owner:sip:user$u@example.com")" = 4 || return 1
	done &&
	test "$(count "from:sip:alice@example.com")" = 20
'

test_expect_success 'REGISTER: 200 (the third-party REGISTER went to imstored)' '
	sip_sipp_bg ua -sf "$(sip_uas 200)" -p "$UP" -timeout 120s &&
	printf "SEQUENTIAL\nuser1;example.com\n" >inf-r1 &&
	sip_sipp r1 -sf "$SIP_SCEN/uac-register.xml" -inf inf-r1 -m 1 \
	  -key contact "127.0.0.1:$UP" -key expires 600 127.0.0.1:"$KP"
'

test_expect_success 'user1 registered: its 4 deferred messages pushed to its contact' '
	sip_wait_log ua 4 15 &&
	test "$(sip_log ua | grep -c "^MESSAGE sip:user1@127.0.0.1:$UP|")" = 4 &&
	n=0 &&
	while test "$(count owner:sip:user1@example.com)" != 0; do
		n=$((n + 1)) && test $n -lt 50 && sleep 0.2 || return 1
	done
'

test_expect_success 'REFER to Delete@ through Kamailio: 202, NOTIFY 200, only the own listed go' '
	imstore list --format json owner:sip:user2@example.com folder:deferred >u2 &&
	imstore list --format json owner:sip:user3@example.com folder:deferred >u3 &&
	ids () { python3 -c "import json,sys; print(\" \".join(sorted(json.loads(l)[\"message_id\"] for l in open(sys.argv[1]) if l.strip())))" "$1"; } &&
	set -- $(ids u2) && a=$1 b=$2 keep2="$3 $4" &&
	set -- $(ids u3) && c=$1 &&
	printf "SEQUENTIAL\nuser2;example.com\n" >inf-d &&
	sip_sipp d1 -sf "$SIP_SCEN/uac-refer.xml" -inf inf-d -m 1 \
	  -key ref1 "$a" -key ref2 "$b" -key ref3 "$c" 127.0.0.1:"$KP" &&
	printf "REFER 202\nNOTIFY SIP/2.0 200 OK\n" >expect &&
	sip_log d1 >got && test_cmp expect got &&
	test "$(ids_now user2)" = "$keep2" &&
	test "$(count owner:sip:user3@example.com)" = 4
'

test_done
