#!/bin/sh
# export read by tools imstore did not write (issue 21): the eml layout as
# two MIME readers see it (Python's email, Perl's MIME::Parser), the archive
# format taken from the output's name as bsdtar -a takes it, and member
# names that tar readers could read differently refused.
. "$(dirname "$0")/test-lib.sh"

CPIM=$IMS_SRCDIR/tests/corpus/cpim
perl -MMIME::Parser -e 1 2>/dev/null && test_set_prereq MIME_TOOLS
command -v bsdtar >/dev/null 2>&1 && test_set_prereq BSDTAR

test_expect_success 'setup: CPIM payloads (text, IMDN, binary, LF lines, in SIP), bare IMDN, plain' '
	imstore init >/dev/null &&
	imstore put --cpim "$IMS_SRCDIR/demo/payloads/erin.cpim" -o sip:bob@example.com >/dev/null &&
	imstore put --cpim "$CPIM/ok-04-rfc5438-delivery-notification.cpim" \
		-o sip:bob@example.com >/dev/null &&
	imstore put --cpim "$CPIM/ok-11-binary-content-nul.cpim" -o sip:bob@example.com \
		-m nul1 >/dev/null &&
	imstore put --cpim "$CPIM/ok-12-lf-only.cpim" -o sip:bob@example.com -m lf1 >/dev/null &&
	printf "<?xml version=\"1.0\"?>\r\n<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"/>" |
		imstore put -o sip:bob@example.com -f sip:a@example.com -m imdn2 \
		--type message/imdn+xml >/dev/null &&
	printf "\000\001binary\377" | imstore put -o sip:bob@example.com -f sip:a@example.com \
		-m bin1 --type application/octet-stream >/dev/null &&
	imstore put --sip "$IMS_SRCDIR/demo/payloads/frank.sip" >/dev/null &&
	imstore export --compress none -o raw.tar >/dev/null &&
	imstore export --compress none --layout eml -o eml.tar >/dev/null &&
	mkdir raw eml && tar -xf raw.tar -C raw && tar -xf eml.tar -C eml &&
	test $(ls raw/messages | grep -c "\.cpim$") = 5
'

# the type each eml file must carry for the stored file beside it
cat >types.py <<\PY
import glob, os, sys
for f in sorted(glob.glob("raw/messages/*")):
    base, ext = os.path.basename(f).rsplit(".", 1)
    t = {"cpim": "message/cpim", "bin": None}[ext]
    print(base, f, t or ("message/imdn+xml" if b"<imdn" in open(f, "rb").read()
                         else "application/octet-stream"))
PY

test_expect_success 'Python email: a CPIM payload is message/cpim, its bytes exactly as stored' '
	python3 types.py >types && test_line_count = 7 types &&
	python3 - types <<-\PY
	import email, email.parser, email.policy, sys
	n = 0
	for line in open(sys.argv[1]):
	    n += 1
	    base, stored, want = line.split()
	    stored = open(stored, "rb").read()
	    raw = open("eml/messages/%s.eml" % base, "rb").read()
	    m = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw)
	    assert m.get_content_type() == want, (base, m.get_content_type(), want)
	    if want.startswith("message/"):
	        # read as a structure: the envelope headers, then the content
	        inner = m.get_payload(0)
	        if want == "message/cpim":
	            assert inner["DateTime"] or inner["From"], (base, inner.keys())
	        else:
	            assert "<imdn" in inner.get_payload(), base
	    h = email.parser.BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
	    assert h.get_payload(decode=True) == stored, base
	assert n == 7
	PY
'

test_expect_success MIME_TOOLS 'Perl MIME::Parser: the same types and bytes' '
	while read base stored want; do
		perl -MMIME::Parser -e "
			my \$p = MIME::Parser->new; \$p->output_to_core(1);
			\$p->extract_nested_messages(0);
			my \$e = \$p->parse_open(\$ARGV[0]) or die;
			open(my \$fh, q(<:raw), \$ARGV[1]) or die; local \$/; my \$s = <\$fh>;
			print \$e->mime_type, q( ), (\$e->bodyhandle->as_string eq \$s ? q(same) : q(differs)), qq(\n);
		" eml/messages/$base.eml $stored >got || return 1
		echo "$want same" >expect && test_cmp expect got || return 1
	done <types
