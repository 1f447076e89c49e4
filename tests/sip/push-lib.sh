# push-lib.sh - what the tests of imstored's own requests share
# (tests/sip/T430-register.sh, T440-refer.sh): imstored-lib.sh and
# sip-lib.sh, a SIPp stand-in for the SIP core (scenarios/uas-core.xml) on
# the port CORE that imstored's sip_core names, third-party REGISTERs,
# deferred messages deposited over SIP, and waits on the metrics.
. "$(dirname "$0")/imstored-lib.sh"
. "$IMS_SRCDIR/tests/sip/sip-lib.sh"
# imstored_cleanup's SIGKILL reaches only the timeout(1) that runs imstored:
# a SIGTERM first, which timeout passes on, so that no imstored outlives a
# test that failed before imstored_stop
push_cleanup () {
	test -n "$imstored_pid" && kill -TERM "$imstored_pid" 2>/dev/null
	imstored_cleanup
}
trap 'push_cleanup; sip_cleanup; test_cleanup' EXIT

CORE=$(free_port)
core_pid=

# core_start CODE [PAUSE-MS]: the stand-in answering CODE (none: never),
# after PAUSE-MS; every MESSAGE logged to core.log, its bytes to core.msg.
core_start () {
	core_stop
	sed -e "s|SIP/2.0 200 Answer|SIP/2.0 $1 Answer|" "$SCEN/uas-core.xml" >standin.xml &&
	if test "$1" = none; then
		sed -i -e '/<send>/,/<\/send>/d' \
		  -e 's|</scenario>|<pause milliseconds="60000"/></scenario>|' standin.xml
	elif test -n "$2"; then
		sed -i "s|  <send>|  <pause milliseconds=\"$2\"/><send>|" standin.xml
	fi &&
	sip_sipp_bg core -sf standin.xml -p "$CORE" -trace_msg \
	  -message_file "$SIP_DIR/core.msg" -timeout 120s &&
	core_pid=$SIP_LAST_PID &&
	n=0 &&
	while ! ss -Hunl "sport = :$CORE" | grep -q .; do
		n=$((n + 1)) && test $n -lt 100 && sleep 0.05 || return 1
	done
}

core_stop () {
	test -n "$core_pid" || return 0
	kill "$core_pid" 2>/dev/null
	wait "$core_pid" 2>/dev/null
	core_pid=
}

# core_wait N [SECONDS]: until the stand-in logged N MESSAGEs
core_wait () {
	sip_wait_log core "$1" "${2:-15}"
}

# register USER EXPIRES: a third-party REGISTER as Kamailio's uac sends it
register () {
	printf 'REGISTER sip:%s SIP/2.0\r\n' "$DOMAIN" >reg.sip &&
	printf 'Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bK-r%s\r\n' "$(date +%s%N)" >>reg.sip &&
	printf 'From: <sip:registrar@%s>;tag=r\r\nTo: <sip:%s@%s>\r\n' "$DOMAIN" "$1" "$DOMAIN" >>reg.sip &&
	printf 'Call-ID: reg-%s\r\nCSeq: 1 REGISTER\r\n' "$(date +%s%N)" >>reg.sip &&
	printf 'Contact: <sip:%s@127.0.0.1:9>\r\nExpires: %s\r\nContent-Length: 0\r\n\r\n' "$1" "$2" >>reg.sip &&
	raw_sip reg.sip >got && echo "SIP/2.0 200 OK" >expect && test_cmp expect got
}

# deposit USER N [PREFIX]: N MESSAGEs from alice stored for USER (202 each)
deposit () {
	i=1
	while test $i -le "$2"; do
		sip_request "$1" "${3:-$1}-$i" "message $i to $1" >d.sip &&
		raw_sip d.sip >got && echo "SIP/2.0 202 Accepted" >expect &&
		test_cmp expect got || return 1
		i=$((i + 1))
	done
}

pending () {
	imstore list --count "owner:sip:$1@$DOMAIN" folder:deferred
}

# wait_metric NAME VALUE: until the metric has the value (10 s)
wait_metric () {
	n=0
	while test "$(metric "$1")" != "$2"; do
		n=$((n + 1)) && test $n -lt 100 && sleep 0.1 || {
			echo "metric $1 is $(metric "$1"), not $2"; return 1; }
	done
}

