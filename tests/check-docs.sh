#!/bin/sh
# check-docs.sh BINARY - the man pages, --help and the shell completions
# agree with the option tables of BINARY (git's t0450, for imstore).
#
# Run from anywhere (make check-docs: sh tests/check-docs.sh build/imstore).
# The truth is `BINARY __options`: one line per option,
#   COMMAND <TAB> short|- <TAB> long <TAB> ARG|- <TAB> completion|-
# COMMAND "*" for the common options, "COMMAND SUBCOMMAND" for those of a
# subcommand, and "COMMAND - - OPERANDS -" per command and subcommand.
# Checked, one TAP line each (the problems follow as "# " lines):
#
#  1. every man page man/*.[1-9] is clean under `mandoc -Tlint -W warning`
#     (style-level messages are allowed);
#  2. every command has a page man/imstore-COMMAND.1, and every such page a
#     command;
#  3. the SYNOPSIS of man/imstore-COMMAND.1 shows each option of the command
#     and each common option exactly as the table has it, in brackets or
#     braces: "[-o ADDR | --owner ADDR]", "[--raw]", "[-h | --help]"; it
#     shows no option the command lacks, and it shows the operands;
#     for a command with subcommands, its line shows the common options and
#     its operands, and the lines "imstore COMMAND SUBCOMMAND ..." of each
#     subcommand show that subcommand's options and operands (git's
#     OPT_SUBCOMMAND pages, as imstore-deferred(1));
#  4. its DESCRIPTION has an item "-o, --owner ADDR" (or "--raw") for each
#     option of the command (of each subcommand), and names each common
#     option;
#  5. man/imstore.1 is where the common options are documented: its SYNOPSIS
#     shows exactly the common options, its DESCRIPTION has an item for each,
#     and it refers to every imstore-COMMAND(1);
#  6. `BINARY --help`, `BINARY COMMAND --help` and `BINARY COMMAND
#     SUBCOMMAND --help` list every option they accept ("-o, --owner ADDR"),
#     `BINARY --help` every command and `BINARY COMMAND --help` every
#     subcommand;
#  7. completions/imstore.bash and completions/_imstore are what
#     `completions/generate.sh BINARY` writes now.
#
# Pages are compared as mandoc renders them (-T ascii), so the check does
# not depend on how the mdoc source is written.  Exit status 0 when all is
# well, 1 when anything is wrong.
set -u

[ $# -eq 1 ] || { echo "usage: check-docs.sh BINARY" >&2; exit 2; }
case $1 in
/*) bin=$1 ;;
*) bin=$(pwd)/$1 ;;
esac
cd "$(dirname "$0")/.." || exit 1

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-docs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

n=0
failed=0

# report DESCRIPTION PROBLEMS-FILE: one TAP line, the problems as comments
report() {
	n=$((n + 1))
	if [ -s "$2" ]; then
		failed=$((failed + 1))
		echo "not ok $n - $1"
		sed 's/^/# /' "$2"
	else
		echo "ok $n - $1"
	fi
}

bail() {
	echo "Bail out! $*"
	exit 1
}

[ -x "$bin" ] || bail "no executable '$bin' (run make first)"
command -v mandoc >/dev/null 2>&1 || bail "mandoc is not installed (make deps)"
"$bin" __options > "$tmp/options" 2> "$tmp/err" ||
	bail "'$bin __options' failed: $(cat "$tmp/err")"
[ -s "$tmp/options" ] || bail "'$bin __options' printed nothing"
awk -F '\t' 'NF != 5 { print "line " NR ": " $0; bad = 1 } END { exit bad }' \
	"$tmp/options" > "$tmp/err" ||
	bail "'$bin __options' printed malformed lines: $(cat "$tmp/err")"
commands=$(awk -F '\t' '$1 !~ /[* ]/ && $2 == "-" && $3 == "-" { print $1 }' \
	"$tmp/options")
[ -n "$commands" ] || bail "'$bin __options' lists no command"

BS=$(printf '\b')

# render PAGE OUT: the page as plain text
render() {
	mandoc -T ascii -O width=200 "$1" 2>/dev/null | sed "s/.$BS//g" > "$2"
}

# section NAME TEXT: the lines of section NAME of a rendered page
section() {
	awk -v name="$1" '/^[A-Z]/ { in_s = ($0 == name); next } in_s' "$2"
}

# opts COMMAND: "short TAB long TAB ARG" for each option of COMMAND ("*":
# the common options; "deferred lease": a subcommand's)
opts() {
	awk -F '\t' -v c="$1" 'BEGIN { OFS = "\t" }
		$1 == c && $3 != "-" { print $2, $3, $4 }' "$tmp/options"
}

# subs COMMAND: the names of its subcommands, one a line
subs() {
	awk -F '\t' -v c="$1" 'index($1, c " ") == 1 && $2 == "-" && $3 == "-" {
		print substr($1, length(c) + 2) }' "$tmp/options"
}

# operands COMMAND: what follows the options in its usage
operands() {
	awk -F '\t' -v c="$1" '$1 == c && $2 == "-" && $3 == "-" { print $4 }' \
		"$tmp/options"
}

# lines TEXT: the "imstore ..." lines of a SYNOPSIS, each with the lines it
# wraps onto, blanks squeezed
lines() {
	awk '/^[ \t]*imstore( |$)/ { if (b != "") print b; b = $0; next }
		{ b = b " " $0 }
		END { if (b != "") print b }' "$1" |
		sed -e 's/[ \t][ \t]*/ /g' -e 's/^ //'
}

