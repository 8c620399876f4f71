#!/usr/bin/env bats
# Monitoring: a PENALTY line for every penalty p2p-node applies, each
# reason provoked by a misbehaving peer (rawws.py, bad-seed.js,
# misbehave-seed.js) or by applyPenalty on stdin; -v names them on
# stderr; the penalties and bans metrics count them.
bats_require_minimum_version 1.5.0

load ../cli/helpers
load node-helpers

setup() {
	node_setup 127.71
}

teardown() {
	node_teardown
}

# every C node (cnode) with -v and metrics on its own address (port in
# M_NAME)
CFAST=(-v)
CMETRICS=1

# penalty NAME PEERID REASON [REPUTATION]: NAME printed that PENALTY line
penalty() {
	local re="\"type\":\"PENALTY\",\"peerId\":\"$2\",\"penalty\":[0-9]+,\"reason\":\"$3\""
	[ -n "${4:-}" ] && re="$re.*\"reputation\":$4"
	wait_line "$T/$1.out" "$re" 100 ||
	    { echo "no PENALTY $3 for $2 in $1:" >&2; grep PENALTY "$T/$1.out" >&2; return 1; }
}

GOOD=CgQQAAAAEgMxLjAaEGI0ZDVlZWQwMTIzNDU2YWIgAQ==
RPC='text:{"event":"rpc-request","data":{"procedure":'
MSG='text:{"event":"remote-message","data":{"event":'

@test "PENALTY lines for the 10-point rules and applyPenalty, with their reasons, on stdout, stderr (-v) and in the metrics" {
	cnode hub 1 --max-outbound 0 --max-message-rate 8
	dst=$NET.1:$P_hub
	# each misbehaviour from its own peerId: no reputation runs out
	rawws "$dst" --port 6001 --wait 1500 handshake \
	    "${RPC}\"getNodeInfo\"},\"cid\":2}" \
	    "${RPC}\"getNodeInfo\"},\"cid\":3}" >/dev/null
	# the second getPeers of a connection's first 10 s is forgiven
	# (p2p-node(1), issue 14): the third costs getPeersRepeat
	rawws "$dst" --port 6002 --wait 1500 handshake \
	    "${RPC}\"getPeers\"},\"cid\":2}" \
	    "${RPC}\"getPeers\"},\"cid\":3}" \
	    "${RPC}\"getPeers\"},\"cid\":4}" >/dev/null
	pni=()
	for i in 1 2 3 4 5; do
		pni+=("${MSG}\"postNodeInfo\",\"data\":\"$GOOD\"}}" sleep:50)
	done
	rawws "$dst" --port 6003 --wait 1500 handshake "${pni[@]}" >/dev/null
	flood=()
	for i in $(seq 1 20); do
		flood+=("${MSG}\"x\"}}")
	done
	rawws "$dst" --port 6004 --wait 1500 handshake "${flood[@]}" >/dev/null
	deep=$(printf '[%.0s' $(seq 1 80))$(printf ']%.0s' $(seq 1 80))
	rawws "$dst" --port 6005 --wait 1500 handshake \
	    "${MSG}\"x\",\"data\":$deep}}" >/dev/null
	rawws "$dst" --port 6006 --wait 300 handshake sleep:4000 >/dev/null &
	rp=$!
	wait_line "$T/hub.out" 'EVENT_NEW_INBOUND_PEER.*127.0.0.1:6006'
	cmd hub '{"op":"applyPenalty","peerId":"127.0.0.1:6006","penalty":7,"id":1}'
	reply hub 1
	wait "$rp"

	penalty hub 127.0.0.1:6001 getNodeInfoRepeat 90
	penalty hub 127.0.0.1:6001 getNodeInfoRate
	penalty hub 127.0.0.1:6002 getPeersRepeat 90
	penalty hub 127.0.0.1:6002 getPeersRate
	penalty hub 127.0.0.1:6003 postNodeInfoRate 90
	penalty hub 127.0.0.1:6004 messageRate
	penalty hub 127.0.0.1:6005 invalidPacket 90
	penalty hub 127.0.0.1:6006 applyPenalty 93
	grep -q 'penalty 127.0.0.1:6002: penalised penalty=10 reason=getPeersRepeat detail=getPeers more than once in 10 s reputation=90' "$T/hub.err"
	grep -q 'penalty 127.0.0.1:6006: penalised penalty=7 reason=applyPenalty' "$T/hub.err"
	# nobody banned, and the counters agree with the lines
	run -1 grep -q EVENT_BAN_PEER "$T/hub.out"
	run -0 curl -s --max-time 10 "http://$NET.1:$M_hub/metrics"
	[[ $output == *'lisk_p2p_penalties_total{reason="getPeersRepeat"} 1'* ]]
	[[ $output == *'lisk_p2p_penalties_total{reason="applyPenalty"} 1'* ]]
	[[ $output == *'lisk_p2p_penalty_points_total{reason="applyPenalty"} 7'* ]]
	[[ $output == *'lisk_p2p_bans_total{level="peer"} 0'* ]]
}

