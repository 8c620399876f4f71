#!/usr/bin/env bats
# p2p-watch against reference nodes, C nodes (p2p-node) and the fake Lisk
# Core 4 peer, all on 127.40.x.y (one address per node; the crawler dials
# from its own address too).
bats_require_minimum_version 1.5.0
load ../cli/helpers
load wire_helpers
load watch_helpers

CHAIN=10000000

teardown() {
	stop_all_fast
}

# crawl ARGS...: p2p-watch --crawl, lines in $BATS_TEST_TMPDIR/crawl.out
crawl() {
	timeout 60 p2p-watch --chain-id "$CHAIN" --crawl -q "$@" \
	    >"$BATS_TEST_TMPDIR/crawl.out" 2>"$BATS_TEST_TMPDIR/crawl.err"
}

@test "crawl: three reference nodes, records and summary" {
	start_ref r1 --host 127.40.10.1 --port 5001
	start_ref r2 --host 127.40.10.2 --port 5002 --seed 127.40.10.1:5001
	start_ref r3 --host 127.40.10.3 --port 5003 --seed 127.40.10.2:5002
	run -0 crawl --seed 127.40.10.3:5003 --bind 127.40.10.100
	local out=$BATS_TEST_TMPDIR/crawl.out id
	# every real node is reached, with its nodeInfo and latency
	for id in 127.40.10.1:5001 127.40.10.2:5002 127.40.10.3:5003; do
		jq -e -s --arg id "$id" --arg chain "$CHAIN" '
		    [.[] | select(.type == "PEER" and .peerId == $id)] |
		    length == 1 and .[0].reachable == true and
		    .[0].rttMs > 0 and .[0].rttMs < 5000 and
		    .[0].nodeInfo.chainID == $chain and
		    .[0].nodeInfo.networkVersion == "1.0" and
		    .[0].peersAdvertised >= 1' "$out" ||
		    { cat "$out"; return 1; }
	done
	# the summary adds up, and is the last line
	jq -e -s '(.[-1] | .type == "SUMMARY") and
	    (.[-1].discovered == ([.[] | select(.type == "PEER")] | length)) and
	    (.[-1].reachable == ([.[] | select(.reachable == true)] | length)) and
	    (.[-1].unreachable == ([.[] | select(.reachable == false)] | length))
	    and .[-1].durationMs >= 0' "$out"
	# no reference node penalised or banned the crawler
	! grep -h 'EVENT_BAN_PEER\|applyPenalty' \
	    "$BATS_TEST_TMPDIR"/r[123].out
}

@test "crawl: a node of another chain refuses with 4104 and its reason" {
	start_ref other --host 127.40.11.1 --port 5011 --chain-id 20000000
	run -1 crawl --seed 127.40.11.1:5011 --bind 127.40.11.100
	jq -e -s '.[0] | .type == "PEER" and .reachable == false and
	    .error.kind == "refused" and .error.code == 4104 and
	    (.error.reason | test("chainID"))' "$BATS_TEST_TMPDIR/crawl.out" ||
	    { cat "$BATS_TEST_TMPDIR/crawl.out"; return 1; }
	jq -e -s '.[-1].errors == {"refused": 1}' "$BATS_TEST_TMPDIR/crawl.out"
}

@test "crawl --graph dot: who advertises whom" {
	start_ref g1 --host 127.40.12.1 --port 5021
	start_ref g2 --host 127.40.12.2 --port 5022 --seed 127.40.12.1:5021
	run -0 crawl --seed 127.40.12.2:5022 --bind 127.40.12.100 --graph dot
	local out=$BATS_TEST_TMPDIR/crawl.out
	[ "$(head -1 "$out")" = "digraph lisk {" ]
	[ "$(tail -1 "$out")" = "}" ]
	grep -qF '"127.40.12.1:5021" [fillcolor=palegreen];' "$out"
	grep -qF '"127.40.12.2:5022" [fillcolor=palegreen];' "$out"
	grep -qF '"127.40.12.2:5022" -> "127.40.12.1:5021";' "$out"
	# only DOT on stdout: every line is a statement or a brace
	! grep -vE '^(digraph lisk \{|\}|	.*;)$' "$out"
}

