#!/usr/bin/env bats
# p2p-node as a program: options, stdin lines, stdout shape, signals.
bats_require_minimum_version 1.5.0

load helpers
load ../interop/node-helpers

setup() {
	T=$BATS_TEST_TMPDIR
	IP=127.30.200.$((BATS_TEST_NUMBER + 1))
	PORT=$(free_port "$IP")
}

teardown() {
	node_teardown
}

@test "p2p-node --help prints the synopsis, --version the version" {
	run -0 --separate-stderr p2p-node --help
	[[ $output == "usage: p2p-node "* ]]
	[[ $output == *"--max-message-rate N"* ]]
	[ -z "$stderr" ]
	run -0 p2p-node -V
	[[ $output == "p2p-node "*"(libliskp2p "* ]]
}

@test "every long option of p2p-node is in the man page and completions" {
	cd "$LISKP2P_TOP"
	for o in $(p2p-node --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		for f in man/p2p-node.1 completions/p2p-node.bash \
		    completions/_p2p-node completions/p2p-node.fish; do
			sed 's/\\-/-/g' "$f" | grep -qw -- "${o#--}" ||
			    { echo "$f lacks $o"; false; }
		done
	done
}

@test "man pages of the node are clean mdoc" {
	cd "$LISKP2P_TOP"
	for m in man/p2p-node.1 man/liskp2p-events.7 man/liskp2p.3; do
		run -0 --separate-stderr groff -mdoc -ww -z "$m"
		[ -z "$stderr" ] || { echo "$m: $stderr"; false; }
	done
}

@test "p2p-node refuses bad options with status 2" {
	run -2 --separate-stderr p2p-node
	[[ $stderr == *"--chain-id"* ]]
	run -2 --separate-stderr p2p-node --chain-id zz -b "$T/b"
	[[ $stderr == *"--chain-id zz"* ]]
	run -2 --separate-stderr p2p-node --chain-id 10000000 --listen 1.2.3:5
	[[ $stderr == *"--listen 1.2.3:5"* ]]
	run -2 --separate-stderr p2p-node --chain-id 10000000 --listen 70000
	[[ $stderr == *"--listen 70000"* ]]
	run -2 --separate-stderr p2p-node --chain-id 10000000 --seed nohost
	[[ $stderr == *"--seed nohost"* ]]
	run -2 --separate-stderr p2p-node --chain-id 10000000 --blacklist 1.2.3.4:5
	[[ $stderr == *"--blacklist"* ]]
	run -2 --separate-stderr p2p-node --chain-id 10000000 --option foo=1
	[[ $stderr == *"foo: unknown option"* ]]
	run -2 --separate-stderr p2p-node --chain-id 10000000 \
	    --option populatorInterval=x
	[[ $stderr == *"populatorInterval=x"* ]]
	run -2 --separate-stderr p2p-node --chain-id 10000000 --max-inbound -1
	[[ $stderr == *"--max-inbound -1"* ]]
	run -2 --separate-stderr p2p-node --chain-id 10000000 extra
	[[ $stderr == *"extra: unexpected argument"* ]]
	[ ! -e "$T/b" ]
}

@test "p2p-node exits 1 when its port is taken" {
	start_cnode a --chain-id 10000000 --listen "$IP:$PORT" -b "$T/a.book"
	wait_line "$T/a.out" '"type":"STARTED"'
	run -1 --separate-stderr p2p-node --chain-id 10000000 \
	    --listen "$IP:$PORT" -b "$T/b.book"
	[[ $stderr == "p2p-node: "*"$PORT"* ]] || [[ $stderr == "p2p-node: "*"in use"* ]]
}

@test "-b creates the book, SIGTERM stops with status 0 and saves it" {
	[ ! -e "$T/new.book" ]
	start_cnode a --chain-id 10000000 --listen "$IP:$PORT" -b "$T/new.book"
	wait_line "$T/a.out" '"type":"STARTED"'
	[ -s "$T/new.book" ]
	run -0 jq -r .chainID "$T/new.book"
	[ "$output" = 10000000 ]
	stop_one a	# fails unless the status is 0
	run -0 jq -e '.format == "liskp2p-peerbook"' "$T/new.book"
}

@test "bad lines get ERROR lines with their number and the node runs on" {
	start_cnode a --chain-id 10000000 --listen "$IP:$PORT" -b "$T/a.book"
	wait_line "$T/a.out" '"type":"STARTED"'
	cmd a 'not json'
	cmd a '[1,2]'
	cmd a '{"op":"fly","id":"x1"}'
	cmd a '{"id":7}'
	cmd a '{"op":"send","id":8}'
	cmd a '{"op":"send","event":"e","data":"zz","id":9}'
	cmd a '{"op":"respond","requestId":"no","id":10}'
	cmd a '{"op":"applyPenalty","peerId":"1.2.3.4:5","penalty":-1,"id":11}'
	cmd a ''
	cmd a '{"op":"getNodeInfo","id":12}'
	run -0 reply a 12
	[[ $output == *'"type":"REPLY"'*'"nodeInfo":{"chainID":"10000000"'* ]]
	run -0 grep -c '"type":"ERROR"' "$T/a.out"
	[ "$output" -eq 8 ]
	run -0 grep 'line 1: ' "$T/a.out"
	run -0 grep '"error":"line 2: a command must be a JSON object"' "$T/a.out"
	run -0 reply a '"x1"'
	[[ $output == *'"error":"line 3: unknown op '"'fly'"'"'* ]]
	run -0 reply a 7
	[[ $output == *"line 4: 'op' is missing"* ]]
	run -0 reply a 8
	[[ $output == *"line 5: 'event' is missing"* ]]
	run -0 reply a 9
	[[ $output == *"line 6: 'data': not a hex string"* ]]
	run -0 reply a 11
	[[ $output == *"line 8: 'penalty'"* ]]
	alive a
}

@test "an over-long line is an error line, not a crash" {
	start_cnode a --chain-id 10000000 --listen "$IP:$PORT" -b "$T/a.book"
	wait_line "$T/a.out" '"type":"STARTED"'
	python3 -c 'import sys; sys.stdout.write("{\"op\":\"send\",\"event\":\"" + "x" * 1100000 + "\"}\n")' >"$T/long"
	cmd a "$(cat "$T/long")"
	cmd a '{"op":"getNodeInfo","id":2}'
	run -0 reply a 2
	run -0 grep -c 'line 1: line longer than 1048576 bytes' "$T/a.out"
	[ "$output" -eq 1 ]
	alive a
}

@test "EOF on stdin does not stop the node; replies to getters" {
	p2p-node --chain-id 10000000 --listen "$IP:$PORT" -b "$T/a.book" \
	    </dev/null >"$T/a.out" 2>"$T/a.err" 3>&- &
	pid=$!
	echo $pid >>"$T/pids"
	wait_line "$T/a.out" '"type":"STARTED"'
	sleep 1
	kill -0 $pid
	kill -TERM $pid
	wait $pid	# status 0, or the test fails
	[ ! -s "$T/a.err" ]
}

@test "the stop command replies, then the node exits 0" {
	start_cnode a --chain-id 10000000 --listen "$IP:$PORT" -b "$T/a.book" \
	    --network-version 2.1 --no-advertise --nonce 0123456789abcdef
	wait_line "$T/a.out" '"type":"STARTED"'
	cmd a '{"op":"getNodeInfo","id":1}'
	run -0 reply a 1
	[[ $output == *'"networkVersion":"2.1","nonce":"0123456789abcdef","advertiseAddress":false'* ]]
	cmd a '{"op":"config","id":2}'
	run -0 reply a 2
	[[ $output == *'"populatorInterval":10000'* ]]
	[[ $output == *'"maxInboundConnections":100'* ]]
	cmd a '{"op":"stop","id":3}'
	run -0 reply a 3
	for ((i = 0; i < 50; i++)); do alive a || break; sleep 0.1; done
	wait $NODE_PID_a
}

@test "the example of liskp2p(3) builds against the installed library" {
	cd "$LISKP2P_TOP"
	make -s install PREFIX="$T/usr" >/dev/null
	sed -n '/^#include <signal.h>/,/^\.Ed/p' man/liskp2p.3 | sed '$d' |
	    sed 's/\\e/\\/g' >"$T/example.c"
	[ -s "$T/example.c" ]
	run -0 --separate-stderr cc -Wall -Wextra -Werror -o "$T/example" \
	    "$T/example.c" $(PKG_CONFIG_PATH="$T/usr/lib/pkgconfig" \
	    pkg-config --define-variable=prefix="$T/usr" --cflags --libs \
	    --static liskp2p)
	[ -x "$T/example" ]
}

@test "a reader that goes away ends the node quietly with status 0" {
	run -0 --separate-stderr timeout 20 bash -c "p2p-node --chain-id 10000000 \
	    --listen $IP:$PORT -b $T/a.book --option populatorInterval=100 \
	    --seed 127.30.200.250:5 </dev/null 3>&- | head -1; \
	    exit \${PIPESTATUS[0]}"
	[[ $output == '{"type":"STARTED"'* ]]
	[ -z "$stderr" ]
}
