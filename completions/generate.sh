#!/bin/sh
# generate.sh - write the bash and zsh completions of imstore from its
# option tables, so that they cannot drift from the commands.
#
#   sh completions/generate.sh BINARY          write completions/imstore.bash
#                                              and completions/_imstore
#   sh completions/generate.sh BINARY DIR      write DIR/imstore.bash, DIR/_imstore
#   sh completions/generate.sh BINARY bash     bash completion on stdout
#   sh completions/generate.sh BINARY zsh      zsh completion on stdout
#
# Input: `BINARY __options`, one line per option
#   COMMAND <TAB> short|- <TAB> long <TAB> ARG|- <TAB> completion|-
# (COMMAND "*": the common options, "COMMAND SUBCOMMAND": a subcommand's;
# completion "file", "dir" or a word list: a keyword's values) and one line
# per command and subcommand, "COMMAND - - OPERANDS -".  The one-line
# summaries of the commands, subcommands and options, which zsh shows beside
# them, come from `BINARY --help`, `BINARY COMMAND --help` and `BINARY
# COMMAND SUBCOMMAND --help`; an option whose help says "(repeatable)" may be
# given more than once.
#
# The generated files are committed; tests/check-docs.sh fails when they
# differ from what this script writes.  POSIX sh and awk only.
set -eu

