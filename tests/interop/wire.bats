#!/usr/bin/env bats
# The peer layer against the reference, both directions: a reference node
# dialing a C listener (tests/interop/c-peer.c on the sanitizer library),
# a C peer dialing a reference node, rejections and bans on both sides.
bats_require_minimum_version 1.5.0

load ../cli/helpers
load wire_helpers

setup_file() {
	build_cpeer
}

setup() {
	CPEER=$BATS_FILE_TMPDIR/c-peer
	# the reference drops seeds on its own IP: C listens on 127.0.0.2
	CHOST=127.0.0.2
	CPORT=$(free_port $CHOST)
	RPORT=$(free_port 127.0.0.1)
}

teardown() {
	stop_all
}

@test "reference dials C: handshake, messages and RPC both ways, pings, clean close" {
	start_cpeer c --host $CHOST --port "$CPORT" --ping-min 300 \
	    --ping-max 400
	start_ref ref --host 127.0.0.1 --port "$RPORT" --seed "$CHOST:$CPORT"
	wait_out ref EVENT_CONNECT_OUTBOUND
	wait_out c '"type":"connected"'
	# the reference asked for our nodeInfo and peers, and sent its own
	wait_out c '"procedure":"getNodeInfo"'
	wait_out c '"procedure":"getPeers"'
	wait_out c '"type":"nodeinfo"'
	cmd c '{"op":"send","event":"fromC","data":"00ff"}'
	wait_out ref '"event":"fromC","data":"00ff"'
	cmd c '{"op":"request","procedure":"askRef","data":"abcd"}'
	wait_out c '"type":"reply".*"data":"abcd"'
	cmd ref "{\"op\":\"sendToPeer\",\"peerId\":\"$CHOST:$CPORT\",\"event\":\"fromRef\",\"data\":\"0102\"}"
	wait_out c '"event":"fromRef","data":"0102"'
	cmd ref "{\"op\":\"requestFromPeer\",\"peerId\":\"$CHOST:$CPORT\",\"procedure\":\"askC\",\"data\":\"beef\"}"
	wait_out ref '"op":"requestFromPeer".*"data":"beef"'
	sleep 1		# at least two ping RPCs answered by the reference
	stop_node c
	wait_out ref '"type":"EVENT_CLOSE_OUTBOUND".*"code":1000'
	grep '"type":"closed"' "$BATS_TEST_TMPDIR/c.out" | jq -e '.pings >= 1'
	! grep -q EVENT_BAN_PEER "$BATS_TEST_TMPDIR/ref.out"
	! grep -q '"type":"penalty"' "$BATS_TEST_TMPDIR/c.out"
}

@test "C dials the reference: accepted, traffic both ways, no penalty" {
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	start_cpeer c --host 127.0.0.1 --connect "127.0.0.1:$RPORT" \
	    --advertise-port 6001
	wait_out c '"type":"connected"'
	wait_out ref EVENT_NEW_INBOUND_PEER
	wait_out c '"type":"nodeinfo"'
	cmd c '{"op":"request","procedure":"getNodeInfo"}'
	wait_out c '"type":"reply"'
	cmd ref '{"op":"sendToPeer","peerId":"127.0.0.1:6001","event":"x","data":"01"}'
	wait_out c '"event":"x","data":"01"'
	stop_node c
	wait_out ref '"type":"EVENT_CLOSE_INBOUND".*"code":1000'
	! grep -q EVENT_BAN_PEER "$BATS_TEST_TMPDIR/ref.out"
}

@test "C refuses the reference: wrong chain ID, 4104 with the reason" {
	start_cpeer c --host $CHOST --port "$CPORT" --chain-id 20000000
	start_ref ref --host 127.0.0.1 --port "$RPORT" --seed "$CHOST:$CPORT"
	wait_out ref '4104.*Peer chainID did not match our own'
	wait_out c '"type":"closed".*"code":4104'
}

@test "C refuses the reference: incompatible network version, 4104" {
	start_cpeer c --host $CHOST --port "$CPORT" --network-version 2.0
	start_ref ref --host 127.0.0.1 --port "$RPORT" --seed "$CHOST:$CPORT"
	wait_out ref '4104.*Peer has incompatible protocol version'
}