'

test_expect_success 'the name says the format: .zip, .tar, .tar.gz, .tgz (any case)' '
	imstore export -o n.zip >/dev/null && imstore export -o n.tar >/dev/null &&
	imstore export -o n.tar.gz >/dev/null && imstore export -o n.TGZ >/dev/null &&
	imstore export -o plain >/dev/null && imstore export --compress none -o s.zip >/dev/null &&
	python3 - <<-\PY
	import tarfile, zipfile
	z = zipfile.ZipFile("n.zip"); assert z.testzip() is None
	assert {i.compress_type for i in z.infolist()} == {zipfile.ZIP_DEFLATED}
	assert {i.compress_type for i in zipfile.ZipFile("s.zip").infolist()} == {zipfile.ZIP_STORED}
	assert tarfile.open("n.tar", "r:").getnames()[-1] == "SHA256SUMS"
	for f in ("n.tar.gz", "n.TGZ", "plain"):
	    assert not zipfile.is_zipfile(f)
	    assert tarfile.open(f, "r:gz").getnames()[-1] == "SHA256SUMS", f
	PY
'

test_expect_success BSDTAR 'bsdtar opens each as what its name says' '
	for f in n.zip n.tar n.tar.gz n.TGZ; do
		bsdtar -tf $f >list && test "$(tail -n 1 list)" = SHA256SUMS || return 1
	done &&
	head -c 4 n.zip | od -An -c | tr -d " " >got && echo "PK003004" >expect && test_cmp expect got &&
	head -c 2 n.tar.gz | od -An -tx1 | tr -d " " >got && echo 1f8b >expect && test_cmp expect got &&
	dd if=n.tar bs=1 skip=257 count=5 2>/dev/null >got && printf ustar >expect && test_cmp expect got
'

test_expect_success 'a name that contradicts --archive or --compress is a usage error' '
	test_expect_code 64 imstore export --archive tar -o c.zip 2>err &&
	grep "'"'"'c.zip'"'"' names a zip file, which contradicts --archive tar" err &&
	test_expect_code 64 imstore export --archive zip -o c.tar.gz 2>err &&
	grep "names a gzipped tar file, which contradicts --archive zip" err &&
	test_expect_code 64 imstore export --compress gzip -o c.tar 2>err &&
	grep "names an uncompressed tar file, which contradicts --compress gzip" err &&
	test_expect_code 64 imstore export --compress none -o c.tgz 2>err &&
	grep "contradicts --compress none" err &&
	test_expect_code 64 imstore export -o c.tar.xz 2>err &&
	grep "export writes a tar file (.tar, .tar.gz, .tgz) or a zip file (.zip)" err &&
	! ls c.* 2>/dev/null &&
	imstore export --archive zip --compress none -o ok.zip >/dev/null &&
	imstore export --archive tar --compress none -o ok.tar >/dev/null &&
	imstore export --archive zip -o ok-zip.bin >/dev/null && zipfile=ok-zip.bin &&
	python3 -c "import sys, zipfile; assert zipfile.is_zipfile(sys.argv[1])" $zipfile
'

# repack ARCHIVE KIND OUT: the archive's members again with Python's
# tarfile, the first one's header changed as KIND says
cat >repack.py <<\PY
import io, sys, tarfile
src, kind, out = sys.argv[1:4]
with tarfile.open(src) as t:
    members = [(m, t.extractfile(m).read()) for m in t.getmembers()]
with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as o:
    for i, (m, data) in enumerate(members):
        if i == 0 and kind == "nul":
            m.pax_headers = {"path": m.name + "\0/../../../tmp/imstore-evil"}
        elif i == 0 and kind == "other":
            m.pax_headers = {"path": m.name}
            m.name = "messages/" + "0" * 26 + ".txt"
        o.addfile(m, io.BytesIO(data))
PY

