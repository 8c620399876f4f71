#!/usr/bin/env bats
# p2p-send against a reference lisk-p2p 0.10 node (tests/interop/ref-node.js).
bats_require_minimum_version 1.5.0

load ../cli/helpers
load wire_helpers

setup() {
	PORT=$(free_port 127.0.0.1)
	PEER=127.0.0.1:$PORT
}

teardown() {
	stop_all
}

@test "getNodeInfo: the reference's nodeInfo, decoded; a repeat is served from it" {
	start_ref ref --host 127.0.0.1 --port "$PORT"
	nonce=$(nonce_of ref)
	run -0 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    <<<$'{"procedure":"getNodeInfo"}\n{"procedure":"getNodeInfo"}'
	[ "${#lines[@]}" -eq 2 ]
	for l in "${lines[@]}"; do
		[ "$(jq -r .data.nonce <<<"$l")" = "$nonce" ]
		[ "$(jq -r .data.chainID <<<"$l")" = 10000000 ]
		[ "$(jq -r .data.networkVersion <<<"$l")" = 1.0 ]
		[ "$(jq -r .peerId <<<"$l")" = "$PEER" ]
	done
	# one getNodeInfo reached the reference, no ban
	wait_out ref EVENT_CLOSE_INBOUND
	[ "$(grep -c '"procedure":"getNodeInfo"' "$BATS_TEST_TMPDIR/ref.out")" -eq 1 ]
	absent ref EVENT_BAN_PEER
}

@test "getPeers: decoded to ipAddress/port objects" {
	start_ref ref --host 127.0.0.1 --port "$PORT"
	run -0 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    --request getPeers
	[ "$(jq -r '.data|type' <<<"$output")" = array ]
	[ "$(jq -r .procedure <<<"$output")" = getPeers ]
	jq -e '.rttMs >= 0' <<<"$output"
}

@test "custom RPC answered by the reference, data as hex" {
	start_ref ref --host 127.0.0.1 --port "$PORT" --respond echo
	run -0 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    --request getLastBlock --data-hex 00ff10abcdef
	[ "$(jq -r .data <<<"$output")" = 00ff10abcdef ]
}

@test "remote error: the reference's message" {
	start_ref ref --host 127.0.0.1 --port "$PORT" --respond error
	run -1 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    --request getLastBlock
	[ "$(jq -r .error <<<"$output")" = "refused by test" ]
}

@test "timeout: an unanswered request fails after --timeout" {
	start_ref ref --host 127.0.0.1 --port "$PORT" --respond none
	run -1 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    --request getLastBlock --timeout 1
	[[ $(jq -r .error <<<"$output") == *"timed out"* ]]
}

@test "one-way messages with binary data arrive byte-exact" {
	start_ref ref --host 127.0.0.1 --port "$PORT"
	head -c 65536 /dev/urandom >"$BATS_TEST_TMPDIR/blob"
	run -0 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    --event postBlock --data-file "$BATS_TEST_TMPDIR/blob"
	[ "$(jq -r .event <<<"$output")" = postBlock ]
	wait_out ref '"event":"postBlock"'
	want=$(od -An -v -tx1 "$BATS_TEST_TMPDIR/blob" | tr -d ' \n')
	got=$(grep '"event":"postBlock"' "$BATS_TEST_TMPDIR/ref.out" |
	    jq -r .payload.data)
	[ "$got" = "$want" ]
	# the empty message and a zero byte too
	run -0 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    <<<$'{"event":"e0","data":""}\n{"event":"e1","data":"00"}\n{"event":"e2"}'
	wait_out ref '"event":"e2"'
	[ "$(grep '"event":"e1"' "$BATS_TEST_TMPDIR/ref.out" | jq -r .payload.data)" = 00 ]
	[ "$(grep '"event":"e0"' "$BATS_TEST_TMPDIR/ref.out" | jq -r .payload.data)" = "" ]
	[ "$(grep '"event":"e2"' "$BATS_TEST_TMPDIR/ref.out" | jq -r '.payload|has("data")')" = false ]
}