@test "the reference refuses C: self-connection (its own nonce), 4101" {
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	start_cpeer c --host 127.0.0.1 --connect "127.0.0.1:$RPORT" \
	    --nonce "$(nonce_of ref)"
	wait_out c '"type":"closed".*"code":4101.*"reason":"Peer cannot connect to itself"'
}

@test "C refuses self-connection: 4101" {
	start_cpeer c --host $CHOST --port "$CPORT"
	run -0 rawws "$CHOST:$CPORT" --nonce "$(nonce_of c)" handshake
	[[ $output == *'4101'*'Peer cannot connect to itself'* ]]
	[[ $output == *'{"close": 4101}'* ]]
}

@test "duplicate connection: 4404 from the reference and from C" {
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	start_cpeer c1 --host 127.0.0.1 --connect "127.0.0.1:$RPORT" \
	    --advertise-port 6002
	wait_out c1 '"type":"connected"'
	start_cpeer c2 --host 127.0.0.1 --connect "127.0.0.1:$RPORT" \
	    --advertise-port 6002
	wait_out c2 '"type":"closed".*"code":4404.*"reason":"Peer has a duplicate connection"'
	# the same at a C listener (the duplicate rule of c-peer's owner)
	start_cpeer s --host $CHOST --port "$CPORT"
	rawws "$CHOST:$CPORT" --port 6003 handshake --wait 3000 \
	    >"$BATS_TEST_TMPDIR/first" &
	first=$!
	wait_out s '"type":"connected"'
	run -0 rawws "$CHOST:$CPORT" --port 6003 handshake
	[[ $output == *'4404'*'Peer has a duplicate connection'* ]]
	wait "$first"
}

@test "malformed upgrade: 400 (431 for a head over 16 KiB) from both, the same head" {
	start_cpeer c --host $CHOST --port "$CPORT"
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	long=/rpc/?x=$(printf '%017000d' 0)
	for path in /rpc /socketcluster/ '/rpc/x?a=1' "$long"; do
		run -0 rawws "127.0.0.1:$RPORT" --path "$path"
		ref=$output
		run -0 rawws "$CHOST:$CPORT" --path "$path"
		[[ $ref == *'"http": 4'[03]* ]]
		[ "$output" = "$ref" ]
	done
	[[ $ref == *'"http": 431'* ]]
}

@test "message before #handshake: 4009 from both" {
	start_cpeer c --host $CHOST --port "$CPORT"
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	run -0 rawws "127.0.0.1:$RPORT" 'text:{"event":"x"}'
	[[ $output == *'{"close": 4009}'* ]]
	run -0 rawws "$CHOST:$CPORT" 'text:{"event":"x"}'
	[[ $output == *'{"close": 4009}'* ]]
}

@test "malformed envelope: terminated and banned by both" {
	start_cpeer c --host $CHOST --port "$CPORT"
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	for bad in '{"event":"x","data":"s"}' '[{"event":"x"}]' '#1' \
	    '{"event":"x","extra":1}' '{"event":"x","cid":1.5}'; do
		run -0 rawws "$CHOST:$CPORT" handshake "text:$bad"
		[[ $output == *'{"eof": true}'* ]]
		[[ $output != *'"close"'* ]]
	done
	[ "$(grep -c '"type":"ban".*"serverLevel":true' "$BATS_TEST_TMPDIR/c.out")" -eq 5 ]
	run -0 rawws "127.0.0.1:$RPORT" handshake 'text:{"event":"x","data":"s"}'
	[[ $output == *'{"eof": true}'* ]]
	wait_out ref EVENT_BAN_PEER
	run -0 rawws "127.0.0.1:$RPORT" handshake
	[[ $output == *'"http": 401'* ]]
}

@test "WebSocket ping frame: terminated and banned by both" {
	start_cpeer c --host $CHOST --port "$CPORT"
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	run -0 rawws "$CHOST:$CPORT" handshake ping
	[[ $output == *'{"eof": true}'* ]]
	wait_out c '"type":"ban".*"serverLevel":true'
	run -0 rawws "127.0.0.1:$RPORT" handshake ping
	wait_out ref EVENT_BAN_PEER
}

