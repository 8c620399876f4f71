#!/bin/bash
# demo.sh — `make demo`: a small Lisk peer-to-peer network on loopback.
# Three p2p-node processes on 127.77.0.1-3 (and two reference nodes when
# tests/interop/node_modules holds @liskhq/lisk-p2p and node is
# installed) find each other; each C node says hello every few seconds.
# Their events are merged on stdout, one JSON line each in one shape,
# {"node":NAME,"ts":...,"type":...,"peerId":...}, whichever implementation
# printed it, until Ctrl-C, which stops every process this script started.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
bin=$top/cmd
dir=$(mktemp -d "${TMPDIR:-/tmp}/liskp2p-demo.XXXXXX")
pids=()
fds=()

stop() {
	trap - INT TERM EXIT
	echo "demo: stopping ${#pids[@]} processes" >&2
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for ((k = 0; k < 50; k++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$dir"
	exit 0
}
trap stop INT TERM EXIT

port() {
	python3 -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

# label NAME: the events of one process, tagged and in one shape
# (tests/demo-shape.jq: the reference's "payload" lifted), on our stdout
label() {
	jq -c --unbuffered --arg n "$1" -f "$top/tests/demo-shape.jq"
}
command -v jq >/dev/null ||
    { echo "demo: needs jq (apt-get install jq)" >&2; exit 1; }

# run NAME CMD...: start CMD with stdin from a FIFO we keep open
run() {
	local name=$1 fd
	shift
	mkfifo "$dir/$name.in"
	exec {fd}<>"$dir/$name.in"
	fds+=("$fd")
	sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$dir/$name.pid" "$@" \
	    <"$dir/$name.in" 2>"$dir/$name.err" | label "$name" &
	pids+=($!)
	for ((k = 0; k < 50; k++)); do
		[ -s "$dir/$name.pid" ] && break
		sleep 0.05
	done
	pids+=("$(cat "$dir/$name.pid")")
	eval "FD_$name=$fd"
}

fast=(--option populatorInterval=2000)
seeds=()
if command -v node >/dev/null &&
    [ -d tests/interop/node_modules/@liskhq/lisk-p2p ]; then
	export LISK_REF_NODE_MODULES=$top/tests/interop/node_modules
	r1=$(port 0.0.0.0)
	run ref1 node tests/interop/ref-node.js --host 0.0.0.0 --port "$r1" \
	    --populator-interval 2000
	sleep 1
	r2=$(port 0.0.0.0)
	run ref2 node tests/interop/ref-node.js --host 0.0.0.0 --port "$r2" \
	    --populator-interval 2000 --seed "127.0.0.1:$r1"
	seeds=(--seed "127.0.0.1:$r1")
	echo "demo: reference nodes on 127.0.0.1:$r1 and 127.0.0.1:$r2" >&2
else
	echo "demo: no reference node (npm install in tests/interop)" >&2
fi
p1=$(port 127.77.0.1)
run c1 "$bin/p2p-node" --chain-id 10000000 --listen "127.77.0.1:$p1" \
    -b "$dir/c1.book" "${fast[@]}" "${seeds[@]}"
sleep 0.5
for i in 2 3; do
	p=$(port 127.77.0.$i)
	run "c$i" "$bin/p2p-node" --chain-id 10000000 \
	    --listen "127.77.0.$i:$p" -b "$dir/c$i.book" "${fast[@]}" \
	    --seed "127.77.0.1:$p1" "${seeds[@]}"
done
echo "demo: C nodes on 127.77.0.1-3; Ctrl-C stops everything" >&2
n=0
while :; do
	sleep 5
	n=$((n + 1))
	for i in 1 2 3; do
		eval "fd=\$FD_c$i"
		hex=$(printf 'hello %d from c%d' "$n" "$i" | od -An -tx1 -v |
		    tr -d ' \n')
		printf '{"op":"broadcast","event":"demo","data":"%s"}\n' \
		    "$hex" >&"$fd"
	done
done
