#!/usr/bin/env bats
# p2p-node in networks of real processes on loopback: C nodes alone, C and
# reference nodes mixed, restart from the book, inbound limits.
bats_require_minimum_version 1.5.0

load ../cli/helpers
load node-helpers

# fast timers for every node of these tests
CFAST=(--option populatorInterval=500)
RFAST=(--populator-interval 500)

setup() {
	node_setup 127.30
	ID=1000
}

teardown() {
	node_teardown
}

@test "three C nodes connect, greet each other and answer each other" {
	cnode a 1
	cnode b 2 --seed "$NET.1:$P_a"
	wait_line "$T/b.out" '"type":"EVENT_CONNECT_OUTBOUND"'
	cnode c 3 --seed "$NET.1:$P_a"
	for n in a b c; do wait_peers $n 2; done
	for n in a b c; do
		cmd $n "{\"op\":\"broadcast\",\"event\":\"greet\",\"data\":\"$(tohex "$n")\"}"
	done
	for n in a b c; do
		wait_count "$T/$n.out" '"EVENT_MESSAGE_RECEIVED".*"event":"greet"' 2
		run -0 grep -c '"EVENT_MESSAGE_RECEIVED".*"event":"greet"' "$T/$n.out"
		[ "$output" -eq 2 ]
	done
	run -0 grep -c '"peerId":"'"$NET.2:$P_b"'","event":"greet","data":"62"' "$T/a.out"
	# each asks the other two; each answers what it is asked with respond
	for n in a b c; do
		for m in a b c; do
			[ $n = $m ] && continue
			eval "pm=\$P_$m"
			o=$(printf %s "$m" | tr abc 123)
			ID=$((ID + 1))
			cmd $n "{\"op\":\"requestFromPeer\",\"peerId\":\"$NET.$o:$pm\",\"procedure\":\"whoAreYou\",\"id\":$ID}"
		done
	done
	for m in a b c; do
		wait_count "$T/$m.out" '"procedure":"whoAreYou".*"requestId"' 2
		for r in $(grep '"procedure":"whoAreYou"' "$T/$m.out" |
		    jq '.requestId'); do
			cmd $m "{\"op\":\"respond\",\"requestId\":$r,\"data\":\"$(tohex "I am $m")\"}"
		done
	done
	for n in a b c; do
		wait_count "$T/$n.out" '"op":"requestFromPeer","peerId"' 2
		run -0 grep -c '"op":"requestFromPeer","peerId".*"data":"4920616d20' "$T/$n.out"
		[ "$output" -eq 2 ]
	done
	run -1 grep -E '"type":"ERROR"|"EVENT_BAN_PEER"' "$T"/{a,b,c}.out
}

