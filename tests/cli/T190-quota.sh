#!/bin/sh
# imstore quota: store defaults and per-user overrides, enforced in the
# storing transaction (deferred: not stored; history: refused or the oldest
# dropped); history retention applied by purge --expired; verify checks
# the quota database; recorded in the audit trail.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
AL=sip:al@example.com

defer () { # USER MSGID
	printf 'text of %s\n' "$2" | imstore deferred store "$1" -f sip:carol@example.net -m "$2"
}

record () { # USER MSGID [OPTION...]
	u=$1 m=$2
	shift 2
	printf 'line of %s\n' "$m" | imstore history record "$u" -m "$m" -f sip:carol@example.net -t "$u" "$@"
}

activate () { # USER
	printf '<im-settings xmlns="urn:oma:xml:im:service-settings"><history-settings>
<session-mode active="true"/><pager-mode active="true"/></history-settings></im-settings>' |
	imstore settings set "$1" >/dev/null
}

test_expect_success 'setup' '
	imstore init >/dev/null && activate $BOB && activate $AL
'

test_expect_success 'quota get: the store defaults, no override' '
	imstore quota get $BOB >out &&
	cat >expect <<-EOF &&
	user: $BOB
	deferred_count: 1000
	deferred_count_used: 0
	deferred_bytes: 104857600
	deferred_bytes_used: 0
	history_count: unlimited
	history_count_used: 0
	history_bytes: unlimited
	history_bytes_used: 0
	history_policy: refuse
	history_retention: never
	own: -
	EOF
	test_cmp expect out
'

test_expect_success 'quota set: overrides of one user, the others keep the defaults' '
	imstore quota set $BOB --deferred-count 2 --history-count 3 >out &&
	grep "^deferred_count: 2$" out && grep "^own: deferred_count history_count$" out &&
	imstore quota get $AL | grep "^deferred_count: 1000$" &&
	imstore quota set default --deferred-bytes 1M >/dev/null &&
	imstore quota get $BOB | grep "^deferred_bytes: 1048576$"
'

test_expect_success 'deferred: over the user quota, not stored (quota)' '
	defer $BOB d1 >/dev/null && defer $BOB d2 >/dev/null &&
	test_expect_code 75 defer $BOB d3 2>err &&
	grep "not stored for .*: quota" err &&
	test "$(imstore list --count owner:$BOB folder:deferred)" = 2 &&
	defer $AL d3 >/dev/null
'

test_expect_success 'deferred: a first message larger than the byte quota is not stored either' '
	imstore quota set default --deferred-bytes 10 >/dev/null &&
	test_expect_code 75 defer sip:new@example.com n1 2>err &&
	grep "not stored for .*: quota" err &&
	imstore quota set default --deferred-bytes 1M >/dev/null
'

test_expect_success 'deferred: concurrent stores cannot exceed the quota together' '
	imstore quota set $AL --deferred-count 10 >/dev/null &&
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
		defer $AL c$i >/dev/null 2>&1 &
	done; wait &&
	test "$(imstore list --count owner:$AL folder:deferred)" = 10
'

test_expect_success 'history policy refuse: the message over the quota is not recorded' '
	record $BOB h1 >/dev/null && record $BOB h2 >/dev/null && record $BOB h3 >/dev/null &&
	test_expect_code 75 record $BOB h4 2>err &&
	grep "over the user.s quota" err &&
	imstore list --format json owner:$BOB folder:history | json_get message_id >got &&
	printf "h1\nh2\nh3\n" >expect && test_cmp expect got
'

test_expect_success 'history policy drop-oldest: the oldest not held make room' '
	imstore quota set $BOB --history-policy drop-oldest >/dev/null &&
	imstore hold --reason case msgid:h1 >/dev/null &&
	record $BOB h4 >/dev/null && record $BOB h5 >/dev/null &&
	imstore list --format json owner:$BOB folder:history | json_get message_id >got &&
	printf "h1\nh4\nh5\n" >expect && test_cmp expect got &&
	imstore verify >out && grep "^store is sound" out
'