@test "watch: a reference node's message and request, --events, --filter" {
	start_ref w1 --host 127.40.13.1 --port 5031
	timeout 20 p2p-watch --chain-id "$CHAIN" --seed 127.40.13.1:5031 \
	    --bind 127.40.13.100 --duration 6 \
	    >"$BATS_TEST_TMPDIR/all.out" 2>"$BATS_TEST_TMPDIR/all.err" &
	local all=$!
	timeout 20 p2p-watch --chain-id "$CHAIN" --seed 127.40.13.1:5031 \
	    --bind 127.40.13.101 --duration 6 \
	    --events MESSAGE_RECEIVED --filter 'select(.event == "hello") |
	    {peerId, data}' >"$BATS_TEST_TMPDIR/some.out" 2>&1 &
	local some=$!
	wait_out w1 'EVENT_NEW_INBOUND_PEER.*127.40.13.100'
	wait_out w1 'EVENT_NEW_INBOUND_PEER.*127.40.13.101'
	cmd w1 '{"op":"send","event":"hello","data":"68656c6c6f00ff"}'
	cmd w1 '{"op":"requestFromPeer","peerId":"127.40.13.100:7667","procedure":"ask","data":"01","id":7}'
	wait_out w1 '"id":7'
	wait "$all"
	wait "$some"
	local o=$BATS_TEST_TMPDIR/all.out
	jq -e -s '(map(.type) | index("EVENT_CONNECT_OUTBOUND")) <
	    (map(.event) | index("hello"))' "$o"
	jq -e -s 'any(.type == "EVENT_MESSAGE_RECEIVED" and
	    .peerId == "127.40.13.1:5031" and .event == "hello" and
	    .data == "68656c6c6f00ff")' "$o"
	jq -e -s 'any(.type == "EVENT_REQUEST_RECEIVED" and
	    .procedure == "ask" and .data == "01")' "$o"
	jq -e -s 'all(.ts | test("^20[0-9-]{8}T[0-9:.]{12}Z$"))' "$o"
	jq -e -s '.[-1].type == "EVENT_CLOSE_OUTBOUND" and .[-1].code == 1000' \
	    "$o"
	# the request was answered with an error, not left to time out
	grep -q '"id":7.*"error":"Requested procedure is not served' \
	    "$BATS_TEST_TMPDIR/w1.out"
	[ "$(cat "$BATS_TEST_TMPDIR/some.out")" = \
	    '{"peerId":"127.40.13.1:5031","data":"68656c6c6f00ff"}' ]
	! grep -q 'EVENT_BAN_PEER' "$BATS_TEST_TMPDIR/w1.out"
}

@test "watch --decode against the fake Lisk Core 4 peer (mainnet preset)" {
	start_fake core --host 127.40.14.1 --port 7667 --interval 1 \
	    --tx-every 1
	run -0 --separate-stderr timeout 30 p2p-watch --network mainnet \
	    --seed 127.40.14.1:7667 --bind 127.40.14.100 --decode \
	    --duration 4.5
	local o=$BATS_TEST_TMPDIR/watch.out
	printf '%s\n' "$output" >"$o"
	# Core refuses a nodeInfo without its options: connected means sent
	jq -e -s 'any(.type == "EVENT_CONNECT_OUTBOUND" and
	    (.nodeInfo.options.height | type) == "number")' "$o"
	# blocks: height, id, lisk32 generator, transaction ids
	jq -e -s '[.[] | select(.event == "postBlock")] | length >= 2 and
	    all(.decoded.block | (.height >= 24500002) and
	    (.id | test("^[0-9a-f]{64}$")) and
	    (.generatorAddress | test("^lsk[a-z0-9]{38}$")) and
	    (.timestampISO | test("Z$")) and
	    .numberOfTransactions == (.transactionIds | length) and
	    all(.transactions[]; .params.recipientAddress |
	    test("^lsk")))' "$o"
	# the ids are the ones the fake peer computed with the real packages
	local id
	for id in $(jq -r 'select(.event == "postBlock") |
	    .decoded.block.id' "$o"); do
		grep -q "\"event\":\"postBlock\".*\"id\":\"$id\"" \
		    "$BATS_TEST_TMPDIR/core.out"
	done
	for id in $(jq -r 'select(.event == "postTransactionsAnnouncement") |
	    .decoded.transactionIds[]' "$o"); do
		grep -q "$id" "$BATS_TEST_TMPDIR/core.out"
	done
	# postNodeInfo carries the height; networkHeight follows it
	jq -e -s '[.[] | select(.event == "postNodeInfo")] |
	    ([.[] | select(.decoded.height >= 24500002)] | length >= 2) and
	    all(.decoded.networkHeight >= .decoded.height)' "$o"
	jq -e -s 'any(.event == "postSingleCommitMessages" and
	    .decoded.numberOfCommits == 0)' "$o"
	! jq -e -s 'any(has("decodeError"))' "$o"
	# and the Core peer never penalised us
	! grep -qi 'penal\|ban' "$BATS_TEST_TMPDIR/core.out"
}