test_expect_success 'a tar member name readers read two ways is refused by verify-archive and import' '
	python3 repack.py raw.tar same same.tar && imstore verify-archive same.tar >/dev/null &&
	first=$(python3 -c "import sys, tarfile; print(tarfile.open(sys.argv[1]).getnames()[0])" raw.tar) &&
	python3 repack.py raw.tar nul nul.tar &&
	python3 -c "import sys, tarfile; n = tarfile.open(sys.argv[1]).getnames()[0]; assert \"\\0\" in n, n" nul.tar &&
	test_expect_code 65 imstore verify-archive nul.tar 2>err &&
	grep -F "tar member '"'"'$first'"'"' has the pax path '"'"'$first\x00/../../../tmp/imstore-evil'"'"'" err &&
	python3 repack.py raw.tar other other.tar &&
	test_expect_code 65 imstore verify-archive other.tar 2>err &&
	grep "readers would disagree on its name" err &&
	imstore --store st2 init >/dev/null &&
	for f in nul.tar other.tar; do
		test_expect_code 65 imstore --store st2 import $f 2>err || return 1
		grep "readers would disagree on its name" err || return 1
	done &&
	imstore --store st2 list --count >got && echo 0 >expect && test_cmp expect got &&
	imstore --store st2 import same.tar >/dev/null
'

test_expect_success 'a zip member named otherwise in its local header is refused' '
	python3 - <<-\PY &&
	z = open("n.zip", "rb").read()
	i = z.index(b"messages/")                  # the name in the first local header
	open("local.zip", "wb").write(z[:i] + b"messages/Z" + z[i + 10:])
	PY
	test_expect_code 65 imstore verify-archive local.zip 2>err &&
	grep "in its local header: readers would disagree on its name" err
'

test_expect_success 'a gzipped zip (read only from its local headers) is refused' '
	gzip -c n.zip >n.zip.gz &&
	test_expect_code 65 imstore verify-archive n.zip.gz 2>err &&
	grep "a gzipped zip file (an export never is one)" err
'

test_expect_success 'a gzip bomb is refused by its ratio at once, not read whole first' '
	python3 -c "import gzip, sys, tarfile
i = tarfile.TarInfo(\"messages/01M8W5D8EDVXPNXX2361WX5F2Z.txt\"); i.size = (8 << 30) - 512
out = sys.stdout.buffer
out.write(gzip.compress(i.tobuf(tarfile.USTAR_FORMAT), 9))
zeros = gzip.compress(bytes(1 << 20), 9)
for _ in range(8192): out.write(zeros)" >bomb.tar.gz &&
	start=$(date +%s) &&
	test_expect_code 65 imstore verify-archive --max-entry-size 16G bomb.tar.gz 2>err &&
	grep "compression ratio over 200 to 1" err &&
	test $(($(date +%s) - start)) -lt 3
'

test_expect_success BSDTAR 'bsdtar reads the NUL name cut short: the readers disagree' '
	bsdtar -tf nul.tar | head -n 1 >got && echo "$first" >expect && test_cmp expect got
'

test_expect_success 'archives from GNU tar and bsdtar still verify' '
	mkdir x && tar -xf raw.tar -C x && (cd x && cut -c67- SHA256SUMS >../order && echo SHA256SUMS >>../order) &&
	(cd x && tar --format=posix -cf ../posix.tar $(cat ../order) &&
	 tar --format=gnu -cf ../gnu.tar $(cat ../order)) &&
	imstore verify-archive posix.tar >/dev/null && imstore verify-archive gnu.tar >/dev/null &&
	if test_have_prereq BSDTAR; then
		(cd x && bsdtar --format=pax -czf ../bsd.tar.gz $(cat ../order) &&
		 bsdtar --format=zip -cf ../bsd.zip $(cat ../order)) &&
		imstore verify-archive bsd.tar.gz >/dev/null && imstore verify-archive bsd.zip >/dev/null
	fi &&
	python3 - <<-\PY &&
	import zipfile
	with zipfile.ZipFile("py.zip", "w", zipfile.ZIP_DEFLATED) as z:
	    for n in open("order").read().split():
	        z.write("x/" + n, n)
	PY
	imstore verify-archive py.zip >/dev/null
'

test_done
