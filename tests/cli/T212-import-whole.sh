#!/bin/sh
# imstore import of an archive is all or nothing: every message is checked
# as storing checks it before the first is stored, and verify-archive
# makes the same checks, so the two agree; import --dry-run.  The bad
# archive is rewritten by Python's tarfile (manifest and SHA256SUMS made
# consistent again), as another tool would write it.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'setup: three messages exported, the third one'"'"'s from made invalid' '
	imstore --store st init >/dev/null &&
	for i in 1 2 3; do
		echo "hello $i" | imstore --store st put --owner sip:b@y.org --from sip:a@x.org -m m$i >/dev/null || return 1
	done &&
	imstore --store st export -o good.tar.gz >/dev/null &&
	python3 - good.tar.gz bad.tar.gz <<-\PY
	import hashlib, io, sys, tarfile
	with tarfile.open(sys.argv[1]) as t:
	    members = [(m, t.extractfile(m).read()) for m in t.getmembers()]
	files = dict((m.name, d) for m, d in members)
	mf = files["manifest.xml"].decode()
	old = "<from uri=\"sip:a@x.org\"/>"
	i = mf.rindex(old)
	files["manifest.xml"] = (mf[:i] + "<from uri=\"not an address\"/>" + mf[i + len(old):]).encode()
	sums = ""
	for line in files["SHA256SUMS"].decode().splitlines():
	    h, name = line.split("  ", 1)
	    if name == "manifest.xml":
	        h = hashlib.sha256(files[name]).hexdigest()
	    sums += "%s  %s\n" % (h, name)
	files["SHA256SUMS"] = sums.encode()
	with tarfile.open(sys.argv[2], "w:gz") as t:
	    for m, _ in members:
	        m.size = len(files[m.name])
	        t.addfile(m, io.BytesIO(files[m.name]))
	PY
'

test_expect_success 'verify-archive refuses a message the store would refuse' '
	test_expect_code 65 imstore verify-archive bad.tar.gz >out 2>err &&
	grep "the store would refuse this message: from: not a valid IM address" out err &&
	grep "PROBLEMS FOUND" out
'

test_expect_success 'import refuses it before the first store, whatever the batch' '
	imstore --store new init >/dev/null &&
	test_expect_code 65 imstore --store new import --batch 1 bad.tar.gz 2>err &&
	grep "bad.tar.gz. does not verify (its hashes or lists disagree, or the store would refuse a message): nothing imported" err &&
	! grep "were stored before the error" err &&
	imstore --store new list --count >got && echo 0 >e && test_cmp e got
'

test_expect_success 'import --dry-run: checks the whole archive, stores nothing' '
	imstore --store new import --dry-run good.tar.gz >out &&
	grep "would import 3 messages from .good.tar.gz. (dry run, nothing stored)" out &&
	imstore --store new list --count >got && echo 0 >e && test_cmp e got &&
	test_expect_code 65 imstore --store new import -n bad.tar.gz 2>err &&
	grep "nothing imported" err &&
	imstore --store new import --dry-run --format json good.tar.gz >out &&
	grep "\"checked\":3" out &&
	imstore --store new import good.tar.gz >out && grep "imported 3 messages" out
'

test_done