@test "crawl --network mainnet: the fake Core peer's nodeInfo options" {
	start_fake core2 --host 127.40.15.1 --port 7667 --interval 1
	run -0 --separate-stderr timeout 30 p2p-watch --network mainnet \
	    --seed 127.40.15.1:7667 --bind 127.40.15.100 --crawl --events PEER
	echo "$output" | jq -e '.peerId == "127.40.15.1:7667" and .reachable
	    and .nodeInfo.chainID == "00000000" and
	    .nodeInfo.networkVersion == "5.0" and
	    (.nodeInfo.options | has("height") and has("maxHeightPrevoted")
	    and has("lastBlockID"))'
}

# 30 nodes, half reference and half C (p2p-node), each on its own
# address, each seeded with the two started before it: no node knows more
# than a few others.  The crawl starts from the last one and must reach
# every one of them.  Addresses it also learns and cannot reach are only
# those the reference records for peers that dialed it (127.0.0.1:PORT,
# the reference dials from 127.0.0.1) and the crawler's own.
@test "crawl: a mixed network of 30 C and reference nodes, every node found" {
	local i host port seeds=() ids=() kind
	for ((i = 1; i <= 30; i++)); do
		host=127.40.20.$i
		port=$((5100 + i))
		seeds=()
		((i > 1)) && seeds+=(--seed "127.40.20.$((i - 1)):$((5100 + i - 1))")
		((i > 2)) && seeds+=(--seed "127.40.20.$((i - 2)):$((5100 + i - 2))")
		if ((i % 2)); then
			start_ref "n$i" --host "$host" --port "$port" \
			    --chain-id "$CHAIN" "${seeds[@]}"
		else
			start_c "n$i" --chain-id "$CHAIN" --network-version 1.0 \
			    --listen "$host:$port" "${seeds[@]}" \
			    -b "$BATS_TEST_TMPDIR/n$i.peerbook"
		fi
		ids+=("$host:$port")
	done
	sleep 1		# let the last ones finish their first dials
	run -0 crawl --seed 127.40.20.30:5130 --bind 127.40.20.200 \
	    --parallel 8
	local out=$BATS_TEST_TMPDIR/crawl.out
	for id in "${ids[@]}"; do
		jq -e -s --arg id "$id" 'any(.type == "PEER" and
		    .peerId == $id and .reachable == true and
		    .nodeInfo.chainID != null)' "$out" >/dev/null ||
		    { echo "not found: $id"; cat "$out"; return 1; }
	done
	jq -e -s 'all(.[] | select(.type == "PEER" and .reachable == false);
	    .peerId | test("^127\\.0\\.0\\.1:|^127\\.40\\.20\\.200:"))' "$out" ||
	    { jq -c 'select(.reachable == false)' "$out"; return 1; }
	jq -e -s '.[-1] | .type == "SUMMARY" and .reachable == 30' "$out"
}

@test "crawl -b: reachable peers go to the tried table, the others to new" {
	local book=$BATS_TEST_TMPDIR/crawl.peerbook
	start_ref b1 --host 127.40.16.1 --port 5061
	start_ref b2 --host 127.40.16.2 --port 5062 --seed 127.40.16.1:5061
	run -0 crawl --seed 127.40.16.2:5062 --bind 127.40.16.100 -b "$book"
	run -0 --separate-stderr p2p-peers -b "$book" list --format ndjson
	local l=$BATS_TEST_TMPDIR/list
	printf '%s\n' "$output" >"$l"
	jq -e -s '[.[] | select(.table == "tried") | .peerId] | sort ==
	    ["127.40.16.1:5061", "127.40.16.2:5062"]' "$l"
	# b1 saw b2 dial from 127.0.0.1: unreachable, so in the new table
	jq -e -s 'all(.[] | select(.table == "new"); .peerId |
	    startswith("127.0.0.1:"))' "$l"
	# a second crawl finds the same and keeps the book valid
	run -0 crawl --seed 127.40.16.2:5062 --bind 127.40.16.101 -b "$book"
	run -0 p2p-peers -b "$book" check
}

