#!/usr/bin/env bats
# A running p2p-node and p2p-peers on one book: a change made with
# p2p-peers reaches the node within 2 s and survives the node's own saves.
# Needs p2p-node (the node branch).
bats_require_minimum_version 1.5.0
load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	command -v p2p-node >/dev/null || {
		echo "p2p-node is not built: these tests need the node branch"
		return 1
	}
	B="$BATS_TEST_TMPDIR/b.peerbook"
	p2p-peers -b "$B" init --chain-id 00000000 >/dev/null
	mkfifo in
	p2p-node --chain-id 00000000 --listen 127.20.0.1:0 -b "$B" \
	    < in > events 2> errors &
	NODE=$!
	exec 7> in
}

teardown() {
	exec 7>&- 2>/dev/null || :
	if [ -n "${NODE:-}" ] && kill -0 "$NODE" 2>/dev/null; then
		kill -TERM "$NODE"
		wait "$NODE" || :
	fi
}

# seen ID: the node lists ID among its known peers (at most 2 s)
seen() {
	local i
	for i in $(seq 1 20); do
		echo "{\"op\":\"getDisconnectedPeers\",\"id\":$i}" >&7
		sleep 0.1
		grep '"op":"getDisconnectedPeers"' events | tail -1 |
		    grep -q "\"$1\"" && return 0
	done
	return 1
}

@test "a peer added with p2p-peers reaches a running node and survives its saves" {
	wait_line events '"type":"STARTED"' 50 || { cat errors; false; }
	sleep 0.5
	run -0 p2p-peers -b "$B" add 127.20.0.50:4000
	seen 127.20.0.50:4000 || { cat errors; false; }
	run -0 p2p-peers -b "$B" add 127.20.0.51:4000
	seen 127.20.0.51:4000
	kill -TERM "$NODE"
	rc=0
	wait "$NODE" || rc=$?
	NODE=
	[ "$rc" -eq 0 ] || { echo "p2p-node exited $rc"; cat errors; false; }
	run -0 p2p-peers -b "$B" list
	[[ $output == *'"127.20.0.50:4000"'* ]]
	[[ $output == *'"127.20.0.51:4000"'* ]]
	run -0 p2p-peers -b "$B" check
}