test_expect_success 'history bytes: a message larger than the quota is refused whatever the policy' '
	imstore quota set $BOB --history-bytes 100 >/dev/null &&
	head -c 200 /dev/zero | imstore history record $BOB -m big -f sip:carol@example.net \
		-t $BOB >/dev/null 2>err; test $? = 75 &&
	grep "over the user.s quota" err &&
	test "$(imstore list --count msgid:big)" = 0
'

test_expect_success 'an acknowledged deferred message over the history quota is delivered, not filed' '
	imstore quota set $BOB --history-policy refuse --history-bytes default >/dev/null &&
	imstore deferred lease $BOB --format json >lease.json &&
	token=$(json_get lease <lease.json) &&
	imstore deferred ack $BOB "$token" >/dev/null &&
	test "$(imstore list --count owner:$BOB folder:deferred)" = 0 &&
	test "$(imstore list --count owner:$BOB folder:history)" = 3
'

test_expect_success 'quota set back to default removes the override' '
	imstore quota set $AL --deferred-count default >out &&
	grep "^own: -$" out && grep "^deferred_count: 1000$" out
'

test_expect_success 'history retention: purge --expired removes what a user keeps too long' '
	record $AL old1 --received 2026-01-01T00:00:00Z >/dev/null &&
	record $AL old2 --received 2026-01-02T00:00:00Z >/dev/null &&
	record $AL new1 >/dev/null &&
	record $BOB bold --received 2026-01-01T00:00:00Z >/dev/null 2>&1;
	imstore quota set $BOB --history-count default >/dev/null &&
	record $BOB bold --received 2026-01-01T00:00:00Z >/dev/null &&
	imstore quota set $AL --history-retention 30d >/dev/null &&
	imstore purge --expired --dry-run >out &&
	grep "^would purge 0 messages (0 bytes).* 2 past history retention$" out &&
	test "$(imstore list --count msgid:old1 or msgid:old2)" = 2 &&
	imstore purge --expired --format json >out.json &&
	json_get retention <out.json >got && echo 2 >expect && test_cmp expect got &&
	test "$(imstore list --count msgid:old1 or msgid:old2)" = 0 &&
	test "$(imstore list --count msgid:new1 or msgid:bold)" = 2
'

test_expect_success 'the store default retention applies to users without their own' '
	imstore quota set default --history-retention 60d >/dev/null &&
	imstore quota set $AL --history-retention never >/dev/null &&
	record $AL old3 --received 2026-01-01T00:00:00Z >/dev/null &&
	imstore purge --expired >out &&
	test "$(imstore list --count msgid:bold)" = 0 &&
	test "$(imstore list --count msgid:old3)" = 1
'

test_expect_success 'bad values are refused' '
	test_expect_code 64 imstore quota set $BOB --deferred-count x 2>err &&
	grep "invalid number .x. for --deferred-count" err &&
	test_expect_code 64 imstore quota set $BOB --history-policy keep 2>err &&
	grep "^imstore: unknown policy ${SQ}keep${SQ} (expected refuse, drop-oldest or default)$" err &&
	test_expect_code 64 imstore quota set $BOB --history-retention 2026-01-01 &&
	test_expect_code 64 imstore quota set default --deferred-count default &&
	test_expect_code 64 imstore quota get $BOB --deferred-count 3 &&
	test_expect_code 64 imstore quota set $BOB 2>err && grep "needs at least one limit" err &&
	test_expect_code 64 imstore quota frob $BOB &&
	test_expect_code 64 imstore quota get nobody
'

test_expect_success 'recorded in the audit trail; JSON validates' '
	imstore audit | grep "	quota	" | cut -f5 | head -n 2 >got &&
	printf "%s\n" "$BOB --deferred-count 2 --history-count 3" "default --deferred-bytes 1M" >expect &&
	test_cmp expect got &&
	imstore quota get $BOB --format json >q.json &&
	json_get own <q.json >got && echo "[\"deferred_count\",\"history_policy\"]" >expect && test_cmp_json expect got &&
	if /usr/bin/python3 -c "import jsonschema" 2>/dev/null; then
		imstore purge --expired --format json >>q.json &&
		/usr/bin/python3 "$IMS_SRCDIR/tests/validate-json.py" \
			"$IMS_SRCDIR/schemas/imstore-output-v1.schema.json" q.json
	fi
'

test_expect_success 'verify checks the quota database' '
	imstore verify >out && grep "^store is sound" out
'

test_done