@test "watch a C node (p2p-node): its broadcast arrives; -b records it as tried" {
	local book=$BATS_TEST_TMPDIR/watch.peerbook
	start_c c1 --chain-id "$CHAIN" --network-version 1.0 \
	    --listen 127.40.18.1:5081 -b "$BATS_TEST_TMPDIR/c1.peerbook"
	timeout 20 p2p-watch --chain-id "$CHAIN" --seed 127.40.18.1:5081 \
	    --bind 127.40.18.100 --duration 4 -b "$book" \
	    --events CONNECT_OUTBOUND,MESSAGE_RECEIVED,CLOSE_OUTBOUND \
	    >"$BATS_TEST_TMPDIR/w.out" 2>"$BATS_TEST_TMPDIR/w.err" &
	local wpid=$!
	wait_out c1 'EVENT_NEW_INBOUND_PEER.*127.40.18.100'
	cmd c1 '{"op":"broadcast","event":"fromC","data":"c0ffee"}'
	wait "$wpid"
	local o=$BATS_TEST_TMPDIR/w.out
	jq -e -s 'map(.type) | unique == ["EVENT_CLOSE_OUTBOUND",
	    "EVENT_CONNECT_OUTBOUND", "EVENT_MESSAGE_RECEIVED"]' "$o"
	jq -e -s 'any(.event == "fromC" and .data == "c0ffee" and
	    .peerId == "127.40.18.1:5081")' "$o"
	run -0 --separate-stderr p2p-peers -b "$book" list --tried \
	    --format ndjson
	echo "$output" | jq -e -s 'length == 1 and
	    .[0].peerId == "127.40.18.1:5081"'
}

@test "watch and crawl judge getNodeInfo as the node does: an undecodable answer costs 100, a ban" {
	local d=$BATS_TEST_TMPDIR
	# bad-seed.js: the first connection gets a nodeInfo that does not
	# decode, the later ones a valid one
	node "$LISKP2P_TOP/tests/interop/bad-seed.js" 127.40.30.1 5301 \
	    >"$d/seed.out" 2>"$d/seed.err" &
	echo $! >"$d/seed.pid"
	wait_line "$d/seed.out" ready
	# nothing connected: status 1
	run -1 --separate-stderr timeout 30 p2p-watch --chain-id "$CHAIN" \
	    --seed 127.40.30.1:5301 --bind 127.40.30.100 --duration 3
	printf '%s\n' "$output" >"$d/w.out"
	# banned (as the reference's peer does), so never dialed again
	jq -e -s 'any(.type == "EVENT_BAN_PEER" and
	    .peerId == "127.40.30.1:5301" and .serverLevel == false) and
	    all(.type != "EVENT_CONNECT_OUTBOUND")' "$d/w.out" ||
	    { cat "$d/w.out"; return 1; }
	[ "$(grep -c '"connection"' "$d/seed.out")" -eq 1 ]
	# the crawl: its second connection answers well, and is reached
	run -0 crawl --seed 127.40.30.1:5301 --bind 127.40.30.101
	jq -e -s '.[0] | .type == "PEER" and .reachable == true and
	    .nodeInfo.chainID == "10000000"' "$d/crawl.out" ||
	    { cat "$d/crawl.out"; return 1; }
}

@test "watch and crawl judge getPeers as the node does: one invalid entry spoils the list, penalty 100" {
	local d=$BATS_TEST_TMPDIR
	node "$LISKP2P_TOP/tests/interop/bad-seed.js" 127.40.31.1 5311 \
	    bad-peers >"$d/seed.out" 2>"$d/seed.err" &
	echo $! >"$d/seed.pid"
	wait_line "$d/seed.out" ready
	run -0 crawl --seed 127.40.31.1:5311 --bind 127.40.31.100
	jq -e -s '.[0] | .type == "PEER" and .reachable == true and
	    .peersError == "PeerInfo list has invalid value" and
	    (has("peersAdvertised") | not)' "$d/crawl.out" ||
	    { cat "$d/crawl.out"; return 1; }
	# watch: connected, then banned for the list, never dialed again
	run -0 --separate-stderr timeout 30 p2p-watch --chain-id "$CHAIN" \
	    --seed 127.40.31.1:5311 --bind 127.40.31.101 --duration 3
	printf '%s\n' "$output" >"$d/w.out"
	jq -e -s 'any(.type == "EVENT_CONNECT_OUTBOUND") and
	    any(.type == "EVENT_BAN_PEER" and .peerId == "127.40.31.1:5311"
	    and (.reason | test("invalid entry"))) and
	    all(.type != "EVENT_DISCOVERED_PEER")' "$d/w.out" ||
	    { cat "$d/w.out"; return 1; }
}
