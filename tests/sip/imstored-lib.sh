# imstored-lib.sh - what the SIP tests (tests/sip/T4NN-*.sh) share: a
# store, imstored started on free loopback ports with a configuration the
# test extends, SIPp runs against it, and the cleanup that stops them.
# Sourced after tests/cli/test-lib.sh (test_expect_success and friends).
#
# Environment: IMSTORED_BIN (default build/imstored), IMSTORE_BIN, and
# IMS_SIP_TIMEOUT, the seconds a daemon may live (default 300).

. "$(dirname "$0")/../cli/test-lib.sh"

IMSTORED=${IMSTORED_BIN:-$IMS_SRCDIR/build/imstored}
case "$IMSTORED" in /*) ;; *) IMSTORED=$(pwd)/$IMSTORED ;; esac
SCEN=$IMS_SRCDIR/tests/sip/scenarios
DOMAIN=example.com
# SIP: imstored built, SIPp and python3 there (the tests need all three)
test -x "$IMSTORED" && command -v sipp >/dev/null 2>&1 &&
	command -v python3 >/dev/null 2>&1 && test_set_prereq SIP

imstored_pid=
imstored_dog=

imstored_cleanup () {
	if test -n "$imstored_pid"; then
		kill -9 "$imstored_pid" 2>/dev/null
		wait "$imstored_pid" 2>/dev/null
	fi
	if test -n "$imstored_dog"; then
		kill "$imstored_dog" 2>/dev/null
		wait "$imstored_dog" 2>/dev/null
	fi
	imstored_pid= imstored_dog=
}
trap 'imstored_cleanup; test_cleanup' EXIT

# A port free for both UDP and TCP on 127.0.0.1.
free_port () {
	python3 -c '
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); break
    except OSError:
        pass
    finally:
        t.close(); u.close()
print(p)'
}

# imstored_conf [EXTRA LINES]: write imstored.conf for the store, a free
# port (PORT), UDP and TCP, the test domain, 127.0.0.1 trusted, and the
# metrics on another free port (MPORT); extra lines are appended.
imstored_conf () {
	PORT=$(free_port) && MPORT=$(free_port) || return 1
	{
		echo "store = $IMSTORE_STORE"
		echo "listen = udp:127.0.0.1:$PORT"
		echo "listen = tcp:127.0.0.1:$PORT"
		echo "domain = $DOMAIN"
		echo "metrics = 127.0.0.1:$MPORT"
		echo "log_level = debug"
		printf '%s\n' "$@"
	} >imstored.conf &&
	grep -q '^trusted' imstored.conf || echo "trusted = 127.0.0.1" >>imstored.conf
}

# imstored_start: start it in the foreground (logging to imstored.log),
# killed after IMS_SIP_TIMEOUT seconds whatever happens; wait until ready.
imstored_start () {
	imstored_cleanup
	: >imstored.log
	"$IMSTORED" -c imstored.conf -f 2>>imstored.log &
	imstored_pid=$!
	# the watchdog: sleep's own pid is killed with it, so nothing lingers
	sh -c 'sleep "$1" & s=$!; trap "kill \$s 2>/dev/null; exit 0" TERM; wait $s;
		kill -9 "$2" 2>/dev/null' dog "${IMS_SIP_TIMEOUT:-300}" "$imstored_pid" &
	imstored_dog=$!
	i=0
	while ! grep -q 'notice: started' imstored.log; do
		i=$((i + 1))
		if test $i -gt 100 || ! kill -0 "$imstored_pid" 2>/dev/null; then
			cat imstored.log
			return 1
		fi
		sleep 0.05
	done
}

# imstored_stop: SIGTERM, and wait for it to exit by itself.
imstored_stop () {
	test -n "$imstored_pid" || return 0
	kill -TERM "$imstored_pid" && wait "$imstored_pid"
	rc=$?
	imstored_pid=
	imstored_cleanup
	return $rc
}

# imstored_kill: SIGKILL (no drain).
imstored_kill () {
	imstored_cleanup
	return 0
}

# metric NAME: the value of one line of GET /metrics ("stored_total",
# 'refused_total{reason="quota"}').
metric () {
	python3 - "$MPORT" "imstored_$1" <<-'PY'
	import sys, urllib.request
	port, name = sys.argv[1], sys.argv[2]
	body = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % port, timeout=5).read().decode()
	for line in body.splitlines():
	    if line.startswith(name + " "):
	        print(line.split()[1]); break
	else:
	    sys.exit("no metric " + name)
	PY
}

# wait_metric NAME MIN: wait (at most 60 s) until the metric is at least
# MIN; fails on time out.
wait_metric () {
	i=0
	while ! test "$(metric "$1" 2>/dev/null || echo 0)" -ge "$2"; do
		i=$((i + 1))
		test $i -le 600 || return 1
		sleep 0.1
	done
}

# (dash runs the EXIT trap when a ( ) subshell ends: a background
# subshell starts with trap - EXIT, or it kills the daemon and removes the
# scratch directory when it ends)
#
# sipp_run SCENARIO [SIPP OPTIONS]: run a scenario of tests/sip/scenarios
# against imstored over UDP from 127.0.0.1; the calls' log lines ("202
# CALL-ID") go to sipp.log, errors to sipp.err.  Its exit status is SIPp's.
sipp_run () {
	scen=$1
	shift
	rm -f sipp.log sipp.err
	timeout -s KILL 240 sipp -sf "$SCEN/$scen" -i 127.0.0.1 -p "$(free_port)" \
		-key domain "$DOMAIN" -nostdin -trace_logs -log_file sipp.log \
		-trace_err -error_file sipp.err -timeout 200 -timeout_error \
		-recv_timeout 20000 "$@" "127.0.0.1:$PORT" >sipp.out 2>&1
}

# raw_sip FILE... : send each file (a request, bytes as they are) over UDP
# to imstored and print the status line of each answer (or "timeout").
raw_sip () {
	python3 - "$PORT" "$@" <<-'PY'
	import socket, sys
	port = int(sys.argv[1])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0)); s.settimeout(5)
	for f in sys.argv[2:]:
	    data = open(f, "rb").read().replace(b"@PORT@", str(s.getsockname()[1]).encode())
	    s.sendto(data, ("127.0.0.1", port))
	    try:
	        print(s.recv(65535).split(b"\r\n")[0].decode())
	    except socket.timeout:
	        print("timeout")
	PY
}

# sip_request USER CALL-ID BODY [HEADER...] : a MESSAGE to USER as raw_sip
# sends it (Content-Length right, CR LF line ends), on stdout.
sip_request () {
	u=$1 cid=$2 body=$3
	shift 3
	printf 'MESSAGE sip:%s@%s SIP/2.0\r\n' "$u" "$DOMAIN"
	printf 'Via: SIP/2.0/UDP 127.0.0.1:@PORT@;branch=z9hG4bK-%s\r\n' "$cid"
	printf 'Max-Forwards: 70\r\nFrom: <sip:alice@%s>;tag=a\r\n' "$DOMAIN"
	printf 'To: <sip:%s@%s>\r\nCall-ID: %s\r\nCSeq: 1 MESSAGE\r\n' "$u" "$DOMAIN" "$cid"
	for h in "$@"; do printf '%s\r\n' "$h"; done
	printf 'Content-Type: text/plain\r\nContent-Length: %s\r\n\r\n%s' "${#body}" "$body"
}

# stored_ids [FILTER]: the Message-IDs (Call-IDs) stored, sorted.
stored_ids () {
	imstore list --format json "$@" | python3 -c '
import json, sys
print("\n".join(sorted(json.loads(l)["message_id"] for l in sys.stdin if l.strip())))' |
	sed '/^$/d'
}

# sipp_ids STATUS: the Call-IDs SIPp logged with that answer, sorted.
sipp_ids () {
	test -f sipp.log || return 0
	sed -n "s/^$1 //p" sipp.log | sort
}
