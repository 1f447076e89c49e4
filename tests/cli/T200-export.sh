#!/bin/sh
# imstore export, import and verify-archive: archives any tool opens and
# checks, exact round trips, idempotent imports, atomic files, hostile
# archives refused, msilo migration.
. "$(dirname "$0")/test-lib.sh"

CORPUS=$IMS_SRCDIR/tests/corpus/archive
command -v bsdtar >/dev/null 2>&1 && test_set_prereq BSDTAR
command -v sqlite3 >/dev/null 2>&1 && test_set_prereq SQLITE3

# extract ARCHIVE DIR with python (tar or zip), as a third party would
extract () {
	mkdir -p "$2" && python3 - "$1" "$2" <<'PY'
import sys, tarfile, zipfile
a, d = sys.argv[1], sys.argv[2]
if zipfile.is_zipfile(a):
    z = zipfile.ZipFile(a)
    assert z.testzip() is None
    z.extractall(d)
else:
    tarfile.open(a).extractall(d)
PY
}

# the manifest's entries, the <export> element (time, store) left out
entries () {
	sed -e '/<export /,/<\/export>/d' "$1"
}

test_expect_success 'setup: history conversations, deferred, CPIM, binary, held' '
	imstore init >/dev/null &&
	for i in 1 2 3; do
		printf "Hi Bob %s\r\n" $i | imstore put -o sip:bob@example.com \
			-f "\"Alice\" <sip:alice@example.com>" -m h$i@alice --folder history \
			--conversation "conv \"one\"" --subject "Grüße $i" >/dev/null || return 1
	done &&
	printf "Carol here" | imstore put -o sip:bob@example.com -f sip:carol@example.com \
		-m h4@carol --folder history --conversation c2 --to sip:bob@example.com \
		--cc sip:dan@example.com >/dev/null &&
	printf "\000\001\002binary\377" | imstore put -o sip:eve@example.com \
		-f sip:mallory@example.com -m bin1 --type application/octet-stream >/dev/null &&
	imstore put --cpim "$IMS_SRCDIR/demo/payloads/erin.cpim" -o sip:eve@example.com >/dev/null &&
	printf "later" | imstore put -o sip:eve@example.com -f sip:a@x.org -m d1 \
		--expires 72h >/dev/null &&
	imstore hold --reason case-1 msgid:bin1 >/dev/null &&
	imstore list --count >count && test "$(cat count)" -ge 6
'

test_expect_success 'export writes a 0600 tar.gz and reports what it holds' '
	umask 022 && imstore export -o all.tar.gz >out &&
	grep "^exported $(cat count) messages" out && grep "and 2 transcripts" out &&
	test "$(stat -c %a all.tar.gz)" = 600 &&
	! ls | grep -q "\.tmp"
'

