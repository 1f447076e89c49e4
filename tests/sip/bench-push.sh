#!/bin/sh
# bench-push.sh - push throughput: N deferred messages (SIPp, quota
# permitting) for one user, one REGISTER, the
# stand-in answering 200 at once; the time from the REGISTER until
# acked_total = N (polled every 50 ms), printed on stdout.  Not a test
# (make check-sip runs T*.sh only); run it as make check-sip runs those:
#   N=1000 IMSTORE_BIN=$PWD/build/imstore IMSTORED_BIN=$PWD/build/imstored \
#     IMS_SRCDIR=$PWD IMS_BUILDDIR=$PWD/build sh tests/sip/bench-push.sh
. "$IMS_SRCDIR/tests/sip/push-lib.sh"
N=${N:-1000}
test_expect_success SIP "push $N" '
	imstore init >/dev/null &&
	imstored_conf "sip_core = udp:127.0.0.1:$CORE" "log_level = info" &&
	imstored_start &&
	core_start 200 &&
	sipp_run message.xml -key user bob -m $N -l 64 -r 2000 &&
	N=$(pending bob) && echo "# $N pending" >>push-bench.txt &&
	t0=$(date +%s.%N) &&
	register bob 600 &&
	n=0 && while test "$(metric acked_total)" != $N; do n=$((n+1)); test $n -lt 600 || return 1; sleep 0.05; done &&
	t1=$(date +%s.%N) &&
	python3 -c "import sys; t=float(sys.argv[2])-float(sys.argv[1]); print(\"# pushed and acked %d in %.2f s: %.0f/s\" % ($N, t, $N/t))" $t0 $t1 >>push-bench.txt &&
	test "$(pending bob)" = 0 &&
	core_stop &&
	imstored_stop
'
cat push-bench.txt
test_done
