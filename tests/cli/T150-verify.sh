#!/bin/sh
# imstore verify: a sound store; damaged records, bodies, indexes and
# counters reported by kind and id; --repair; exit statuses; JSON.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

command -v python3 >/dev/null 2>&1 && test_set_prereq PYTHON
test_have_prereq PYTHON && test_have_prereq MDB_TOOLS && test_set_prereq PYTHON_MDB

# flip_marker FILE TEXT: flip a bit of the 4th byte of every copy of TEXT
flip_marker () {
	python3 - "$1" "$2" <<-'EOF'
	import sys
	path, marker = sys.argv[1], sys.argv[2].encode()
	data = bytearray(open(path, "rb").read())
	i = data.find(marker)
	hits = 0
	while i >= 0:
	    data[i + 3] ^= 0x20
	    hits += 1
	    i = data.find(marker, i + 1)
	open(path, "r+b").write(data)
	sys.exit(0 if hits else 1)
	EOF
}

# idhex ID: the 16 bytes of a printed id, in hex
idhex () {
	python3 -c '
import sys
a = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
v = 0
for ch in sys.argv[1].upper():
    v = v * 32 + a.index(ch)
print("%032x" % v)' "$1"
}

# copy_store SRC DST OP...: copy a store through mdb_dump and mdb_load,
# editing the dump on the way:
#   del DB HEXSUFFIX   remove the entry whose key ends with HEXSUFFIX
#   add DB KEYHEX VALHEX   add an entry ("-" for an empty value)
#   bump DB N          add 1 to byte N of the first value of DB
copy_store () {
	test_src_=$1 test_dst_=$2
	shift 2
	cat >edit-dump.py <<-'EOF' &&
	import sys
	ops = sys.argv[1:]
	lines = sys.stdin.read().split("\n")
	out, db, i = [], None, 0
	while i < len(lines):
	    l = lines[i]
	    if l.startswith("database="):
	        db = l[9:]
	    if l == "HEADER=END":
	        out.append(l)
	        i += 1
	        pairs = []
	        while lines[i] != "DATA=END":
	            pairs.append([lines[i][1:], lines[i + 1][1:]])
	            i += 2
	        j = 0
	        while j < len(ops):
	            op = ops[j]
	            if op == "del" and ops[j + 1] == db:
	                pairs = [p for p in pairs if not p[0].endswith(ops[j + 2])]
	            if op == "add" and ops[j + 1] == db:
	                pairs.append([ops[j + 2], "" if ops[j + 3] == "-" else ops[j + 3]])
	            if op == "bump" and ops[j + 1] == db:
	                v = bytearray.fromhex(pairs[0][1])
	                v[int(ops[j + 2])] += 1
	                pairs[0][1] = v.hex()
	            j += 3 if op == "bump" else 4 if op == "add" else 3
	        pairs.sort(key=lambda p: bytes.fromhex(p[0]))
	        for k, v in pairs:
	            out += [" " + k, " " + v]
	        continue
	    out.append(l)
	    i += 1
	sys.stdout.write("\n".join(out))
	EOF
	mdb_dump -a "$test_src_" >dump.txt &&
	python3 edit-dump.py "$@" <dump.txt >dump.edited &&
	mkdir -p "$test_dst_" &&
	mdb_load -f dump.edited "$test_dst_" 2>/dev/null
}

test_expect_success 'setup: a store with deferred and history messages' '
	imstore init >/dev/null &&
	for i in 1 2 3 4 5 6; do
		put_msg $BOB $ALICE m$i --subject SUBJMARK$i --expires 72h >id.m$i || return 1
	done &&
	printf "BODYMARK body bytes\n" | imstore put -o $ALICE -f $BOB -m b1 \
		--folder history --conversation c1 >id.b1 &&
	put_msg $ALICE $BOB h1 --folder history --conversation c1 >id.h1 &&
	imstore list --count >n &&
	echo 8 >expect &&
	test_cmp expect n
'

test_expect_success 'a sound store verifies clean: exit 0, one summary line' '
	imstore verify >out 2>err &&
	echo "store is sound: 8 messages checked" >expect &&
	test_cmp expect out &&
	test_must_be_empty err
'

test_expect_success 'the alias imstore-verify runs the same command' '
	ln -s "$IMSTORE" imstore-verify &&
	./imstore-verify >out &&
	echo "store is sound: 8 messages checked" >expect &&
	test_cmp expect out
'

test_expect_success 'verify --format json of a sound store' '
	imstore verify --format json >out &&
	test_line_count = 1 out &&
	echo "{\"sound\":true,\"messages\":8,\"problems\":0,\"quarantined\":0,\"repaired\":0,\"remaining\":0,\"in_quarantine\":0}" >expect &&
	test_cmp_json expect out
'

test_expect_success PYTHON 'a flipped record byte: record-checksum with its id, exit 1' '
	flip_marker store/data.mdb SUBJMARK3 &&
	test_expect_code 1 imstore verify >out &&
	id=$(cat id.m3) &&
	grep "^record-checksum $id record checksum mismatch (stored [0-9a-f]*, computed [0-9a-f]*)\$" out &&
	grep "^counter - counter of .sip:bob@example.com. in deferred: 6 messages" out &&
	grep "^counter - totals of the deferred folder" out &&
	tail -n 1 out >last &&
	echo "store is not sound: 3 problems, 7 messages checked" >expect &&
	test_cmp expect last
'

