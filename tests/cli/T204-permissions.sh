#!/bin/sh
# Permissions: a store created under umask 022 or 000 is a 0700 directory
# of 0600 files, and stays so through writes; another OS
# user (a throwaway account made with useradd) can neither list, read nor
# open it, even where every directory above it is open to all.  Needs
# root; skipped otherwise.
. "$(dirname "$0")/test-lib.sh"

OTHER=imsrel$$
if test "$(id -u)" = 0 && command -v useradd >/dev/null && command -v setpriv >/dev/null &&
   useradd --system --no-create-home --shell /usr/sbin/nologin "$OTHER" 2>/dev/null; then
	test_set_prereq OTHER_USER
	trap 'userdel "$OTHER" 2>/dev/null; test_cleanup' EXIT
fi

as_other () {
	setpriv --reuid="$OTHER" --regid="$OTHER" --clear-groups "$@"
}

modes () {
	stat -c "%a %n" "$1" "$1/data.mdb" "$1/lock.mdb"
}

test_expect_success OTHER_USER 'setup: the scratch directory and a copy of imstore open to all' '
	chmod 755 "$TEST_DIR" &&
	copy_imstore bin &&
	as_other test -x bin/imstore
'

for mask in 022 000; do
	test_expect_success OTHER_USER "umask $mask: init makes 0700 and 0600" '
		(umask $mask && imstore -s st$mask init >/dev/null) &&
		printf "700 st$mask\n600 st$mask/data.mdb\n600 st$mask/lock.mdb\n" >expect &&
		modes st$mask >out && test_cmp expect out
	'

	test_expect_success OTHER_USER "umask $mask: after messages, deletes and verify, still 0600" '
		(umask $mask &&
		 echo secret-body | imstore -s st$mask put -o sip:bob@x.org -f sip:al@x.org -m s1 >/dev/null &&
		 echo other | imstore -s st$mask put -o sip:bob@x.org -f sip:al@x.org -m s2 >/dev/null &&
		 imstore -s st$mask delete msgid:s2 >/dev/null &&
		 imstore -s st$mask verify >/dev/null) &&
		modes st$mask >out && test_cmp expect out &&
		find st$mask -type f ! -perm 600 >loose &&
		test_must_be_empty loose
	'

	test_expect_success OTHER_USER "umask $mask: another user can neither list, read nor open it" '
		test_must_fail as_other ls st$mask &&
		test_must_fail as_other cat st$mask/data.mdb &&
		test_must_fail as_other ./bin/imstore -s st$mask list 2>err &&
		grep "^imstore: cannot open store ${SQ}st$mask${SQ}: permission denied$" err
	'

	test_expect_success OTHER_USER "umask $mask: not even with the directory opened by mistake" '
		chmod 755 st$mask &&
		test_must_fail as_other cat st$mask/data.mdb &&
		test_must_fail as_other cat st$mask/lock.mdb &&
		test_must_fail as_other ./bin/imstore -s st$mask list >out 2>err &&
		test_must_be_empty out &&
		! grep -q secret-body out err &&
		chmod 700 st$mask
	'
done

test_done
