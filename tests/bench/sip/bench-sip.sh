#!/bin/sh
# bench-sip.sh - make bench-sip: the SIP store-and-forward peers an operator
# knows, measured in one run with the same SIPp load through Kamailio (one
# UDP child) on loopback:
#
#   msilo        Kamailio's msilo module on SQLite (db_sqlite, Kamailio's
#                own schema), default rollback journal
#   msilo-wal    the same with the database in WAL mode
#   relay        kamailio.cfg relaying the load to a SIPp UAS that answers
#                202 and stores nothing: the ceiling Kamailio leaves here
#   imstored     kamailio.cfg relaying to imstored (only when
#                $IMS_BUILDDIR/imstored exists); its store counted with
#                imstore list afterwards
#
# For each: N MESSAGEs to U users (injection file) at 64 in flight as fast
# as answered (stored/s = what is really stored / elapsed, ack latency p50
# and p99), then NFIX more at a fixed 1,000/s (p99), then every user
# registers with a contact where a SIPp UAS answers 200: the stored
# messages are dumped (msilo) or pushed (imstored) there (deliveries/s).
# CPU: Kamailio's (and imstored's) user+system time over the load.
#
#   bench-sip.sh [--scale F] [--only PEER,...] [--keep]
#
# --scale 1 is 15,000 MESSAGEs to 5,000 users (and 10,000 at 1,000/s);
# --scale 0.1 is a quick try.  Environment: IMS_SRCDIR, IMS_BUILDDIR.
set -u
IMS_SRCDIR=$(cd "${IMS_SRCDIR:-$(dirname "$0")/../../..}" && pwd) || exit 1
IMS_BUILDDIR=${IMS_BUILDDIR:-$IMS_SRCDIR/build}
SCALE=1 ONLY="msilo,msilo-wal,relay,imstored" KEEP=
while test $# -gt 0; do
	case $1 in
	--scale) SCALE=$2; shift ;;
	--only) ONLY=$2; shift ;;
	--keep) KEEP=1 ;;
	*) echo "usage: bench-sip.sh [--scale F] [--only PEER,...] [--keep]" >&2; exit 2 ;;
	esac
	shift
done
for c in kamailio sipp sqlite3 python3; do
	command -v $c >/dev/null 2>&1 || { echo "bench-sip: $c is missing (make bench-sip-deps)" >&2; exit 1; }
done
SQL=/usr/share/kamailio/db_sqlite
test -f $SQL/msilo-create.sql || { echo "bench-sip: no $SQL (kamailio-sqlite-modules)" >&2; exit 1; }

SIP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/imstore-bench-sip.XXXXXX") || exit 1
export SIP_DIR
. "$IMS_SRCDIR/tests/sip/sip-lib.sh"
SIP_TIMEOUT=300
if test -z "$KEEP"; then
	trap 'sip_cleanup; rm -rf "$SIP_DIR"' EXIT
else
	trap 'sip_cleanup; echo "bench-sip: kept $SIP_DIR"' EXIT
fi
cd "$SIP_DIR" || exit 1

scaled () { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s); print (v < 1 ? 1 : v) }'; }
N=$(scaled 15000) USERS=$(scaled 5000) NFIX=$(scaled 10000)
RES=$SIP_DIR/results
mkdir -p "$RES"
sip_users users.csv "$USERS"

# cpu_ms PID: user+system CPU of PID and its children (Kamailio's workers), ms
cpu_ms () {
	for cpu_p_ in $1 $(ps -o pid= --ppid "$1" 2>/dev/null); do
		cat "/proc/$cpu_p_/stat" 2>/dev/null
	done | awk -v hz="$(getconf CLK_TCK)" '
		{ sub(/^.*\) /, ""); t += $12 + $13 }	# utime stime after "(comm) "
		END { printf "%d\n", t * 1000 / hz }'
}

# load PEER KAMPORT [PEERPID]: the N MESSAGEs at 64 in flight
load () {
	echo "bench-sip: $1: $N MESSAGEs to $USERS users, 64 in flight" >&2
	load_k0_=$(cpu_ms "$KAM_PID") load_p0_=0
	test -n "${3-}" && load_p0_=$(cpu_ms "$3")
	sip_sipp "$1-load" -sf "$SIP_SCEN/uac-message.xml" -inf users.csv -key sender alice \
	  -m "$N" -l 64 -r 100000 127.0.0.1:"$2"
	echo "load_rc=$?" >>"$RES/$1.env"
	echo "kam_cpu_ms=$(($(cpu_ms "$KAM_PID") - load_k0_))" >>"$RES/$1.env"
	test -n "${3-}" && echo "peer_cpu_ms=$(($(cpu_ms "$3") - load_p0_))" >>"$RES/$1.env"
	cp "$1-load.rtt" "$RES/$1-load.rtt"
	echo "load_202=$(grep -c ' 202 ' "$1-load.log")" >>"$RES/$1.env"
}