# synopsis_check LABEL WHAT OPTS TEXT [OPERANDS [ALSO]]: the options in OPTS
# are shown in TEXT as in the table, and no other option is but those of the
# file ALSO
synopsis_check() {
	awk -F '\t' -v label="$1" -v what="$2" -v operands="${5:-}" -v also="${6:-/dev/null}" '
	function form(i) {
		if (s[i] != "-" && a[i] != "-")
			return "-" s[i] " " a[i] " | --" l[i] " " a[i]
		if (s[i] != "-")
			return "-" s[i] " | --" l[i]
		return "--" l[i] (a[i] != "-" ? " " a[i] : "")
	}
	# whether f appears in t as "[f]" or "{f}"
	function enclosed(t, f,   p, rest, b, e) {
		rest = t
		while ((p = index(rest, f)) > 0) {
			b = p > 1 ? substr(rest, p - 1, 1) : ""
			e = substr(rest, p + length(f), 1)
			if ((b == "[" || b == "{") && (e == "]" || e == "}"))
				return 1
			rest = substr(rest, p + 1)
		}
		return 0
	}
	# whether the option token w appears in t on its own
	function token(t, w,   p, rest, b, e) {
		rest = " " t " "
		while ((p = index(rest, w)) > 0) {
			b = substr(rest, p - 1, 1)
			e = substr(rest, p + length(w), 1)
			if (b !~ /[A-Za-z0-9-]/ && e !~ /[A-Za-z0-9-]/)
				return 1
			rest = substr(rest, p + 1)
		}
		return 0
	}
	BEGIN {
		while ((getline line < also) > 0) {
			split(line, f, "\t")
			known["--" f[2]] = 1
			if (f[1] != "-")
				known["-" f[1]] = 1
		}
	}
	FILENAME == ARGV[1] {
		m++; s[m] = $1; l[m] = $2; a[m] = $3
		known["--" $2] = 1
		if ($1 != "-")
			known["-" $1] = 1
		next
	}
	{ text = text " " $0 }
	END {
		gsub(/[ \t]+/, " ", text)
		for (i = 1; i <= m; i++) {
			if (enclosed(text, form(i)))
				continue
			if (token(text, "--" l[i]))
				printf "%s: --%s is not shown as [%s]\n", label, l[i], form(i)
			else
				printf "%s: --%s is missing (expected [%s])\n", label, l[i], form(i)
		}
		t = text
		while (match(t, /(^|[ [{|])--?[A-Za-z][A-Za-z0-9-]*/)) {
			w = substr(t, RSTART, RLENGTH)
			sub(/^[ [{|]/, "", w)
			if (!(w in known) && !(w in seen))
				printf "%s: lists %s, which %s does not have\n", label, w, what
			seen[w] = 1
			t = substr(t, RSTART + RLENGTH)
		}
		if (operands != "" && operands != "-") {
			o = operands; gsub(/ /, "", o)
			t = text; gsub(/ /, "", t)
			if (index(t, o) == 0)
				printf "%s: the operands %s are missing\n", label, operands
		}
	}' "$3" "$4"
}

# items_check LABEL OPTS TEXT: TEXT has a line starting with the item of
# each option in OPTS, "-o, --owner ADDR" or "--folder FOLDER"
items_check() {
	awk -F '\t' -v label="$1" '
	FILENAME == ARGV[1] {
		m++
		item[m] = ($1 != "-" ? "-" $1 ", " : "") "--" $2 ($3 != "-" ? " " $3 : "")
		name[m] = $2
		next
	}
	{
		line = $0
		sub(/^[ \t]+/, "", line)
		for (i = 1; i <= m; i++) {
			k = length(item[i])
			if (substr(line, 1, k) == item[i] &&
			    (length(line) == k || substr(line, k + 1, 1) ~ /[ \t]/))
				found[i] = 1
		}
	}
	END {
		for (i = 1; i <= m; i++)
			if (!found[i])
				printf "%s: no item for --%s (expected \"%s\")\n", label, name[i], item[i]
	}' "$2" "$3"
}

# mentions_check LABEL OPTS TEXT: TEXT names each option of OPTS (--long)
mentions_check() {
	awk -F '\t' -v label="$1" '
	FILENAME == ARGV[1] { m++; name[m] = $2; next }
	{ text = text " " $0 " " }
	END {
		for (i = 1; i <= m; i++) {
			w = "--" name[i]; rest = text; ok = 0
			while ((p = index(rest, w)) > 0) {
				if (substr(rest, p - 1, 1) !~ /[A-Za-z0-9-]/ &&
				    substr(rest, p + length(w), 1) !~ /[A-Za-z0-9-]/) {
					ok = 1
					break
				}
				rest = substr(rest, p + 1)
			}
			if (!ok)
				printf "%s: does not mention --%s\n", label, name[i]
		}
	}' "$2" "$3"
}

opts '*' > "$tmp/common"

# ---------------------------------------------------------------- 1. lint
for page in man/*.[1-9]; do
	[ -f "$page" ] || continue
	: > "$tmp/problems"
	if ! mandoc -T lint -W warning "$page" > "$tmp/lint" 2>&1 || [ -s "$tmp/lint" ]; then
		if [ -s "$tmp/lint" ]; then
			cat "$tmp/lint" > "$tmp/problems"
		else
			echo "mandoc -Tlint failed on $page" > "$tmp/problems"
		fi
	fi
	report "mandoc -Tlint -W warning $page" "$tmp/problems"
done

# ---------------------------------------------------------------- 2. pages
: > "$tmp/problems"
for c in $commands; do
	[ -f "man/imstore-$c.1" ] ||
		echo "command '$c' has no man page man/imstore-$c.1" >> "$tmp/problems"
done
[ -f man/imstore.1 ] || echo "man/imstore.1 is missing" >> "$tmp/problems"
for page in man/imstore-*.1; do
	[ -f "$page" ] || continue
	c=${page#man/imstore-}
	c=${c%.1}
	printf '%s\n' "$commands" | grep -qxF -- "$c" ||
		echo "$page documents '$c', which is not a command of $bin" >> "$tmp/problems"
done
report "every command has a man page and every page a command" "$tmp/problems"

# ---------------------------------------------------------------- 3, 4. command pages
# sub_synopsis_check PAGE COMMAND: the lines of a command with subcommands
sub_synopsis_check() {
	lines "$tmp/synopsis" > "$tmp/lines"
	subs "$2" > "$tmp/subs"
	# the command's own line: "imstore deferred [common options] OPERANDS"
	awk -v c="$2" 'FILENAME == ARGV[1] { is[$0] = 1; next }
		{ split($0, w, " ") }
		w[1] == "imstore" && w[2] == c && !(w[3] in is)' "$tmp/subs" "$tmp/lines" \
		> "$tmp/text"
	[ -s "$tmp/text" ] || echo "$1 SYNOPSIS: no line for 'imstore $2'"
	synopsis_check "$1 SYNOPSIS" "'imstore $2'" "$tmp/common" "$tmp/text" \
		"$(operands "$2")"
	while IFS= read -r sub; do
		awk -v c="$2" -v s="$sub" '{ split($0, w, " ") }
			w[1] == "imstore" && w[2] == c && w[3] == s' "$tmp/lines" > "$tmp/text"
		if [ ! -s "$tmp/text" ]; then
			echo "$1 SYNOPSIS: no line for 'imstore $2 $sub'"
			continue
		fi
		opts "$2 $sub" > "$tmp/subopts"
		synopsis_check "$1 SYNOPSIS of '$2 $sub'" "'imstore $2 $sub'" "$tmp/subopts" \
			"$tmp/text" "$(operands "$2 $sub")" "$tmp/common"
	done < "$tmp/subs"
}

for c in $commands; do
	page=man/imstore-$c.1
	[ -f "$page" ] || continue
	render "$page" "$tmp/page"
	section SYNOPSIS "$tmp/page" > "$tmp/synopsis"
	section DESCRIPTION "$tmp/page" > "$tmp/description"
	opts "$c" > "$tmp/own"
	for sub in $(subs "$c"); do
		opts "$c $sub"
	done >> "$tmp/own"
	cat "$tmp/own" "$tmp/common" > "$tmp/all"

	: > "$tmp/problems"
	[ -s "$tmp/synopsis" ] || echo "$page has no SYNOPSIS" >> "$tmp/problems"
	if [ -n "$(subs "$c")" ]; then
		sub_synopsis_check "$page" "$c" >> "$tmp/problems"
	else
		synopsis_check "$page SYNOPSIS" "'imstore $c'" "$tmp/all" "$tmp/synopsis" \
			"$(operands "$c")" >> "$tmp/problems"
	fi
	report "SYNOPSIS of $page matches 'imstore $c'" "$tmp/problems"

	: > "$tmp/problems"
	[ -s "$tmp/description" ] || echo "$page has no DESCRIPTION" >> "$tmp/problems"
	items_check "$page DESCRIPTION" "$tmp/own" "$tmp/description" >> "$tmp/problems"
	mentions_check "$page DESCRIPTION" "$tmp/common" "$tmp/description" >> "$tmp/problems"
	report "DESCRIPTION of $page documents the options of 'imstore $c'" "$tmp/problems"
done

# ---------------------------------------------------------------- 5. imstore.1
if [ -f man/imstore.1 ]; then
	render man/imstore.1 "$tmp/page"
	section SYNOPSIS "$tmp/page" > "$tmp/synopsis"
	section DESCRIPTION "$tmp/page" > "$tmp/description"
	: > "$tmp/problems"
	synopsis_check "man/imstore.1 SYNOPSIS" "imstore" "$tmp/common" "$tmp/synopsis" \
		>> "$tmp/problems"
	items_check "man/imstore.1 DESCRIPTION" "$tmp/common" "$tmp/description" \
		>> "$tmp/problems"
	for c in $commands; do
		grep -qF "imstore-$c(1)" "$tmp/page" ||
			echo "man/imstore.1 does not refer to imstore-$c(1)" >> "$tmp/problems"
	done
	report "man/imstore.1 documents the common options and lists the commands" \
		"$tmp/problems"
fi

# ---------------------------------------------------------------- 6. --help
: > "$tmp/problems"
if "$bin" --help > "$tmp/help" 2> "$tmp/err"; then
	items_check "imstore --help" "$tmp/common" "$tmp/help" >> "$tmp/problems"
	for c in $commands; do
		grep -q "^  $c " "$tmp/help" ||
			echo "imstore --help: does not list the command '$c'" >> "$tmp/problems"
	done
else
	echo "imstore --help failed: $(cat "$tmp/err")" >> "$tmp/problems"
fi
# help_check COMMAND...: `BINARY COMMAND... --help` lists the options
help_check() {
	if "$bin" "$@" --help > "$tmp/help" 2> "$tmp/err"; then
		opts "$*" > "$tmp/own"
		cat "$tmp/own" "$tmp/common" > "$tmp/all"
		items_check "imstore $* --help" "$tmp/all" "$tmp/help"
	else
		echo "imstore $* --help failed: $(cat "$tmp/err")"
	fi
}
for c in $commands; do
	help_check "$c" >> "$tmp/problems"
	for sub in $(subs "$c"); do
		grep -q "^  $sub " "$tmp/help" 2>/dev/null ||
			echo "imstore $c --help: does not list the subcommand '$sub'" >> "$tmp/problems"
	done
	for sub in $(subs "$c"); do
		help_check "$c" "$sub" >> "$tmp/problems"
	done
done
report "--help lists every command and option" "$tmp/problems"

# ---------------------------------------------------------------- 7. completions
for shell in bash zsh; do
	case $shell in
	bash) file=completions/imstore.bash ;;
	zsh) file=completions/_imstore ;;
	esac
	: > "$tmp/problems"
	if ! sh completions/generate.sh "$bin" "$shell" > "$tmp/generated" 2> "$tmp/err"; then
		echo "completions/generate.sh failed: $(cat "$tmp/err")" >> "$tmp/problems"
	elif [ ! -f "$file" ]; then
		echo "$file is missing: run 'sh completions/generate.sh $1'" >> "$tmp/problems"
	elif ! cmp -s "$tmp/generated" "$file"; then
		echo "$file differs from what completions/generate.sh writes;" \
			"run 'sh completions/generate.sh $1' (- committed, + generated):" \
			>> "$tmp/problems"
		diff -u "$file" "$tmp/generated" | sed -n '3,40p' >> "$tmp/problems"
	fi
	report "$file is up to date" "$tmp/problems"
done

# ---------------------------------------------------------------- 8. imstored
# imstored(8) and imstored.conf(5) against the daemon beside BINARY: every
# option `imstored --help` lists is in the page's SYNOPSIS and has an item
# in its DESCRIPTION, the SYNOPSIS shows no other; every configuration key
# the reader (cmd/imstored/conf.c) accepts has an item in imstored.conf(5),
# and the page has no key item the reader lacks.
daemon=$(dirname "$bin")/imstored
if [ -x "$daemon" ]; then
	: > "$tmp/problems"
	"$daemon" --help > "$tmp/dhelp" 2>&1
	mandoc -T ascii man/imstored.8 | col -b > "$tmp/d8"
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$tmp/d8" > "$tmp/dsyn"
	sed -n '/^DESCRIPTION/,/^FILES/p' "$tmp/d8" > "$tmp/ddesc"
	grep -o -- '--[a-z-]*' "$tmp/dhelp" | sort -u > "$tmp/dlong"
	while read -r opt; do
		grep -q -- "$opt" "$tmp/dsyn" ||
			echo "imstored.8 SYNOPSIS lacks $opt" >> "$tmp/problems"
		grep -q -- "^ *\(-[a-z], \)\{0,1\}$opt" "$tmp/ddesc" ||
			echo "imstored.8 DESCRIPTION has no item for $opt" >> "$tmp/problems"
	done < "$tmp/dlong"
	grep -o -- '-\{1,2\}[a-z][a-z-]*' "$tmp/dsyn" | sed 's/^-\([a-z]\)$/-\1/' |
		sort -u | while read -r opt; do
		grep -q -- "\(^\| \)$opt[ ,]" "$tmp/dhelp" ||
			echo "imstored.8 SYNOPSIS shows $opt, which imstored lacks" >> "$tmp/problems"
	done
	sed -n 's/.*strcmp(k, "\([a-z_]*\)").*/\1/p' cmd/imstored/conf.c | sort -u > "$tmp/keys"
	mandoc -T ascii man/imstored.conf.5 | col -b |
		sed -n 's/^     \([a-z_]*\) = .*/\1/p' | sort -u > "$tmp/pagekeys"
	comm -23 "$tmp/keys" "$tmp/pagekeys" | sed 's/^/imstored.conf.5 has no item for the key /' \
		>> "$tmp/problems"
	comm -13 "$tmp/keys" "$tmp/pagekeys" | sed 's/^/imstored.conf.5 documents a key the reader lacks: /' \
		>> "$tmp/problems"
	report "imstored(8) and imstored.conf(5) agree with imstored" "$tmp/problems"
fi

echo "1..$n"
if [ "$failed" -gt 0 ]; then
	echo "# check-docs: $failed of $n checks failed"
	exit 1
fi
echo "# check-docs: all $n checks passed"
exit 0
