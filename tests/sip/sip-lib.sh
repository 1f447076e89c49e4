# sip-lib.sh - helpers of the SIP tests (tests/sip/T3NN-*.sh) and of the SIP
# benchmark (make bench-sip): free loopback ports, Kamailio in the
# foreground with cmd/imstored/kamailio.cfg (or another cfg) in a private
# runtime directory, SIPp scenarios (tests/sip/scenarios/) with timeouts and
# their logs.  POSIX sh; sourced after tests/cli/test-lib.sh by the tests, on
# its own by the benchmark.  Everything started here is stopped on exit.
#
#	sip_port                     a free UDP+TCP port on 127.0.0.1
#	sip_users FILE N [DOMAIN]    a SIPp injection file: user1..userN;DOMAIN
#	sip_kamailio NAME PORT [-A DEF]...
#	                             Kamailio on udp:127.0.0.1:PORT, answering
#	sip_stop PID                 SIGTERM, then SIGKILL after 10 s
#	sip_sipp NAME ARGS...        SIPp in the foreground: its status
#	sip_sipp_bg NAME ARGS...     SIPp in the background: SIP_LAST_PID
#	sip_uas CODE                 a UAS scenario answering MESSAGE with CODE
#	sip_log NAME                 the <log> lines a SIPp run wrote
#
# Environment: SIP_DIR the directory for runtime files and logs (default
# $TEST_DIR, else a new temporary one), KAMAILIO the binary, KAMAILIO_CFG
# the config (default cmd/imstored/kamailio.cfg), KAMAILIO_MODULES the
# module directory when not Debian's, SIP_TIMEOUT the limit of one SIPp run
# in seconds (default 60), SIP_SHM Kamailio's shared memory in MiB (default
# 512: each MESSAGE's transaction stays 5 s after its answer, so 64 MiB runs
# out near 4,000 MESSAGEs/s; so does usrloc).

IMS_SRCDIR=${IMS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIP_SCEN=$IMS_SRCDIR/tests/sip/scenarios
KAMAILIO=${KAMAILIO:-kamailio}
KAMAILIO_CFG=${KAMAILIO_CFG:-$IMS_SRCDIR/cmd/imstored/kamailio.cfg}
SIP_TIMEOUT=${SIP_TIMEOUT:-60}
if test -z "${SIP_DIR-}"; then
	if test -n "${TEST_DIR-}"; then
		SIP_DIR=$TEST_DIR
	else
		SIP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/imstore-sip.XXXXXX") || exit 1
	fi
fi
SIP_PIDS=

sip_cleanup () {
	for sip_p_ in $SIP_PIDS; do
		kill -TERM "$sip_p_" 2>/dev/null
	done
	for sip_p_ in $SIP_PIDS; do
		sip_wait_gone_ "$sip_p_" 50 || kill -KILL "$sip_p_" 2>/dev/null
	done
	SIP_PIDS=
}
if command -v test_cleanup >/dev/null 2>&1; then
	trap 'sip_cleanup; test_cleanup' EXIT
else
	trap 'sip_cleanup' EXIT
fi
trap 'exit 130' INT TERM HUP

# sip_wait_gone_ PID TENTHS: true once PID is gone (reaped when our child)
sip_wait_gone_ () {
	sip_n_=0
	while kill -0 "$1" 2>/dev/null; do
		# a zombie child of ours: wait reaps it
		if test "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z; then
			wait "$1" 2>/dev/null
			return 0
		fi
		sip_n_=$((sip_n_ + 1))
		test "$sip_n_" -gt "$2" && return 1
		sleep 0.1
	done
	return 0
}

# A port nobody uses on 127.0.0.1 (UDP and TCP), below the ephemeral range
# (32768-60999) so that no client socket takes it before we bind it, and
# never one this script already handed out.
sip_port () {
	python3 -c '
import random, socket, sys
taken = set(int(p) for p in sys.argv[1:])
for _ in range(500):
    p = random.randint(20000, 32000)
    if p in taken:
        continue
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind)
            s.bind(("127.0.0.1", p))
            s.close()
    except OSError:
        continue
    print(p)
    sys.exit(0)
sys.exit(1)' $(cat "$SIP_DIR/.ports" 2>/dev/null) >"$SIP_DIR/.port" || return 1
	# a file, not a variable: callers run this in $(...)
	cat "$SIP_DIR/.port" >>"$SIP_DIR/.ports"
	cat "$SIP_DIR/.port"
}

# sip_users FILE N [DOMAIN]: user1..userN, one a line, for -inf
sip_users () {
	awk -v n="$2" -v d="${3:-example.com}" 'BEGIN {
		print "SEQUENTIAL"
		for (i = 1; i <= n; i++) printf "user%d;%s\n", i, d
	}' >"$1"
}

# sip_ping PORT: one OPTIONS answered 200 within 2 s
sip_ping () {
	sipp -sf "$SIP_SCEN/uac-options.xml" -m 1 -i 127.0.0.1 -cp "$(sip_port)" \
	  -nostdin -timeout 2s -timeout_error -recv_timeout 2000 \
	  127.0.0.1:"$1" >/dev/null 2>&1 </dev/null
}

