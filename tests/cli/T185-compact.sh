#!/bin/sh
# imstore compact and purge --secure: the store rewritten with only its
# live data, refused while another process has it open; purged bytes leave
# the file (canaries planted in uncompressible bodies).
. "$(dirname "$0")/test-lib.sh"

# put_canary OWNER MSGID TEXT SIZE: a body of SIZE random bytes around TEXT
# (random bytes do not deflate, so TEXT is stored as is)
put_canary () {
	{ head -c "$4" /dev/urandom; printf " %s " "$3"; head -c 100 /dev/urandom; } |
	imstore put -o "$1" -f sip:f@example.com -m "$2" >/dev/null
}

# count FILE PATTERN: the distinct strings matching PATTERN in FILE
count () {
	LC_ALL=C grep -a -o "$2" "$1" | sort -u | wc -l | tr -d " "
}

test_expect_success 'setup: kept messages and two sets of canaries' '
	imstore init >/dev/null &&
	i=0 && while test $i -lt 20; do
		put_canary sip:keep@example.com k$i KEEPME-$i 500 &&
		put_canary sip:a@example.com a$i CANARYA-$i 700 &&
		put_canary sip:b@example.com b$i CANARYB-$i 600 &&
		put_canary sip:b@example.com B$i CANARYB-$i 6000 || return 1
		i=$((i + 1))
	done &&
	test $(count store/data.mdb "CANARYB-[0-9]*") = 20 &&
	test $(count store/data.mdb "CANARYA-[0-9]*") = 20 &&
	test $(count store/data.mdb "KEEPME-[0-9]*") = 20
'

test_expect_success 'control: after a plain purge the canaries are still in the file' '
	imstore purge owner:sip:a@example.com >out &&
	grep "^purged 20 messages" out &&
	test "$(imstore list --count owner:sip:a@example.com)" = 0 &&
	n=$(count store/data.mdb "CANARYA-[0-9]*") &&
	echo "CANARYA left in data.mdb: $n" &&
	test "$n" -gt 0
'

test_expect_success 'purge --secure: no purged byte is left in the file' '
	imstore purge --secure owner:sip:b@example.com >out &&
	grep "^purged 40 messages" out &&
	grep "^compacted .*: [0-9]* bytes before, [0-9]* after" out &&
	test $(count store/data.mdb "CANARY[AB]-[0-9]*") = 0 &&
	test $(count store/data.mdb "KEEPME-[0-9]*") = 20 &&
	imstore verify >out && grep "^store is sound: 20 messages" out
'

test_expect_success 'nor in a new backup, plain or compacted' '
	imstore backup "$TEST_DIR/b1" >/dev/null &&
	imstore backup --compact "$TEST_DIR/b2" >/dev/null &&
	test $(count b1/data.mdb "CANARY[AB]-[0-9]*") = 0 &&
	test $(count b2/data.mdb "CANARY[AB]-[0-9]*") = 0 &&
	test $(count b1/data.mdb "KEEPME-[0-9]*") = 20
'

test_expect_success 'compact reports the sizes; the store keeps every message and setting' '
	i=0 && while test $i -lt 30; do
		put_canary sip:c@example.com c$i x 3000 || return 1
		i=$((i + 1))
	done &&
	imstore hold --reason case-1 msgid:k1 >/dev/null &&
	imstore purge owner:sip:c@example.com >/dev/null &&
	imstore list --format json | json_norm >before.json &&
	before=$(wc -c <store/data.mdb) &&
	imstore compact --format json >c.json &&
	json_get bytes_before <c.json >got && echo $before >expect && test_cmp expect got &&
	after=$(json_get bytes_after <c.json) &&
	echo "before $before, after $after" &&
	test $after -lt $before &&
	imstore list --format json | json_norm >after.json &&
	test_cmp before.json after.json &&
	test "$(imstore list --count state:held)" = 1 &&
	imstore verify >/dev/null &&
	ls -l store/data.mdb | cut -c1-10 >got && echo -rw------- >expect && test_cmp expect got &&
	ls store | grep compact >left; test_must_be_empty left
'

test_expect_success 'compact is refused (75) while another process has the store open' '
	head -c 1000000 /dev/urandom |
	imstore put -o sip:keep@example.com -f sip:f@example.com -m big >/dev/null &&
	id=$(imstore list --format json msgid:big | json_get id) &&
	cp store/data.mdb data.before &&
	{ imstore show --raw "$id" | { sleep 2; cat >/dev/null; }; } &
	reader=$! &&
	sleep 0.5 &&
	test_expect_code 75 imstore compact 2>err &&
	grep "cannot compact .*: the store is open in another process" err &&
	cmp data.before store/data.mdb &&
	test_expect_code 75 imstore purge --secure msgid:k2 >out 2>err &&
	grep "^purged 1 message" out &&
	wait $reader &&
	imstore compact >/dev/null
'

test_expect_success 'writers that open the store during a compaction wait, then use the new file' '
	: >acked && : >compact.ok &&
	{
		i=0
		while test $i -lt 150; do
			printf "w%d\n" $i | "$IMSTORE" put -o sip:w@example.com \
				-f sip:f@example.com -m w$i >/dev/null && echo w$i >>acked
			i=$((i + 1))
		done
		: >writer.done
	} &
	writer=$! &&
	# (a refused attempt, busy while a writer has the store open, must not
	# end the loop with a failure status: only the count below matters)
	while ! test -f writer.done; do
		if imstore compact >/dev/null 2>&1; then echo ok >>compact.ok; fi
	done &&
	wait $writer &&
	echo "compactions while writing: $(wc -l <compact.ok)" &&
	test $(wc -l <compact.ok) -ge 1 &&
	test $(wc -l <acked) = 150 &&
	imstore list --format json owner:sip:w@example.com | json_get message_id | sort >got &&
	sort acked >expect && test_cmp expect got &&
	imstore verify >out && grep "^store is sound" out
'

test_expect_success 'deleted messages wait for the sweep, but not past a compaction' '
	i=0 && while test $i -lt 10; do
		put_canary sip:c@example.com c$i CANARYC-$i 700 || return 1
		i=$((i + 1))
	done &&
	imstore deferred delete sip:c@example.com c0 c1 c2 c3 c4 c5 c6 c7 c8 c9 >out &&
	test "$(imstore list --count owner:sip:c@example.com)" = 0 &&
	n=$(count store/data.mdb "CANARYC-[0-9]*") &&
	echo "CANARYC left in data.mdb before the sweep: $n" &&
	test "$n" = 10 &&
	imstore verify >out && grep "^store is sound" out &&
	imstore compact >out &&
	test $(count store/data.mdb "CANARYC-[0-9]*") = 0 &&
	test $(count store/data.mdb "KEEPME-[0-9]*") = 19 &&
	imstore verify >out && grep "^store is sound" out
'

test_expect_success 'recorded in the audit trail' '
	imstore audit | grep -c "	compact	" >got &&
	test $(cat got) -ge 4 &&
	imstore audit | grep "	purge	" | cut -f5 | grep -- "--secure"
'

test_expect_success 'errors: no store, not a store, operands' '
	test_expect_code 66 imstore --store "$TEST_DIR/none" compact 2>err &&
	grep "no store at" err &&
	mkdir notstore && echo x >notstore/data.mdb &&
	test_expect_code 66 imstore --store notstore compact 2>err &&
	grep "cannot compact" err &&
	echo x | test_cmp - notstore/data.mdb &&
	test_expect_code 64 imstore compact extra
'

test_done
