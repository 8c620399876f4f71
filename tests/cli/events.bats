#!/usr/bin/env bats
# One documented shape per event type: the lines of p2p-node and of
# p2p-watch, in a small loopback network, against man/liskp2p-events.tsv
# (the table beside man/liskp2p-events.7).  A type or field the table
# does not list fails, and so does a required field that is missing.
bats_require_minimum_version 1.5.0

load helpers
load ../interop/node-helpers

TSV=$LISKP2P_TOP/man/liskp2p-events.tsv
MAN=$LISKP2P_TOP/man/liskp2p-events.7

setup() {
	T=$BATS_TEST_TMPDIR
	NET=127.33.$((BATS_TEST_NUMBER)).
}

teardown() {
	[ -z "${WPID:-}" ] || kill -TERM "$WPID" 2>/dev/null || :
	[ -z "${WPID:-}" ] || wait "$WPID" 2>/dev/null || :
	node_teardown
}

# The table as JSON: {type: {req: [...], opt: [...]}}.
table() {
	grep -v '^#' "$TSV" | jq -Rn '[inputs | select(length > 0) |
	    split("\t") | select(length == 3) | {key: .[0], value: {
	    req: (.[1] | if . == "-" then [] else split(",") end),
	    opt: (.[2] | if . == "-" then [] else split(",") end)}}] |
	    from_entries'
}