@test "100 requests on one connection, no penalty, no ban" {
	start_ref ref --host 127.0.0.1 --port "$PORT"
	for i in $(seq 100); do
		printf '{"procedure":"echo","data":"%04x"}\n' "$i"
	done >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    --rate 90 <"$BATS_TEST_TMPDIR/in"
	[ "${#lines[@]}" -eq 100 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r .data | sort -u | wc -l)" -eq 100 ]
	wait_out ref EVENT_CLOSE_INBOUND
	[ "$(grep -c EVENT_NEW_INBOUND_PEER "$BATS_TEST_TMPDIR/ref.out")" -eq 1 ]
	absent ref EVENT_BAN_PEER
}

@test "wrong chain ID: refused with 4104 and the reference's reason" {
	start_ref ref --host 127.0.0.1 --port "$PORT"
	run -1 --separate-stderr p2p-send --chain-id 20000000 --peer "$PEER" \
	    --request getNodeInfo
	[[ $(jq -r .error <<<"$output") == *"4104 Peer chainID did not match our own"* ]]
}

@test "incompatible network version: refused with 4104" {
	start_ref ref --host 127.0.0.1 --port "$PORT"
	run -1 --separate-stderr p2p-send --chain-id 10000000 \
	    --network-version 2.0 --peer "$PEER" --request getNodeInfo
	[[ $(jq -r .error <<<"$output") == *"4104 Peer has incompatible protocol version"* ]]
	# minor versions do not matter
	run -0 --separate-stderr p2p-send --chain-id 10000000 \
	    --network-version 1.7 --peer "$PEER" --request getNodeInfo
}

@test "nobody listening: one error line per item, exit 1" {
	run -1 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    <<<$'{"procedure":"a"}\n{"event":"b"}'
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == *'"error":"connect: connection refused"'* ]]
}

@test "two peers, one down: exit 1, the other answered" {
	start_ref ref --host 127.0.0.1 --port "$PORT"
	other=127.0.0.1:$(free_port 127.0.0.1)
	run -1 --separate-stderr p2p-send --chain-id 10000000 --peer "$PEER" \
	    --peer "$other" --request echo --data-hex 01
	[ "${#lines[@]}" -eq 2 ]
	printf '%s\n' "${lines[@]}" | grep -F "\"peerId\":\"$PEER\"" |
	    grep -qF '"data":"01"'
	printf '%s\n' "${lines[@]}" | grep -F "\"peerId\":\"$other\"" |
	    grep -qF '"error":"connect: connection refused"'
}

@test "--network devnet: Lisk Core 4 nodeInfo with options, both ways" {
	start_ref ref --host 127.0.0.1 --port "$PORT" --lisk-core \
	    --chain-id 04000000 --network-version 5.0
	run -0 --separate-stderr p2p-send --network devnet --peer "$PEER" \
	    --request getNodeInfo
	[ "$(jq -r .data.chainID <<<"$output")" = 04000000 ]
	[ "$(jq -r .data.networkVersion <<<"$output")" = 5.0 ]
	[ "$(jq -r .data.options.height <<<"$output")" = 0 ]
	# our postNodeInfo decoded with the custom schema: no penalty 100
	wait_out ref '"event":"postNodeInfo"'
	wait_out ref EVENT_CLOSE_INBOUND
	absent ref EVENT_BAN_PEER
	absent ref EVENT_FAILED_PEER_INFO_UPDATE
	# a nodeInfo without options does not decode: p2p-send drops the peer
	stop_node ref
	PORT2=$(free_port 127.0.0.1)
	start_ref ref2 --host 127.0.0.1 --port "$PORT2" --chain-id 04000000 \
	    --network-version 5.0
	run -1 --separate-stderr p2p-send --network devnet \
	    --peer "127.0.0.1:$PORT2" --request getNodeInfo
	[[ $(jq -r .error <<<"$output") == "peer dropped for misbehaving: postNodeInfo does not decode" ]]
}
