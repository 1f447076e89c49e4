#!/bin/sh
# The output of every command, text, JSON and XML, against a golden
# transcript (T210-output.golden): what an operator's script reads must not
# change when the code that prints it does.  Ids, lease tokens, today's
# times, paths and sizes that depend on the file system are replaced by
# placeholders; everything else is compared byte for byte.
#
# To regenerate after an intended change of output:
#	IMS_GOLDEN_WRITE=1 tests/cli/T210-output.sh
. "$(dirname "$0")/test-lib.sh"

GOLDEN=$IMS_SRCDIR/tests/cli/T210-output.golden
CORPUS=$IMS_SRCDIR/tests/corpus
BOB=sip:bob@example.com
ALICE=sip:alice@example.com
CAROL=sip:carol@example.net
ZOE=$(printf "Zo\303\253")
GRUSS=$(printf "Gr\303\274\303\237e aus K\303\266ln, a subject long enough to fold in two")
ME=$(id -un)
TODAY=$(date -u +%Y-%m-%d)
TOMORROW=$(date -u -d tomorrow +%Y-%m-%d 2>/dev/null || echo "$TODAY")

# step LABEL imstore ARGS...: the command's exit status, stdout and stderr
# (stdin from /dev/null unless redirected by the caller) to the transcript.
step () {
	st_label=$1
	shift
	"$@" >st.out 2>st.err
	echo "=== $st_label (exit $?)" >>transcript
	cat st.out >>transcript
	if test -s st.err; then
		echo "--- stderr" >>transcript
		cat st.err >>transcript
	fi
}

# The placeholders: every id the store printed, in the order first seen,
# lease tokens, today's times, the scratch directory, sizes of files.
normalise () {
	sed "s/\"next_cursor\":\"[^\"]*\"//" transcript | grep -ow "[0-9A-Z]\{26\}" | awk '!seen[$0]++' >ids.seen
	: >ids.sed
	n=0
	while read -r id; do
		n=$((n + 1))
		echo "s/$id/<id$n>/g" >>ids.sed
	done <ids.seen
	sed -e "s/\"next_cursor\":\"[^\"]*\"/\"next_cursor\":\"<cursor>\"/" transcript |
	sed -f ids.sed \
	    -e "s|$TEST_DIR|<dir>|g; s/sha256=\"[0-9a-f]*\"/sha256=\"<sha>\"/" \
	    -e "s/\t$ME\t/\t<user>\t/; s/\"actor\":\"$ME\"/\"actor\":\"<user>\"/" \
	    -e "s/\(${TODAY}\|${TOMORROW}\)T[0-9:.]*Z/<now>/g" \
	    -e "s/lease [^ ]* until/lease <token> until/" \
	    -e "s/\"lease\":\"[^\"]*\"/\"lease\":\"<token>\"/" \
	    -e "s/ in [0-9.]* s, / in <s> s, /; s/longest [0-9.]* ms/longest <ms> ms/" \
	    -e "s/\"longest_txn_ms\":[0-9]*/\"longest_txn_ms\":<ms>/" \
	    -e "s/^\(exported .* to .*\) (-\?[0-9]* bytes)\$/\1 (<n> bytes)/; s/\"archive_bytes\":[0-9-]*/\"archive_bytes\":<n>/" \
	    -e "s/^\(backed up .*\): [0-9]* bytes\(, compacted\)\?\$/\1: <n> bytes\2/; s/\"backup\":\(\"[^\"]*\"\),\"bytes\":[0-9]*/\"backup\":\1,\"bytes\":<n>/" \
	    -e "s/[0-9]* bytes before, [0-9]* after ([0-9.]*% smaller)/<n> bytes before, <n> after (<p>% smaller)/" \
	    -e "s/\"bytes_before\":[0-9]*,\"bytes_after\":[0-9]*/\"bytes_before\":<n>,\"bytes_after\":<n>/" \
	    -e "s/^\(file_bytes\|map_bytes\|pages_used\): [0-9]*\$/\1: <n>/" \
	    -e "s/\"\(file_bytes\|map_bytes\|pages_used\)\":[0-9]*/\"\1\":<n>/g"
}

