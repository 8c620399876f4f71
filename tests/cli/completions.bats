#!/usr/bin/env bats
# The completions, each in a plain shell of its kind: bash without the
# bash-completion package, zsh -f with compinit, fish.  Each is driven
# through a few completions of every program.
bats_require_minimum_version 1.5.0

load helpers

setup() {
	D=$LISKP2P_TOP/completions
}

# bash_complete PROG WORD...: what plain bash offers for the last WORD
bash_complete() {
	local p=$1
	shift
	bash --norc --noprofile -c '
		set -u
		source "$1/$2.bash"
		f=$(complete -p "$2" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		shift 2
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		"$f" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' sh "$D" "$p" "$p" "$@"
}

zsh_complete() {
	timeout 30 zsh -f "$LISKP2P_TOP/tests/cli/zsh-complete.zsh" "$D" "$*"
}

fish_complete() {
	fish --no-config -c "source '$D/$1.fish'; complete -C '$*'" | cut -f1
}

@test "bash: completions work without the bash-completion package" {
	command -v bash >/dev/null || need "no bash"
	run -0 --separate-stderr bash_complete p2p-node p2p-node --net
	[ "$output" = $'--network\n--network-version' ] && [ -z "$stderr" ]
	run -0 --separate-stderr bash_complete p2p-node p2p-node --network m
	[ "$output" = mainnet ] && [ -z "$stderr" ]
	run -0 --separate-stderr bash_complete p2p-peers p2p-peers l
	[ "$output" = list ] && [ -z "$stderr" ]
	run -0 --separate-stderr bash_complete p2p-peers p2p-peers list --fo
	[ "$output" = --format ] && [ -z "$stderr" ]
	run -0 --separate-stderr bash_complete p2p-peers p2p-peers select --for c
	[ "$output" = connect ] && [ -z "$stderr" ]
	run -0 --separate-stderr bash_complete p2p-send p2p-send --re
	[ "$output" = --request ] && [ -z "$stderr" ]
	run -0 --separate-stderr bash_complete p2p-watch p2p-watch --graph ''
	[ "$output" = dot ] && [ -z "$stderr" ]
}

@test "zsh: compinit loads every completion and completes options and values" {
	command -v zsh >/dev/null || need "zsh not installed (tests/setup.sh)"
	run -0 zsh_complete p2p-node --net
	[ "$output" = $'--network\n--network-version' ]
	run -0 zsh_complete p2p-node --network m
	[ "$output" = mainnet ]
	run -0 zsh_complete p2p-node --li
	[ "$output" = --listen ]
	run -0 zsh_complete p2p-peers l
	[ "$output" = list ]
	run -0 zsh_complete p2p-peers list --format t
	[ "$output" = table ]
	run -0 zsh_complete p2p-send --re
	[ "$output" = --request ]
	run -0 zsh_complete p2p-watch --graph ''
	[ "$output" = dot ]
}

@test "fish: completes options, values and commands" {
	command -v fish >/dev/null || need "fish not installed (tests/setup.sh)"
	run -0 fish_complete p2p-node --net
	[ "$output" = $'--network\n--network-version' ]
	run -0 fish_complete p2p-node --network m
	[ "$output" = mainnet ]
	run -0 fish_complete p2p-peers l
	[ "$output" = list ]
	run -0 fish_complete p2p-send --re
	[ "$output" = --request ]
	run -0 fish_complete p2p-watch --graph ''
	[ "$output" = dot ]
}
