#!/bin/zsh -f
# zsh-complete.zsh COMPDIR LINE — the matches an interactive zsh (zsh -f,
# compinit, COMPDIR first in fpath) offers for LINE followed by TAB, one
# per line, sorted; then the errors the completion printed, each line
# starting with "ERROR: ".  For tests/cli/completions.bats.
zmodload zsh/zpty || exit 2
compdir=$1 line=$2
out=$(mktemp) || exit 2
zpty z zsh -f -i
zpty -w z "unset zle_bracketed_paste; fpath=($compdir \$fpath); autoload -Uz compinit; compinit -u -d $out.dump"
zpty -w z "compadd () { builtin compadd -O __m \"\$@\"; print -rl -- \$__m >> $out; builtin compadd \"\$@\" }"
zpty -w z "bindkey '^I' complete-word"
sleep 1		# the shell reads what it was given before the TAB
zpty -w -n z "$line"$'\t'
for i in {1..50}; do
	[[ -s $out ]] && break
	sleep 0.1
done
sleep 0.5
all=
while zpty -r -t z chunk; do all+=$chunk; done
zpty -d z
grep -v "^$" $out | sort -u
print -r -- "$all" | tr -d '\r' | grep -E '_arguments|comparguments|command not found|parse error' |
    sed 's/^/ERROR: /'
rm -f $out $out.dump
