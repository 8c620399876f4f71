#!/usr/bin/env bats
# Networks on one address (issue 10): nodes that share 127.0.0.1 and
# differ only by port dial each other; only a node's own address and port
# is itself, and a configured peer left out is named on stderr.
bats_require_minimum_version 1.5.0

load ../cli/helpers
load node-helpers

POP=1000	# ms, populatorInterval of every node here

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	stop_all || true
	sanitizer_clean
}

@test "three p2p-node on 127.0.0.1 seeding each other form a network" {
	local pa pb pc seeds=()
	pa=$(free_port); pb=$(free_port); pc=$(free_port)
	for p in $pa $pb $pc; do seeds+=(--seed "127.0.0.1:$p"); done
	for n in a b c; do
		eval "p=\$p$n"
		start_cnode $n --chain-id 10000000 --listen "127.0.0.1:$p" \
		    -b "$T/$n.book" --option populatorInterval=$POP "${seeds[@]}"
	done
	for n in a b c; do wait_line "$T/$n.out" '"type":"STARTED"'; done
	# every node has both others, well within a few populator rounds
	for n in a b c; do wait_peers $n 2 15; done
	# each said that its own address is itself, and nothing else
	for n in a b c; do
		eval "p=\$p$n"
		run -0 grep -c "seed 127.0.0.1:$p ignored: it is this node's own listening address" "$T/$n.err"
		[ "$output" -eq 1 ]
		run -1 grep -E "ignored" <(grep -v "127.0.0.1:$p " "$T/$n.err")
	done
	# the configured seeds were not written into the books
	stop_all || true
	for n in a b c; do
		run -0 jq -c '.lists.seed' "$T/$n.book"
		[ "$output" = '[]' ]
	done
}

@test "a blacklisted seed is named on stderr" {
	local pa
	pa=$(free_port)
	start_cnode a --chain-id 10000000 --listen "127.0.0.1:$pa" \
	    -b "$T/a.book" --seed 127.0.0.9:7 --blacklist 127.0.0.9
	wait_line "$T/a.out" '"type":"STARTED"'
	run -0 grep -c "seed 127.0.0.9:7 ignored: its IP is blacklisted" "$T/a.err"
	[ "$output" -eq 1 ]
}

@test "reference nodes and p2p-node all on 127.0.0.1 form one network" {
	local r1 r2 c1 c2
	r1=$(free_port 0.0.0.0); r2=$(free_port 0.0.0.0)
	c1=$(free_port); c2=$(free_port)
	# the reference drops seeds on its own hostIp: it listens on 0.0.0.0
	start_rnode r1 --host 0.0.0.0 --port "$r1" --populator-interval $POP
	wait_line "$T/r1.out" '"type":"ready"'
	start_rnode r2 --host 0.0.0.0 --port "$r2" --populator-interval $POP \
	    --seed "127.0.0.1:$r1"
	wait_line "$T/r2.out" '"type":"ready"'
	start_cnode c1 --chain-id 10000000 --listen "127.0.0.1:$c1" \
	    -b "$T/c1.book" --option populatorInterval=$POP \
	    --seed "127.0.0.1:$r1" --seed "127.0.0.1:$r2"
	start_cnode c2 --chain-id 10000000 --listen "127.0.0.1:$c2" \
	    -b "$T/c2.book" --option populatorInterval=$POP \
	    --seed "127.0.0.1:$c1" --seed "127.0.0.1:$r2"
	wait_line "$T/c1.out" '"type":"STARTED"'
	wait_line "$T/c2.out" '"type":"STARTED"'
	# c1 reaches both reference nodes and c2; c2 reaches c1 and r2
	wait_peers c1 3 15
	wait_peers c2 2 15
	run -0 grep -c '"type":"EVENT_CONNECT_OUTBOUND".*"127.0.0.1:'"$r1"'"' "$T/c1.out"
	run -0 grep -c '"type":"EVENT_CONNECT_OUTBOUND".*"127.0.0.1:'"$r2"'"' "$T/c2.out"
	# a broadcast from a reference node reaches both p2p-node
	cmd r2 '{"op":"send","event":"hello","data":"6869"}'
	wait_line "$T/c1.out" '"EVENT_MESSAGE_RECEIVED".*"event":"hello"'
	wait_line "$T/c2.out" '"EVENT_MESSAGE_RECEIVED".*"event":"hello"'
	run -1 grep -i "ignored" "$T/c1.err" "$T/c2.err"
}

@test "p2p-watch exits 0 when a peer it heard from left before the handshake" {
	local p
	p=$(free_port)
	node "$LISKP2P_TOP/tests/interop/talk-and-leave.js" 127.0.0.1 "$p" \
	    >"$T/talk.out" 2>"$T/talk.err" &
	echo $! >>"$T/pids"
	wait_line "$T/talk.out" '"ready"'
	run -0 --separate-stderr p2p-watch --chain-id 10000000 \
	    --seed "127.0.0.1:$p" --events EVENT_MESSAGE_RECEIVED --duration 3
	[[ $output == *'"event":"postBlock"'* ]]
	[[ $stderr != *"no peer was reachable"* ]]
}