@test "PENALTY lines for the 100-point rules: data with getPeers, an undecodable postNodeInfo; reputation 0 then the ban" {
	cnode a 1 --max-outbound 0
	cnode b 2 --max-outbound 0
	rawws "$NET.1:$P_a" --port 6001 --wait 1000 handshake \
	    "${RPC}\"getPeers\",\"data\":\"AAAA\"},\"cid\":2}" >/dev/null
	rawws "$NET.2:$P_b" --port 6002 --wait 1000 handshake \
	    "${MSG}\"postNodeInfo\",\"data\":\"AAAA\"}}" >/dev/null
	penalty a 127.0.0.1:6001 invalidRequest 0
	penalty b 127.0.0.1:6002 postNodeInfoInvalid 0
	wait_line "$T/a.out" '"EVENT_BAN_PEER","peerId":"127.0.0.1:6001"'
	wait_line "$T/b.out" '"EVENT_BAN_PEER","peerId":"127.0.0.1:6002"'
	# the PENALTY line comes before the ban
	[ "$(grep -nE 'PENALTY|EVENT_BAN_PEER' "$T/a.out" | head -1 | grep -c PENALTY)" = 1 ]
	run -0 curl -s --max-time 10 "http://$NET.1:$M_a/metrics"
	[[ $output == *'lisk_p2p_bans_total{level="peer"} 1'* ]]
	[[ $output == *'lisk_p2p_penalties_total{reason="invalidRequest"} 1'* ]]
	[[ $output == *'lisk_p2p_book_banned 1'* ]]
}

@test "PENALTY lines for a seed's bad replies: invalid nodeInfo, getPeers without data, a control frame" {
	local s1 s2 s3
	s1=$(free_port "$NET.2")
	s2=$(free_port "$NET.3")
	s3=$(free_port "$NET.4")
	node "$LISKP2P_TOP/tests/interop/bad-seed.js" "$NET.2" "$s1" \
	    >"$T/s1.out" 2>"$T/s1.err" &
	echo $! >>"$T/pids"
	node "$LISKP2P_TOP/tests/interop/misbehave-seed.js" "$NET.3" "$s2" \
	    peers-nodata >"$T/s2.out" 2>"$T/s2.err" &
	echo $! >>"$T/pids"
	node "$LISKP2P_TOP/tests/interop/misbehave-seed.js" "$NET.4" "$s3" \
	    ping >"$T/s3.out" 2>"$T/s3.err" &
	echo $! >>"$T/pids"
	wait_line "$T/s1.out" ready
	wait_line "$T/s2.out" ready
	wait_line "$T/s3.out" ready
	cnode c 1 --seed "$NET.2:$s1" --seed "$NET.3:$s2" --seed "$NET.4:$s3"
	penalty c "$NET.2:$s1" invalidNodeInfo 0
	penalty c "$NET.3:$s2" invalidPeerList 0
	penalty c "$NET.4:$s3" controlFrame 0
	run -0 curl -s --max-time 10 "http://$NET.1:$M_c/metrics"
	[[ $output == *'lisk_p2p_penalties_total{reason="controlFrame"} 1'* ]]
	[[ $output == *'lisk_p2p_bans_total{level="peer"} 3'* ]]
}
