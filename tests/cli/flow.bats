#!/usr/bin/env bats
# flow.bats — every event reaches a reader that keeps up (issue 9): a
# flood of 200,000 messages from one peer through `p2p-node | cat` and
# `p2p-watch | cat` arrives whole and in order, with no DROPPED line; and
# the hot path (common envelope, no jv) prints the same bytes as the jv
# path (any other envelope) for the same messages.  Count-based: nothing
# here passes or fails on time.  Addresses 127.41.x.y.
bats_require_minimum_version 1.5.0
load helpers

N=200000

setup_file() {
	build_loadgen
}

teardown() {
	local p
	for p in $(cat "$BATS_TEST_TMPDIR/pids" 2>/dev/null); do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.5
	for p in $(cat "$BATS_TEST_TMPDIR/pids" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# run_piped NAME PROG ARGS...: PROG ARGS | cat >$T/NAME.out; pid recorded
run_piped() {
	local name=$1 T=$BATS_TEST_TMPDIR
	shift
	sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$T/$name.pid" "$@" \
	    </dev/null 2>"$T/$name.err" | cat >"$T/$name.out" &
	wait_for test -s "$T/$name.pid"
	cat "$T/$name.pid" >>"$T/pids"
}

# in_order FILE N: N bench messages, sequence numbers 0..N-1 in order
in_order() {
	python3 - "$1" "$2" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    if '"event":"bench"' not in line:
        continue
    ev = json.loads(line)
    seq = int(ev["data"][:12], 16)
    if seq != n or ev["type"] != "EVENT_MESSAGE_RECEIVED":
        sys.exit("line %d: sequence %d, want %d" % (n + 1, seq, n))
    n += 1
if n != int(sys.argv[2]):
    sys.exit("%d messages, want %s" % (n, sys.argv[2]))
PY
}

@test "p2p-node | cat: 200,000 messages from one peer, all in order, no DROPPED" {
	local T=$BATS_TEST_TMPDIR port
	port=$(free_port 127.41.1.1)
	run_piped node p2p-node --chain-id 10000000 -b "$T/book" \
	    --listen "127.41.1.1:$port" --max-message-rate 1000000
	wait_line "$T/node.out" '"type":"STARTED"'
	LOADGEN_SRC=127.41.1.2 ASAN_OPTIONS=detect_leaks=0 \
	    run -0 timeout 300 "$LOADGEN" 127.41.1.1 "$port" raw $N 100
	[[ $output == *"\"sent\":$N"* ]]
	wait_count() { [ "$(grep -c '"event":"bench"' "$T/node.out")" -ge $N ]; }
	WAIT_TRIES=1200 wait_for wait_count ||
	    { grep -c '"event":"bench"' "$T/node.out"; return 1; }
	kill -TERM "$(cat "$T/node.pid")"
	wait_for sh -c "! kill -0 $(cat "$T/node.pid") 2>/dev/null"
	in_order "$T/node.out" $N
	! grep -q DROPPED "$T/node.out"
}

@test "p2p-watch | cat: 200,000 messages from one peer, all in order, no DROPPED" {
	local T=$BATS_TEST_TMPDIR port
	port=$(free_port 127.41.2.1)
	ASAN_OPTIONS=detect_leaks=0 "$LOADGEN" 127.41.2.1 "$port" serve $N 100 \
	    >"$T/serve.out" 2>"$T/serve.err" &
	echo $! >>"$T/pids"
	wait_line "$T/serve.out" listening
	run_piped watch p2p-watch --chain-id 10000000 --bind 127.41.2.2 \
	    --seed "127.41.2.1:$port" --max-message-rate 1000000
	wait_count() { [ "$(grep -c '"event":"bench"' "$T/watch.out")" -ge $N ]; }
	WAIT_TRIES=1200 wait_for wait_count ||
	    { grep -c '"event":"bench"' "$T/watch.out"; cat "$T/serve.err"; return 1; }
	kill -TERM "$(cat "$T/watch.pid")"
	wait_for sh -c "! kill -0 $(cat "$T/watch.pid") 2>/dev/null"
	in_order "$T/watch.out" $N
	! grep -q DROPPED "$T/watch.out"
	# the flooding peer was kept: no ban, no close before the end
	! grep -q EVENT_BAN_PEER "$T/watch.out"
}

@test "hot path and jv path print the same bytes for the same messages" {
	local T=$BATS_TEST_TMPDIR port
	# each message twice: the common envelope (hot path), then the same
	# object with its keys in another order (the screen and jv)
	python3 - >"$T/texts" <<'PY'
datas = ["", "A", "AA", "AAA", "AAAA", "AAE=", "AAE", "AAECAw==", "/+/+",
    "_-_-", "//8=", "ZGF0YQ", "ZG=F0YQ==", "=ZGF0", "Z G F 0", "ZG.F0#Y!Q",
    "!!!!", "abcdefg", "A~AAA~A", "CiDv7////wAAAAAAAAAAAAAAAAAAAAAAAAAAAEiA=",
    "x" * 3000]
names = ["postBlock", "x", "a b/c:d{}[]", "postTransactionsAnnouncement"]
for i, d in enumerate(datas):
    n = names[i % len(names)]
    print('{"event":"remote-message","data":{"event":"%s","data":"%s"}}'
        % (n, d))
    print('{"data":{"data":"%s","event":"%s"},"event":"remote-message"}'
        % (d, n))
PY
	port=$(free_port 127.41.3.1)
	run_piped node p2p-node --chain-id 10000000 -b "$T/book" \
	    --listen "127.41.3.1:$port" --max-message-rate 1000000
	wait_line "$T/node.out" '"type":"STARTED"'
	LOADGEN_SRC=127.41.3.2 ASAN_OPTIONS=detect_leaks=0 \
	    run -0 timeout 60 "$LOADGEN" 127.41.3.1 "$port" texts "$T/texts"
	local want=$(($(wc -l <"$T/texts")))
	wait_count() { [ "$(grep -c EVENT_MESSAGE_RECEIVED "$T/node.out")" -ge "$want" ]; }
	WAIT_TRIES=300 wait_for wait_count || { cat "$T/node.out"; return 1; }
	kill -TERM "$(cat "$T/node.pid")"
	wait_for sh -c "! kill -0 $(cat "$T/node.pid") 2>/dev/null"
	# pairs of lines, time stamp aside, byte for byte
	grep EVENT_MESSAGE_RECEIVED "$T/node.out" | grep -v postNodeInfo |
	    cut -c32- >"$T/lines"
	[ "$(wc -l <"$T/lines")" -eq "$want" ]
	python3 - "$T/lines" <<'PY'
import sys
ls = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
for a, b in zip(ls[0::2], ls[1::2]):
    if a != b:
        sys.exit("hot %r\njv  %r" % (a, b))
PY
}
