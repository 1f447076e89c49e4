#!/bin/sh
# README.md's command blocks run: every `build/imstore ...` line of the
# five-minute tour and the blocks after it, in order, against a scratch
# store, each exiting 0.
#
# What the lines need is made here: payload.cpim (tests/corpus), settings.xml
# (the settings fuzz corpus), silo.tsv (the msilo fuzz corpus) and a backup
# directory, which stands for /backup (a test cannot write to /).  The
# placeholders ID and LEASE become the id `put` printed and the lease
# `deferred on-register` granted; CONVERSATION stays a word (a conversation
# with no message has an empty transcript).  Not run: `make demo` and
# `make check` of "The two commands" (they are not imstore lines and would
# build and test the tree from inside its own test).
. "$(dirname "$0")/test-lib.sh"

README=$IMS_SRCDIR/README.md

# The code lines of the tour's section (from "## A five-minute tour" to the
# next heading), continuation lines joined, comments dropped.
tour_lines () {
	awk '
		/^## / { intour = ($0 ~ /^## A five-minute tour/); next }
		!intour || !/^    / { next }
		{
			line = substr($0, 5)
			sub(/^[ \t]+/, "", line)
			buf = cont ? buf " " line : line
			if (buf ~ /\\$/) { sub(/[ \t]*\\$/, "", buf); cont = 1; next }
			cont = 0
			print buf
		}' "$README" |
	sed -e 's/[[:space:]][[:space:]]*#[[:space:]].*$//'
}

# A README line as the test runs it.
as_run () {
	sed -e 's|build/imstore|imstore|g' -e 's/ ID$/ "$ID"/' -e 's/ LEASE$/ "$LEASE"/' \
	    -e 's| /backup/| backup/|'
}

# Run one line; keep what the next lines need from its output.
run_line () {
	eval "$1" >out || return 1
	cat out
	case $1 in
	*"imstore put "*) ID=$(cat out) ;;
	*"deferred on-register"*) LEASE=$(sed -n "s/^lease \([^ ]*\) .*/\1/p" out) ;;
	esac
}

test_expect_success 'setup: the fixtures the README lines name' '
	cp "$IMS_SRCDIR/tests/corpus/cpim/ok-05-rcs-text-plain.cpim" payload.cpim &&
	cp "$IMS_SRCDIR/tests/fuzz/corpus/settings/ok-full.xml" settings.xml &&
	cp "$IMS_SRCDIR/tests/fuzz/corpus/msilo/ok-mysql.tsv" silo.tsv &&
	mkdir backup &&
	tour_lines | grep -e "build/imstore" -e "^export IMSTORE_STORE=" | as_run >cmds &&
	awk "/^## A five-minute tour/,/^## Layout/" "$README" |
		grep -c "^ *\(printf .* | \)*build/imstore" >want &&
	grep -c "imstore" cmds >got && test_cmp want got &&
	test "$(cat got)" -ge 30
'

n=$(wc -l <cmds 2>/dev/null || echo 0)
i=1
while test "$i" -le "$n"; do
	cmd=$(sed -n "${i}p" cmds)
	# the title from the imstore command on, without backslashes (echo)
	title=$(printf '%s\n' "${cmd#*| }" | tr -d '\\')
	test_expect_success "$title" 'run_line "$cmd"'
	i=$((i + 1))
done

test_expect_success 'the lines did what they say' '
	test -n "$ID" && test -n "$LEASE" &&
	imstore list --count >got && test "$(cat got)" -ge 1 &&
	test -d backup/imstore-1 && test -s case.tar.gz &&
	imstore --store new-store list --count >/dev/null
'

test_done
