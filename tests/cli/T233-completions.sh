#!/bin/sh
# The bash and zsh completions, run: every command is offered, every
# subcommand of a command that has them, and every long option of each
# command and subcommand (its own and the common ones), as the option
# tables (`imstore __options`) list them; a keyword's values.
. "$(dirname "$0")/test-lib.sh"

COMP=$IMS_SRCDIR/completions
BIN_DIR=${IMSTORE%/*}
command -v bash >/dev/null && test_set_prereq BASH
command -v zsh >/dev/null && zsh -fc 'zmodload zsh/zpty' 2>/dev/null && test_set_prereq ZSH

# offered SHELL WORD...: what SHELL's completion offers, one a line
offered () {
	case $1 in
	bash)
		shift
		PATH=$BIN_DIR:$PATH bash --norc -c '
			. "$1"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
			_imstore; printf "%s\n" "${COMPREPLY[@]}"' - "$COMP/imstore.bash" "$@" ;;
	zsh)
		shift
		PATH=$BIN_DIR:$PATH timeout 20 zsh -f "$IMS_SRCDIR/tests/completion.zsh" "$COMP" "$@" ;;
	esac
}

# every_in EXPECTED GOT: each line of EXPECTED is a line of GOT
every_in () {
	sort -u "$1" >every.want && sort -u "$2" >every.got &&
	comm -23 every.want every.got >every.missing &&
	test_must_be_empty every.missing
}

test_expect_success 'the tables' '
	imstore __options >opts &&
	awk -F "\t" "\$1 != \"*\" && \$2 == \"-\" && \$3 == \"-\" { print \$1 }" opts >keys &&
	grep -v " " keys >commands &&
	test_line_count -gt 20 commands &&
	grep -c " " keys >nsubs && test "$(cat nsubs)" -gt 15 &&
	awk -F "\t" "\$1 == \"*\" { print \"--\" \$3 }" opts >common
'

for sh in bash zsh; do
	SH=$(echo $sh | tr a-z A-Z)

	test_expect_success $SH "$sh: every command" '
		offered '$sh' imstore "" >got &&
		every_in commands got
	'

	test_expect_success $SH "$sh: every subcommand of deferred, history, settings, quota" '
		for c in $(grep " " keys | cut -d" " -f1 | sort -u); do
			grep "^$c " keys | cut -d" " -f2 >want &&
			offered '$sh' imstore $c "" >got &&
			every_in want got || { echo "missing for $c:"; cat every.missing; return 1; }
		done
	'

	test_expect_success $SH "$sh: every option of every command and subcommand" '
		while IFS= read -r k; do
			case $k in deferred|history|settings|quota) continue ;; esac
			awk -F "\t" -v k="$k" "\$1 == k && \$3 != \"-\" { print \"--\" \$3 }" opts >want &&
			cat common >>want &&
			offered '$sh' imstore $k -- >got &&
			every_in want got || { echo "missing for $k:"; cat every.missing; return 1; }
		done <keys
	'

	test_expect_success $SH "$sh: a keyword's values" '
		offered '$sh' imstore stats --sort "" >got &&
		printf "bytes\ncount\n" >want && every_in want got &&
		offered '$sh' imstore list --format "" >got &&
		printf "json\ntext\nxml\n" >want && every_in want got
	'
done

test_done
