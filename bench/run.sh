#!/bin/sh
# bench/run.sh — `make bench`: p2p-node beside the reference node, measured
# in the same run on this machine; prints each number and the ratio
# C/reference.  Not a test: nothing passes or fails on absolute numbers.
#
#   start-up      exec to the first line (STARTED / ready), median of 5
#   rss idle      VmRSS 2 s after start
#   rss 100 peers VmRSS with 100 inbound connections (bench/loadgen)
#   msgs/s        one-way messages of 100 bytes one node receives from
#                 one peer (20000 sent as fast as the sender can)
#   flood         bench/flood.py: 300000 pre-built frames written in 256 KiB
#                 batches (loadgen raw) from one peer, then from ten at
#                 once, then a paced flood into a reader stopped for 10 s;
#                 p2p-node and the reference print every message into
#                 `| cat >file`; "bare" is bench/sink.c (libuv + wslay,
#                 counting only) on the same flood
#   rtt p50/p99   request round trips, 2000 in sequence; p2p-node answers
#                 through its stdout/stdin (bench/responder.py), the
#                 reference in-process (ref-node.js --respond echo)
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
out=$top/bench/out
mkdir -p "$out"
rm -f "$out"/*
export LISK_REF_NODE_MODULES=$top/tests/interop/node_modules
NODE=${P2P_NODE:-$top/cmd/p2p-node}	# P2P_NODE: compare another build
REF="node $top/tests/interop/ref-node.js"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

cc -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -Ilib \
    $(pkg-config --cflags libuv libbsd-overlay) -std=c11 -O2 \
    -o "$out/loadgen" bench/loadgen.c build/libliskp2p-internal.a \
    $(pkg-config --libs libuv libbsd-overlay libmd) -lwslay -lhttp_parser \
    -ljq -lm || exit 1
cc -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -Ilib \
    $(pkg-config --cflags libuv libbsd-overlay) -std=c11 -O2 \
    -o "$out/sink" bench/sink.c build/libliskp2p-internal.a \
    $(pkg-config --libs libuv libbsd-overlay libmd) -lwslay -lhttp_parser \
    -ljq -lm || exit 1
command -v node >/dev/null && [ -d "$LISK_REF_NODE_MODULES/@liskhq/lisk-p2p" ] ||
    { echo "bench: the reference is not installed (make deps)" >&2; exit 1; }

port() {
	python3 -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}
rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
row() {	# name C ref unit
	printf '%-22s %12s %12s %8s   %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"
}

# startup KIND: ms from exec to the first line, median of 5
startup() {
	python3 - "$@" <<'PY'
import subprocess, sys, time, socket, statistics
kind, node, ref = sys.argv[1], sys.argv[2], sys.argv[3]
ts = []
for i in range(5):
    s = socket.socket(); s.bind(("127.30.250.%d" % (i + 1), 0))
    p = s.getsockname()[1]; s.close()
    if kind == "c":
        cmd = [node, "--chain-id", "10000000", "--listen",
               "127.30.250.%d:%d" % (i + 1, p), "-b", "/dev/null/x"]
        cmd[-1] = "%s/start%d.book" % (sys.argv[4], i)
    else:
        cmd = ref.split() + ["--host", "127.30.250.%d" % (i + 1), "--port", str(p)]
    t0 = time.monotonic()
    pr = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    pr.stdout.readline()
    ts.append((time.monotonic() - t0) * 1000)
    pr.terminate(); pr.wait()
print("%.1f" % statistics.median(ts))
PY
}

echo "bench: p2p-node vs the reference (@liskhq/lisk-p2p 0.10.0), $(date -u +%FT%TZ)"
printf '%-22s %12s %12s %8s   %s\n' measure p2p-node reference C/ref unit
su_c=$(startup c "$NODE" "$REF" "$out")
su_r=$(startup r "$NODE" "$REF" "$out")
row "start-up" "$su_c" "$su_r" ms

# the two targets, each with room for 100 inbound peers and no rate limit
pc=$(port 127.30.251.1)
pr=$(port 127.30.251.2)
mkfifo "$out/c.in"
exec 7<>"$out/c.in"
sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$out/c.pid" \
    "$NODE" --chain-id 10000000 --listen "127.30.251.1:$pc" -b "$out/c.book" \
    --max-inbound 120 --max-message-rate 1000000 <"$out/c.in" 2>"$out/c.err" |
    tee "$out/c.out" | python3 bench/responder.py "$out/c.in" &
pids+=($!)
for ((i = 0; i < 100; i++)); do
	[ -s "$out/c.pid" ] && break
	sleep 0.05
done
cpid=$(cat "$out/c.pid")
pids+=("$cpid")
$REF --host 127.30.251.2 --port "$pr" --max-inbound 120 \
    --ws-max-message-rate 100000000 --respond echo </dev/null \
    >"$out/r.out" 2>"$out/r.err" &
rpid=$!
pids+=("$rpid")
for ((i = 0; i < 100; i++)); do
	grep -q '"type":"ready"' "$out/r.out" 2>/dev/null && break
	sleep 0.1
done
sleep 2
row "rss idle" "$(rss "$cpid")" "$(rss "$rpid")" KiB

# 100 peers
"$out/loadgen" 127.30.251.1 "$pc" conns 100 127.34 >"$out/lc.out" 2>"$out/lc.err" &
lc=$!
"$out/loadgen" 127.30.251.2 "$pr" conns 100 127.35 >"$out/lr.out" 2>"$out/lr.err" &
lr=$!
pids+=("$lc" "$lr")
for ((i = 0; i < 100; i++)); do
	grep -q connected "$out/lc.out" && grep -q connected "$out/lr.out" && break
	sleep 0.1
done
sleep 2
row "rss 100 peers" "$(rss "$cpid")" "$(rss "$rpid")" KiB
kill -TERM "$lc" "$lr" 2>/dev/null
sleep 1

# messages per second received
got() {	# OUTFILE: bench messages reported, or dropped by a slow reader
	echo $(($(grep -c '"event":"bench"' "$1") + $(grep '"type":"DROPPED"' "$1" |
	    sed 's/.*"count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')))
}
msgs() {	# IP PORT OUTFILE -> msgs/s
	local n0 t0 t1 n
	n0=$(got "$3")
	t0=$(date +%s%N)
	"$out/loadgen" "$1" "$2" flood 20000 100 >/dev/null 2>>"$out/flood.err" &
	for ((i = 0; i < 3000; i++)); do
		n=$(got "$3")
		[ $((n - n0)) -ge 20000 ] && break
		sleep 0.01
	done
	t1=$(date +%s%N)
	wait
	awk -v n=$((n - n0)) -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }'
}
m_c=$(msgs 127.30.251.1 "$pc" "$out/c.out")
m_r=$(msgs 127.30.251.2 "$pr" "$out/r.out")
row "msgs/s received" "$m_c" "$m_r" "msg/s (100 B)"

# request round trips
"$out/loadgen" 127.30.251.1 "$pc" rtt 2000 >"$out/rc.out" 2>&1
"$out/loadgen" 127.30.251.2 "$pr" rtt 2000 >"$out/rr.out" 2>&1
p50c=$(jq .p50_ms "$out/rc.out"); p99c=$(jq .p99_ms "$out/rc.out")
p50r=$(jq .p50_ms "$out/rr.out"); p99r=$(jq .p99_ms "$out/rr.out")
row "request rtt p50" "$p50c" "$p50r" ms
row "request rtt p99" "$p99c" "$p99r" ms

# flood (issue 9): one peer, ten peers and a stalled reader, p2p-node and
# the reference printing every message into `| cat >file`, beside the
# bare libuv+wslay sink, in this run (bench/flood.py)
python3 bench/flood.py "$NODE" "$out/loadgen" "$out/sink" \
    "$top/tests/interop/ref-node.js" "$out" "${FLOOD:-300000}"
