#!/usr/bin/env bats
# p2p-watch --heights on a local Lisk Core 4 network: three fake Core
# peers (real lisk-p2p nodes) building the same chain, one of them
# falling behind and one on a fork, beside a p2p-node and a reference
# node that advertise height 0; and the table drawn on a terminal.
bats_require_minimum_version 1.5.0

load ../cli/helpers
load node-helpers

setup() {
	node_setup 127.73
}

teardown() {
	node_teardown
}

# fake NAME LAST-OCTET ARGS...: a fake Lisk Core 4 peer (mainnet) on
# $NET.LAST, port in P_NAME
fake() {
	local name=$1 ip=$NET.$2 port
	shift 2
	port=$(free_port "$ip")
	eval "P_$name=$port"
	node "$LISKP2P_TOP/tests/interop/fake-lisk-core-peer.js" --host "$ip" \
	    --port "$port" --interval 3 --fixed-time --quiet "$@" \
	    >"$T/$name.out" 2>"$T/$name.err" &
	echo $! >>"$T/pids"
}

# the last HEIGHTS line's entry of peer $1, field $2
last_field() {
	grep '"type":"HEIGHTS"' "$T/w.out" | tail -1 |
	    jq -r --arg p "$1" --arg f "$2" '.peers[] | select(.peerId == $p) | .[$f]'
}

@test "heights: per-peer height, lag and block, consensus height, a fork grouped, late relays" {
	# f1 and f2 build the same chain (no transactions, fixed timestamps);
	# f2 stops after 2 blocks; f3 puts transactions in every block: a fork
	fake f1 1 --tx-every 0
	fake f2 2 --tx-every 0 --stall-after 2
	fake f3 3 --tx-every 1
	pn=$(free_port "$NET.4")
	start_cnode n --network mainnet --listen "$NET.4:$pn" -b "$T/n.book" \
	    --max-outbound 0
	pr=$(free_port "$NET.5")
	start_rnode r --host "$NET.5" --port "$pr" --lisk-core \
	    --chain-id 00000000 --network-version 5.0 --max-outbound 0
	for f in f1 f2 f3; do wait_line "$T/$f.out" '"ev":"started"' 150; done
	wait_line "$T/n.out" '"type":"STARTED"'
	wait_line "$T/r.out" '"type":"ready"'
	timeout 60 p2p-watch --network mainnet --heights \
	    --seed "$NET.1:$P_f1" --seed "$NET.2:$P_f2" --seed "$NET.3:$P_f3" \
	    --seed "$NET.4:$pn" --seed "$NET.5:$pr" --duration 22 \
	    --metrics "$NET.6:0" >"$T/w.out" 2>"$T/w.err" ||
	    { cat "$T/w.err" >&2; false; }
	# every peer got a HEIGHT line; ours and the reference at 0
	for p in "$NET.1:$P_f1" "$NET.2:$P_f2" "$NET.3:$P_f3" "$NET.4:$pn" \
	    "$NET.5:$pr"; do
		grep -q "\"type\":\"HEIGHT\",\"peerId\":\"$p\"" "$T/w.out" ||
		    { echo "no HEIGHT for $p" >&2; false; }
	done
	[ "$(last_field "$NET.4:$pn" height)" = 0 ]
	[ "$(last_field "$NET.5:$pr" height)" = 0 ]
	# f2 stalled: behind the best; f1 at it
	best=$(grep '"type":"HEIGHTS"' "$T/w.out" | tail -1 | jq .bestHeight)
	[ "$best" -ge 24500004 ]
	[ "$(last_field "$NET.2:$P_f2" lag)" -ge 1 ]
	[ "$(last_field "$NET.1:$P_f1" lag)" = 0 ]
	[ "$(last_field "$NET.4:$pn" lag)" = "$best" ]
	cons=$(grep '"type":"HEIGHTS"' "$T/w.out" | tail -1 | jq .consensusHeight)
	[ "$cons" -ge 0 ] && [ "$cons" -le "$best" ]
	# f1 and f3 report different ids at one height: a FORK line grouping them
	run -0 jq -c --arg a "$NET.1:$P_f1" --arg b "$NET.3:$P_f3" \
	    'select(.type == "FORK") | select([.blocks[].firstPeer] | index($a) and index($b)) | .height' "$T/w.out"
	[ -n "$output" ]
	# f1 and f2 announce the same block: one first (BLOCK), one after (ANNOUNCE)
	run -0 jq -r 'select(.type == "ANNOUNCE") | "\(.peerId) \(.delayMs)"' "$T/w.out"
	[[ $output == *"$NET."[12]":"* ]]
	run -1 grep -E 'EVENT_|"type":"PEER"' "$T/w.out"
}

@test "heights: --events HEIGHTS prints only the summaries, built from every event" {
	fake f1 1 --tx-every 0
	pn=$(free_port "$NET.4")
	start_cnode n --network mainnet --listen "$NET.4:$pn" -b "$T/n.book" \
	    --max-outbound 0
	wait_line "$T/f1.out" '"ev":"started"' 150
	wait_line "$T/n.out" '"type":"STARTED"'
	timeout 60 p2p-watch --network mainnet --heights --events HEIGHTS \
	    --seed "$NET.1:$P_f1" --seed "$NET.4:$pn" --duration 11 \
	    >"$T/w.out" 2>"$T/w.err" || { cat "$T/w.err" >&2; false; }
	run -0 jq -r '.type' "$T/w.out"
	[ "$output" = HEIGHTS ]
	run -0 jq -c '.peers[] | select(.lag > 10) | {peerId, height, lag}' "$T/w.out"
	[[ $output == *"\"peerId\":\"$NET.4:$pn\",\"height\":0,"* ]]
	[[ $output != *"$NET.1:$P_f1"* ]]
}

@test "heights: on a terminal, a table redrawn in place" {
	pn=$(free_port "$NET.4")
	start_cnode n --network mainnet --listen "$NET.4:$pn" -b "$T/n.book" \
	    --max-outbound 0
	wait_line "$T/n.out" '"type":"STARTED"'
	# script(1) gives p2p-watch a terminal for stdout
	run -0 timeout 30 script -qefc "p2p-watch --network mainnet --heights \
	    --seed $NET.4:$pn --duration 3.5" /dev/null
	[ "$(grep -o $'\e\\[H\e\\[2J' <<<"$output" | wc -l)" -ge 2 ]
	[[ $output == *"best 0  consensus 0  peers 1  forks 0"* ]]
	[[ $output == *PEER*HEIGHT*PREVOTED*LAG*BLOCK* ]]
	[[ $output == *"$NET.4:$pn"* ]]
	[[ $output != *'"type"'* ]]
}

@test "heights: refused without a network whose nodeInfo carries a height, and with --crawl" {
	run -2 --separate-stderr p2p-watch --chain-id 10000000 --seed 127.0.0.1:5000 --heights
	[[ $stderr == *"--heights: the nodeInfo of this network carries no height"* ]]
	run -2 --separate-stderr p2p-watch --network mainnet --seed 127.0.0.1:5000 --heights --crawl
	[[ $stderr == *"--heights: watch mode only"* ]]
}
