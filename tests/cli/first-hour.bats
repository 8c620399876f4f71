#!/usr/bin/env bats
# A newcomer's first hour (issue 10): errors that say what and where, one
# address parser for every address flag, one book convention for all four
# programs.
bats_require_minimum_version 1.5.0

load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	C=(--chain-id 10000000)
}

teardown() {
	# what node-helpers started (tests that load it), also on failure
	if [ -f "$T/pids" ]; then
		for p in $(cat "$T/pids"); do kill -TERM "$p" 2>/dev/null; done
		sleep 0.5
		for p in $(cat "$T/pids"); do kill -KILL "$p" 2>/dev/null; done
	fi
	true
}

# refuse STATUS MESSAGE CMD...: CMD exits STATUS with exactly MESSAGE on stderr
refuse() {
	local st=$1 msg=$2
	shift 2
	run "-$st" --separate-stderr "$@"
	[ "$stderr" = "$msg" ] || { echo "got: $stderr"; echo "want: $msg"; false; }
}

DQ="is not an IPv4 dotted quad (four numbers 0..255, as 127.0.0.1)"

@test "address flags: one strict parser, one message shape, status 2" {
	refuse 2 "p2p-node: --seed 999.1.1.1:1: '999.1.1.1' $DQ" \
	    p2p-node "${C[@]}" -b "$T/b" --seed 999.1.1.1:1
	refuse 2 "p2p-node: --seed 127.0.0.1: expected HOST:PORT, the port is missing" \
	    p2p-node "${C[@]}" -b "$T/b" --seed 127.0.0.1
	run -2 --separate-stderr p2p-node "${C[@]}" -b "$T/b" --seed nohost.invalid:5
	[[ $stderr == "p2p-node: --seed nohost.invalid:5: cannot resolve host 'nohost.invalid' to an IPv4 address: "* ]]
	refuse 2 "p2p-node: --listen foo: expected [ADDR:]PORT, as 7667 or 127.0.0.1:7667 (0: any free port)" \
	    p2p-node "${C[@]}" -b "$T/b" --listen foo
	refuse 2 "p2p-node: --listen 70000: port 70000 is not in 0..65535" \
	    p2p-node "${C[@]}" -b "$T/b" --listen 70000
	# 1.2.3 is not read as 1.2.0.3 by any flag
	refuse 2 "p2p-node: --whitelist 1.2.3:5: '1.2.3' $DQ" \
	    p2p-node "${C[@]}" -b "$T/b" --whitelist 1.2.3:5
	refuse 2 "p2p-node: --fixed 1.2.3:5: '1.2.3' $DQ" \
	    p2p-node "${C[@]}" -b "$T/b" --fixed 1.2.3:5
	refuse 2 "p2p-node: --seed 1.2.3:5: '1.2.3' $DQ" \
	    p2p-node "${C[@]}" -b "$T/b" --seed 1.2.3:5
	refuse 2 "p2p-node: --blacklist 1.2.3: '1.2.3' $DQ" \
	    p2p-node "${C[@]}" -b "$T/b" --blacklist 1.2.3
	refuse 2 "p2p-watch: --seed 1.2.3:5: '1.2.3' $DQ" \
	    p2p-watch "${C[@]}" --seed 1.2.3:5
	refuse 2 "p2p-send: --peer 1.2.3:5: '1.2.3' $DQ" \
	    p2p-send "${C[@]}" --peer 1.2.3:5 -e x
	refuse 2 "p2p-peers: add: 1.2.3:5: '1.2.3' $DQ
p2p-peers: nothing added: fix the input first" \
	    p2p-peers "${C[@]}" -b "$T/p" add 1.2.3:5
	refuse 2 "p2p-node: --seed [::1]:5: lisk-p2p peers are IPv4: expected HOST:PORT" \
	    p2p-node "${C[@]}" -b "$T/b" --seed '[::1]:5'
	refuse 2 "p2p-node: --seed 1.2.3.4:x: port 'x' is not a number in 1..65535" \
	    p2p-node "${C[@]}" -b "$T/b" --seed 1.2.3.4:x
	[ ! -e "$T/b" ] && [ ! -e "$T/p" ]
}

@test "p2p-watch --bind foo: status 2 at start, nothing dialled" {
	refuse 2 "p2p-watch: --bind foo: 'foo' $DQ" \
	    p2p-watch "${C[@]}" --seed 127.0.0.1:1 --bind foo --duration 1
}

@test "a host name resolves in every program that dials" {
	run -1 --separate-stderr p2p-watch "${C[@]}" --seed localhost:1 \
	    --duration 1 --timeout 1
	[[ $stderr == *"no peer was reachable"* ]]
}

