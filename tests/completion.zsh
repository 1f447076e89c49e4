#!/bin/zsh -f
# completion.zsh - what the zsh completion of imstore offers, for the
# completion test (T233): `zsh -f completion.zsh COMPDIR WORD...` prints,
# one a line, the matches zsh offers for the command line WORD... (the
# last word the one completed; "" for a new word).  It drives an
# interactive zsh under zpty, in which this file is sourced again
# (--in-pty) so that compadd prints the matches instead of inserting them
# (after Valodim's zsh-capture-completion).
if [[ $1 == --in-pty ]]; then
	bindkey '^M' undefined
	bindkey '^J' undefined
	bindkey '^I' complete-word
	nul-line() { echo -E - $'\0' }
	compprefuncs=(nul-line)
	comppostfuncs=(nul-line exit)
	zstyle ':completion:*' list-grouped false
	zstyle ':completion:*' insert-tab false
	compadd() {
		if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
			builtin compadd "$@"
			return $?
		fi
		local -a hits
		builtin compadd -A hits "$@"
		(( $#hits )) && print -rl -- $hits
	}
	return 0
fi
zmodload zsh/zpty || exit 1
compdir=$1
shift
zpty z zsh -f -i
zpty -w z "PROMPT=''; fpath=($compdir \$fpath); autoload -U compinit; compinit -u -D; source ${0:a} --in-pty"
zpty -w z "$*"$'\t'
integer seen=0
local line
while zpty -r z line; do
	if [[ $line == *$'\0'* ]]; then
		(( ++seen == 2 )) && break
		continue
	fi
	line=${line%$'\r'}
	line=${line%$'\n'}
	line=${line%$'\r'}
	(( seen == 1 )) && [[ -n $line ]] && print -r -- $line
done
zpty -d z
