#!/bin/sh
# A full disk: stores fail as temporary failures (exit 75) with a clear
# message, what was stored stays intact, and writes resume once space is
# freed.  Needs root to mount a small tmpfs; skipped otherwise.
. "$(dirname "$0")/test-lib.sh"

if [ "$(id -u)" -eq 0 ] && mkdir small && mount -t tmpfs -o size=1m tmpfs small 2>/dev/null; then
	test_set_prereq TMPFS
	trap 'umount "$TEST_DIR/small" 2>/dev/null; test_cleanup' EXIT
fi

test_expect_success TMPFS 'fill the file system until a store fails' '
	imstore -s small/st init >/dev/null &&
	head -c 300000 /dev/urandom >small/filler &&
	i=0 &&
	while :; do
		i=$((i + 1)) &&
		head -c 40000 /dev/urandom >body &&
		imstore -s small/st put -o sip:a@x.org -f sip:b@x.org -m "m$i" body \
			>/dev/null 2>err || break
		test $i -lt 100 || return 1
	done &&
	echo $i >failed_at
'

test_expect_success TMPFS 'the failure is a temporary one with a clear message' '
	test_expect_code 75 imstore -s small/st put -o sip:a@x.org -f sip:b@x.org \
		-m again body 2>err &&
	grep "^imstore: cannot store message ${SQ}again${SQ} for ${SQ}sip:a@x.org${SQ}: no space left on device$" err
'

test_expect_success TMPFS 'everything acknowledged before is intact' '
	n=$(( $(cat failed_at) - 1 )) &&
	imstore -s small/st list --count >count &&
	echo $n >expect && test_cmp expect count &&
	for id in $(imstore -s small/st list | cut -f1); do
		imstore -s small/st show --raw "$id" >/dev/null || return 1
	done
'

test_expect_success TMPFS 'writes resume once space is freed' '
	rm small/filler &&
	imstore -s small/st put -o sip:a@x.org -f sip:b@x.org -m again body >/dev/null &&
	imstore -s small/st show --raw "$(imstore -s small/st list msgid:again | cut -f1)" >got &&
	cmp body got
'

test_done