@test "oversized frame: the connection is dropped by both, no ban" {
	start_cpeer c --host $CHOST --port "$CPORT"
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	run -0 rawws "$CHOST:$CPORT" handshake big:3048577
	[[ $output == *'{"close": 1009}'* ]]
	wait_out c '"code":1009'
	run -0 rawws "127.0.0.1:$RPORT" handshake big:3048577
	[[ $output == *'{"eof": true}'* ]]
	! grep -q '"type":"ban"' "$BATS_TEST_TMPDIR/c.out"
	run -0 rawws "127.0.0.1:$RPORT" handshake
	[[ $output == *'"http": 101'* ]]
	! grep -q EVENT_BAN_PEER "$BATS_TEST_TMPDIR/ref.out"
}

@test "a C peer flooding the reference is banned (1100 messages at once)" {
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	start_cpeer c --host 127.0.0.1 --connect "127.0.0.1:$RPORT" \
	    --advertise-port 6004
	wait_out c '"type":"connected"'
	cmd c '{"op":"flood","event":"spam","count":1100}'
	wait_out ref '"type":"EVENT_BAN_PEER","peerId":"127.0.0.1:6004"' 50
	wait_out c '"type":"closed".*"code":1000'
}

@test "a reference peer flooding C is banned at the same point" {
	start_cpeer c --host $CHOST --port "$CPORT"
	start_ref ref --host 127.0.0.1 --port "$RPORT" --seed "$CHOST:$CPORT"
	wait_out ref EVENT_CONNECT_OUTBOUND
	# 450 in one burst: penalty 40 (or 30+10 across a window edge), no ban
	cmd ref "{\"op\":\"flood\",\"peerId\":\"$CHOST:$CPORT\",\"event\":\"spam\",\"count\":450}"
	wait_out c '"type":"penalty"'
	sleep 1.2
	! grep -q '"type":"ban"' "$BATS_TEST_TMPDIR/c.out"
	[ "$(grep '"type":"penalty"' "$BATS_TEST_TMPDIR/c.out" | tail -1 |
	    jq .reputation)" -eq 60 ]
	cmd ref "{\"op\":\"flood\",\"peerId\":\"$CHOST:$CPORT\",\"event\":\"spam\",\"count\":1100}"
	wait_out c '"type":"ban".*"serverLevel":false' 50
	wait_out ref '"type":"EVENT_CLOSE_OUTBOUND".*"code":1000'
}

@test "more than 10 #disconnect a second from one IP: banned by both" {
	start_cpeer c --host $CHOST --port "$CPORT"
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	dis='text:{"event":"#disconnect","data":{"code":1000}}'
	run -0 rawws "$CHOST:$CPORT" --repeat 25 --wait 20 handshake "$dis"
	wait_out c '"type":"ban".*"why":"more than 10 #disconnect'
	run -0 rawws "127.0.0.1:$RPORT" --repeat 25 --wait 20 handshake "$dis"
	wait_out ref EVENT_BAN_PEER
	run -0 rawws "127.0.0.1:$RPORT" handshake
	[[ $output == *'"http": 401'* ]]
}

@test "fragmented messages are reassembled by both" {
	start_cpeer c --host $CHOST --port "$CPORT"
	start_ref ref --host 127.0.0.1 --port "$RPORT"
	hs='frag:{"event":"#handshake","data":{"authToken":null},"cid":1}'
	msg='frag:{"event":"remote-message","data":{"event":"split","data":"AAEC"}}'
	run -0 rawws "127.0.0.1:$RPORT" --port 6011 "$hs" "$msg"
	[[ $output == *'pingTimeout'* ]]
	wait_out ref '"event":"split","data":"000102"'
	run -0 rawws "$CHOST:$CPORT" --port 6011 "$hs" "$msg"
	[[ $output == *'pingTimeout'* ]]
	wait_out c '"event":"split","data":"000102"'
}