@test "the find-the-city game ends with three nodes sharing a city" {
	run -0 timeout 60 "$LISKP2P_TOP/tests/interop/city-game.sh" "$NET" "$T"
	[[ ${lines[-1]} == "all three nodes share the city of "* ]]
	city=${lines[-1]#all three nodes share the city of }
	[ "$city" = Amsterdam ]
}

@test "a light C client joins a reference network and prints its events" {
	rnode r1
	rnode r2 --seed "127.0.0.1:$P_r1"
	wait_peers r1 1
	start_cnode light --chain-id 10000000 --max-inbound 0 \
	    --listen "$NET.3:$(free_port $NET.3)" -b "$T/light.book" \
	    --seed "127.0.0.1:$P_r1" "${CFAST[@]}"
	wait_count "$T/light.out" '"type":"EVENT_CONNECT_OUTBOUND"' 2 200
	run -0 grep -c '"type":"EVENT_NETWORK_READY"' "$T/light.out"
	[ "$output" -eq 1 ]
	run -0 grep -c '"type":"EVENT_DISCOVERED_PEER".*"peerId":"127.0.0.1:'"$P_r2"'"' "$T/light.out"
	# its own address, which the reference sends back, is not dialled
	run -1 grep '"EVENT_CONNECT_ABORT_OUTBOUND","peerId":"'"$NET.3"'' "$T/light.out"
	cmd r2 '{"op":"send","event":"postBlock","data":"0a20","id":1}'
	wait_line "$T/light.out" '"EVENT_MESSAGE_RECEIVED".*"event":"postBlock","data":"0a20"'
	# nobody can dial a client without a server, nobody banned it
	run -1 grep EVENT_BAN_PEER "$T"/r1.out "$T"/r2.out
}

@test "mixed C and reference nodes: discovery, messages, requests, bans" {
	rnode r1
	cnode c1 2 --seed "127.0.0.1:$P_r1"
	wait_line "$T/c1.out" '"type":"EVENT_CONNECT_OUTBOUND"'
	rnode r2 --seed "127.0.0.1:$P_r1"
	wait_peers r2 2
	cnode c2 4 --seed "127.0.0.1:$P_r1"
	for n in r1 r2 c1 c2; do wait_peers $n 3; done
	# a C broadcast reaches both reference nodes
	cmd c1 '{"op":"broadcast","event":"fromC","data":"c0ffee"}'
	wait_line "$T/r1.out" '"event":"fromC","data":"c0ffee"'
	wait_line "$T/r2.out" '"event":"fromC","data":"c0ffee"'
	# a reference send reaches both C nodes (3 peers < 16)
	cmd r1 '{"op":"send","event":"fromRef","data":"beef","id":1}'
	wait_line "$T/c1.out" '"event":"fromRef","data":"beef"'
	wait_line "$T/c2.out" '"event":"fromRef","data":"beef"'
	# a reference request to a C node gets the answer given with respond
	cmd r2 "{\"op\":\"requestFromPeer\",\"peerId\":\"$NET.2:$P_c1\",\"procedure\":\"getBlocks\",\"data\":\"01\",\"id\":2}"
	wait_line "$T/c1.out" '"procedure":"getBlocks","data":"01".*"requestId"'
	r=$(grep '"procedure":"getBlocks"' "$T/c1.out" | jq .requestId)
	cmd c1 "{\"op\":\"respond\",\"requestId\":$r,\"data\":\"0a0b0c\",\"id\":3}"
	run -0 reply c1 3
	[[ $output == *'"op":"respond"}' ]]
	run -0 reply r2 2
	[[ $output == *'"data":"0a0b0c"'* ]]
	# ... or the error given with respond
	cmd r2 "{\"op\":\"requestFromPeer\",\"peerId\":\"$NET.2:$P_c1\",\"procedure\":\"getBlocks\",\"data\":\"02\",\"id\":8}"
	wait_line "$T/c1.out" '"procedure":"getBlocks","data":"02".*"requestId"'
	r=$(grep '"procedure":"getBlocks","data":"02"' "$T/c1.out" | jq .requestId)
	cmd c1 "{\"op\":\"respond\",\"requestId\":$r,\"error\":\"no such block\",\"id\":9}"
	run -0 reply c1 9
	run -0 reply r2 8
	[[ $output == *'"error":'*'no such block'* ]]
	# a C request to a reference node (echo mode)
	cmd c2 "{\"op\":\"requestFromPeer\",\"peerId\":\"127.0.0.1:$P_r2\",\"procedure\":\"echo\",\"data\":\"5a\",\"id\":4}"
	run -0 reply c2 4
	[[ $output == *'"data":"5a"'* ]]
	# applyNodeInfo pushes postNodeInfo to the peers (the nonce is kept)
	nonce=$(jq -r 'select(.type == "STARTED") | .nodeInfo.nonce' "$T/c1.out")
	cmd c1 '{"op":"applyNodeInfo","nodeInfo":{"networkVersion":"1.1"},"id":7}'
	run -0 reply c1 7
	[[ $output != *error* ]]
	wait_line "$T/r1.out" '"event":"postNodeInfo","peerId":"'"$NET.2:$P_c1"'","data":\{[^}]*"networkVersion":"1.1","nonce":"'"$nonce"'"'
	# applyPenalty 100 bans a (non-seed) reference peer, the book shows it
	cmd c2 "{\"op\":\"applyPenalty\",\"peerId\":\"127.0.0.1:$P_r2\",\"penalty\":100,\"id\":5}"
	run -0 reply c2 5
	wait_line "$T/c2.out" '"type":"EVENT_BAN_PEER","peerId":"127.0.0.1:'"$P_r2"'"'
	wait_line "$T/c2.out" '"type":"EVENT_REMOVE_PEER","peerId":"127.0.0.1:'"$P_r2"'"'
	WAIT_TRIES=50 wait_for jq -e \
	    '[.bans[] | select(.ip == "127.0.0.1")] | length == 1' "$T/c2.book"
	run -0 jq -e '[.peers[] | select(.ipAddress == "127.0.0.1")] | length == 0' "$T/c2.book"
	# the seed is exempt from applyPenalty, as in the reference
	cmd c2 "{\"op\":\"applyPenalty\",\"peerId\":\"127.0.0.1:$P_r1\",\"penalty\":100,\"id\":6}"
	run -0 reply c2 6
	[[ $output != *error* ]]
	sleep 0.5
	run -0 grep -c '"EVENT_BAN_PEER"' "$T/c2.out"
	[ "$output" -eq 1 ]
	# nobody penalised the C nodes into a ban
	run -1 grep EVENT_BAN_PEER "$T/r1.out" "$T/r2.out"
}

@test "a restarted node reconnects to its tried peers without seeds" {
	rnode r1
	cnode c 3 --seed "127.0.0.1:$P_r1"
	wait_line "$T/c.out" '"type":"EVENT_CONNECT_OUTBOUND"'
	cnode d 4 --seed "$NET.3:$P_c"
	wait_peers c 2
	stop_one c
	run -0 jq -r '[.peers[] | select(.table == "tried") | .peerId] | sort | join(" ")' "$T/c.book"
	[[ $output == *"127.0.0.1:$P_r1"* ]]
	[[ $output == *"$NET.4:$P_d"* ]]
	mv "$T/c.out" "$T/c1.out"
	rm -f "$T/c.in"
	# a new port, so that only c's own dials (not dial-backs of its old
	# address by r1 and d) can bring the connections back
	start_cnode c --chain-id 10000000 -b "$T/c.book" "${CFAST[@]}" \
	    --listen "$NET.3:$(free_port "$NET.3")"
	wait_line "$T/c.out" '"EVENT_CONNECT_OUTBOUND","peerId":"127.0.0.1:'"$P_r1"'"' 200
	wait_line "$T/c.out" '"EVENT_CONNECT_OUTBOUND","peerId":"'"$NET.4:$P_d"'"' 200
}

@test "more peers than --max-inbound: the limit holds, eviction, traffic" {
	for i in $(seq 2 14); do eval "P_p$i=$(free_port $NET.$i)"; done
	cnode t 1 --max-inbound 8 --whitelist "$NET.2:$P_p2" \
	    --blacklist "$NET.14"
	for i in $(seq 2 14); do
		eval "port=\$P_p$i"
		start_cnode "p$i" --chain-id 10000000 --max-inbound 0 \
		    --max-outbound 1 --fixed "$NET.1:$P_t" \
		    --listen "$NET.$i:$port" -b "$T/p$i.book" "${CFAST[@]}"
	done
	wait_count "$T/t.out" '"type":"EVENT_NEW_INBOUND_PEER"' 12 200
	wait_line "$T/t.out" '"EVENT_REMOVE_PEER".*"code":4418,"reason":"Evicted inbound peer '
	max=0
	for k in $(seq 1 10); do
		n=$(npeers t)
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.2
	done
	echo "largest pool seen: $max" >&3
	[ "$max" -le 8 ]
	[ "$max" -ge 6 ]
	# honest traffic goes on: peers connected now get a broadcast
	cmd t '{"op":"broadcast","event":"tick","data":"01"}'
	got=0
	for ((k = 0; k < 50 && got < 4; k++)); do
		got=$(grep -l '"event":"tick"' "$T"/p*.out | wc -l)
		sleep 0.1
	done
	[ "$got" -ge 4 ]
	run -1 grep -E 'EVENT_BAN_PEER|"type":"ERROR"' "$T/t.out"
	# the whitelisted peer is never evicted, the blacklisted one never in
	run -0 grep '"EVENT_NEW_INBOUND_PEER","peerId":"'"$NET.2:$P_p2"'"' "$T/t.out"
	run -1 grep '"EVENT_REMOVE_PEER","peerId":"'"$NET.2:$P_p2"'","code":4418' "$T/t.out"
	run -1 grep '"peerId":"'"$NET.14:" "$T/t.out"
	wait_line "$T/p14.out" '"EVENT_CONNECT_ABORT_OUTBOUND"'
	# fixed peers come back after their eviction
	run -0 grep -c '"EVENT_NEW_INBOUND_PEER"' "$T/t.out"
	[ "$output" -gt 12 ]
}

@test "outbound shuffle evicts a non-fixed outbound peer, fixed ones stay" {
	cnode a 1
	cnode f 2
	cnode b 3 --seed "$NET.1:$P_a" --fixed "$NET.2:$P_f" \
	    --option outboundShuffleInterval=1000
	wait_line "$T/b.out" '"EVENT_REMOVE_PEER","peerId":"'"$NET.1:$P_a"'","code":4418,"reason":"Evicted outbound peer '"$NET.1:$P_a"'"'
	run -1 grep '"EVENT_REMOVE_PEER","peerId":"'"$NET.2:$P_f"'"' "$T/b.out"
	# the populator dials it again
	wait_count "$T/b.out" '"EVENT_CONNECT_OUTBOUND","peerId":"'"$NET.1:$P_a"'"' 2 300
}

@test "a ban made by p2p-peers reaches the running node and stays" {
	cnode a 1 --option bookSyncInterval=200
	cnode b 2 --seed "$NET.1:$P_a"
	wait_peers a 1
	run -0 p2p-peers -b "$T/a.book" ban "$NET.2"
	run -0 p2p-peers -b "$T/a.book" add 10.9.8.7:7667
	wait_line "$T/a.out" '"EVENT_REMOVE_PEER","peerId":"'"$NET.2:$P_b"'"' 20
	sleep 1	# several syncs of the node
	run -0 jq -e --arg ip "$NET.2" '[.bans[] | select(.ip == $ip)] | length == 1' "$T/a.book"
	run -0 jq -e '[.peers[] | select(.peerId == "10.9.8.7:7667")] | length == 1' "$T/a.book"
	stop_one a
	run -0 jq -e --arg ip "$NET.2" '[.bans[] | select(.ip == $ip)] | length == 1' "$T/a.book"
	run -0 jq -e '[.peers[] | select(.peerId == "10.9.8.7:7667")] | length == 1' "$T/a.book"
}

@test "a slow reader: events are dropped and counted, replies are not" {
	pa=$(free_port "$NET.1")
	mkfifo "$T/a.in"
	exec {afd}<>"$T/a.in"
	sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/a.pid" \
	    p2p-node --chain-id 10000000 --listen "$NET.1:$pa" -b "$T/a.book" \
	    --max-message-rate 1000000 <"$T/a.in" 2>"$T/a.err" 3>&- |
	    (sleep 6; cat) >"$T/a.out" 3>&- &
	echo $! >>"$T/pids"
	wait_for test -s "$T/a.pid"
	cat "$T/a.pid" >>"$T/pids"
	cnode b 2 --seed "$NET.1:$pa"
	wait_line "$T/b.out" '"type":"EVENT_CONNECT_OUTBOUND"'
	python3 -c 'import sys
for i in range(200):
    sys.stdout.write("{\"op\":\"broadcast\",\"event\":\"big\",\"data\":\"%s\"}\n" % ("%02x" % (i % 256) * 16384))' >"$T/big"
	cmd b "$(cat "$T/big")"
	sleep 1
	printf '%s\n' '{"op":"getNodeInfo","id":77}' >&"$afd"
	wait_line "$T/a.out" '"type":"DROPPED"' 150
	wait_line "$T/a.out" '"type":"REPLY","id":77' 50
	n=$(grep -c '"event":"big"' "$T/a.out")
	d=$(jq -s 'map(select(.type == "DROPPED") | .count) | add' "$T/a.out")
	echo "# $n events written, $d dropped" >&3
	[ "$d" -gt 0 ]
	[ $((n + d)) -eq 200 ]
	kill -0 "$(cat "$T/a.pid")"
}

@test "--network devnet speaks Lisk Core 4 nodeInfo options with the reference" {
	rnode r --lisk-core --chain-id 04000000 --network-version 5.0
	pc=$(free_port "$NET.1")
	start_cnode c --network devnet --listen "$NET.1:$pc" -b "$T/c.book" \
	    --seed "127.0.0.1:$P_r" "${CFAST[@]}"
	wait_line "$T/c.out" '"EVENT_CONNECT_OUTBOUND","peerId":"127.0.0.1:'"$P_r"'"'
	run -0 grep '"EVENT_UPDATED_PEER_INFO".*"options":{"height":0' "$T/c.out"
	cmd c '{"op":"applyNodeInfo","nodeInfo":{"options":{"height":123,"maxHeightPrevoted":120,"blockVersion":2,"lastBlockID":"'"$(printf 'ab%.0s' $(seq 32))"'","legacy":[]}},"id":1}'
	run -0 reply c 1
	[[ $output != *error* ]]
	wait_line "$T/r.out" '"event":"postNodeInfo","peerId":"'"$NET.1:$pc"'".*"height":123,"maxHeightPrevoted":120'
	run -1 grep EVENT_BAN_PEER "$T/r.out" "$T/c.out"
}