usage() {
	echo "usage: generate.sh BINARY [bash | zsh | DIR]" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
bin=$1
dest=${2:-$(dirname "$0")}

die() {
	echo "generate.sh: $*" >&2
	exit 1
}

options=$("$bin" __options) || die "'$bin __options' failed"
[ -n "$options" ] || die "'$bin __options' printed nothing"
# every command and subcommand, "list" or "deferred lease", one a line
commands=$(printf '%s\n' "$options" |
	awk -F '\t' '$1 != "*" && $2 == "-" && $3 == "-" { print $1 }')
help=$({
	printf '@@ *\n'
	"$bin" --help
	printf '%s\n' "$commands" | while IFS= read -r c; do
		printf '@@ %s\n' "$c"
		# shellcheck disable=SC2086 # "deferred lease" is two words
		"$bin" $c --help || exit 1
	done
}) || die "'$bin COMMAND --help' failed"

# ---------------------------------------------------------------- generator
# shellcheck disable=SC2016 # an awk program, expanded by nobody
prog='
function sq(s) {                 # for a single-quoted shell word
	gsub(/\047/, "\047\\\047\047", s)
	return s
}
function zdesc(s) {              # inside [...] of an _arguments spec
	gsub(/\\/, "\\\\", s); gsub(/\[/, "\\[", s); gsub(/\]/, "\\]", s)
	return s
}
function zmsg(s) {               # a message or a _describe item: no bare ":"
	gsub(/\\/, "\\\\", s); gsub(/:/, "\\:", s)
	return s
}
function add_opt(c, s, l, a, k,   i) {
	i = ++nopt[c]
	os[c, i] = s; ol[c, i] = l; oa[c, i] = a; oc[c, i] = k
	idx[c, l] = i
}
# "-o, --owner ADDR" or "--folder FOLDER", as --help shows it
function left(c, i,   t) {
	t = (os[c, i] != "-" ? "-" os[c, i] ", " : "") "--" ol[c, i]
	return oa[c, i] != "-" ? t " " oa[c, i] : t
}

BEGIN { FS = "\t"; section = "" }
/^@@@@$/ { inhelp = 1; next }
!inhelp {
	if (NF != 5) {
		print "generate.sh: bad __options line: " $0 | "cat 1>&2"
		bad = 1
		next
	}
	if ($1 != "*" && $2 == "-" && $3 == "-") {
		key[++nkey] = $1
		operands[$1] = $4
		if (index($1, " ") == 0) {
			cmd[++ncmd] = $1
		} else {
			c = substr($1, 1, index($1, " ") - 1)
			subc[c, ++nsub[c]] = substr($1, index($1, " ") + 1)
		}
	} else {
		add_opt($1, $2, $3, $4, $5)
	}
	next
}
/^@@ / { section = substr($0, 4); incmds = 0; insubs = 0; next }
section == "*" && /^commands:$/ { incmds = 1; next }
section == "*" && incmds && /^  [^ ]/ {
	n = $0; sub(/^  /, "", n); sub(/ .*/, "", n)
	t = $0; sub(/^  [^ ]+ +/, "", t)
	summary[n] = t
	next
}
section != "*" && /^subcommands:$/ { insubs = 1; next }
section != "*" && insubs && /^  [^ ]/ {
	n = $0; sub(/^  /, "", n); sub(/ .*/, "", n)
	t = $0; sub(/^  [^ ]+ +/, "", t)
	summary[section " " n] = t
	next
}
/^$/ { incmds = 0; insubs = 0 }
/^  +-/ && match($0, /--[A-Za-z0-9][A-Za-z0-9-]*/) {
	l = substr($0, RSTART + 2, RLENGTH - 2)
	c = section
	if (!((c, l) in idx))
		next
	lt = left(c, idx[c, l])
	p = index($0, lt)
	if (p == 0)
		next
	t = substr($0, p + length(lt)); sub(/^ +/, "", t)
	ohelp[c, l] = t
	next
}

END {
	if (bad || ncmd == 0)
		exit 1
	if (mode == "bash")
		bash()
	else
		zsh()
}

# ---------------------------------------------------------------- bash
function bash_opts(c,   i, t) {
	t = ""
	for (i = 1; i <= nopt[c]; i++) {
		if (os[c, i] != "-")
			t = t " -" os[c, i]
		t = t " --" ol[c, i]
	}
	return t
}
function has_arg(c,   i) {
	for (i = 1; i <= nopt[c]; i++)
		if (oa[c, i] != "-")
			return 1
	return 0
}
function bash_kind(k) {
	return k == "-" ? "" : k
}
# case arms for the options of c that take an argument
function bash_args(c, ind,   i, pat) {
	for (i = 1; i <= nopt[c]; i++) {
		if (oa[c, i] == "-")
			continue
		pat = (os[c, i] != "-" ? "-" os[c, i] "|" : "") "--" ol[c, i]
		printf "%s%s) _imstore_r=\047%s\047; return 0 ;;\n", ind, pat,
		    sq(bash_kind(oc[c, i]))
	}
}
function bash_operands(o) {
	if (o ~ /(^|[^A-Za-z])FILE([^A-Za-z]|$)/)
		return "file"
	if (o ~ /(^|[^A-Za-z])DIR([^A-Za-z]|$)/)
		return "dir"
	return ""
}
function bash_case(k) {          # a case pattern, quoted when it has a blank
	return index(k, " ") ? "\047" k "\047" : k
}
function bash(   i, j, c, k, all, aliases, subs) {
	all = ""; aliases = ""
	for (i = 1; i <= ncmd; i++) {
		all = all (i > 1 ? " " : "") cmd[i]
		aliases = aliases " imstore-" cmd[i]
	}
	print "# bash completion for imstore(1) and its imstore-COMMAND aliases"
	print "# Generated by completions/generate.sh from \047imstore __options\047;"
	print "# do not edit: run `sh completions/generate.sh build/imstore`."
	print ""
	printf "_imstore_commands=\047%s\047\n", all
	print ""
	print "# _imstore_subcommands COMMAND: the subcommands of COMMAND, in _imstore_r"
	print "_imstore_subcommands()"
	print "{"
	print "\tcase $1 in"
	for (i = 1; i <= ncmd; i++) {
		c = cmd[i]
		if (!nsub[c])
			continue
		subs = ""
		for (j = 1; j <= nsub[c]; j++)
			subs = subs (j > 1 ? " " : "") subc[c, j]
		printf "\t%s) _imstore_r=\047%s\047 ;;\n", c, subs
	}
	print "\t*) _imstore_r= ;;"
	print "\tesac"
	print "}"
	print ""
	print "# _imstore_options COMMAND: the options of COMMAND (\047deferred lease\047:"
	print "# of a subcommand), in _imstore_r"
	print "_imstore_options()"
	print "{"
	print "\tcase $1 in"
	for (i = 1; i <= nkey; i++)
		printf "\t%s) _imstore_r=\047%s\047 ;;\n", bash_case(key[i]), substr(bash_opts(key[i]), 2)
	print "\t*) _imstore_r= ;;"
	print "\tesac"
	printf "\t_imstore_r=\"$_imstore_r %s\"\n", substr(bash_opts("*"), 2)
	print "}"
	print ""
	print "# _imstore_optarg COMMAND OPTION: what the argument of OPTION completes"
	print "# to, in _imstore_r: file, dir, a word list, or empty for anything;"
	print "# status 1 if OPTION takes no argument"
	print "_imstore_optarg()"
	print "{"
	print "\t_imstore_r="
	print "\tcase $2 in"
	bash_args("*", "\t")
	print "\tesac"
	print "\tcase $1 in"
	for (i = 1; i <= nkey; i++) {
		k = key[i]
		if (!has_arg(k))
			continue
		printf "\t%s)\n", bash_case(k)
		print "\t\tcase $2 in"
		bash_args(k, "\t\t")
		print "\t\tesac ;;"
	}
	print "\tesac"
	print "\treturn 1"
	print "}"
	print ""
	print "# _imstore_operands COMMAND: what the operands of COMMAND complete to,"
	print "# in _imstore_r: file, dir, or empty for nothing"
	print "_imstore_operands()"
	print "{"
	print "\tcase $1 in"
	for (i = 1; i <= nkey; i++)
		if (!nsub[key[i]] && bash_operands(operands[key[i]]) != "")
			printf "\t%s) _imstore_r=\047%s\047 ;;\n", bash_case(key[i]),
			    bash_operands(operands[key[i]])
	print "\t*) _imstore_r= ;;"
	print "\tesac"
	print "}"
	print ""
	print "# _imstore_values KIND WORD: the completions of WORD as a KIND"
	print "_imstore_values()"
	print "{"
	print "\tcase $1 in"
	print "\t\047\047) COMPREPLY=() ;;"
	print "\tfile)"
	print "\t\tmapfile -t COMPREPLY < <(compgen -f -- \"$2\")"
	print "\t\tcompopt -o filenames 2>/dev/null ;;"
	print "\tdir)"
	print "\t\tmapfile -t COMPREPLY < <(compgen -d -- \"$2\")"
	print "\t\tcompopt -o filenames 2>/dev/null ;;"
	print "\t*) mapfile -t COMPREPLY < <(compgen -W \"$1\" -- \"$2\") ;;"
	print "\tesac"
	print "}"
	print ""
	print "_imstore()"
	print "{"
	print "\tlocal cur=${COMP_WORDS[COMP_CWORD]} n=$COMP_CWORD i=1 w cmd=\047\047 sub=\047\047 subs=\047\047"
	print "\tlocal ddash=\047\047 argopt=\047\047 _imstore_r"
	print ""
	print "\tCOMPREPLY=()"
	print "\tw=${COMP_WORDS[0]##*/}"
	print "\tcase $w in"
	print "\timstore-?*) cmd=${w#imstore-} ;;"
	print "\tesac"
	print "\t_imstore_subcommands \"$cmd\""
	print "\tsubs=$_imstore_r"
	print "\t# the command, its subcommand, and whether the current word is an"
	print "\t# option argument"
	print "\twhile [ \"$i\" -lt \"$n\" ]; do"
	print "\t\tw=${COMP_WORDS[i]}"
	print "\t\tif [ -z \"$ddash\" ] && [ \"$w\" = -- ]; then"
	print "\t\t\tddash=1"
	print "\t\telif [ -z \"$ddash\" ] && [ \"${w#-}\" != \"$w\" ] && [ \"$w\" != - ]; then"
	print "\t\t\tcase $w in"
	print "\t\t\t--*=*|-[!-]?*) ;;"
	print "\t\t\t*)"
	print "\t\t\t\tif _imstore_optarg \"$cmd${sub:+ $sub}\" \"$w\"; then"
	print "\t\t\t\t\t# --opt=ARG split at the = by COMP_WORDBREAKS"
	print "\t\t\t\t\t[ \"${COMP_WORDS[i+1]}\" = = ] && i=$((i + 1))"
	print "\t\t\t\t\ti=$((i + 1))"
	print "\t\t\t\t\tif [ \"$i\" -ge \"$n\" ]; then"
	print "\t\t\t\t\t\targopt=$w"
	print "\t\t\t\t\t\tbreak"
	print "\t\t\t\t\tfi"
	print "\t\t\t\tfi ;;"
	print "\t\t\tesac"
	print "\t\telif [ -z \"$cmd\" ]; then"
	print "\t\t\tcmd=$w"
	print "\t\t\t_imstore_subcommands \"$cmd\""
	print "\t\t\tsubs=$_imstore_r"
	print "\t\telif [ -n \"$subs\" ] && [ -z \"$sub\" ]; then"
	print "\t\t\tsub=$w"
	print "\t\tfi"
	print "\t\ti=$((i + 1))"
	print "\tdone"
	print "\tw=$cmd${sub:+ $sub}"
	print ""
	print "\tif [ -n \"$argopt\" ]; then"
	print "\t\t[ \"$cur\" = = ] && cur="
	print "\t\t_imstore_optarg \"$w\" \"$argopt\""
	print "\t\t_imstore_values \"$_imstore_r\" \"$cur\""
	print "\t\treturn 0"
	print "\tfi"
	print "\tif [ -z \"$ddash\" ]; then"
	print "\t\tcase $cur in"
	print "\t\t--*=*)"
	print "\t\t\tif _imstore_optarg \"$w\" \"${cur%%=*}\"; then"
	print "\t\t\t\t_imstore_values \"$_imstore_r\" \"${cur#*=}\""
	print "\t\t\t\tCOMPREPLY=(\"${COMPREPLY[@]/#/${cur%%=*}=}\")"
	print "\t\t\tfi"
	print "\t\t\treturn 0 ;;"
	print "\t\t-*)"
	print "\t\t\t_imstore_options \"$w\""
	print "\t\t\t_imstore_values \"$_imstore_r\" \"$cur\""
	print "\t\t\treturn 0 ;;"
	print "\t\tesac"
	print "\tfi"
	print "\tcase $cmd in"
	print "\t\047\047) _imstore_values \"$_imstore_commands help\" \"$cur\" ;;"
	print "\thelp) _imstore_values \"$_imstore_commands\" \"$cur\" ;;"
	print "\t*)"
	print "\t\tif [ -n \"$subs\" ] && [ -z \"$sub\" ]; then"
	print "\t\t\t_imstore_values \"$subs\" \"$cur\""
	print "\t\t\treturn 0"
	print "\t\tfi"
	print "\t\t_imstore_operands \"$w\""
	print "\t\t_imstore_values \"$_imstore_r\" \"$cur\" ;;"
	print "\tesac"
	print "\treturn 0"
	print "}"
	print ""
	printf "complete -F _imstore imstore%s\n", aliases
}

# ---------------------------------------------------------------- zsh
function zaction(k, a) {
	if (k == "file")
		return "_files"
	if (k == "dir")
		return "_files -/"
	if (k != "-")
		return "(" k ")"
	return " "
}
function zspec(c, i,   s, l, d, rep, names, t) {
	s = os[c, i]; l = ol[c, i]
	d = ((c, l) in ohelp) ? ohelp[c, l] : ""
	if (c != "*" && d == "" && (("*", l) in ohelp))
		d = ohelp["*", l]
	rep = d ~ /\(repeatable\)/
	d = d != "" ? "[" zdesc(d) "]" : ""
	t = oa[c, i] != "-" ? ":" zmsg(oa[c, i]) ":" zaction(oc[c, i]) : ""
	if (s != "-") {
		names = "{-" s (oa[c, i] != "-" ? "+" : "") ",--" l (oa[c, i] != "-" ? "=" : "") "}"
		return (rep ? "\047*\047" : "\047(-" s " --" l ")\047") names "\047" sq(d t) "\047"
	}
	return "\047" (rep ? "*" : "") "--" l (oa[c, i] != "-" ? "=" : "") sq(d t) "\047"
}
# the _arguments spec of operand text o at position pos
function zoperand(o, pos,   n, a) {
	a = " "
	if (o ~ /(^|[^A-Za-z])FILE([^A-Za-z]|$)/)
		a = "_files"
	else if (o ~ /(^|[^A-Za-z])DIR([^A-Za-z]|$)/)
		a = "_files -/"
	if (o ~ /\.\.\./)
		n = "*:"
	else if (o ~ /^\[/)
		n = pos "::"
	else
		n = pos ":"
	if (o ~ /^\[.*\]$/)
		o = substr(o, 2, length(o) - 2)
	return "\047" sq(n zmsg(o) ":" a) "\047"
}
# print the specs of the operands o: "USER [FILE | -]" is USER, then the rest
function zoperands(o, ind,   pos) {
	if (o == "-")
		return
	pos = 1
	while (match(o, /^[A-Z][A-Z-]* /) && substr(o, RLENGTH + 1, 1) != "|") {
		printf "%s\047%s\047\n", ind, sq(pos ":" zmsg(substr(o, 1, RLENGTH - 1)) ": ")
		o = substr(o, RLENGTH + 1)
		pos++
	}
	printf "%s%s\n", ind, zoperand(o, pos)
}
function zcase(k) {              # a case pattern, quoted when it has a blank
	return index(k, " ") ? "\047" k "\047" : k
}
function zsh_specs(k,   j) {
	printf "\t(%s)\n", zcase(k)
	print "\t\tspecs=("
	for (j = 1; j <= nopt[k]; j++)
		printf "\t\t\t%s\n", zspec(k, j)
	zoperands(operands[k], "\t\t\t")
	print "\t\t) ;;"
}
function zsh_subs(c,   j, k) {
	printf "\t(%s)\n", c
	printf "\t\t_imstore_subcommand %s", c
	for (j = 1; j <= nsub[c]; j++) {
		k = c " " subc[c, j]
		printf " \\\n\t\t\t\047%s\047", sq(zmsg(subc[c, j]) ":" summary[k])
	}
	print ""
	print "\t\treturn ;;"
}
function zsh(   i, j, c, aliases) {
	aliases = ""
	for (i = 1; i <= ncmd; i++)
		aliases = aliases " imstore-" cmd[i]
	printf "#compdef imstore%s\n", aliases
	print "# zsh completion for imstore(1) and its imstore-COMMAND aliases"
	print "# Generated by completions/generate.sh from \047imstore __options\047;"
	print "# do not edit: run `sh completions/generate.sh build/imstore`."
	print ""
	print "# _imstore_common: the _arguments specs of the common options, in reply"
	print "_imstore_common() {"
	print "\treply=("
	for (i = 1; i <= nopt["*"]; i++)
		printf "\t\t%s\n", zspec("*", i)
	print "\t)"
	print "}"
	print ""
	print "_imstore_commands() {"
	print "\tlocal -a commands"
	print "\tcommands=("
	for (i = 1; i <= ncmd; i++)
		printf "\t\t\047%s\047\n", sq(zmsg(cmd[i]) ":" summary[cmd[i]])
	print "\t\t\047help:show the usage of a command\047"
	print "\t)"
	print "\t_describe -t commands \047imstore command\047 commands"
	print "}"
	print ""
	print "# _imstore_command NAME: the options and operands of command NAME, or of"
	print "# a subcommand, \"deferred lease\""
	print "_imstore_command() {"
	print "\tlocal -a reply specs"
	print "\t_imstore_common"
	print "\tcase $1 in"
	for (i = 1; i <= nkey; i++) {
		if (nsub[key[i]])
			zsh_subs(key[i])
		else
			zsh_specs(key[i])
	}
	print "\t(help) reply=() specs=(\0471:command:_imstore_commands\047) ;;"
	print "\tesac"
	print "\t_arguments -S : \"${reply[@]}\" \"${specs[@]}\""
	print "}"
	print ""
	print "# _imstore_subcommand NAME SUBCOMMAND:SUMMARY...: a subcommand of command"
	print "# NAME, then the options and operands of that subcommand"
	print "_imstore_subcommand() {"
	print "\tlocal name=$1 curcontext=$curcontext state state_descr line ret=1"
	print "\tlocal -a reply subs"
	print "\ttypeset -A opt_args"
	print ""
	print "\tshift"
	print "\tsubs=(\"$@\")"
	print "\t_imstore_common"
	print "\t_arguments -C -S : \"${reply[@]}\" \\"
	print "\t\t\0471:subcommand:->subcommand\047 \\"
	print "\t\t\047*::argument:->argument\047 && ret=0"
	print "\tcase $state in"
	print "\t(subcommand)"
	print "\t\t_describe -t subcommands \"imstore $name subcommand\" subs && ret=0 ;;"
	print "\t(argument)"
	print "\t\tcurcontext=${curcontext%:*:*}:imstore-$name-$words[1]:"
	print "\t\t_imstore_command \"$name $words[1]\" && ret=0 ;;"
	print "\tesac"
	print "\treturn ret"
	print "}"
	print ""
	print "_imstore() {"
	print "\tlocal curcontext=$curcontext state state_descr line ret=1"
	print "\tlocal -a reply"
	print "\ttypeset -A opt_args"
	print ""
	print "\tif [[ $service == imstore-?* ]]; then"
	print "\t\t_imstore_command ${service#imstore-}"
	print "\t\treturn"
	print "\tfi"
	print "\t_imstore_common"
	print "\t_arguments -C -S : \"${reply[@]}\" \\"
	print "\t\t\0471:command:_imstore_commands\047 \\"
	print "\t\t\047*::argument:->argument\047 && ret=0"
	print "\tif [[ $state == argument ]]; then"
	print "\t\tcurcontext=${curcontext%:*:*}:imstore-$words[1]:"
	print "\t\t_imstore_command $words[1] && ret=0"
	print "\tfi"
	print "\treturn ret"
	print "}"
	print ""
	print "_imstore \"$@\""
}
'

gen() { # bash | zsh
	{
		printf '%s\n' "$options"
		printf '@@@@\n'
		printf '%s\n' "$help"
	} | awk -v mode="$1" "$prog" || die "cannot generate the $1 completion"
}

case $dest in
bash|zsh)
	gen "$dest"
	;;
*)
	[ -d "$dest" ] || die "'$dest' is not a directory"
	gen bash > "$dest/imstore.bash.tmp"
	gen zsh > "$dest/_imstore.tmp"
	mv "$dest/imstore.bash.tmp" "$dest/imstore.bash"
	mv "$dest/_imstore.tmp" "$dest/_imstore"
	;;
esac
