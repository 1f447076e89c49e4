#!/bin/sh
# check-install.sh BUILDDIR - make install/uninstall into a DESTDIR: the
# binary and aliases, both libraries, header, pkg-config, man pages and
# completions land where they should, a program builds against them, and
# uninstall removes them all.  libimstore.so needs libcpim.so, and the
# static libraries link with what `pkg-config --static --libs imstore` says.
set -eu
O=${1:-build}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
fail() { echo "check-install: $*"; exit 1; }
make -s O="$O" DESTDIR="$d" prefix=/usr/local install >/dev/null
p="$d/usr/local"
for f in bin/imstore bin/imstore-list bin/imstore-put include/imstore.h \
         include/imstore-exchange.h include/cpim.h \
         lib/libimstore.so.0 lib/libimstore.so lib/libimstore.a lib/libcpim.so.0 \
         lib/pkgconfig/imstore.pc lib/pkgconfig/cpim.pc share/man/man1/imstore.1 \
         share/man/man3/libimstore.3 share/man/man5/imstore.5 \
         share/man/man7/imstore-search-terms.7 \
         share/bash-completion/completions/imstore share/zsh/site-functions/_imstore \
         sbin/imstored share/man/man8/imstored.8 share/man/man5/imstored.conf.5 \
         lib/systemd/system/imstored.service; do
	[ -e "$p/$f" ] || fail "missing $f"
done
# the schemas the man pages point to, every one of them
for f in schemas/*; do
	[ -e "$p/share/imstore/$f" ] || fail "missing share/imstore/$f"
done
grep -q '^prefix=/usr/local$' "$p/lib/pkgconfig/imstore.pc" || fail "imstore.pc prefix"
# the daemon runs installed (its libraries found from sbin), the unit names it
"$p/sbin/imstored" --version | grep -q '^imstored ' || fail "sbin/imstored does not run"
grep -q '^ExecStart=/usr/local/sbin/imstored -c /etc/imstored.conf -f$' \
	"$p/lib/systemd/system/imstored.service" || fail "imstored.service ExecStart"
"$p/bin/imstore-list" --help | grep -q '^usage: imstore list' || fail "imstore-list alias"
# every command of the table (and only those) has its aliases
cmds=$("$p/bin/imstore" __options | awk -F '\t' '$1 !~ /[* ]/ && $2 == "-" && $3 == "-" { print $1 }')
[ -n "$cmds" ] || fail "imstore __options lists no command"
for c in $cmds; do
	[ -L "$p/bin/imstore-$c" ] || fail "missing the alias bin/imstore-$c"
	[ -L "$p/share/bash-completion/completions/imstore-$c" ] ||
		fail "missing the completion alias imstore-$c"
	"$p/bin/imstore-$c" --help | head -n 1 | grep -q "^usage: imstore $c " ||
		fail "bin/imstore-$c does not run 'imstore $c'"
done
for a in "$p"/bin/imstore-*; do
	printf '%s\n' "$cmds" | grep -qxF "${a##*/imstore-}" || fail "an alias of no command: $a"
done
grep -q '^Libs: -L${libdir} -limstore' "$p/lib/pkgconfig/imstore.pc" || fail "imstore.pc"
cat > "$d/prog.c" <<'C'
#include <imstore.h>
#include <imstore-exchange.h>
#include <stdio.h>
int main(void) { char s[IMS_ID_STRLEN + 1]; ims_id id = {{0}}; ims_id_fmt(s, &id);
	ims_archive_verify_opts o = IMS_ARCHIVE_VERIFY_OPTS_INIT;
	static ims_archive_report r;
	if (ims_archive_verify(&r, "/nonexistent/a.tar", &o) != IMS_INVALID) return 1;
	return puts(ims_strerror(IMS_NOTFOUND)) < 0; }
C
# libcpim.so.0, needed by libimstore.so, is found by its path in a DESTDIR
cc -o "$d/prog" "$d/prog.c" -I"$p/include" -L"$p/lib" -Wl,-rpath-link,"$p/lib" -limstore ||
	fail "cannot build against the library"
LD_LIBRARY_PATH="$p/lib" "$d/prog" | grep -q 'not found' || fail "program did not run"
objdump -p "$p/lib/libimstore.so.0" | grep -q 'NEEDED *libcpim\.so\.0$' ||
	fail "libimstore.so.0 does not need libcpim.so.0"
! objdump -p "$p/lib/libcpim.so.0" | grep -qE 'NEEDED *lib(lmdb|archive)\.' ||
	fail "libcpim.so.0 needs lmdb or libarchive"
pc() {
	PKG_CONFIG_PATH="$p/lib/pkgconfig" pkg-config --define-variable=libdir="$p/lib" \
	  --define-variable=includedir="$p/include" "$@"
}
libs=$(pc --static --libs imstore) || fail "pkg-config --static --libs imstore"
case " $libs " in *" -lcpim "*) ;; *) fail "imstore.pc does not bring in libcpim: $libs" ;; esac
others=$(echo " $libs " | sed -e 's/ -L[^ ]*//g' -e 's/ -limstore / /' -e 's/ -lcpim / /')
# shellcheck disable=SC2046,SC2086
cc -o "$d/prog-static" "$d/prog.c" $(pc --cflags imstore) -L"$p/lib" \
  -Wl,-Bstatic -limstore -lcpim -Wl,-Bdynamic $others || fail "cannot link the static libraries"
"$d/prog-static" | grep -q 'not found' || fail "static program did not run"
make -s O="$O" DESTDIR="$d" prefix=/usr/local uninstall >/dev/null
left=$(find "$p" -type f -o -type l)
[ -z "$left" ] || fail "left after uninstall: $left"
# a plain make then make install prefix=/usr: the .pc files say /usr
make -s O="$O" DESTDIR="$d/b" prefix=/usr install >/dev/null
for pcf in imstore cpim; do
	grep -q '^prefix=/usr$' "$d/b/usr/lib/pkgconfig/$pcf.pc" &&
	grep -q '^libdir=/usr/lib$' "$d/b/usr/lib/pkgconfig/$pcf.pc" ||
		fail "$pcf.pc installed with prefix=/usr keeps the build's prefix"
done
[ -e "$d/b/usr/share/imstore/schemas/transcript.xsd" ] || fail "schemas under prefix=/usr"
echo "check-install: install and uninstall ok"
