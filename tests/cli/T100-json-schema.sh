#!/bin/sh
# Every JSON line imstore prints validates against
# schemas/imstore-output-v1.schema.json (format version 1).
. "$(dirname "$0")/test-lib.sh"

SCHEMA=$IMS_SRCDIR/schemas/imstore-output-v1.schema.json
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	test_set_prereq JSONSCHEMA
fi

validate () {
	/usr/bin/python3 "$IMS_SRCDIR/tests/validate-json.py" "$SCHEMA" "$1"
}

test_expect_success JSONSCHEMA 'setup: a store with varied messages' '
	imstore init --format json >init.json &&
	printf "hello\n" | imstore put -o sip:bob@example.com -f "\"Al\" <sip:al@example.com>" \
		-m j1 --to sip:bob@example.com --cc tel:+1-555-0100 --subject "S\303\251" \
		--conversation c1 --sent 2026-01-01T10:00:00+01:00 --expires 72h \
		-H "Privacy: id" --format json >put.json &&
	printf "\000\001\377" | imstore put -o sip:bob@example.com -f sip:al@example.com \
		-m j2 --folder history --mode session --type application/octet-stream \
		--received 2026-01-01T00:00:00.5Z >/dev/null &&
	imstore put -o sip:bob@example.com -f sip:al@example.com -m j1 --format json \
		</dev/null >>put.json
'

test_expect_success JSONSCHEMA 'init and put results validate' '
	validate init.json && validate put.json
'

test_expect_success JSONSCHEMA 'list, pages and counts validate' '
	imstore list --format json >list.json &&
	test_line_count = 2 list.json &&
	imstore list --format json --limit 1 >>list.json &&
	imstore list --format json --count >>list.json &&
	validate list.json
'

test_expect_success JSONSCHEMA 'show (text and binary bodies) validates' '
	for id in $(imstore list | cut -f1); do
		imstore show --format json "$id" || return 1
	done >show.json &&
	grep -q body_base64 show.json &&
	validate show.json
'

test_expect_success JSONSCHEMA 'stats and delete results validate' '
	imstore stats --format json >s.json &&
	imstore delete --dry-run --format json folder:history >>s.json &&
	imstore delete --format json folder:history >>s.json &&
	validate s.json
'

test_expect_success JSONSCHEMA 'the validator does reject a wrong document' '
	echo "{\"id\": \"nope\", \"stored\": true}" >bad.json &&
	test_must_fail validate bad.json
'

test_done
