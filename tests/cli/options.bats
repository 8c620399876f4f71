#!/usr/bin/env bats
# One option table per program (cmd/cli_opt.h): --help prints it, and the
# man page and the bash, zsh and fish completions name exactly its
# options.  A new option that misses one of them fails here.
bats_require_minimum_version 1.5.0

load helpers

PROGS="p2p-node p2p-peers p2p-send p2p-watch"

# the long options of PROG's table, from the options part of --help
table() {
	"$1" --help | sed -n '/^options:/,$p' | grep -o -- ' --[a-z][a-z-]*' |
	    sed 's/^ --//' | sort -u
}

# long options documented with .It Fl in the man page
man_items() {
	sed 's/\\-/-/g' "$LISKP2P_TOP/man/$1.1" | grep '^\.It' |
	    grep -o 'Fl -[a-z][a-z-]*' | sed 's/^Fl -//' | sort -u
}

# every long option the man page names on an Fl macro line
man_all() {
	sed 's/\\-/-/g' "$LISKP2P_TOP/man/$1.1" | grep -E '^\.(It|Op|Fl|Oo)' |
	    grep 'Fl' | grep -o -- ' -[a-z][a-z-]*' | sed 's/^ -//' |
	    grep -- '..' | sort -u
}

@test "--help shows one line of description per option" {
	for p in $PROGS; do
		run -0 --separate-stderr "$p" --help
		[[ $output == "usage: $p"* ]]
		[ -z "$stderr" ]
		n=$(table "$p" | wc -l)
		[ "$n" -ge 5 ]
		# every option line has a description after the option
		run -0 bash -c "$p --help | sed -n '/^options:/,\$p' | tail -n +2 |
		    awk 'NF < 2 && !/^ {20}/ { bad++ } END { exit bad > 0 }'"
	done
	run -0 p2p-node --help
	[[ $output == *"      --seed HOST:PORT        a seed peer, dialled at start"* ]]
	[[ $output == *"  -b, --peerbook FILE         the PeerBook file"* ]]
}

@test "the man pages name exactly the options of each table" {
	for p in $PROGS; do
		diff <(man_items "$p" | comm -23 - <(table "$p")) /dev/null ||
		    { echo "$p.1 documents options $p does not have"; false; }
		diff <(table "$p" | comm -23 - <(man_all "$p")) /dev/null ||
		    { echo "$p.1 lacks these options of $p"; false; }
	done
}

@test "bash, zsh and fish completions name exactly the options of each table" {
	cd "$LISKP2P_TOP/completions"
	for p in $PROGS; do
		diff <(table "$p") <(grep -o -- '--[a-z][a-z-]*' "$p.bash" |
		    sed 's/^--//' | sort -u) ||
		    { echo "completions/$p.bash differs from $p --help"; false; }
		diff <(table "$p") <(grep -o -- '--[a-z][a-z-]*' "_$p" |
		    sed 's/^--//' | sort -u) ||
		    { echo "completions/_$p differs from $p --help"; false; }
		diff <(table "$p") <(grep '^complete' "$p.fish" |
		    grep -o -- ' -l [a-z][a-z-]*' |
		    sed 's/^ -l //' | sort -u) ||
		    { echo "completions/$p.fish differs from $p --help"; false; }
	done
}