test_expect_success PYTHON 'the same as JSON lines' '
	test_expect_code 1 imstore verify --format json >out &&
	json_norm <out >/dev/null &&
	head -n 1 out | json_get problem >kind &&
	echo record-checksum >expect &&
	test_cmp expect kind &&
	head -n 1 out | json_get id >got &&
	cat id.m3 >expect &&
	test_cmp expect got &&
	head -n 1 out | json_get stage >got &&
	echo found >expect &&
	test_cmp expect got &&
	grep "\"problem\":\"counter\",\"stage\":\"found\",\"id\":null" out &&
	tail -n 1 out | json_get sound >got &&
	echo false >expect &&
	test_cmp expect got
'

test_expect_success PYTHON 'verify --repair quarantines it and rebuilds: exit 0' '
	imstore verify --repair >out &&
	id=$(cat id.m3) &&
	grep "^record-checksum $id record checksum mismatch" out &&
	grep "^record-checksum $id repaired: moved to quarantine ([0-9]* bytes), its body chunks kept\$" out &&
	grep "^index-orphan $id repaired: removed its entry from ix_owner\$" out &&
	grep "^counter - repaired: counter of .sip:bob@example.com. in deferred set to 5 messages" out &&
	grep "^repair: 3 problems found, 1 record quarantined, [0-9]* other repairs\$" out &&
	tail -n 1 out >last &&
	echo "store is sound: 7 messages checked, 1 in quarantine" >expect &&
	test_cmp expect last
'

test_expect_success PYTHON 'then a second verify is clean and the message is gone' '
	imstore verify >out &&
	echo "store is sound: 7 messages checked, 1 in quarantine" >expect &&
	test_cmp expect out &&
	test_must_fail imstore show $(cat id.m3) 2>err &&
	imstore list --count >n &&
	echo 7 >expect &&
	test_cmp expect n &&
	imstore stats | grep -A1 "^deferred:" | tail -n 1 >got &&
	echo "  messages: 5" >expect &&
	test_cmp expect got
'

test_expect_success PYTHON 'the repair is in the audit trail' '
	imstore audit >out &&
	grep "	repair	" out
'

test_expect_success PYTHON_MDB 'a missing, a stray index entry and a wrong counter' '
	m2=$(idhex $(cat id.m2)) &&
	m1=$(idhex $(cat id.m1)) &&
	# m1 with its last byte changed (never to itself: a stray "00" on an id
	# that ends in 00 made a mismatch rather than an orphan, 1 run in 256)
	stray=800660d74c943529${m1%??}$(printf %02x $((0x${m1#??????????????????????????????} ^ 0x5a))) &&
	copy_store store s2 del ix_owner $m2 add ix_time $stray - bump count 7 &&
	test_expect_code 1 imstore verify --store s2 >out &&
	grep "^index-missing $(cat id.m2) no entry in ix_owner\$" out &&
	grep "^index-orphan [0-9A-Z]* entry in ix_time of no record\$" out &&
	grep "^counter - counter of .sip:bob@example.com. in deferred: 6 messages" out &&
	test_line_count = 4 out
'

test_expect_success PYTHON_MDB '--repair mends them; the owner sees the message again' '
	imstore verify --store s2 --repair >out &&
	grep "^index-missing $(cat id.m2) repaired: added to ix_owner\$" out &&
	grep "^index-orphan [0-9A-Z]* repaired: removed its entry from ix_time\$" out &&
	grep "^counter - repaired: counter of .sip:bob@example.com. in deferred set to 5 messages" out &&
	grep "^repair: 3 problems found, 0 records quarantined, 3 other repairs\$" out &&
	imstore verify --store s2 >out &&
	test_line_count = 1 out &&
	imstore list --store s2 owner:$BOB | grep -c "^$(cat id.m2)" >n &&
	echo 1 >expect &&
	test_cmp expect n
'

test_expect_success PYTHON 'a damaged body is found, and not repaired: exit 1' '
	flip_marker store/data.mdb BODYMARK &&
	test_expect_code 1 imstore verify >out &&
	grep "^body-corrupt $(cat id.b1) body chunk 0 of 1 fails its checksum or header\$" out &&
	test_expect_code 1 imstore verify --repair --format json >out &&
	grep "\"problem\":\"body-corrupt\",\"stage\":\"remaining\",\"id\":\"$(cat id.b1)\"" out &&
	tail -n 1 out | json_get remaining >got &&
	echo 1 >expect &&
	test_cmp expect got
'

test_expect_success PYTHON 'text marks what remains after a repair' '
	test_expect_code 1 imstore verify --repair >out &&
	grep "^body-corrupt $(cat id.b1) not repaired: body chunk 0 of 1" out &&
	tail -n 1 out >last &&
	echo "store is not sound: 1 problem, 7 messages checked, 1 in quarantine" >expect &&
	test_cmp expect last
'

test_expect_success PYTHON 'deleting the damaged message makes the store sound' '
	imstore delete $(cat id.b1) >/dev/null &&
	imstore verify >out &&
	echo "store is sound: 6 messages checked, 1 in quarantine" >expect &&
	test_cmp expect out
'

test_expect_success 'usage errors: exit 2' '
	test_expect_code 64 imstore verify extra 2>err &&
	echo "imstore: verify takes no operands" >expect &&
	test_cmp expect err &&
	test_expect_code 64 imstore verify --format xml 2>err &&
	test_expect_code 64 imstore verify --fix 2>err
'

test_expect_success 'no store: exit 1' '
	test_expect_code 66 imstore verify --store nowhere 2>err &&
	grep "no store at" err
'

test_done
