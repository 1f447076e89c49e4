#!/bin/sh
# imstored under load: N MESSAGEs at 64 in flight, every 202 a stored
# message and every stored message a 202; a queue of one answers 503 with
# Retry-After and stores nothing it refused; SIGTERM with stores in flight
# answers them all before exiting; kill -9 and a restart under SIPp's
# retransmissions leave no answered message missing and none stored twice.
. "$(dirname "$0")/imstored-lib.sh"

N=${IMS_SIP_LOAD:-3000}

# the Call-IDs stored, with those stored more than once (none expected)
check_once () {
	stored_ids "$@" >stored &&
	sort stored | uniq -d >twice &&
	test_must_be_empty twice
}

test_expect_success SIP "$N MESSAGEs at 64 in flight: 202 exactly for what is stored" '
	imstore init >/dev/null &&
	imstore quota set default --deferred-count 0 >/dev/null &&
	imstored_conf && imstored_start &&
	sipp_run message.xml -key user load -m $N -l 64 -r 2000 &&
	sipp_ids 202 >answered && test_line_count = $N answered &&
	check_once owner:sip:load@$DOMAIN &&
	test_cmp answered stored &&
	test "$(metric stored_total)" = $N &&
	imstored_stop
'

test_expect_success SIP 'a queue of one: 503 with Retry-After, every 202 stored, no 503 stored' '
	rm -rf "$IMSTORE_STORE" && imstore init >/dev/null &&
	imstore quota set default --deferred-count 0 >/dev/null &&
	imstored_conf "workers = 1" "queue_max = 1" "retry_after = 7" && imstored_start &&
	sipp_run message.xml -key user tiny -m 500 -l 64 -r 5000 -trace_msg -message_file msgs ;
	sipp_ids 202 >answered && sipp_ids 503 >busy &&
	test -s answered && test -s busy &&
	grep -q "^Retry-After: 7" msgs &&
	check_once owner:sip:tiny@$DOMAIN &&
	test_cmp answered stored &&
	test "$(metric "refused_total{reason=\"queue_full\"}")" -ge "$(wc -l <busy)" &&
	imstored_stop
'

test_expect_success SIP 'SIGTERM with stores in flight: each one answered, then exit 0' '
	rm -rf "$IMSTORE_STORE" && imstore init >/dev/null &&
	imstore quota set default --deferred-count 0 >/dev/null &&
	imstored_conf && imstored_start &&
	echo $imstored_pid >pidfile &&
	{ python3 "$IMS_SRCDIR/tests/sip/chaos.py" $MPORT pidfile TERM 500 1 >chaos.out 2>&1 & } &&
	chaos=$! &&
	sipp_run message.xml -key user term -m 1500 -l 64 -r 1000 -recv_timeout 3000
	wait $chaos &&
	wait $imstored_pid; rc=$? && imstored_pid= && imstored_cleanup &&
	test $rc = 0 &&
	grep "notice: stopping: answering" imstored.log &&
	grep "notice: stopped" imstored.log &&
	sipp_ids 202 >answered && test -s answered &&
	check_once owner:sip:term@$DOMAIN &&
	test_cmp answered stored
'

test_expect_success SIP 'kill -9 under load, restarts: 0 answered but missing, 0 twice' '
	rm -rf "$IMSTORE_STORE" && imstore init >/dev/null &&
	imstore quota set default --deferred-count 0 >/dev/null &&
	imstored_conf && imstored_start &&
	echo $imstored_pid >pidfile &&
	{ python3 "$IMS_SRCDIR/tests/sip/chaos.py" $MPORT pidfile KILL 300 3 \
		"$IMSTORED" imstored.conf imstored.log >chaos.out 2>&1 & } &&
	chaos=$! &&
	sipp_run message.xml -key user crash -m 4000 -l 64 -r 1500
	wait $chaos && cat chaos.out &&
	imstored_pid=$(cat pidfile) && imstored_stop;
	grep -c "notice: started" imstored.log >starts && echo 4 >expect && test_cmp expect starts &&
	sipp_ids 202 >answered && test -s answered &&
	check_once owner:sip:crash@$DOMAIN &&
	comm -23 answered stored >missing &&
	test_must_be_empty missing
'

test_done
