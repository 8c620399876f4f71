#!/usr/bin/env bats
# Docs that run (issue 10): the man pages lint clean, every jq filter in
# an example compiles, and the examples that need only loopback run, each
# in a network namespace of its own (a private 127.0.0.0/8, so that the
# fixed ports of the examples meet nothing else on the machine).
bats_require_minimum_version 1.5.0

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	EX=$LISKP2P_TOP/tests/cli/examples.py
}

# in_netns CMD...: CMD in a new network namespace with loopback up
in_netns() {
	unshare -n bash -c 'ip link set lo up && exec "$@"' sh "$@"
}

need_netns() {
	command -v unshare >/dev/null && command -v ip >/dev/null &&
	    unshare -n true 2>/dev/null ||
	    need "no network namespaces here (unshare -n needs root)"
}

@test "man pages lint clean with mandoc -Tlint" {
	command -v mandoc >/dev/null || need "mandoc not installed"
	for m in "$LISKP2P_TOP"/man/*.[0-9]; do
		# cross references to pages not installed here are not errors
		run -0 bash -c "mandoc -Tlint '$m' 2>&1 | grep -v \
		    -e 'referenced manual not found' -e 'mandoc.db' \
		    -e 'operating system explicitly specified: Os libliskp2p' || true"
		[ -z "$output" ] || { echo "$output"; false; }
	done
}

@test "quotes in examples render as typed (no mdoc quoting)" {
	run -0 bash -c "mandoc -Tascii -O width=1000 '$LISKP2P_TOP/man/p2p-watch.1' | col -b"
	[[ $output == *"--filter 'select(.event == \"postBlock\") | .decoded.block.height'"* ]]
	[[ $output == *'`"reachable":false'"'"* ]]
}

@test "every jq filter of every example compiles" {
	command -v jq >/dev/null || need "jq not installed"
	run -0 python3 "$EX" commands
	n=0
	while IFS= read -r f; do
		n=$((n + 1))
		# 3 is jq's status for a program that does not compile
		run jq -n "try ($f) catch empty" </dev/null
		[ "$status" -ne 3 ] || { echo "does not compile: $f"; false; }
	done < <(python3 "$EX" commands | jq -r '.jq[]')
	[ "$n" -ge 8 ]
	# and a broken one is caught
	run jq -n 'try (select(.event == postBlock)) catch empty'
	[ "$status" -eq 3 ]
}

# run_example CMD: in $T/ex, with the fixtures the example dials
run_example() {
	local cmd=$1 chain
	mkdir -p "$T/ex" && cd "$T/ex"
	export HOME=$T/ex
	chain=$(grep -o -- '--chain-id [0-9a-f]*' <<<"$cmd" | head -1 | cut -d' ' -f2)
	for a in 127.0.0.1:5000 127.0.0.1:7667; do
		[[ $cmd == *"--seed $a"* || $cmd == *"--peer $a"* ]] || continue
		p2p-node --chain-id "${chain:-10000000}" --listen "$a" \
		    -b "fixture-${a#*:}.book" </dev/null >/dev/null 2>&1 &
		for ((i = 0; i < 50; i++)); do
			(exec 3<>"/dev/tcp/${a%:*}/${a#*:}") 2>/dev/null && break
			sleep 0.1
		done
	done
	# liskp2p-peerbook(5) reads "book.peerbook": a book with a tried peer
	if [[ $cmd == *book.peerbook* ]] && [ ! -e book.peerbook ]; then
		p2p-peers -b book.peerbook --chain-id 00 add --fixed 10.0.0.1:7 \
		    >/dev/null
	fi
	# a node runs until stopped: 124 from timeout is its success
	timeout -s TERM 8 bash -c "$cmd" >out 2>err
	st=$?
	kill $(jobs -p) 2>/dev/null
	wait
	if [[ $cmd == p2p-node* ]] && [ $st -eq 124 ]; then st=0; fi
	[ $st -eq 0 ] || { echo "status $st: $cmd"; cat err; return 1; }
	[ -s out ] || [[ $cmd == p2p-node* ]] || [[ $cmd == *">"* ]] ||
	    [[ $cmd == *" init "* ]] ||
	    [[ $cmd == *" add "* ]] || [[ $cmd == *" ban "* ]] ||
	    { echo "no output: $cmd"; return 1; }
}

@test "the man pages' loopback examples run" {
	need_netns
	export -f run_example
	export T
	n=0
	while IFS= read -r c; do
		n=$((n + 1))
		in_netns bash -c 'run_example "$1"' sh "$c" </dev/null ||
		    { echo "example failed: $c"; false; }
	done < <(python3 "$EX" commands |
	    jq -r 'select(.loopback and (.src | startswith("man/"))) | .cmd')
	[ "$n" -ge 10 ]
}

@test "README's tour runs and does what it says" {
	need_netns
	python3 "$EX" tour | grep -v -e '| dot' -e '--network mainnet' >"$T/tour.sh"
	mkdir -p "$T/tour"
	cd "$T/tour"
	HOME=$T/tour run -0 in_netns timeout 60 bash -c \
	    'set -m; source "$1"; kill $(jobs -p) 2>/dev/null; wait' sh "$T/tour.sh"
	# getNodeInfo, getPeers with the first node in it, a refusal by name
	[[ $output == *'"procedure":"getNodeInfo","rttMs":'*'"chainID":"10000000"'* ]]
	[[ $output == *'"procedure":"getPeers"'*'"ipAddress":"127.91.0.1","port":7001'* ]]
	[[ $output == *'"error":"connection refused: 4104 '* ]]
	# the stdin tour's reply lists its peer
	[[ $output == *'{"type":"REPLY","id":1,"op":"getConnectedPeers","peers":[{"peerId":"127.91.0.1:7001"'* ]]
	[[ $output == *'"type":"SUMMARY"'* ]]
	[ -s crawl.book ]
}
