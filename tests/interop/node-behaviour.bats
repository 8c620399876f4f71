#!/usr/bin/env bats
# p2p-node behaviours checked against the reference: peers that asked not
# to be advertised, seed reputation, server-level bans, the SocketCluster
# timeouts.
bats_require_minimum_version 1.5.0

load ../cli/helpers
load node-helpers

CFAST=(--option populatorInterval=500)
RFAST=(--populator-interval 500)

setup() {
	node_setup 127.70
}

teardown() {
	node_teardown
}

# getpeers HOST:PORT: the ipAddress:port list of a getPeers reply
getpeers() {
	p2p-send --chain-id 10000000 --peer "$1" --request getPeers |
	    jq -r '.data[] | "\(.ipAddress):\(.port)"'
}

@test "a peer with advertiseAddress=false is not advertised, as by the reference" {
	cnode hub 1
	rnode ref
	# two crawlers: one at the C node, one at the reference
	cnode cc 2 --no-advertise --seed "$NET.1:$P_hub"
	cnode cr 3 --no-advertise --seed "127.0.0.1:$P_ref"
	wait_line "$T/hub.out" "\"EVENT_NEW_INBOUND_PEER\".*\"$NET.2:$P_cc\""
	wait_line "$T/ref.out" "\"EVENT_NEW_INBOUND_PEER\".*\"$NET.3:$P_cr\""
	# an ordinary peer of each, so that the lists are not empty
	cnode oc 4 --seed "$NET.1:$P_hub"
	cnode or 5 --seed "127.0.0.1:$P_ref"
	wait_line "$T/hub.out" "\"EVENT_NEW_INBOUND_PEER\".*\"$NET.4:$P_oc\""
	wait_line "$T/ref.out" "\"EVENT_NEW_INBOUND_PEER\".*\"$NET.5:$P_or\""
	run -0 getpeers "127.0.0.1:$P_ref"
	[[ $output == *"$NET.5:$P_or"* ]]
	[[ $output != *"$NET.3:"* ]]
	run -0 getpeers "$NET.1:$P_hub"
	[[ $output == *"$NET.4:$P_oc"* ]]
	[[ $output != *"$NET.2:"* ]]
	# the crawler is still connected: in neither list of the C node
	cmd hub '{"op":"getConnectedPeers","id":1}'
	run -0 reply hub 1
	[[ $output == *"$NET.4:$P_oc"* ]]
	[[ $output != *"$NET.2:"* ]]
	cmd hub '{"op":"getDisconnectedPeers","id":2}'
	run -0 reply hub 2
	[[ $output != *"$NET.2:"* ]]
	alive cc
}

@test "a server-level ban names the peer by its ephemeral port, as the reference" {
	cnode hub 1
	rnode ref
	for dst in "$NET.1:$P_hub" "127.0.0.1:$P_ref"; do
		run -0 rawws "$dst" --local --port 5999 handshake 'text:[1]'
		local_port=$(jq -r 'select(.local) | .local' <<<"$output")
		[ -n "$local_port" ]
		[[ $output == *'{"eof": true}'* ]]
		[ "$dst" = "$NET.1:$P_hub" ] && name=hub || name=ref
		wait_line "$T/$name.out" \
		    "\"type\":\"EVENT_BAN_PEER\",\"peerId\":\"127.0.0.1:$local_port\""
		wait_line "$T/$name.out" '"type":"EVENT_INBOUND_SOCKET_ERROR"'
	done
	# not under the query's port
	run -1 grep -E 'EVENT_BAN_PEER.*127.0.0.1:5999' "$T/hub.out" "$T/ref.out"
}

