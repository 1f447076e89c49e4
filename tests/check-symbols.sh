#!/bin/sh
# check-symbols.sh BUILDDIR - the shared libraries export exactly the
# functions their public headers declare (libimstore: imstore.h and
# imstore-exchange.h), and link what they use: libcpim neither lmdb nor
# libarchive, libimstore libcpim.
set -eu
O=${1:-build}
status=0
check() { # lib "headers" prefix
	nm -D --defined-only "$O/$1" | awk '$2 ~ /^[TDBR]$/ {print $3}' |
		sed 's/@.*//' | grep -v '^_' | sort -u > "$O/$1.exported"
	# shellcheck disable=SC2086 # $2 is a list of headers
	cat $2 | grep -oE "\b$3[a-z0-9_]+ *\(" | sed 's/ *($//' | grep -v "^$3_" |
		sort -u > "$O/$1.declared"
	if ! diff -u "$O/$1.declared" "$O/$1.exported"; then
		echo "check-symbols: $1 exports differ from $2 (- declared, + exported)"
		status=1
	else
		echo "check-symbols: $1: $(wc -l < "$O/$1.exported") symbols match $2"
	fi
	soname=$(objdump -p "$O/$1" | awk '/SONAME/ {print $2}')
	[ "$soname" = "$1" ] || { echo "check-symbols: $1 has SONAME '$soname'"; status=1; }
}
needed() { # lib: its DT_NEEDED entries
	objdump -p "$O/$1" | awk '$1 == "NEEDED" {print $2}'
}
check libimstore.so.0 "libstore/imstore.h libstore/imstore-exchange.h" ims_
check libcpim.so.0 libcpim/cpim.h cpim_
bad=$(needed libcpim.so.0 | grep -E '^lib(lmdb|archive)\.' || true)
if [ -n "$bad" ]; then
	echo "check-symbols: libcpim.so.0 needs" $bad
	status=1
else
	echo "check-symbols: libcpim.so.0 needs neither lmdb nor libarchive"
fi
if needed libimstore.so.0 | grep -qx libcpim.so.0; then
	echo "check-symbols: libimstore.so.0 needs libcpim.so.0"
else
	echo "check-symbols: libimstore.so.0 does not need libcpim.so.0"
	status=1
fi

# The command links the shared libraries and takes only what they export:
# it needs both, and no private name (ims__, cpim__) is left undefined in it.
needed_bin=$(objdump -p "$O/imstore" | awk '$1 == "NEEDED" {print $2}')
for lib in libimstore.so.0 libcpim.so.0; do
	echo "$needed_bin" | grep -qx "$lib" ||
		{ echo "check-symbols: imstore does not link $lib"; status=1; }
done
if nm -D --undefined-only "$O/imstore" | grep -E ' (ims__|cpim__)'; then
	echo "check-symbols: imstore reaches for private names"; status=1
fi
# and a program that reaches for one does not link against the .so
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
printf '#include <stdint.h>\nint64_t ims__now_us(void);\nint main(void) { return ims__now_us() < 0; }\n' >"$d/p.c"
if ${CC:-cc} -o "$d/p" "$d/p.c" -L"$O" -limstore -Wl,-rpath-link,"$O" 2>"$d/err"; then
	echo "check-symbols: a program linked a private name of libimstore.so"; status=1
elif ! grep -q 'undefined reference to .ims__now_us' "$d/err"; then
	echo "check-symbols: the probe failed to link for another reason:"; cat "$d/err"; status=1
else
	echo "check-symbols: imstore links the shared libraries; private names stay private"
fi
exit $status
