#!/bin/sh
# bench-direct.sh [N] [RATE] - imstored alone, SIPp straight to it on
# loopback: N MESSAGEs (default 20000) to one user at 64 in flight, offered
# at RATE/s (default 10000).  Prints the wall time, the stored rate, the
# 202s against the messages stored, and imstored's CPU per message (user +
# system, store calls included, from /proc).  Run from the source tree
# after make; the daemon and store live in a scratch directory.
set -eu
N=${1:-20000}
RATE=${2:-10000}
src=$(cd "$(dirname "$0")/../.." && pwd)
d=$(mktemp -d "${TMPDIR:-/tmp}/imstored-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$d"' EXIT
cd "$d"
port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port)
"$src/build/imstore" --store st init >/dev/null
"$src/build/imstore" --store st quota set default --deferred-count 0 >/dev/null
printf 'store = %s/st\nlisten = udp:127.0.0.1:%s\ndomain = example.com\ntrusted = 127.0.0.1\n' \
	"$d" "$P" >c.conf
"$src/build/imstored" -c c.conf -f 2>log &
pid=$!
sleep 0.3
t0=$(date +%s%N)
timeout 300 sipp -sf "$src/tests/sip/scenarios/message.xml" -i 127.0.0.1 -p "$(port)" \
	-key domain example.com -key user bench -nostdin -trace_logs -log_file sipp.log \
	-m "$N" -l 64 -r "$RATE" "127.0.0.1:$P" >out 2>&1 || true
t1=$(date +%s%N)
set -- $(awk '{ print $14, $15 }' /proc/$pid/stat)
kill $pid; wait $pid || true; pid=
ok=$(grep -c '^202 ' sipp.log || true)
stored=$("$src/build/imstore" --store st list --count)
awk -v n="$N" -v ok="$ok" -v st="$stored" -v ns=$((t1 - t0)) -v u="$1" -v s="$2" \
	-v hz="$(getconf CLK_TCK)" 'BEGIN {
	w = ns / 1e9
	printf "messages %d, 202 %d, stored %d, wall %.2f s, %.0f stored/s, imstored CPU %.1f us/message\n",
	    n, ok, st, w, st / w, (u + s) / hz * 1e6 / (st ? st : 1) }'