# fixed PEER KAMPORT: NFIX MESSAGEs at 1,000/s, no limit on those in flight
fixed () {
	echo "bench-sip: $1: $NFIX MESSAGEs at 1,000/s" >&2
	sip_sipp "$1-fixed" -sf "$SIP_SCEN/uac-message.xml" -inf users.csv -key sender bob \
	  -m "$NFIX" -l 100000 -r 1000 127.0.0.1:"$2"
	echo "fixed_rc=$?" >>"$RES/$1.env"
	cp "$1-fixed.rtt" "$RES/$1-fixed.rtt"
	echo "fixed_202=$(grep -c ' 202 ' "$1-fixed.log")" >>"$RES/$1.env"
}

# dump PEER KAMPORT EXPECTED: every user registers (64 in flight), its
# contact a SIPp UAS answering 200; waits until EXPECTED deliveries or 10 s
# without a new one
dump () {
	echo "bench-sip: $1: $USERS users register, $3 deliveries expected" >&2
	dump_up_=$(sip_port)
	sip_sipp_bg "$1-ua" -sf "$(sip_uas 200)" -p "$dump_up_" -timeout 600s
	dump_ua_=$SIP_LAST_PID
	sleep 0.5
	sip_sipp "$1-reg" -sf "$SIP_SCEN/uac-register.xml" -inf users.csv -m "$USERS" -l 64 \
	  -r 100000 -key contact "127.0.0.1:$dump_up_" -key expires 3600 127.0.0.1:"$2"
	echo "reg_rc=$?" >>"$RES/$1.env"
	dump_last_=-1 dump_idle_=0
	while :; do
		dump_n_=$(sip_log "$1-ua" | wc -l)
		test "$dump_n_" -ge "$3" && break
		if test "$dump_n_" = "$dump_last_"; then
			dump_idle_=$((dump_idle_ + 1))
			test "$dump_idle_" -ge 20 && break
		else
			dump_idle_=0
		fi
		dump_last_=$dump_n_
		sleep 0.5
	done
	sip_stop "$dump_ua_"
	sip_log "$1-ua" >"$RES/$1-dump.log"
}

# sq DB SQL: sqlite3 waiting (60 s) for Kamailio's write lock
sq () {
	sqlite3 -cmd '.timeout 60000' "$@"
}

# settled CMD...: CMD's output once two runs 2 s apart agree (the peer has
# worked through what was still queued when SIPp stopped)
settled () {
	settled_a_=$("$@") settled_n_=0
	while sleep 2; do
		settled_b_=$("$@")
		test "$settled_b_" = "$settled_a_" && break
		settled_a_=$settled_b_ settled_n_=$((settled_n_ + 1))
		test "$settled_n_" -ge 60 && break
	done
	echo "$settled_a_"
}

# run_msilo PEER [wal]
run_msilo () {
	msilo_db_=$SIP_DIR/$1.db msilo_wal_=
	cat $SQL/standard-create.sql $SQL/msilo-create.sql | sqlite3 "$msilo_db_" || return 1
	if test "${2-}" = wal; then
		# WAL is persistent in the file; the module's parameter as well
		sqlite3 "$msilo_db_" 'PRAGMA journal_mode=WAL;' >/dev/null
		msilo_wal_="-A WITH_WAL -A DB_JOURNAL=\"$msilo_db_=WAL;\""
	fi
	msilo_kp_=$(sip_port)
	KAMAILIO_CFG=$IMS_SRCDIR/tests/bench/sip/msilo.cfg
	# shellcheck disable=SC2086
	sip_kamailio "$1-kam" "$msilo_kp_" -A CHILDREN=1 \
	  -A "DBURL=\"sqlite:///$msilo_db_\"" \
	  -A "MSILO_PROXY=\"sip:127.0.0.1:$msilo_kp_\"" $msilo_wal_ || return 1
	KAM_PID=$SIP_LAST_PID
	load "$1" "$msilo_kp_"
	echo "journal=$(sq "$msilo_db_" 'PRAGMA journal_mode;')" >>"$RES/$1.env"
	echo "stored=$(sq "$msilo_db_" 'SELECT count(*) FROM silo;')" >>"$RES/$1.env"
	# m_store keeps no Call-ID; each body names its call number and user
	echo "distinct=$(sq "$msilo_db_" 'SELECT count(DISTINCT body) FROM silo;')" >>"$RES/$1.env"
	fixed "$1" "$msilo_kp_"
	msilo_all_=$(settled sq "$msilo_db_" 'SELECT count(*) FROM silo;')
	echo "all_stored=$msilo_all_" >>"$RES/$1.env"
	dump "$1" "$msilo_kp_" "$msilo_all_"
	sip_stop "$KAM_PID"
}

