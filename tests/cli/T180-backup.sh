#!/bin/sh
# imstore backup: a consistent copy taken while another process writes,
# 0600 whatever the umask, in place only when complete, never over a store.
. "$(dirname "$0")/test-lib.sh"

N=400

# writer: store w1..wN, appending each acknowledged Message-ID to acked
writer () {
	i=1
	while test $i -le $N; do
		printf "body of w%d\n" $i |
		"$IMSTORE" put -o sip:bob@example.com -f sip:w@example.com -m w$i \
			>/dev/null 2>>writer.err &&
		echo w$i >>acked
		i=$((i + 1))
	done
	: >writer.done
}

test_expect_success 'setup' '
	imstore init >/dev/null &&
	put_msg sip:bob@example.com sip:al@example.com first >/dev/null &&
	: >acked && : >writer.err
'

test_expect_success 'backup while another process writes holds every acknowledged message' '
	writer &
	writer_pid=$! &&
	n=0 && while test $(wc -l <acked) -lt 50 && test $n -lt 600; do
		sleep 0.1; n=$((n + 1))
	done &&
	cp acked before &&
	imstore backup "$TEST_DIR/b1" >out &&
	wait $writer_pid &&
	test_must_be_empty writer.err &&
	grep "^backed up .* to .*/b1.: [0-9]* bytes$" out &&
	test "$(imstore --store "$TEST_DIR/b1" list --count msgid:first)" = 1 &&
	imstore --store "$TEST_DIR/b1" list --format json | json_get message_id |
		sort >in-backup &&
	sort before >want &&
	comm -23 want in-backup >missing &&
	test_must_be_empty missing &&
	echo "in backup: $(wc -l <in-backup), acknowledged before: $(wc -l <want)" &&
	test $(wc -l <in-backup) -lt $((N + 1))
'

test_expect_success 'the backup verifies and is a complete store' '
	imstore --store "$TEST_DIR/b1" verify >out &&
	grep "^store is sound" out &&
	test "$(imstore --store "$TEST_DIR/b1" list --count)" -ge 51
'

test_expect_success 'the backup directory is 0700 and its file 0600 whatever the umask' '
	(umask 0 && imstore backup --compact "$TEST_DIR/b2" >/dev/null) &&
	ls -ld "$TEST_DIR/b2" | cut -c1-10 >got && echo drwx------ >expect &&
	test_cmp expect got &&
	ls -l "$TEST_DIR/b2/data.mdb" | cut -c1-10 >got && echo -rw------- >expect &&
	test_cmp expect got &&
	imstore --store "$TEST_DIR/b2" list --count >got &&
	imstore list --count >expect && test_cmp expect got
'

test_expect_success 'a compacted backup leaves out the free pages' '
	imstore delete from:sip:w@example.com >/dev/null &&
	imstore backup "$TEST_DIR/plain" >/dev/null &&
	imstore backup --compact "$TEST_DIR/small" >/dev/null &&
	plain=$(wc -c <"$TEST_DIR/plain/data.mdb") &&
	small=$(wc -c <"$TEST_DIR/small/data.mdb") &&
	echo "plain $plain, compacted $small" &&
	test $small -lt $plain &&
	imstore --store "$TEST_DIR/small" list --count >got &&
	imstore list --count >expect && test_cmp expect got
'

test_expect_success 'an existing store or a non-empty directory is never overwritten' '
	cp "$TEST_DIR/b1/data.mdb" b1.before &&
	test_expect_code 73 imstore backup "$TEST_DIR/b1" 2>err &&
	grep "cannot back up to .*b1.: it exists and is not an empty directory" err &&
	cmp b1.before "$TEST_DIR/b1/data.mdb" &&
	mkdir other && echo x >other/file &&
	test_expect_code 73 imstore backup other 2>err &&
	test_cmp other/file - <<-\EOT &&
	x
	EOT
	echo plain >afile &&
	test_expect_code 73 imstore backup afile &&
	echo plain | test_cmp - afile
'

test_expect_success 'an empty directory may receive the backup; nothing is left behind' '
	mkdir empty &&
	imstore backup empty >/dev/null &&
	imstore --store empty verify >/dev/null &&
	ls -a | grep "backup-" >left; test_must_be_empty left
'

test_expect_success 'a backup into a directory that cannot be written leaves nothing' '
	test_expect_code 66 imstore backup /proc/nope/b 2>err &&
	grep "cannot back up" err
'

test_expect_success 'backup takes one operand' '
	test_expect_code 64 imstore backup 2>err && grep "one operand" err &&
	test_expect_code 64 imstore backup a b
'

test_expect_success 'recorded in the audit trail, JSON validates' '
	imstore audit | grep "	backup	" | cut -f5 >got &&
	printf "%s\n" "$TEST_DIR/b1" "$TEST_DIR/b2 --compact" "$TEST_DIR/plain" \
		"$TEST_DIR/small --compact" empty >expect &&
	test_cmp expect got &&
	imstore backup --format json "$TEST_DIR/b3" >b.json &&
	json_get compact <b.json >got && echo false >expect && test_cmp expect got &&
	if /usr/bin/python3 -c "import jsonschema" 2>/dev/null; then
		/usr/bin/python3 "$IMS_SRCDIR/tests/validate-json.py" \
			"$IMS_SRCDIR/schemas/imstore-output-v1.schema.json" b.json
	fi
'

test_done