# sip_kamailio NAME PORT [KAMAILIO ARGS]: starts Kamailio on
# udp:127.0.0.1:PORT with $KAMAILIO_CFG, its runtime files and log in
# $SIP_DIR/NAME/, and waits (up to 30 s) until it answers OPTIONS.  Sets
# SIP_LAST_PID.  Args such as -A 'IMSTORED_PORT=5071' -A CHILDREN=1.
sip_kamailio () {
	sip_name_=$1 sip_kport_=$2
	shift 2
	sip_rd_=$SIP_DIR/$sip_name_
	mkdir -p "$sip_rd_" || return 1
	set -- -DD -E -f "$KAMAILIO_CFG" -Y "$sip_rd_" -P "$sip_rd_/kamailio.pid" \
	  -w "$sip_rd_" -m "${SIP_SHM:-512}" -M 16 -A "LISTEN=udp:127.0.0.1:$sip_kport_" "$@"
	test -n "${KAMAILIO_MODULES-}" && set -- -L "$KAMAILIO_MODULES" "$@"
	"$KAMAILIO" "$@" >"$sip_rd_/log" 2>&1 </dev/null &
	SIP_LAST_PID=$!
	SIP_PIDS="$SIP_PIDS $SIP_LAST_PID"
	sip_n_=0
	until sip_ping "$sip_kport_"; do
		sip_n_=$((sip_n_ + 1))
		if ! kill -0 "$SIP_LAST_PID" 2>/dev/null || test "$sip_n_" -ge 15; then
			echo "sip_kamailio: kamailio did not start; its log:" >&2
			tail -n 30 "$sip_rd_/log" >&2
			return 1
		fi
		sleep 1
	done
	return 0
}

# sip_stop PID: SIGTERM, SIGKILL if still there after 10 s
sip_stop () {
	kill -TERM "$1" 2>/dev/null
	sip_wait_gone_ "$1" 100 || { kill -KILL "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
	sip_rest_=
	for sip_p_ in $SIP_PIDS; do
		test "$sip_p_" = "$1" || sip_rest_="$sip_rest_ $sip_p_"
	done
	SIP_PIDS=$sip_rest_
	return 0
}

# sip_sipp_args_ NAME: the options every SIPp run gets: no stdin, a free
# control port, its <log> lines, unexpected messages, statistics and
# response times in $SIP_DIR/NAME.*
sip_sipp_args_ () {
	echo "-nostdin -cp $(sip_port) -trace_logs -log_file $SIP_DIR/$1.log" \
	  "-trace_err -error_file $SIP_DIR/$1.err -trace_stat -stf $SIP_DIR/$1.csv" \
	  "-trace_screen -screen_file $SIP_DIR/$1.screen"
}

# sip_sipp NAME ARGS...: SIPp in the foreground, killed after
# $SIP_TIMEOUT s; its status (0 all calls succeeded); output in NAME.out,
# each call's response time 1 in NAME.rtt (date_ms;rtt_ms;1 lines: SIPp
# writes them to SCENARIO_PID_rtt.csv in the current directory, moved here)
sip_sipp () {
	sip_name_=$1
	shift
	rm -f "$SIP_DIR/$sip_name_".*
	sip_args_=$(sip_sipp_args_ "$sip_name_")
	ls ./*_rtt.csv >"$SIP_DIR/.rtt-before" 2>/dev/null
	# shellcheck disable=SC2086
	timeout -k 5 "$SIP_TIMEOUT" sipp $sip_args_ -trace_rtt -rtt_freq 1 -i 127.0.0.1 \
	  -timeout "${SIP_TIMEOUT}s" "$@" >"$SIP_DIR/$sip_name_.out" 2>&1 </dev/null
	sip_rc_=$?
	for sip_f_ in ./*_rtt.csv; do
		test -f "$sip_f_" || continue
		grep -qxF "$sip_f_" "$SIP_DIR/.rtt-before" ||
			grep -v '^Date' "$sip_f_" >>"$SIP_DIR/$sip_name_.rtt"
		grep -qxF "$sip_f_" "$SIP_DIR/.rtt-before" || rm -f "$sip_f_"
	done
	return $sip_rc_
}

# sip_sipp_bg NAME ARGS...: the same in the background (a UAS); sets
# SIP_LAST_PID; stopped by sip_stop or on exit
sip_sipp_bg () {
	sip_name_=$1
	shift
	rm -f "$SIP_DIR/$sip_name_".*
	# the ports are picked here, not in the background (sip_port's files)
	sip_args_=$(sip_sipp_args_ "$sip_name_")
	# shellcheck disable=SC2086
	sipp $sip_args_ -i 127.0.0.1 "$@" >"$SIP_DIR/$sip_name_.out" 2>&1 </dev/null &
	SIP_LAST_PID=$!
	SIP_PIDS="$SIP_PIDS $SIP_LAST_PID"
}

# sip_uas CODE: the path of a copy of uas-answer.xml answering MESSAGEs with CODE
sip_uas () {
	sed "s|SIP/2.0 202 Answer|SIP/2.0 $1 Answer|" "$SIP_SCEN/uas-answer.xml" \
	  >"$SIP_DIR/uas-$1.xml" && echo "$SIP_DIR/uas-$1.xml"
}

# sip_log NAME: the <log> lines of that run (SIPp flushes them as it goes)
sip_log () {
	cat "$SIP_DIR/$1.log" 2>/dev/null
}

# sip_wait_log NAME COUNT [SECONDS]: until NAME's log has COUNT lines
sip_wait_log () {
	sip_n_=0
	while test "$(sip_log "$1" | wc -l)" -lt "$2"; do
		sip_n_=$((sip_n_ + 1))
		test "$sip_n_" -gt $((${3:-20} * 10)) && return 1
		sleep 0.1
	done
	return 0
}