# check FILE: print every event line of FILE that breaks the table.
check() {
	jq -r --argjson t "$(table)" '
	    select((.type // "") | startswith("EVENT_")) | . as $e |
	    $t[.type] as $s |
	    if $s == null then "\(.type): not in the table"
	    else ([$s.req[] | select(. as $k | $e | has($k) | not) |
	        "missing \(.)"] +
	        [keys[] | select(. != "ts" and . != "type") |
	        select(. as $k | $s.req + $s.opt | index($k) | not) |
	        "undocumented \(.)"]) |
	        select(length > 0) | "\($e.type): \(join(", "))"
	    end' "$1"
}

@test "the table and the man page list the same types and fields" {
	local n=0 ty f
	while IFS=$'\t' read -r ty req opt; do
		[[ $ty == \#* || -z $ty ]] && continue
		n=$((n + 1))
		grep -qE "^\.It .*\<$ty\>" "$MAN" ||
		    { echo "$ty: not in liskp2p-events.7"; return 1; }
		for f in ${req//,/ } ${opt//,/ }; do
			[ "$f" = - ] && continue
			grep -qw -- "$f" "$MAN" ||
			    { echo "$ty: field $f not in the man page"; return 1; }
		done
	done <"$TSV"
	[ "$n" -ge 20 ]
	for ty in $(grep -o 'EVENT_[A-Z_]*[A-Z]' "$MAN" | sort -u); do
		grep -q "^$ty	" "$TSV" ||
		    { echo "$ty: in the man page, not in the table"; return 1; }
	done
}

@test "the checker catches a missing, an extra field and an unknown type" {
	printf '%s\n' \
	    '{"ts":"x","type":"EVENT_BAN_PEER","peerId":"1.2.3.4:5"}' \
	    '{"ts":"x","type":"EVENT_NETWORK_READY","extra":1}' \
	    '{"ts":"x","type":"EVENT_NOPE"}' \
	    '{"ts":"x","type":"EVENT_REMOVE_PEER","peerId":"1.2.3.4:5"}' \
	    >"$T/bad.out"
	run -0 check "$T/bad.out"
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == "EVENT_BAN_PEER: missing serverLevel" ]]
	[[ ${lines[1]} == "EVENT_NETWORK_READY: undocumented extra" ]]
	[[ ${lines[2]} == "EVENT_NOPE: not in the table" ]]
}

@test "p2p-node and p2p-watch lines have the documented shape" {
	local a=${NET}1 b=${NET}2 c=${NET}3 w=${NET}100 pa pb pc wid o
	pa=$(free_port "$a")
	pb=$(free_port "$b")
	pc=$(free_port "$c")
	# a dead peer in A's book: A and the watch fail to dial it
	p2p-peers -b "$T/a.book" init --chain-id 10000000 >/dev/null
	p2p-peers -b "$T/a.book" add "${NET}9:1" >/dev/null
	start_cnode A --chain-id 10000000 --listen "$a:$pa" -b "$T/a.book"
	wait_line "$T/A.out" '"type":"STARTED"'
	# C joins A first: B and the watch hear of C from A
	start_cnode C --chain-id 10000000 --listen "$c:$pc" -b "$T/c.book" \
	    --seed "$a:$pa"
	wait_line "$T/C.out" '"type":"EVENT_CONNECT_OUTBOUND"'
	start_cnode B --chain-id 10000000 --listen "$b:$pb" -b "$T/b.book" \
	    --seed "$a:$pa"
	wait_line "$T/B.out" '"type":"EVENT_CONNECT_OUTBOUND"'
	timeout 60 p2p-watch --chain-id 10000000 --seed "$a:$pa" --seed "${NET}9:1" \
	    --bind "$w" --duration 60 >"$T/W.out" 2>"$T/W.err" &
	WPID=$!
	wait_line "$T/A.out" "EVENT_NEW_INBOUND_PEER.*\"ipAddress\":\"$w\""
	wait_line "$T/W.out" "EVENT_CONNECT_OUTBOUND.*\"peerId\":\"$b:$pb\""
	wid=$(jq -r --arg w "$w" 'select(.type == "EVENT_NEW_INBOUND_PEER" and
	    .ipAddress == $w) | .peerId' "$T/A.out" | head -1)
	# messages, requests (one to be answered), a new nodeInfo
	cmd A '{"op":"broadcast","event":"hello","data":"00ff","id":1}'
	cmd A '{"op":"broadcast","event":"bare","id":2}'
	cmd A '{"op":"requestFromPeer","peerId":"'"$b:$pb"'","procedure":"ask","data":"01","id":3}'
	cmd A '{"op":"requestFromPeer","peerId":"'"$wid"'","procedure":"ask","id":4}'
	wait_line "$T/B.out" '"type":"EVENT_REQUEST_RECEIVED".*"requestId"'
	cmd B "$(jq -c '{op: "respond", requestId, data: "02", id: 5}' <<<"$(
	    grep '"type":"EVENT_REQUEST_RECEIVED".*"requestId"' "$T/B.out" |
	    head -1)")"
	run -0 reply A 3
	[[ $output == *'"data":"02"'* ]]
	cmd A '{"op":"applyNodeInfo","nodeInfo":{"advertiseAddress":true},"id":6}'
	wait_line "$T/B.out" '"event":"postNodeInfo"'
	wait_line "$T/W.out" '"event":"postNodeInfo"'
	# the watch stops (close events), then a ban, then the nodes stop
	kill -TERM "$WPID"
	wait "$WPID" || :
	WPID=
	cmd A '{"op":"applyPenalty","peerId":"'"$b:$pb"'","penalty":100,"id":7}'
	wait_line "$T/A.out" '"type":"EVENT_BAN_PEER"'
	wait_line "$T/B.out" '"type":"EVENT_CLOSE_OUTBOUND"'
	stop_one A
	stop_one B
	stop_one C
	for o in A B C W; do
		run -0 check "$T/$o.out"
		[ -z "$output" ] || { echo "$o: $output"; return 1; }
	done
	# the types both programs emit were all seen from both
	for ty in CONNECT_OUTBOUND CONNECT_ABORT_OUTBOUND NETWORK_READY \
	    UPDATED_PEER_INFO MESSAGE_RECEIVED REQUEST_RECEIVED \
	    DISCOVERED_PEER CLOSE_OUTBOUND; do
		grep -q "\"type\":\"EVENT_$ty\"" "$T/W.out" ||
		    { echo "p2p-watch: no EVENT_$ty"; cat "$T/W.out"; return 1; }
		cat "$T"/[ABC].out | grep -q "\"type\":\"EVENT_$ty\"" ||
		    { echo "p2p-node: no EVENT_$ty"; return 1; }
	done
	# one shape: the peer information of a connect is the same
	for o in B W; do
		jq -e -s --arg id "$a:$pa" '[.[] | select(.type ==
		    "EVENT_CONNECT_OUTBOUND" and .peerId == $id)] | length >= 1
		    and all(.kind == "outbound" and .port > 0 and
		    .sharedState.chainID == "10000000" and
		    .nodeInfo == .sharedState)' "$T/$o.out"
	done
}