test_expect_success 'setup: a store with fixed messages' '
	step init imstore init &&
	step "init again (json)" imstore init --format json &&
	rm -rf store &&
	step "init (json)" imstore init --format json &&
	printf "hello bob\n" | step put imstore put -o $BOB -f "Alice <$ALICE>" \
		--to $BOB --to "\"Carl C\" <sip:carl@example.com>" --cc sip:dora@example.com \
		-m a1 --subject "Lunch today?" --conversation c1 --mode large \
		--received 2026-01-10T09:00:00Z --sent 2026-01-10T09:59:00+01:00 \
		--expires 2099-01-01T00:00:00Z -H "X-Foo: bar" &&
	head -c 300 /dev/zero | step "put binary (json)" imstore put --format json \
		-o $BOB -f $CAROL -m a2 --type image/png --subject Photo \
		--received 2026-01-11T10:30:00Z &&
	printf "ok\n" | step "put history" imstore put -o $ALICE -f $BOB --to $ALICE -m a3 \
		--folder history --subject "Re: Lunch" --conversation c1 \
		--received 2026-01-12T12:00:00Z &&
	printf "tab" | step "put tab subject" imstore put -o $BOB -f $ALICE -m a4 \
		--subject "$(printf "Tab\there")" --received 2026-01-13T00:00:00Z &&
	printf "gr\303\274\303\237e" | step "put utf-8" imstore put -o $BOB \
		-f "\"$ZOE \\\"Z\\\"\" <sip:zoe@example.org>" -m "odd id <x>" \
		--subject "$GRUSS" --type "text/plain; charset=utf-8" \
		--received 2026-01-14T00:00:00Z --sent 2026-01-13T23:00:00Z --state delivered &&
	printf "ok\n" | step "put again (json)" imstore put --format json -o $ALICE -f $BOB \
		--to $ALICE -m a3 --folder history --received 2026-01-12T12:00:00Z
'

test_expect_success 'list, show' '
	step list imstore list &&
	step "list (json)" imstore list --format json &&
	step "list -r owner" imstore list -r owner:$BOB &&
	step "list --count" imstore list --count &&
	step "list --count (json)" imstore list --count --format json &&
	step "list --explain" imstore list --explain owner:$BOB &&
	step "list -n 1 (json)" imstore list -n 1 --format json &&
	id=$(imstore list --format json msgid:a1 | json_get id) &&
	bin=$(imstore list --format json msgid:a2 | json_get id) &&
	step show imstore show $id &&
	step "show (json)" imstore show --format json $id &&
	step "show --raw" imstore show --raw $id &&
	step "show binary" imstore show $bin &&
	step "show binary (json)" imstore show --format json $bin &&
	step "show by message-id" imstore show -o $ALICE a3
'

test_expect_success 'stats, verify' '
	step stats imstore stats &&
	step "stats (json)" imstore stats --format json &&
	step "stats all" imstore stats --types --owners --queue &&
	step "stats all (json)" imstore stats --types --owners --queue --format json &&
	step "stats --sort bytes" imstore stats --sort bytes --top 2 &&
	step verify imstore verify &&
	step "verify (json)" imstore verify --format json &&
	step "verify --pages" imstore verify --pages &&
	step "verify --repair" imstore verify --repair &&
	step check imstore check &&
	chmod 750 store &&
	step "check mode" imstore check &&
	step "check mode (json)" imstore check --format json &&
	chmod 700 store &&
	step who imstore who
'

test_expect_success 'quota, settings' '
	step "quota get" imstore quota get $BOB &&
	step "quota set" imstore quota set $BOB --deferred-count 50 --history-retention 90d &&
	step "quota get (json)" imstore quota get $BOB --format json &&
	step "quota get default" imstore quota get default &&
	step "settings get" imstore settings get $BOB &&
	step "settings get (json)" imstore settings get $BOB --format json &&
	step "settings get (xml)" imstore settings get $BOB --format xml &&
	cat >set.xml <<-EOF &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <history-settings><session-mode active="true"/></history-settings>
	</im-settings>
	EOF
	step "settings set" imstore settings set $ALICE set.xml
'

