#!/usr/bin/env bats
# p2p-watch: usage, errors and exit statuses; no peer needed.
bats_require_minimum_version 1.5.0
load helpers

@test "--help prints the synopsis of the man page, exit 0" {
	run -0 --separate-stderr p2p-watch --help
	[[ $output == "usage: p2p-watch "* ]]
	[[ $output == *"--crawl"* ]]
	[ -z "$stderr" ]
}

@test "--version" {
	run -0 p2p-watch -V
	[[ $output == "p2p-watch "[0-9]* ]]
}

@test "every long option of --help is in the man page and the completions" {
	local top=$LISKP2P_TOP o f
	for o in $(p2p-watch --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		for f in man/p2p-watch.1 completions/p2p-watch.bash \
		    completions/_p2p-watch completions/p2p-watch.fish; do
			grep -qw -- "${o#--}" "$top/$f" ||
			    { echo "$f lacks $o"; return 1; }
		done
	done
	# and the reverse: the man page documents no option the program lacks
	for o in $(grep -o '^\.It Fl \\-[a-z-]*' "$top/man/p2p-watch.1" |
	    sed 's/.*\\-//'); do
		p2p-watch --help | grep -q -- "--$o" ||
		    { echo "man page has --$o, --help does not"; return 1; }
	done
}

@test "the man page is clean mdoc" {
	run -0 groff -mdoc -ww -z "$LISKP2P_TOP/man/p2p-watch.1"
	[ -z "$output" ]
}

@test "usage errors exit 2 with the reason" {
	local cases=(
		"no network|"
		"--network foo: unknown network|--network foo --seed 127.0.0.1:1"
		"not hex|--chain-id zz --seed 127.0.0.1:1"
		"longer than 32 bytes|--chain-id $(printf '00%.0s' {1..33}) --seed 127.0.0.1:1"
		"exclude each other|--network mainnet --chain-id 00 --seed 127.0.0.1:1"
		"goes with --chain-id|--network devnet --network-version 5.0 --seed 127.0.0.1:1"
		"no seed|--chain-id 00"
		"no seed|--network devnet"
		"unknown type 'NOPE'|--chain-id 00 --seed 127.0.0.1:1 --events NOPE"
		"no type named|--chain-id 00 --seed 127.0.0.1:1 --events ,"
		"--filter|--chain-id 00 --seed 127.0.0.1:1 --filter .["
		"--filter|--chain-id 00 --seed 127.0.0.1:1 --filter nosuchfn"
		"only with --crawl|--chain-id 00 --seed 127.0.0.1:1 --parallel 3"
		"only with --crawl|--chain-id 00 --seed 127.0.0.1:1 --graph dot"
		"unknown format|--chain-id 00 --seed 127.0.0.1:1 --crawl --graph svg"
		"watch mode only|--chain-id 00 --seed 127.0.0.1:1 --crawl --max-peers 3"
		"--max-peers 0: too small|--chain-id 00 --seed 127.0.0.1:1 --max-peers 0"
		"--parallel 1001: too large|--chain-id 00 --seed 127.0.0.1:1 --crawl --parallel 1001"
		"--duration 0|--chain-id 00 --seed 127.0.0.1:1 --duration 0"
		"not a number of seconds|--chain-id 00 --seed 127.0.0.1:1 --duration 1x"
		"--timeout 61|--chain-id 00 --seed 127.0.0.1:1 --timeout 61"
		"--seed nowhere: expected HOST:PORT, the port is missing|--chain-id 00 --seed nowhere"
		"port 70000 is not in 1..65535|--chain-id 00 --seed 127.0.0.1:70000"
		"lisk-p2p peers are IPv4|--chain-id 00 --seed [::1]:5000"
		"unexpected argument|--chain-id 00 --seed 127.0.0.1:1 extra"
		"not a version|--chain-id 00 --network-version x --seed 127.0.0.1:1"
		"too long|--chain-id 00 --network-version $(printf '1%.0s' {1..32}) --seed 127.0.0.1:1"
	)
	local c want args
	for c in "${cases[@]}"; do
		want=${c%%|*}
		args=${c#*|}
		# shellcheck disable=SC2086
		run -2 --separate-stderr p2p-watch $args
		[[ $stderr == *"p2p-watch: "*"$want"* ]] ||
		    { echo "args '$args': stderr '$stderr' lacks '$want'"; return 1; }
		[ -z "$output" ]
	done
}

@test "an unknown option is a usage error" {
	run -2 --separate-stderr p2p-watch --nope
	[[ $stderr == *"usage: p2p-watch"* ]]
}

@test "crawl with nothing listening: PEER refused/reset, SUMMARY, exit 1" {
	local port
	port=$(free_port 127.40.250.1)
	run -1 --separate-stderr p2p-watch --chain-id 00000000 \
	    --seed "127.40.250.1:$port" --crawl --timeout 1
	[ "${#lines[@]}" -eq 2 ]
	echo "${lines[0]}" | jq -e --arg id "127.40.250.1:$port" \
	    '.type == "PEER" and .peerId == $id and .reachable == false
	     and (.error.kind | IN("reset", "refused", "timeout"))'
	echo "${lines[1]}" | jq -e '.type == "SUMMARY" and .discovered == 1
	    and .reachable == 0 and .unreachable == 1'
	[[ $stderr == *"no peer was reachable"* ]]
}

@test "crawl --graph dot with nothing listening: a digraph with one red node" {
	local port
	port=$(free_port 127.40.250.2)
	run -1 --separate-stderr p2p-watch --chain-id 00000000 \
	    --seed "127.40.250.2:$port" --crawl --graph dot --timeout 1 -q
	[ "${lines[0]}" = "digraph lisk {" ]
	[ "${lines[-1]}" = "}" ]
	[[ $output == *"\"127.40.250.2:$port\" [fillcolor=lightpink"* ]]
	[[ $output != *"->"* ]]
	[ -z "$stderr" ]
}

@test "watch with nothing listening ends at --duration, exit 1" {
	local port
	port=$(free_port 127.40.250.3)
	run -1 --separate-stderr timeout 20 p2p-watch --chain-id 00000000 \
	    --seed "127.40.250.3:$port" --duration 1.5 --timeout 1
	echo "$output" | jq -e -s 'length >= 1 and
	    all(.type == "EVENT_CONNECT_ABORT_OUTBOUND")'
	[[ $stderr == *"no peer was reachable"* ]]
}

@test "--events and --filter apply to crawl lines" {
	local port
	port=$(free_port 127.40.250.4)
	run -1 --separate-stderr p2p-watch --chain-id 00000000 \
	    --seed "127.40.250.4:$port" --crawl --timeout 1 --events SUMMARY \
	    --filter '.unreachable, "x"'
	[ "$output" = $'1\n"x"' ]
	run -1 --separate-stderr p2p-watch --chain-id 00000000 \
	    --seed "127.40.250.4:$port" --crawl --timeout 1 \
	    --filter 'error("nope")' -q
	[ -z "$output" ]
	[ -z "$stderr" ]
	run -1 --separate-stderr p2p-watch --chain-id 00000000 \
	    --seed "127.40.250.4:$port" --crawl --timeout 1 \
	    --filter 'error("nope")'
	[[ $stderr == *"--filter: nope"* ]]
}

@test "a seed host name is resolved to IPv4" {
	local port
	port=$(free_port 127.0.0.1)
	run -1 --separate-stderr p2p-watch --chain-id 00000000 \
	    --seed "localhost:$port" --crawl --timeout 1 --events PEER
	echo "$output" | jq -e --arg id "127.0.0.1:$port" '.peerId == $id'
}

@test "-b: a book of another chain, or an invalid one, is refused and left alone" {
	local book=$BATS_TEST_TMPDIR/other.peerbook port
	port=$(free_port 127.40.250.5)
	run -0 p2p-peers -b "$book" init --chain-id 01000000
	cp "$book" "$BATS_TEST_TMPDIR/copy"
	run -2 --separate-stderr p2p-watch --chain-id 00000000 -b "$book" \
	    --seed "127.40.250.5:$port" --crawl --timeout 1
	[[ $stderr == "p2p-watch: $book: the book is for another chain ID: a book of chain ID '01000000', not the one asked for ('00000000')" ]]
	cmp "$book" "$BATS_TEST_TMPDIR/copy"
	echo '{"format":"liskp2p-peerbook","version":1' >"$book"
	cp "$book" "$BATS_TEST_TMPDIR/copy"
	run -2 --separate-stderr p2p-watch --chain-id 00000000 -b "$book" \
	    --seed "127.40.250.5:$port" --crawl --timeout 1
	[[ $stderr == "p2p-watch: $book: not JSON"* ]]
	cmp "$book" "$BATS_TEST_TMPDIR/copy"
}

@test "-b: an unreachable peer of a crawl goes to the new table" {
	local book=$BATS_TEST_TMPDIR/sub/dir/x.peerbook port
	port=$(free_port 127.40.250.6)
	run -1 --separate-stderr p2p-watch --chain-id 00000000 -b "$book" \
	    --seed "127.40.250.6:$port" --crawl --timeout 1
	run -0 --separate-stderr p2p-peers -b "$book" list --format ndjson
	echo "$output" | jq -e -s --arg id "127.40.250.6:$port" \
	    'length == 1 and .[0].peerId == $id and .[0].table == "new"'
}

@test "-b: an unreachable tried peer counts a failure, as p2p-peers import counts it" {
	local book=$BATS_TEST_TMPDIR/t.peerbook port
	port=$(free_port 127.40.250.7)
	run -0 p2p-peers -b "$book" init --chain-id 00000000
	echo "{\"peerId\":\"127.40.250.7:$port\",\"table\":\"tried\"}" |
	    p2p-peers -b "$book" import
	run -1 --separate-stderr p2p-watch --chain-id 00000000 -b "$book" \
	    --seed "127.40.250.7:$port" --crawl --timeout 1
	run -0 --separate-stderr p2p-peers -b "$book" list --format ndjson
	echo "$output" | jq -e -s --arg id "127.40.250.7:$port" \
	    'length == 1 and .[0].peerId == $id and .[0].table == "tried" and
	    .[0].failures == 1'
}

# A TCP server on ADDR that never answers (silent) or closes at once
# (close); its pid in $BATS_TEST_TMPDIR/srv.pid, stopped by teardown.
tcp_server() {
	rm -f "$BATS_TEST_TMPDIR/srv.port"	# no stale port from a previous server
	python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
end = time.time() + 30
held = []
s.settimeout(0.2)
while time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    if sys.argv[2] == "close":
        c.close()
    else:
        held.append(c)
' "$1" "$2" >"$BATS_TEST_TMPDIR/srv.port" &
	echo $! >"$BATS_TEST_TMPDIR/srv.pid"
	wait_for test -s "$BATS_TEST_TMPDIR/srv.port"
}

teardown() {
	if [ -f "$BATS_TEST_TMPDIR/srv.pid" ]; then
		kill "$(cat "$BATS_TEST_TMPDIR/srv.pid")" 2>/dev/null
		wait "$(cat "$BATS_TEST_TMPDIR/srv.pid")" 2>/dev/null
	fi
	return 0
}

@test "crawl: a peer that never answers is a timeout, one that hangs up a reset" {
	tcp_server 127.40.250.8 silent
	local port
	port=$(cat "$BATS_TEST_TMPDIR/srv.port")
	run -1 --separate-stderr p2p-watch --chain-id 00000000 -q \
	    --seed "127.40.250.8:$port" --crawl --timeout 0.5 --events PEER
	echo "$output" | jq -e '.reachable == false and
	    .error.kind == "timeout" and .error.code == 4007'
	kill "$(cat "$BATS_TEST_TMPDIR/srv.pid")"
	tcp_server 127.40.250.9 close
	port=$(cat "$BATS_TEST_TMPDIR/srv.port")
	run -1 --separate-stderr p2p-watch --chain-id 00000000 -q \
	    --seed "127.40.250.9:$port" --crawl --timeout 1 --events PEER
	echo "$output" | jq -e '.reachable == false and
	    .error.kind == "reset" and .error.code == 1006'
}