@test "socket errors: a frame over wsMaxPayload reports one, a reset none, as the reference" {
	cnode hub 1
	rnode ref
	for dst in "$NET.1:$P_hub" "127.0.0.1:$P_ref"; do
		[ "$dst" = "$NET.1:$P_hub" ] && name=hub || name=ref
		run -0 rawws "$dst" --port 5001 handshake sleep:200 reset
		[[ $output == *'{"reset": true}'* ]]
		wait_line "$T/$name.out" '"EVENT_CLOSE_INBOUND".*"code":1006'
		run -0 rawws "$dst" --port 5002 handshake big:3048577
		wait_line "$T/$name.out" '"EVENT_CLOSE_INBOUND".*"code":1009'
	done
	for name in hub ref; do
		run -0 grep -c SOCKET_ERROR "$T/$name.out"
		[ "$output" -eq 1 ]
		grep -E 'EVENT_INBOUND_SOCKET_ERROR.*Max payload size exceeded' \
		    "$T/$name.out"
	done
	# the error comes before the close, for both
	for name in hub ref; do
		grep -E 'SOCKET_ERROR|CLOSE_INBOUND.*1009' "$T/$name.out" |
		    head -1 | grep -q SOCKET_ERROR
	done
}

@test "a banned seed comes back with its reputation spent: banned again, as by the reference" {
	local sp=$(free_port "$NET.2") rp
	node "$LISKP2P_TOP/tests/interop/bad-seed.js" "$NET.2" "$sp" \
	    >"$T/seed.out" 2>"$T/seed.err" &
	echo $! >>"$T/pids"
	rp=$(free_port 127.0.0.1)
	node "$LISKP2P_TOP/tests/interop/bad-seed.js" 127.0.0.1 "$rp" \
	    >"$T/rseed.out" 2>"$T/rseed.err" &
	echo $! >>"$T/pids"
	wait_line "$T/seed.out" ready
	wait_line "$T/rseed.out" ready
	cnode c 1 --seed "$NET.2:$sp" --option peerBanTime=1500 \
	    --option fallbackSeedPeerDiscoveryInterval=2000
	rnode r --seed "127.0.0.1:$rp" --peer-ban-time 1500 --seed-interval 2000
	# first connection: invalid nodeInfo, penalty 100; the second: a
	# second getNodeInfo, penalty 10, enough for a seed at reputation 0
	wait_count "$T/c.out" "\"EVENT_BAN_PEER\",\"peerId\":\"$NET.2:$sp\"" 2 150
	wait_count "$T/r.out" "\"EVENT_BAN_PEER\",\"peerId\":\"127.0.0.1:$rp\"" 2 150
	grep -q '"connection":2' "$T/seed.out"
	grep -q '"connection":2' "$T/rseed.out"
	grep -E 'EVENT_BAN_PEER.*getNodeInfo more than once' "$T/c.out"
}

@test "an inbound peer's reputation survives reconnections: 5 x 2 extra getNodeInfo ban it" {
	# no outbound dials: a failed dial to 127.0.0.1:5999 would drop the
	# entry (and its reputation) from the book of both
	cnode hub 1 --max-outbound 0
	rnode ref --max-outbound 0
	gni='text:{"event":"rpc-request","data":{"procedure":"getNodeInfo"},"cid":'
	# one connection after the other; the pause lets the node see the
	# previous one closed before the handshake (else: 4404 duplicate)
	for dst in "$NET.1:$P_hub" "127.0.0.1:$P_ref"; do
		run -0 rawws "$dst" --port 5999 --repeat 4 --wait 300 sleep:300 \
		    handshake "${gni}2}" "${gni}3}" "${gni}4}"
	done
	# 100 - 4 x 20 = 20: not banned yet; the fifth connection bans
	run -1 grep -E 'EVENT_BAN_PEER|4404' "$T/hub.out" "$T/ref.out"
	for dst in "$NET.1:$P_hub" "127.0.0.1:$P_ref"; do
		run -0 rawws "$dst" --port 5999 --wait 300 sleep:300 \
		    handshake "${gni}2}" "${gni}3}" "${gni}4}"
	done
	wait_line "$T/hub.out" '"EVENT_BAN_PEER","peerId":"127.0.0.1:5999"'
	wait_line "$T/ref.out" '"EVENT_BAN_PEER","peerId":"127.0.0.1:5999"'
}