test_expect_success 'a third party opens it and checks it with sha256sum -c' '
	extract all.tar.gz x &&
	(cd x && sha256sum -c SHA256SUMS >../sums.out) &&
	test_line_count = $(($(cat count) + 3)) sums.out &&
	ls x/messages | grep -c "" >n && test "$(cat n)" = "$(cat count)" &&
	grep -q "binary" x/messages/*.bin &&
	cpim=$(ls x/messages/*.cpim) && cmp "$IMS_SRCDIR/demo/payloads/erin.cpim" $cpim
'

test_expect_success BSDTAR 'bsdtar lists it: messages, transcripts, manifest, sums last' '
	bsdtar -tf all.tar.gz >list &&
	tail -n 2 list >last && printf "manifest.xml\nSHA256SUMS\n" >expect &&
	test_cmp expect last && grep -q "^transcripts/T000002.xml$" list
'

test_expect_success 'the manifest and the transcripts validate against their schemas' '
	xmllint --noout --schema "$IMS_SRCDIR/schemas/export-manifest.xsd" x/manifest.xml &&
	xmllint --noout --schema "$IMS_SRCDIR/schemas/transcript.xsd" x/transcripts/*.xml &&
	grep -q "held=\"true\"" x/manifest.xml &&
	grep -q "conversation=\"conv &quot;one&quot;\"" x/manifest.xml
'

test_expect_success 'message files hold the bytes exactly as stored' '
	id=$(imstore list msgid:bin1 --format json | json_get id) &&
	imstore show --raw "$id" >raw && cmp raw x/messages/$id.bin
'

test_expect_success 'verify-archive passes a good archive, text and JSON' '
	imstore verify-archive all.tar.gz >out && grep "every SHA-256 matches" out &&
	imstore verify-archive --format json all.tar.gz | json_get ok >got &&
	echo true >expect && test_cmp expect got
'

test_expect_success 'zip archives, deflated or stored, open with python zipfile' '
	imstore export --archive zip -o all.zip >/dev/null &&
	imstore export --archive zip --compress none -o store.zip >/dev/null &&
	extract all.zip z && (cd z && sha256sum -c --quiet SHA256SUMS) &&
	imstore verify-archive store.zip >/dev/null &&
	entries x/manifest.xml >a && entries z/manifest.xml >b && test_cmp a b
'

test_expect_success 'an existing file is kept unless --force' '
	echo precious >keep.tar &&
	test_expect_code 73 imstore export -o keep.tar 2>err &&
	grep "already exists" err && grep -q precious keep.tar &&
	imstore export --force --compress none -o keep.tar >/dev/null &&
	imstore verify-archive keep.tar >/dev/null
'

test_expect_success 'a failed export leaves no file under the name' '
	( ulimit -f 4 && trap "" XFSZ &&
	  test_expect_code 74 imstore export --compress none -o big.tar 2>err ) &&
	grep "nothing written there" err && test ! -e big.tar &&
	! ls | grep -q "big.tar"
'

test_expect_success 'import into an empty store, then export again: the same entries' '
	imstore --store st2 init >/dev/null &&
	imstore --store st2 import all.tar.gz >out &&
	grep "^imported $(cat count) messages" out &&
	imstore --store st2 verify >/dev/null &&
	imstore --store st2 export -o again.tar.gz >/dev/null &&
	extract again.tar.gz y &&
	entries x/manifest.xml >a && entries y/manifest.xml >b && test_cmp a b &&
	for f in x/transcripts/*.xml; do cmp "$f" y/transcripts/${f##*/} || return 1; done
'

test_expect_success 'importing twice stores nothing new' '
	imstore --store st2 import --format json all.tar.gz >out &&
	json_get imported <out >got && echo 0 >expect && test_cmp expect got &&
	json_get existing <out >got && test "$(cat got)" = "$(cat count)" &&
	imstore --store st2 list --count >got && test_cmp count got
'