test_expect_success 'deferred' '
	printf "d1 text\n" | step "deferred store" imstore deferred store $CAROL -f $BOB -m d1 \
		--received 2026-02-01T00:00:00Z --expires 2099-01-01T00:00:00Z &&
	printf "d2 text\n" | step "deferred store (json)" imstore deferred store $CAROL \
		--format json -f $ALICE -m d2 --subject "Two & <more>" \
		--received 2026-02-02T00:00:00Z --expires 2099-01-01T00:00:00Z &&
	printf "d3 text\n" | step "deferred store old" imstore deferred store $CAROL \
		-f $ALICE -m d3 --received 2001-01-01T00:00:00Z &&
	printf "d4 text\n" | imstore deferred store $CAROL -f $ALICE -m d4 \
		--received 2026-02-03T00:00:00Z --expires 2099-01-01T00:00:00Z >/dev/null &&
	step "deferred summary" imstore deferred summary $CAROL &&
	step "deferred summary (json)" imstore deferred summary $CAROL --format json &&
	step "deferred summary (xml)" imstore deferred summary $CAROL --format xml &&
	step "deferred summary -n 1" imstore deferred summary $CAROL -n 1 &&
	step "deferred lease" imstore deferred lease $CAROL d1 &&
	token=$(sed -n "1s/^lease \([^ ]*\) .*/\1/p" st.out) &&
	step "deferred release" imstore deferred release $CAROL $token &&
	step "deferred lease (json)" imstore deferred lease $CAROL d2 --format json &&
	token=$(json_get lease <st.out) &&
	step "deferred ack (json)" imstore deferred ack $CAROL $token --format json &&
	step "deferred lease none" imstore deferred lease $CAROL nothing &&
	step "deferred lease none (json)" imstore deferred lease $CAROL nothing --format json &&
	step "deferred on-register" imstore deferred on-register $CAROL &&
	token=$(sed -n "2s/^lease \([^ ]*\) .*/\1/p" st.out) &&
	imstore deferred release $CAROL $token >/dev/null &&
	step "deferred on-register (json)" imstore deferred on-register $CAROL --format json &&
	imstore deferred release $CAROL "$(json_get lease <st.out)" >/dev/null &&
	imstore deferred lease $CAROL >/dev/null &&
	step "deferred retry" imstore deferred retry --user $CAROL &&
	step "deferred retry (json)" imstore deferred retry --format json &&
	cat >notify.xml <<-EOF &&
	<im-settings xmlns="urn:oma:xml:im:service-settings">
	  <deferred-settings><offline-delivery active="false"/></deferred-settings>
	</im-settings>
	EOF
	step "settings set notify" imstore settings set $CAROL notify.xml &&
	step "deferred on-register notify" imstore deferred on-register $CAROL &&
	step "deferred on-register notify (json)" imstore deferred on-register $CAROL \
		--format json &&
	step "deferred on-register nobody" imstore deferred on-register sip:nobody@example.com &&
	step "deferred delete" imstore deferred delete $CAROL d1 nope &&
	step "deferred delete (json)" imstore deferred delete $CAROL --filter msgid:d4 \
		--format json
'

test_expect_success 'history' '
	printf "h1\n" | step "history record" imstore history record $ALICE -f $BOB -m h1 \
		--mode session --conversation conv-7 --subject "Talk" \
		--received 2026-03-01T00:00:00Z &&
	printf "h2\n" | step "history record (json)" imstore history record $ALICE \
		--format json -f $ALICE --to $BOB -m h2 --mode session --conversation conv-7 \
		--received 2026-03-01T00:01:00Z &&
	step "history list" imstore history list $ALICE &&
	step "history list (json)" imstore history list $ALICE --format json &&
	step "history list (xml)" imstore history list $ALICE --format xml &&
	step "history show" imstore history show $ALICE conv-7 &&
	step "history show (json)" imstore history show $ALICE conv-7 --format json &&
	step "history transcript" imstore history transcript $ALICE conv-7 &&
	step "history rename" imstore history rename $ALICE conv-7 "Our talk" &&
	step "history list renamed" imstore history list $ALICE &&
	step "history delete" imstore history delete $ALICE --filter msgid:h2 &&
	step "history delete (json)" imstore history delete $ALICE nothing --format json
'