relay_seen () {
	sip_log relay-uas | grep -c '^MESSAGE '
}

# relay: kamailio.cfg to a SIPp UAS answering 202
run_relay () {
	relay_ip_=$(sip_port) relay_kp_=$(sip_port)
	sip_sipp_bg relay-uas -sf "$(sip_uas 202)" -p "$relay_ip_" -timeout 900s
	relay_uas_=$SIP_LAST_PID
	KAMAILIO_CFG=$IMS_SRCDIR/cmd/imstored/kamailio.cfg
	sip_kamailio relay-kam "$relay_kp_" -A CHILDREN=1 -A "IMSTORED_PORT=$relay_ip_" || return 1
	KAM_PID=$SIP_LAST_PID
	load relay "$relay_kp_" "$relay_uas_"
	echo "stored=$(settled relay_seen)" >>"$RES/relay.env"
	echo "distinct=$(sip_log relay-uas | grep '^MESSAGE ' | cut -d'|' -f6 | sort -u | wc -l)" \
	  >>"$RES/relay.env"
	fixed relay "$relay_kp_"
	sip_stop "$KAM_PID"
	sip_stop "$relay_uas_"
}

# imstored: kamailio.cfg to the real daemon
run_imstored () {
	ims_ip_=$(sip_port) ims_kp_=$(sip_port)
	IMSTORE_STORE=$SIP_DIR/ims-store
	export IMSTORE_STORE
	"$IMS_BUILDDIR/imstore" init >/dev/null || return 1
	cat >imstored.conf <<EOF
store = $IMSTORE_STORE
listen = udp:127.0.0.1:$ims_ip_
domain = example.com
sip_core = udp:127.0.0.1:$ims_kp_
trusted = 127.0.0.1
log = stderr
EOF
	"$IMS_BUILDDIR/imstored" -c imstored.conf -f >imstored.log 2>&1 </dev/null &
	ims_pid_=$!
	SIP_PIDS="$SIP_PIDS $ims_pid_"
	ims_n_=0
	until ss -Hunl "sport = :$ims_ip_" | grep -q .; do
		ims_n_=$((ims_n_ + 1))
		if test "$ims_n_" -gt 100 || ! kill -0 "$ims_pid_" 2>/dev/null; then
			echo "bench-sip: imstored did not start:" >&2
			tail imstored.log >&2
			return 1
		fi
		sleep 0.1
	done
	KAMAILIO_CFG=$IMS_SRCDIR/cmd/imstored/kamailio.cfg
	sip_kamailio ims-kam "$ims_kp_" -A CHILDREN=1 -A "IMSTORED_PORT=$ims_ip_" || return 1
	KAM_PID=$SIP_LAST_PID
	load imstored "$ims_kp_" "$ims_pid_"
	ims_c_=$("$IMS_BUILDDIR/imstore" list --count folder:deferred)
	echo "stored=$ims_c_" >>"$RES/imstored.env"
	echo "distinct=$ims_c_" >>"$RES/imstored.env"
	fixed imstored "$ims_kp_"
	ims_all_=$(settled "$IMS_BUILDDIR/imstore" list --count folder:deferred)
	echo "all_stored=$ims_all_" >>"$RES/imstored.env"
	dump imstored "$ims_kp_" "$ims_all_"
	echo "left_after_dump=$("$IMS_BUILDDIR/imstore" list --count folder:deferred)" \
	  >>"$RES/imstored.env"
	sip_stop "$KAM_PID"
	sip_stop "$ims_pid_"
}

for peer in $(echo "$ONLY" | tr ',' ' '); do
	printf 'n=%s\nusers=%s\nnfix=%s\n' "$N" "$USERS" "$NFIX" >"$RES/$peer.env"
	case $peer in
	msilo) run_msilo msilo ;;
	msilo-wal) run_msilo msilo-wal wal ;;
	relay) run_relay ;;
	imstored)
		if test -x "$IMS_BUILDDIR/imstored"; then
			run_imstored
		else
			echo "bench-sip: no $IMS_BUILDDIR/imstored: its line skipped" >&2
			rm -f "$RES/$peer.env"
		fi ;;
	*) echo "bench-sip: unknown peer '$peer'" >&2; exit 2 ;;
	esac || echo "bench-sip: $peer failed (logs in $SIP_DIR with --keep)" >&2
done

echo "# $(uname -srm), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "kamailio $(kamailio -v | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p'), $(sipp -v 2>&1 | sed -n 's/^ *SIPp \(v[^-]*\).*/\1/p')"
python3 "$IMS_SRCDIR/tests/bench/sip/report.py" "$RES"