@test "a missing book: p2p-peers check names the file and says why" {
	refuse 1 "p2p-peers: $T/missing.book: no peer book here" \
	    p2p-peers -b "$T/missing.book" check
}

@test "invalid or other-chain book: status 2 and one wording in all programs" {
	p2p-peers -b "$T/other.book" --chain-id 20000000 init
	msg="$T/other.book: the book is for another chain ID: a book of chain ID '20000000', not the one asked for ('10000000')"
	refuse 2 "p2p-node: $msg" p2p-node "${C[@]}" -b "$T/other.book" --listen 0
	refuse 2 "p2p-watch: $msg" p2p-watch "${C[@]}" -b "$T/other.book" \
	    --seed 127.0.0.1:1 --duration 1
	refuse 2 "p2p-peers: $msg" p2p-peers "${C[@]}" -b "$T/other.book" list
	printf '{"format":"liskp2p-peerbook",' >"$T/bad.book"
	for p in "p2p-node ${C[*]} --listen 0" \
	    "p2p-watch ${C[*]} --seed 127.0.0.1:1 --duration 1" \
	    "p2p-peers ${C[*]} list" "p2p-peers check"; do
		run -2 --separate-stderr $p -b "$T/bad.book" </dev/null
		[[ $stderr == "${p%% *}: $T/bad.book: not JSON"* ]] ||
		    { echo "$p: $stderr"; false; }
	done
}

@test "p2p-peers add creates the book as the other programs do" {
	run -0 p2p-peers "${C[@]}" -b "$T/dir/new.book" add 10.0.0.1:7
	run -0 jq -r '.chainID, (.peers | length)' "$T/dir/new.book"
	[ "$output" = $'10000000\n1' ]
	refuse 1 "p2p-peers: $T/no.book: no peer book here (give --chain-id or --network to create it)" \
	    p2p-peers -b "$T/no.book" add 10.0.0.1:7
}

@test "p2p-peers add says how many were kept when buckets evicted some" {
	for ((i = 0; i < 600; i++)); do
		echo "10.$((i / 250)).$((i % 250 + 1)).9:7667"
	done >"$T/many"
	run -0 --separate-stderr p2p-peers "${C[@]}" -b "$T/m.book" add - <"$T/many"
	kept=$(jq '.peers | length' "$T/m.book")
	[ "$kept" -lt 600 ]
	[[ $stderr == *"600 added, 0 already known, 0 banned; $kept of these kept, $((600 - kept)) evicted by bucket collisions"* ]]
}

@test "p2p-node: STARTED is the first line; early dial errors once each; -v" {
	# timeout's status is 124: the node's own (0 on SIGTERM) is not seen
	run --separate-stderr timeout -s TERM 4 p2p-node "${C[@]}" \
	    -b "$T/s.book" --listen 127.0.0.1:0 -v \
	    --seed 255.255.255.255:1 --seed 127.0.0.1:1 </dev/null
	[[ ${lines[0]} == '{"type":"STARTED"'* ]]
	n=$(grep -c '"EVENT_OUTBOUND_SOCKET_ERROR","peerId":"255.255.255.255:1"' <<<"$output" || true)
	[ "$n" -eq 1 ]
	[[ $stderr == *"p2p-node: dial 255.255.255.255:1: failed error=connect 255.255.255.255:1: "* ]]
	[[ $stderr == *"p2p-node: outbound 127.0.0.1:1: closed code=1006"* ]]
	# without -v, nothing of that on stderr
	run --separate-stderr timeout -s TERM 2 p2p-node "${C[@]}" \
	    -b "$T/s.book" --listen 127.0.0.1:0 --seed 127.0.0.1:1 </dev/null
	[[ $stderr != *"dial "* ]]
}

