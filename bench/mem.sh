#!/bin/bash
# bench/mem.sh NODE [IP]: VmRSS of p2p-node idle, then with 100 idle inbound
# peers (bench/loadgen conns), and the difference per peer in KiB.
# The same method as run.sh's "rss 100 peers" row, without the reference.
# Needs a built loadgen in $LOADGEN (default build/bench/loadgen).
NODE=${1:?usage: bench/mem.sh NODE [IP]}
IP=${2:-127.85.0.1}
LOADGEN=${LOADGEN:-build/bench/loadgen}
d=$(mktemp -d)
trap 'kill $lg $np 2>/dev/null; wait 2>/dev/null; rm -rf "$d"' EXIT
p=$(python3 -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$IP")
"$NODE" --chain-id 10000000 --listen "$IP:$p" -b "$d/book" \
    --max-inbound 120 --max-message-rate 1000000 </dev/null >"$d/out" \
    2>"$d/err" &
np=$!
for ((i = 0; i < 100; i++)); do
	grep -q STARTED "$d/out" 2>/dev/null && break
	sleep 0.1
done
sleep 2
r0=$(awk '/VmRSS/ { print $2 }' "/proc/$np/status")
"$LOADGEN" "$IP" "$p" conns 100 "${IP%.*.*}" >"$d/lg.out" 2>"$d/lg.err" &
lg=$!
for ((i = 0; i < 100; i++)); do
	grep -q connected "$d/lg.out" && break
	sleep 0.1
done
sleep 2
r1=$(awk '/VmRSS/ { print $2 }' "/proc/$np/status")
awk -v a="$r0" -v b="$r1" 'BEGIN {
	printf "rss idle %d KiB, 100 peers %d KiB, per peer %.1f KiB\n",
	    a, b, (b - a) / 100 }'
