#!/bin/sh
# Hostile XML at the commands (settings documents, URI-lists) and in the
# library (settings, URI-lists, IMDN): documents naming external DTDs,
# external entities, parameter entities and XIncludes.  strace watches every open and connect: nothing named is ever
# opened, no connection is ever made, and the command fails with a clear
# error (an XInclude, not processed, is just an element of another
# namespace).
. "$(dirname "$0")/test-lib.sh"

# LeakSanitizer cannot run under ptrace: traced runs leave leaks to the
# other tests
traced () {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace "$@"
}

command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null &&
	test_set_prereq STRACE

SECRET=$TEST_DIR/secret
echo "top secret" >"$SECRET"

# hostile PROLOG INNER ROOT-OPEN ROOT-CLOSE: the documents of one reader
hostile () {
	printf '%s\n' \
	"<!DOCTYPE r SYSTEM \"file://$SECRET\">$3$4" \
	"<!DOCTYPE r SYSTEM \"http://127.0.0.1:9/r.dtd\">$3$4" \
	"<!DOCTYPE r [<!ENTITY x SYSTEM \"file://$SECRET\">]>$3&x;$4" \
	"<!DOCTYPE r [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]>$3&x;$4" \
	"<!DOCTYPE r [<!ENTITY % p SYSTEM \"file://$SECRET\"> %p;]>$3$4" \
	"<?xml version=\"1.0\"?><!doctype r [<!ENTITY x \"x\">]>$3&x;$4" \
	"$3<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file://$SECRET\" parse=\"text\"/>$4"
}

# watched NAME COMMAND...: run under strace; NAME.trace, NAME.out, NAME.err
watched () {
	test_w_=$1
	shift
	traced -f -o "$test_w_.trace" -e trace=open,openat,openat2,connect,socket "$@" \
		>"$test_w_.out" 2>"$test_w_.err"
	echo $? >"$test_w_.rc"
}

# nothing_loaded NAME: no open of the secret, no socket, no connect
nothing_loaded () {
	! grep -e "secret" -e "connect(" -e "socket(" "$1.trace"
}

test_expect_success 'a store with a user and a deferred message' '
	imstore init >/dev/null &&
	echo hi | imstore deferred store sip:bob@example.com -f sip:a@example.com -m m1 >/dev/null
'

test_expect_success STRACE 'settings set: external DTDs and entities never loaded, refused' '
	hostile "" "" "<im-settings xmlns=\"urn:oma:xml:im:service-settings\">" "</im-settings>" >docs &&
	i=0 && while IFS= read -r d; do
		i=$((i + 1)) && printf "%s" "$d" >s$i.xml &&
		watched s$i "$IMSTORE" settings set sip:bob@example.com s$i.xml &&
		nothing_loaded s$i || return 1
		case $d in
		*XInclude*) ;;
		*) echo 65 >expect && test_cmp expect s$i.rc &&
		   grep "^imstore: .*document type declarations and entities are not accepted" s$i.err ||
		   return 1 ;;
		esac
	done <docs &&
	test $i = 7
'

test_expect_success STRACE 'deferred lease --uri-list: never loaded, refused' '
	hostile "" "" "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list><entry uri=\"m1\"/>" "</list></resource-lists>" >docs &&
	i=0 && while IFS= read -r d; do
		i=$((i + 1)) && printf "%s" "$d" >u$i.xml &&
		watched u$i "$IMSTORE" deferred lease --uri-list u$i.xml sip:bob@example.com &&
		nothing_loaded u$i || return 1
		case $d in
		*XInclude*) ;;
		*) echo 65 >expect && test_cmp expect u$i.rc && test_must_be_empty u$i.out &&
		   grep "^imstore: " u$i.err || return 1 ;;
		esac
	done <docs &&
	test $i = 7
'

# the library's three readers (settings, URI-list, IMDN) on every attack of
# test_hostile, which names /etc/passwd and 127.0.0.1:9
HOSTILE=${IMS_BUILDDIR:-$IMS_SRCDIR/build}/tests/test_hostile
test_have_prereq STRACE && test -x "$HOSTILE" && test_set_prereq HOSTILE

test_expect_success HOSTILE 'every XML reader of the library: nothing loaded' '
	watched lib "$HOSTILE" &&
	echo 0 >expect && test_cmp expect lib.rc &&
	! grep "^not ok" lib.out &&
	grep -q "IMDN: an external entity refused" lib.out &&
	! grep -e "/etc/passwd" -e "connect(" -e "socket(" lib.trace
'

test_done