test_expect_success 'hold, release, delete, purge, audit' '
	step hold imstore hold msgid:a1 --reason "case 12" &&
	step "hold (json)" imstore hold msgid:a2 --reason "case 13" --format json &&
	step "hold --list" imstore hold --list &&
	step "delete -n" imstore delete -n owner:$BOB &&
	step "delete -n (json)" imstore delete -n owner:$BOB --format json &&
	id=$(imstore list --format json msgid:a4 | json_get id) &&
	step "delete id" imstore delete $id &&
	step "delete unknown" imstore delete 00000000000000000000000000 &&
	step release imstore release msgid:a2 --reason done &&
	step "purge -n" imstore purge -n --older-than 1d &&
	step "purge -n (json)" imstore purge -n --older-than 1d --format json &&
	step "purge -n --expired" imstore purge -n --expired &&
	step "purge" imstore purge msgid:a2 &&
	step "purge (json)" imstore purge msgid:nothing --expired --format json &&
	step "audit (json)" imstore audit --format json &&
	step audit imstore audit
'

test_expect_success 'backup, compact, export, verify-archive, import' '
	step backup imstore backup bk &&
	step "backup (json)" imstore backup --compact --format json bk2 &&
	step compact imstore compact &&
	step "compact (json)" imstore compact --format json &&
	step "purge --secure" imstore purge msgid:d2 --secure &&
	step export imstore export -o x.tar.gz owner:$ALICE &&
	step "export (json)" imstore export -o x.zip --archive zip --format json &&
	step "export eml" imstore export -o e.tar --compress none --layout eml owner:$BOB &&
	step "verify-archive" imstore verify-archive x.tar.gz &&
	step "verify-archive (json)" imstore verify-archive --format json x.zip &&
	IMSTORE_STORE=$TEST_DIR/other imstore init >/dev/null &&
	step import env IMSTORE_STORE=$TEST_DIR/other "$IMSTORE" import x.tar.gz &&
	step "import (json)" env IMSTORE_STORE=$TEST_DIR/other "$IMSTORE" import \
		--format json x.zip &&
	step "list imported" env IMSTORE_STORE=$TEST_DIR/other "$IMSTORE" list &&
	printf "id\tsrc_addr\tdst_addr\tusername\tdomain\tinc_time\texp_time\tsnd_time\tctype\tbody\textra_hdrs\tcallid\tstatus\n" >msilo.tsv &&
	printf "1\tsip:a@x.org\tsip:b@y.org\tb\ty.org\t1764700000\t0\t0\ttext/plain\thi\tNULL\tcall-1\t0\n" >>msilo.tsv &&
	printf "2\tsip:a@x.org\tsip:b@y.org\tb\ty.org\t1764700000\t1000\t0\ttext/plain\told\tNULL\tNULL\t0\n" >>msilo.tsv &&
	step "import msilo" env IMSTORE_STORE=$TEST_DIR/other "$IMSTORE" import \
		--from-msilo mysql msilo.tsv
'

test_expect_success 'the export manifest and an eml message file' '
	mkdir xt et &&
	tar -xzf x.tar.gz -C xt &&
	tar -xf e.tar -C et &&
	step "manifest.xml" sed "s/time=\"[^\"]*\"/time=\"<time>\"/" xt/manifest.xml &&
	step "eml manifest.xml" sed "s/time=\"[^\"]*\"/time=\"<time>\"/" et/manifest.xml &&
	for f in $(cd et && find . -name "*.eml" | sort); do
		step "eml $f" cat et/$f || return 1
	done &&
	tar -tf e.tar >entries &&
	for f in $(grep "\.eml\$" entries); do echo tampered >>et/$f || return 1; done &&
	tar -cf bad.tar -C et --no-recursion $(cat entries) &&
	step "verify-archive tampered" imstore verify-archive bad.tar &&
	step "verify-archive tampered (json)" imstore verify-archive --format json bad.tar
'

test_expect_success 'cpim' '
	for f in ok-01-rfc3862-example ok-03-rfc5438-imdn-request; do
		step "cpim $f" imstore cpim $CORPUS/cpim/$f.cpim &&
		step "cpim $f (json)" imstore cpim --format json $CORPUS/cpim/$f.cpim ||
		return 1
	done &&
	step "cpim --sip" imstore cpim --sip $CORPUS/sip/ok-01-message-basic.sip &&
	step "cpim --sip (json)" imstore cpim --sip --format json \
		$CORPUS/sip/ok-01-message-basic.sip
'

test_expect_success 'the transcript is the golden one' '
	normalise >actual &&
	if test -n "${IMS_GOLDEN_WRITE-}"; then cp actual "$GOLDEN"; fi &&
	test_cmp "$GOLDEN" actual
'

test_done
