#!/bin/sh
# imstore list --limit / --cursor: paging neither skips nor repeats a
# message, in text and JSON, forwards and reversed, while messages arrive.
. "$(dirname "$0")/test-lib.sh"

BOB=sip:bob@example.com
ALICE=sip:alice@example.com

# page_all [LIST OPTION...]: list in pages of 7, following next-cursor on
# stderr; the rows of every page on stdout, the number of pages in
# ./npages.  Runs page_hook (if set) after each page.
page_all () {
	pa_cursor= pa_n=0
	while :; do
		imstore list --limit 7 ${pa_cursor:+--cursor "$pa_cursor"} "$@" \
			>page 2>cursor || return 1
		cat page
		pa_n=$((pa_n + 1))
		test "$pa_n" -lt 50 || return 1
		pa_cursor=$(sed -n "s/^next-cursor: //p" cursor)
		test -z "$pa_cursor" && break
		test_line_count = 7 page >&2 || return 1
		${page_hook:+$page_hook} || return 1
	done
	echo "$pa_n" >npages
}

# The same in JSON: next_cursor is the last line of a page.
page_all_json () {
	pj_cursor= pj_n=0
	while :; do
		imstore list --format json --limit 7 ${pj_cursor:+--cursor "$pj_cursor"} "$@" \
			>page.json 2>err || return 1
		test_must_be_empty err >&2 || return 1
		pj_n=$((pj_n + 1))
		test "$pj_n" -lt 50 || return 1
		pj_cursor=$(tail -n 1 page.json | json_get next_cursor)
		if test "$pj_cursor" = null; then
			cat page.json
			break
		fi
		sed "\$d" page.json
	done
	echo "$pj_n" >npages
}

test_expect_success 'setup: 25 messages, some with equal received times' '
	imstore init >/dev/null &&
	i=1 &&
	while test $i -le 25; do
		sec=$(printf %02d $((i % 6))) &&
		owner=$BOB && test $((i % 3)) = 0 && owner=sip:carol@example.com
		folder=deferred && test $((i % 4)) = 0 && folder=history
		put_msg $owner $ALICE m$i --folder $folder \
			--received 2026-01-01T00:00:${sec}Z >/dev/null || return 1
		i=$((i + 1))
	done &&
	imstore list >full &&
	test_line_count = 25 full
'

test_expect_success 'next-cursor goes to stderr in text mode' '
	imstore list --limit 7 >page 2>cursor &&
	test_line_count = 7 page &&
	head -n 7 full >expect &&
	test_cmp expect page &&
	test_line_count = 1 cursor &&
	grep -E "^next-cursor: [0-9A-Z]+$" cursor
'

test_expect_success 'paging 7 at a time gives the full listing' '
	page_all >pages &&
	test_cmp full pages &&
	echo 4 >expect &&
	test_cmp expect npages
'

test_expect_success 'no next-cursor when the page is not full' '
	imstore list --limit 30 >page 2>cursor &&
	test_cmp full page &&
	test_must_be_empty cursor
'

test_expect_success 'a cursor after the last message gives an empty page' '
	imstore list --limit 25 >page 2>cursor &&
	test_cmp full page &&
	c=$(sed -n "s/^next-cursor: //p" cursor) &&
	if test -n "$c"; then
		imstore list --cursor "$c" >page 2>cursor &&
		test_must_be_empty page &&
		test_must_be_empty cursor
	fi
'

test_expect_success 'paging with --reverse' '
	imstore list --reverse >rfull &&
	page_all --reverse >pages &&
	test_cmp rfull pages
'

test_expect_success 'paging a filtered listing (owner index over both folders)' '
	imstore list owner:$BOB >ofull &&
	test_line_count = 17 ofull &&
	page_all owner:$BOB >pages &&
	test_cmp ofull pages &&
	imstore list -r owner:$BOB >ofull &&
	page_all -r owner:$BOB >pages &&
	test_cmp ofull pages
'

test_expect_success 'paging a full scan with a residual filter' '
	imstore list "folder:deferred or subject:none" >dfull &&
	page_all "folder:deferred or subject:none" >pages &&
	test_cmp dfull pages
'

test_expect_success 'paging in JSON: next_cursor is the last line' '
	imstore list --format json >jfull &&
	page_all_json >jpages &&
	test_cmp jfull jpages &&
	echo 4 >expect &&
	test_cmp expect npages
'

test_expect_success 'the JSON and text cursors are the same' '
	imstore list --limit 7 2>cursor >/dev/null &&
	imstore list --format json --limit 7 | tail -n 1 | json_get next_cursor >jc &&
	sed -n "s/^next-cursor: //p" cursor >tc &&
	test_cmp tc jc
'

test_expect_success 'a cursor is case-insensitive' '
	imstore list --limit 7 2>cursor >/dev/null &&
	c=$(sed -n "s/^next-cursor: //p" cursor | tr A-Z a-z) &&
	imstore list --cursor "$c" >rest &&
	sed 1,7d full >expect &&
	test_cmp expect rest
'

# Between pages store one message received after everything (it must show
# up in a later page) and one received before everything (behind the
# cursor: it must not).
new_between_pages () {
	nb=$((nb + 1))
	put_msg $BOB $ALICE late$nb --received 2026-06-01T00:00:0${nb}Z >/dev/null &&
	put_msg $BOB $ALICE early$nb --received 2025-06-01T00:00:0${nb}Z >/dev/null
}

test_expect_success 'paging while messages are stored between pages' '
	nb=0 &&
	page_hook=new_between_pages page_all >pages &&
	test $nb -ge 3 &&
	imstore list >now &&
	grep -v "	2025-06-01T" now >expect &&
	test_cmp expect pages &&
	grep -c "	2026-06-01T" pages >n &&
	echo $nb >expect &&
	test_cmp expect n
'

# Between pages delete the message two places after the page's end.
delete_ahead () {
	imstore list --cursor "$pa_cursor" --limit 2 2>/dev/null | sed -n 2p | cut -f1 >ahead &&
	if test -s ahead; then
		cat ahead >>deleted &&
		imstore delete "$(cat ahead)" >/dev/null
	fi
}

test_expect_success 'paging while messages are deleted between pages' '
	imstore list >before &&
	: >deleted &&
	page_hook=delete_ahead page_all >pages &&
	test_line_count -ge 3 deleted &&
	sort pages | uniq -d >dups &&
	test_must_be_empty dups &&
	imstore list >after &&
	grep -v -F -f deleted before >expect &&
	test_cmp expect pages &&
	test_cmp after pages
'

test_done