@test "make demo: reference and p2p-node events in one shape" {
	f=$LISKP2P_TOP/tests/demo-shape.jq
	ref='{"type":"EVENT_CONNECT_OUTBOUND","payload":{"peerId":"127.0.0.1:5","ipAddress":"127.0.0.1","port":5}}'
	c='{"ts":"2026-12-04T05:39:05.708Z","type":"EVENT_CONNECT_OUTBOUND","peerId":"127.0.0.1:6","ipAddress":"127.0.0.1","port":6}'
	run -0 jq -c --arg n r1 -f "$f" <<<"$ref"
	[[ $output =~ ^\{\"node\":\"r1\",\"ts\":\"[0-9-]+T[0-9:]+\.[0-9]{3}Z\",\"type\":\"EVENT_CONNECT_OUTBOUND\",\"peerId\":\"127.0.0.1:5\",\"ipAddress\":\"127.0.0.1\",\"port\":5\}$ ]]
	run -0 jq -c --arg n c1 -f "$f" <<<"$c"
	[ "$output" = '{"node":"c1","ts":"2026-12-04T05:39:05.708Z","type":"EVENT_CONNECT_OUTBOUND","peerId":"127.0.0.1:6","ipAddress":"127.0.0.1","port":6}' ]
	# same keys for both
	a=$(jq -c --arg n r1 -f "$f" <<<"$ref" | jq -c 'keys')
	b=$(jq -c --arg n c1 -f "$f" <<<"$c" | jq -c 'keys')
	[ "$a" = "$b" ]
	grep -q 'demo-shape.jq' "$LISKP2P_TOP/tests/demo.sh"
}

@test "a refused TCP connection is 'refused' with no close code (p2p-send, crawl)" {
	p=$(free_port 127.0.0.1)	# nothing listens there
	run -1 --separate-stderr p2p-send "${C[@]}" --peer "127.0.0.1:$p" \
	    --request getNodeInfo
	[ "$output" = "{\"peerId\":\"127.0.0.1:$p\",\"procedure\":\"getNodeInfo\",\"error\":\"connect: connection refused\"}" ]
	run -1 --separate-stderr p2p-watch "${C[@]}" -q --seed "127.0.0.1:$p" --crawl
	# the record (its peer detail of liskp2p-events(7) left aside)
	[ "$(jq -c '{type, peerId, reachable, error, code}' <<<"${lines[0]}")" = "{\"type\":\"PEER\",\"peerId\":\"127.0.0.1:$p\",\"reachable\":false,\"error\":{\"kind\":\"refused\",\"reason\":\"connect: connection refused\"},\"code\":null}" ]
	[[ ${lines[1]} == *'"errors":{"refused":1}}' ]]
}

@test "SIGINT during a crawl: the peer in progress is not contacted" {
	# a server that accepts and never answers: the handshake hangs
	python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
held = []
end = time.time() + 20
s.settimeout(0.2)
while time.time() < end:
    try: held.append(s.accept()[0])
    except socket.timeout: pass
' >"$T/srv.port" &
	srv=$!
	wait_for test -s "$T/srv.port"
	p=$(cat "$T/srv.port")
	p2p-watch "${C[@]}" -q --seed "127.0.0.1:$p" --crawl --timeout 10 \
	    >"$T/crawl.out" 2>"$T/crawl.err" &
	w=$!
	sleep 1
	kill -INT $w
	st=0
	wait $w || st=$?
	kill $srv 2>/dev/null
	run -0 cat "$T/crawl.out"
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == '{"type":"SUMMARY","discovered":1,"reachable":0,"unreachable":0,"notContacted":1,'* ]]
	[ $st -eq 1 ]
}

@test "p2p-send prints each result as it arrives, before the end of input" {
	load ../interop/node-helpers
	p=$(free_port 127.0.0.1)
	start_cnode n "${C[@]}" --listen "127.0.0.1:$p" -b "$T/n.book"
	wait_line "$T/n.out" '"type":"STARTED"'
	mkfifo "$T/send.in"
	exec {fd}<>"$T/send.in"
	# the child must not hold the FIFO's write end: {fd}>&- closes it there
	p2p-send "${C[@]}" --peer "127.0.0.1:$p" <"$T/send.in" >"$T/send.out" \
	    2>"$T/send.err" {fd}>&- &
	sp=$!
	echo $sp >>"$T/pids"
	echo '{"procedure":"getNodeInfo"}' >&$fd
	# the reply is out while stdin is still open
	wait_line "$T/send.out" '"procedure":"getNodeInfo","rttMs"'
	kill -0 $sp
	echo '{"procedure":"getPeers"}' >&$fd
	wait_line "$T/send.out" '"procedure":"getPeers"'
	exec {fd}>&-
	rm -f "$T/send.in"
	wait $sp
	run -0 wc -l <"$T/send.out"
	[ "$output" -eq 2 ]
}

@test "p2p-send: empty stdin dials no one, exit 0" {
	run -0 --separate-stderr p2p-send "${C[@]}" --peer 127.0.0.1:1 </dev/null
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "p2p-watch -v: dial outcomes on stderr, stdout unchanged" {
	p=$(free_port 127.0.0.1)
	run -1 --separate-stderr p2p-watch "${C[@]}" -v --seed "127.0.0.1:$p" \
	    --duration 1 --events EVENT_NETWORK_READY
	[ -z "$output" ]
	[[ $stderr == *"p2p-watch: dial 127.0.0.1:$p: aborted code=1006 reason=connect: connection refused"* ]]
	run -1 --separate-stderr p2p-watch "${C[@]}" --seed "127.0.0.1:$p" \
	    --duration 1 --events EVENT_NETWORK_READY
	[[ $stderr != *"dial "* ]]
}
