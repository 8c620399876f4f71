#!/usr/bin/env bats
# --metrics: the Prometheus text served from the node's loop.  promtool
# checks a scrape; bad requests get a 4xx and the node runs on; a scrape
# during a message flood returns; 1,000 scrapes a second cost no peer.
bats_require_minimum_version 1.5.0

load helpers
load ../interop/node-helpers

setup() {
	node_setup 127.72
}

teardown() {
	node_teardown
}

# two nodes a ($NET.1, metrics in $MA) and b ($NET.2, seed a), connected
pair() {
	local pa pb
	pa=$(free_port "$NET.1")
	pb=$(free_port "$NET.2")
	start_cnode a --network devnet --listen "$NET.1:$pa" -b "$T/a.book" \
	    --metrics "$NET.1:0" --max-message-rate 1000000 "$@"
	wait_line "$T/a.out" '"type":"STARTED"'
	MA=$(jq -r 'select(.type=="STARTED").metricsPort' "$T/a.out")
	start_cnode b --network devnet --listen "$NET.2:$pb" -b "$T/b.book" \
	    --seed "$NET.1:$pa"
	wait_line "$T/a.out" 'EVENT_NEW_INBOUND_PEER' 150
	wait_line "$T/b.out" 'EVENT_CONNECT_OUTBOUND' 150
	URL="http://$NET.1:$MA/metrics"
}

# http REQUEST-TEXT: the status line the metrics server answers
http() {
	python3 -c 'import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(sys.argv[3].encode().decode("unicode_escape").encode("latin-1"))
d = b""
while True:
    try:
        c = s.recv(65536)
    except socket.timeout:
        break
    if not c:
        break
    d += c
print(d.split(b"\r\n")[0].decode() if d else "closed")' "$NET.1" "$MA" "$1"
}

@test "promtool check metrics passes on a scrape of a node with a peer and traffic" {
	if ! command -v promtool >/dev/null; then
		# make check installs it (tests/setup.sh); a dev box may not
		need "promtool not installed (apt-get install prometheus)"
	fi
	pair
	cmd b '{"op":"broadcast","event":"postBlock","data":"00ff"}'
	cmd b '{"op":"request","procedure":"getLastBlock","id":1}'
	reply b 1 >/dev/null
	wait_line "$T/a.out" '"event":"postBlock"'
	run -0 curl -s --max-time 10 "$URL"
	echo "$output" >"$T/scrape.txt"
	run -0 promtool check metrics <"$T/scrape.txt"
	run -0 cat "$T/scrape.txt"
	[[ $output == *'lisk_p2p_peers{direction="inbound",kind="other"} 1'* ]]
	[[ $output == *'lisk_p2p_messages_total{direction="in",event="postBlock"} 1'* ]]
	[[ $output == *'lisk_p2p_requests_total{direction="in",procedure="getLastBlock"} 1'* ]]
	[[ $output == *'lisk_p2p_connections_opened_total{direction="inbound"} 1'* ]]
	[[ $output == *'lisk_p2p_book_entries{table="tried"}'* ]]
	[[ $output == *process_resident_memory_bytes* ]]
	[[ $output == *process_start_time_seconds* ]]
	[[ $output == *process_open_fds* ]]
	[[ $output == *'lisk_p2p_dropped_lines_total 0'* ]]
	# bytes counted both ways
	in=$(awk '$1 == "lisk_p2p_bytes_total{direction=\"in\"}" { print $2 }' "$T/scrape.txt")
	[ "$in" -gt 0 ]
}

@test "a bad request gets a 4xx, a slow one is closed, and the node runs on" {
	pair
	run -0 http 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'
	[[ $output == "HTTP/1.1 405"* ]]
	run -0 http 'GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n'
	[[ $output == "HTTP/1.1 404"* ]]
	run -0 http 'this is not http\r\n\r\n'
	[[ $output == "HTTP/1.1 400"* ]]
	big=$(printf 'X-Pad: %09000d\\r\\n' 0)
	run -0 http "GET /metrics HTTP/1.1\\r\\n$big\\r\\n"
	[[ $output == "HTTP/1.1 431"* ]]
	# a client that never finishes its request: answered 408 in 5 s
	run -0 http 'GET /metrics HTTP/1.1\r\nHost: x\r\n'
	[[ $output == "HTTP/1.1 408"* ]]
	# the node still serves and still has its peer
	run -0 http 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'
	[[ $output == "HTTP/1.1 200"* ]]
	cmd a '{"op":"getConnectedPeers","id":7}'
	run -0 reply a 7
	[ "$(echo "$output" | jq '.peers | length')" = 1 ]
	run -0 curl -s --max-time 10 "$URL"
	[[ $output == *'lisk_p2p_scrape_errors_total{kind="bad_request"} 5'* ]]
}

@test "a scrape during a message flood returns, and 1,000 scrapes a second cost no peer" {
	pair
	# b floods a: 20,000 broadcasts through its stdin
	yes '{"op":"broadcast","event":"postTransactionsAnnouncement","data":"0a20"}' |
	    head -n 20000 >"$T/b.in" &
	fp=$!
	wait_line "$T/a.out" '"event":"postTransactionsAnnouncement"' 100
	run -0 curl -s --max-time 10 -o "$T/flood.txt" -w '%{http_code}' "$URL"
	[ "$output" = 200 ]
	grep -q '^lisk_p2p_messages_total{direction="in",event="postTransactionsAnnouncement"}' "$T/flood.txt"
	wait "$fp"
	# 3 s of scrapes at 1,000 a second from 8 processes
	run -0 timeout 60 python3 "$LISKP2P_TOP/tests/cli/scrape.py" "$NET.1" "$MA" \
	    1000 3 8
	echo "scrapes ok, sent, seconds: $output" >&3
	set -- $output
	# most answered (the client limit may refuse a few), none lost a peer
	[ "$1" -ge 2700 ]
	run -1 grep -E 'EVENT_CLOSE_(IN|OUT)BOUND|EVENT_REMOVE_PEER|EVENT_BAN_PEER' "$T/a.out"
	cmd a '{"op":"getConnectedPeers","id":9}'
	run -0 reply a 9 200
	[ "$(echo "$output" | jq '.peers | length')" = 1 ]
}

@test "p2p-watch --metrics: per-peer height and lag, and promtool passes" {
	local pn mp
	pn=$(free_port "$NET.1")
	mp=$(free_port "$NET.3")
	start_cnode a --network devnet --listen "$NET.1:$pn" -b "$T/a.book"
	wait_line "$T/a.out" '"type":"STARTED"'
	p2p-watch --network devnet --seed "$NET.1:$pn" --duration 8 \
	    --metrics "$NET.3:$mp" >"$T/w.out" 2>"$T/w.err" &
	echo $! >>"$T/pids"
	wait_line "$T/a.out" 'EVENT_NEW_INBOUND_PEER' 150
	WAIT_TRIES=100 wait_for curl -sf --max-time 5 -o "$T/scrape.txt" \
	    "http://$NET.3:$mp/metrics"
	run -0 cat "$T/scrape.txt"
	[[ $output == *"lisk_p2p_watch_peer_height{peer=\"$NET.1:$pn\"} 0"* ]]
	[[ $output == *"lisk_p2p_watch_peer_lag{peer=\"$NET.1:$pn\"} 0"* ]]
	[[ $output == *'lisk_p2p_watch_connects_total 1'* ]]
	[[ $output == *process_resident_memory_bytes* ]]
	if command -v promtool >/dev/null; then
		run -0 promtool check metrics <"$T/scrape.txt"
	fi
}