test_expect_success 'a changed byte is found; nothing of that archive is imported' '
	cp -r x t && f=$(ls t/messages | head -n 1) &&
	printf X >>t/messages/$f &&
	(cd t && python3 -c "
import tarfile
names = open(\"SHA256SUMS\").read().split()[1::2] + [\"SHA256SUMS\"]
with tarfile.open(\"../tampered.tar\", \"w\", format=tarfile.PAX_FORMAT) as a:
    for n in names: a.add(n)
") &&
	test_expect_code 65 imstore verify-archive tampered.tar >out &&
	grep "$f: SHA-256 does not match SHA256SUMS" out &&
	imstore --store st3 init >/dev/null &&
	test_expect_code 65 imstore --store st3 import tampered.tar 2>err &&
	grep "nothing imported" err &&
	imstore --store st3 list --count >got && echo 0 >expect && test_cmp expect got
'

test_expect_success 'a manifest that disagrees with its files is found' '
	cp -r x m && sed -i "s/size=\"10\"/size=\"11\"/" m/manifest.xml &&
	(cd m && sha256sum $(cut -c67- SHA256SUMS | grep -v "^SHA256SUMS$") >SHA256SUMS &&
	 python3 -c "
import tarfile
names = open(\"SHA256SUMS\").read().split()[1::2] + [\"SHA256SUMS\"]
with tarfile.open(\"../resized.tar\", \"w\") as a:
    for n in names: a.add(n)
") &&
	test_expect_code 65 imstore verify-archive resized.tar >out &&
	grep "11 bytes\|bytes, the manifest says" out
'

test_expect_success 'hostile archives are refused and nothing is stored or written' '
	imstore --store st4 init >/dev/null && n=0 &&
	for f in "$CORPUS"/*.tar "$CORPUS"/*.tar.gz "$CORPUS"/*.zip "$CORPUS"/*.rar; do
		b=${f##*/}; e=$CORPUS/${b%%.*}.expect
		test -f "$CORPUS/$b.expect" && e=$CORPUS/$b.expect
		test_expect_code 65 imstore verify-archive "$f" 2>err || return 1
		grep -F -q "$(cat "$e")" err || { echo "$b: $(cat err)"; return 1; }
		test_expect_code 65 imstore --store st4 import "$f" 2>err || return 1
		grep -F -q "$(cat "$e")" err || { echo "$b: $(cat err)"; return 1; }
		n=$((n + 1))
	done &&
	test $n -ge 13 &&
	imstore --store st4 list --count >got && echo 0 >expect && test_cmp expect got &&
	test ! -e /tmp/imstore-evil
'

test_expect_success 'limits are options' '
	test_expect_code 65 imstore verify-archive --max-entries 3 all.tar.gz 2>err &&
	grep "more entries than the limit (3)" err &&
	test_expect_code 65 imstore verify-archive --max-entry-size 5 all.tar.gz 2>err &&
	grep "over the size limit" err &&
	test_expect_code 64 imstore verify-archive --max-ratio x all.tar.gz 2>err &&
	grep "invalid number" err
'

test_expect_success 'size limits take K, M and G (1024-based), end to end' '
	imstore verify-archive --max-bytes 1G --max-entry-size 1m all.tar.gz >out &&
	grep "every SHA-256 matches" out &&
	test_expect_code 65 imstore verify-archive --max-bytes 1k all.tar.gz 2>err &&
	grep "more data than the limit (1024 bytes)" err &&
	imstore --store st-size init >/dev/null &&
	test_expect_code 65 imstore --store st-size import --max-bytes 1K all.tar.gz 2>err &&
	grep "more data than the limit (1024 bytes): nothing imported" err &&
	imstore --store st-size import --max-bytes 1G --max-entry-size 64M all.tar.gz >out &&
	grep "^imported $(cat count) messages" out
'

test_expect_success 'keyword values in any case: --archive ZIP, --compress NONE, --layout EML' '
	imstore export --archive ZIP --compress None --layout EML -o kw.zip >/dev/null &&
	python3 -c "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
		assert any(n.endswith(\".eml\") for n in z.namelist()); \
		assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())" kw.zip &&
	imstore export --archive Tar --compress GZIP --layout Raw -o kw.tar.gz >/dev/null &&
	imstore verify-archive kw.tar.gz >/dev/null && gzip -t kw.tar.gz
'

test_expect_success 'the eml layout: RFC 5322 messages e-discovery tools read' '
	imstore export --layout eml -o eml.tar.gz >/dev/null &&
	imstore verify-archive eml.tar.gz >/dev/null && extract eml.tar.gz e &&
	id=$(imstore list msgid:bin1 --format json | json_get id) &&
	python3 - e "$id" <<-\PY
	import email, email.policy, glob, sys
	d, bid = sys.argv[1], sys.argv[2]
	for f in glob.glob(d + "/messages/*.eml"):
	    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
	    assert m["Message-ID"] and m["Date"] and m["From"], f
	    assert m["X-IMStore-Id"] in f
	raw = open(glob.glob(d + "/messages/%s.eml" % bid)[0], "rb")
	m = email.message_from_binary_file(raw, policy=email.policy.default)
	assert m.get_payload(decode=True) == b"\0\1\2binary\377"
	assert m["From"].addresses[0].addr_spec == "mallory@example.com"
	h = [f for f in glob.glob(d + "/messages/*.eml") if "Gr" in open(f, "rb").read().decode("latin-1") or
	     "=?UTF-8?" in open(f, "rb").read().decode("latin-1")]
	subs = [str(email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)["Subject"]) for f in h]
	assert "Grüße 1" in subs, subs
	PY
	test_expect_code 65 imstore --store st3 import eml.tar.gz 2>err &&
	grep "only raw archives can be imported" err
'

test_expect_success '--delete-after deletes exactly what was exported, not what is held' '
	imstore --store st2 export --delete-after -o eve.tar.gz owner:sip:eve@example.com >out &&
	grep "kept 1 under legal hold" out &&
	imstore --store st2 list --count owner:sip:eve@example.com >got &&
	echo 1 >expect && test_cmp expect got &&
	imstore --store st2 list --count owner:sip:bob@example.com >got &&
	echo 4 >expect && test_cmp expect got &&
	imstore --store st2 audit >audit && grep "	export	" audit && grep "export --delete-after" audit
'

test_expect_success 'export and import are in the audit trail' '
	imstore audit >audit && grep "	export	.*-> all.tar.gz" audit &&
	imstore --store st2 audit >audit && grep "	import	.*all.tar.gz" audit
'

test_expect_success 'msilo migration: mysql -B dump, escapes, expired rows, idempotent' '
	printf "id\tsrc_addr\tdst_addr\tusername\tdomain\tinc_time\texp_time\tsnd_time\tctype\tbody\textra_hdrs\tcallid\tstatus\n" >silo.tsv &&
	printf "1\tsip:a@x.org\tsip:b@y.org\tb\ty.org\t1764700000\t0\t0\ttext/plain\tline1\\\\nline2\\\\ttab\tP-Foo: bar\\\\r\\\\n\tcall-1\t0\n" >>silo.tsv &&
	printf "2\tsip:a@x.org\tsip:b@y.org\tb\ty.org\t1764700000\t1000\t0\ttext/plain\told\tNULL\tNULL\t0\n" >>silo.tsv &&
	printf "3\tsip:c@x.org\tsip:b@y.org\tb\ty.org\t1764700001\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" >>silo.tsv &&
	imstore --store st5 init >/dev/null &&
	imstore --store st5 import --from-msilo mysql silo.tsv >out &&
	grep "imported 2 messages .*, 1 expired" out &&
	imstore --store st5 list --format json msgid:call-1 >m.json &&
	json_get folder <m.json >got && echo deferred >expect && test_cmp expect got &&
	json_get owner <m.json >got && echo sip:b@y.org >expect && test_cmp expect got &&
	id=$(json_get id <m.json) && imstore --store st5 show --raw "$id" >body &&
	printf "line1\nline2\ttab" >expect && test_cmp expect body &&
	json_get headers <m.json | grep -q "P-Foo" &&
	imstore --store st5 list --count msgid:msilo-3 >got && echo 1 >expect && test_cmp expect got &&
	imstore --store st5 import --from-msilo mysql silo.tsv >out &&
	grep "imported 0 messages from .silo.tsv. (2 already there" out
'

test_expect_success 'a bad msilo row is named by its line' '
	printf "7\tsip:a@x.org\n" >bad.tsv &&
	test_expect_code 65 imstore --store st5 import --from-msilo mysql bad.tsv 2>err &&
	grep "bad.tsv. line 1: 2 fields, and no header line naming the columns: not Kamailio.s msilo table (13 columns) nor OpenSER.s silo (10): nothing imported" err
'

test_expect_success 'an msilo username or domain that would name another user is refused' '
	imstore --store st5 list --count >before &&
	for u in "alice@evil.org;x" "alice@evil.org" "bob:secret" "b>" "a b" \
	         "$(printf "b\001")" "$(printf "b\303\251")"; do
		printf "8\tsip:a@x.org\tsip:b@y.org\t%s\ty.org\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" "$u" >who.tsv &&
		test_expect_code 65 imstore --store st5 import --from-msilo mysql who.tsv 2>err &&
		grep "who.tsv. line 1 (msilo id 8): username .* would not form the address of one user (it has " err ||
		{ echo "username $u: $(cat err)"; return 1; }
	done &&
	grep "(it has a byte that is not ASCII)" err &&
	for d in "y.org;x" "y.org:5060" "evil.org>" "y .org" "[::1" "y.org@evil.org"; do
		printf "9\tsip:a@x.org\tsip:b@y.org\tb\t%s\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" "$d" >who.tsv &&
		test_expect_code 65 imstore --store st5 import --from-msilo mysql who.tsv 2>err &&
		grep "who.tsv. line 1 (msilo id 9): domain .* would not form the address of one user (it has " err ||
		{ echo "domain $d: $(cat err)"; return 1; }
	done &&
	printf "11\tsip:a@x.org\tsip:b@y.org\tbob\\\\0x\ty.org\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" >who.tsv &&
	test_expect_code 65 imstore --store st5 import --from-msilo mysql who.tsv 2>err &&
	grep "who.tsv. line 1: column username holds a NUL byte" err &&
	u=$(python3 -c "print(\"%41\" * 178)") &&
	printf "12\tsip:a@x.org\tsip:b@y.org\t%s\texample.com\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" "$u" >who.tsv &&
	test_expect_code 65 imstore --store st5 import --from-msilo mysql who.tsv 2>err &&
	grep "who.tsv. line 1 (msilo id 12): username and domain longer than an address" err &&
	imstore --store st5 list --count owner:sip:alice@evil.org >got && echo 0 >expect && test_cmp expect got &&
	imstore --store st5 list --count >after && test_cmp before after &&
	printf "10\tsip:a@x.org\tsip:b@y.org\tb.o%%41-_~!*()&=+\$,/\t[2001:db8::1]\t1764700000\t0\t0\tNULL\tx\tNULL\tNULL\t0\n" >ok.tsv &&
	imstore --store st5 import --from-msilo mysql ok.tsv >out && grep "imported 1 message " out
'

test_expect_success 'setup: a store large enough to take a while to export' '
	python3 -c "
import random
random.seed(7)
for i in range(3000):
    body = \"\".join(random.choice(\"abcdefghijklmnopqrstuvwxyz \") for _ in range(2000))
    print(\"%d\\tsip:s%d@x.org\\tsip:u%d@y.org\\tu%d\\ty.org\\t%d\\t0\\t0\\ttext/plain\\t%s\\t\\tk%d\\t0\" % (i, i % 7, i % 50, i % 50, 1764700000 + i, body, i))
" >load.tsv &&
	imstore --store big init >/dev/null &&
	imstore --store big import --from-msilo tabs load.tsv >/dev/null
'

test_expect_success 'a killed export leaves nothing under the name, nor beside it' '
	mkdir kill && imstore --store big export --level 9 -o kill/k.tar.gz >/dev/null 2>&1 &
	pid=$! && kill -STOP $pid &&
	test ! -e kill/k.tar.gz &&
	kill -KILL $pid && { wait $pid; true; } &&
	test ! -e kill/k.tar.gz && test -z "$(ls -A kill)"
'

test_expect_success 'one snapshot: an export while a writer stores is consistent' '
	( i=0; while [ $i -lt 400 ]; do
		printf "w%s" $i | imstore --store big put -o sip:u1@y.org -f sip:w@x.org \
			-m w$i --folder history --conversation live >/dev/null || exit 1
		i=$((i + 1)); done ) &
	wpid=$! &&
	sleep 0.2 && imstore --store big export -o live.tar.gz >out &&
	wait $wpid &&
	imstore verify-archive live.tar.gz >/dev/null && extract live.tar.gz lv &&
	n=$(grep -c "<message " lv/manifest.xml) &&
	grep "^exported $n messages" out &&
	if test -n "$(ls lv/transcripts 2>/dev/null)"; then
		grep -h -o "message id=\"[0-9A-Z]*\"" lv/transcripts/*.xml | sort >tr.ids &&
		grep -o "message id=\"[0-9A-Z]*\" file=\"messages/[0-9A-Z]*.txt\" [^>]*folder=\"history\"" lv/manifest.xml |
			grep -o "message id=\"[0-9A-Z]*\"" | sort >mf.ids &&
		test_cmp mf.ids tr.ids
	fi
'

test_expect_success 'JSON output of export, import and verify-archive validates' '
	imstore export --format json -f -o j.tar.gz >j.json &&
	imstore --store st2 import --format json j.tar.gz >>j.json &&
	imstore verify-archive --format json j.tar.gz >>j.json &&
	test_expect_code 65 imstore verify-archive --format json tampered.tar >>j.json &&
	grep -q "\"problem\"" j.json &&
	/usr/bin/python3 "$IMS_SRCDIR/tests/validate-json.py" \
		"$IMS_SRCDIR/schemas/imstore-output-v1.schema.json" j.json
'

test_done