# silent HOST PORT: a TCP listener that accepts and never answers
silent() {
	python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
print("listening", flush=True)
held = []
end = time.time() + 60
while time.time() < end and len(held) < 64:
    s.settimeout(max(0.01, end - time.time()))
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        break
' "$1" "$2" >"$T/silent.out" 2>&1 3>&- &
	echo $! >>"$T/pids"
	wait_line "$T/silent.out" listening
}

@test "SocketCluster timeouts, server side: 4005 without #handshake in 10 s, 4001 silent 20 s" {
	cnode hub 1
	rnode ref
	# the four clients at once: about 20 s in all
	for name in hub ref; do
		[ $name = hub ] && dst=$NET.1:$P_hub || dst=127.0.0.1:$P_ref
		rawws "$dst" --port 5001 --wait 14000 >"$T/$name.nohs" &
		echo $! >>"$T/pids"
		rawws "$dst" --port 5002 --wait 26000 handshake \
		    >"$T/$name.silent" &
		echo $! >>"$T/pids"
	done
	sleep 9
	for name in hub ref; do
		run -1 grep -E 'close|eof' "$T/$name.nohs"
	done
	wait_line "$T/hub.nohs" '"close": 4005' 60
	wait_line "$T/ref.nohs" '"close": 4005' 60
	# the server's pings ('#1') are never answered: 4001 after 20 s
	sleep 6
	for name in hub ref; do
		grep -q '"text": "#1"' "$T/$name.silent"
		run -1 grep -E 'close|eof' "$T/$name.silent"
	done
	wait_line "$T/hub.silent" '"close": 4001' 80
	wait_line "$T/ref.silent" '"close": 4001' 80
	wait_line "$T/hub.out" '"EVENT_CLOSE_INBOUND".*"code":4001'
	wait_line "$T/ref.out" '"EVENT_CLOSE_INBOUND".*"code":4001'
}

@test "SocketCluster timeout, client side: 4007 when the upgrade never comes in 2 s" {
	local sp
	sp=$(free_port "$NET.2")
	silent "$NET.2" "$sp"
	t0=$(date +%s%N)
	cnode c 1 --seed "$NET.2:$sp"
	wait_line "$T/c.out" '"EVENT_CLOSE_OUTBOUND".*"code":4007' 50
	t1=$(date +%s%N)
	rnode r --seed "$NET.2:$sp"
	wait_line "$T/r.out" '"EVENT_CLOSE_OUTBOUND".*"code":4007' 50
	t2=$(date +%s%N)
	grep -E 'EVENT_CONNECT_ABORT_OUTBOUND' "$T/c.out"
	grep -E 'EVENT_CONNECT_ABORT_OUTBOUND' "$T/r.out"
	# after the connect timeout of 2 s, not before
	[ $(((t1 - t0) / 1000000)) -ge 1900 ]
	[ $(((t2 - t1) / 1000000)) -ge 1900 ]
}

@test "an outbound peer with advertiseAddress=false in its nodeInfo stays listed, as by the reference" {
	cnode x 2 --no-advertise --max-outbound 0
	cnode hub 1 --seed "$NET.2:$P_x"
	rnode ref --seed "$NET.2:$P_x"
	wait_line "$T/hub.out" "\"EVENT_CONNECT_OUTBOUND\".*\"$NET.2:$P_x\""
	wait_line "$T/ref.out" "\"EVENT_CONNECT_OUTBOUND\".*\"$NET.2:$P_x\""
	cmd hub '{"op":"getConnectedPeers","id":1}'
	run -0 reply hub 1
	[[ $output == *"\"$NET.2:$P_x\""* ]]
	cmd ref '{"op":"getConnectedPeers","id":1}'
	run -0 reply ref 1
	[[ $output == *"\"$NET.2:$P_x\""* ]]
}
