#!/bin/bash
# crawl.sh — p2p-watch --crawl on a local network of C (p2p-node) and
# reference nodes: crawl time and the crawler's peak memory, beside the
# time a reference node started with the same seed needs to discover the
# same network, in the same run.  Not a test: it prints numbers.
#
#   bash bench/crawl.sh [N_REF] [N_C] [PARALLEL]   (defaults 15 15 20)
#
# Node i listens on its own 127.40.(100 + i/250).(1 + i%250), port 20000+i,
# and is seeded with nodes i-1 and i-2 only (a chain: nobody knows more
# than a few others).  Even nodes are C nodes while reference nodes last,
# then the rest are C nodes.  The crawl starts from the last node.
# Needs cmd/p2p-node and cmd/p2p-watch (make), node, /usr/bin/time.
set -eu
cd "$(dirname "$0")/.."
nref=${1:-15}
nc=${2:-15}
par=${3:-20}
n=$((nref + nc))
chain=10000000
tmp=${TMPDIR:-/tmp}/liskp2p-crawl-bench.$$
mkdir -p "$tmp"
pids=()
cleanup() {
	set +e
	for ((i = 0; i < ${#pids[@]}; i++)); do
		kill -0 "${pids[$i]}" 2>/dev/null ||
		    echo "node $i died during the run: $(tail -c 300 "$tmp/$i.err" 2>/dev/null)"
	done
	[ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	sleep 1
	[ "${#pids[@]}" -gt 0 ] && kill -9 "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
	true
}
trap cleanup EXIT INT TERM
ulimit -n 65536 2>/dev/null || true

addr() { echo "127.40.$((100 + $1 / 250)).$((1 + $1 % 250)):$((20000 + $1))"; }

wait_line() {	# FILE REGEX
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timeout waiting for $2 in $1" >&2
	cat "${1%.out}.err" >&2
	return 1
}

refs=0
t0=$(date +%s.%N)
for ((i = 0; i < n; i++)); do
	a=$(addr $i)
	seeds=()
	((i > 0)) && seeds+=(--seed "$(addr $((i - 1)))")
	((i > 1)) && seeds+=(--seed "$(addr $((i - 2)))")
	if ((refs < nref && (i % 2 == 1 || nc <= i / 2))); then
		node tests/interop/ref-node.js --host "${a%:*}" --port "${a#*:}" \
		    --chain-id "$chain" "${seeds[@]}" </dev/null \
		    >"$tmp/$i.out" 2>"$tmp/$i.err" &
		pids+=($!)
		refs=$((refs + 1))
		wait_line "$tmp/$i.out" '"type":"ready"'
	else
		cmd/p2p-node --chain-id "$chain" --network-version 1.0 \
		    --listen "$a" "${seeds[@]}" -b "$tmp/$i.peerbook" </dev/null \
		    >/dev/null 2>"$tmp/$i.err" &
		pids+=($!)
		for ((k = 0; k < 200; k++)); do
			ss -Hltn "src ${a%:*}" | grep -q ":${a#*:}" && break
			sleep 0.02
		done
	fi
done
t1=$(date +%s.%N)
echo "network: $n nodes ($refs reference, $((n - refs)) C), started in $(echo "$t1 - $t0" | bc) s"
sleep 2
last=$(addr $((n - 1)))
alive=0
for ((i = 0; i < n; i++)); do
	if kill -0 "${pids[$i]}" 2>/dev/null; then
		alive=$((alive + 1))
	else
		echo "node $i ($(addr $i)) died: $(tail -c 300 "$tmp/$i.err")"
	fi
done
echo "alive before the crawl: $alive/$n"

# the crawl
/usr/bin/time -f '%M' -o "$tmp/time" cmd/p2p-watch --chain-id "$chain" \
    --seed "$last" --crawl --parallel "$par" --bind 127.40.99.1 -q \
    >"$tmp/crawl.out" || true
python3 - "$tmp/crawl.out" "$tmp/time" "$n" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
s = lines[-1]
def addr(i): return f"127.40.{100 + i // 250}.{1 + i % 250}:{20000 + i}"
want = {addr(i) for i in range(int(sys.argv[3]))}
real = {l["peerId"] for l in lines if l.get("type") == "PEER" and l["reachable"]}
byid = {l["peerId"]: l for l in lines if l.get("type") == "PEER"}
for m in sorted(want - real):
    print(f"  not reached: {m}: {json.dumps(byid[m]['error']) if m in byid else 'never advertised'}")
print(f"p2p-watch --crawl: {len(real)}/{sys.argv[3]} nodes reachable, "
      f"{s['discovered']} addresses discovered, {s['durationMs']} ms, "
      f"peak RSS {int(open(sys.argv[2]).read().split()[-1]) / 1024:.1f} MiB, "
      f"errors {json.dumps(s['errors'])}")
PY

# the reference: a node seeded with the same peer, until it has
# discovered every node (EVENT_DISCOVERED_PEER / being told of each)
node tests/interop/ref-node.js --host 127.40.99.2 --port 29999 \
    --chain-id "$chain" --seed "$last" </dev/null >"$tmp/refd.out" \
    2>"$tmp/refd.err" &
rpid=$!
pids+=($rpid)
python3 - "$tmp/refd.out" "$n" "${LIMIT:-120}" <<'PY'
import json, sys, time
path, n, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
def addr(i): return f"127.40.{100 + i // 250}.{1 + i % 250}:{20000 + i}"
want = {addr(i) for i in range(n)}
seen, t0, ready = set(), None, None
deadline = time.time() + limit
pos = 0
while time.time() < deadline:
    with open(path) as f:
        f.seek(pos)
        chunk = f.read()
        pos = f.tell()
    for line in chunk.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if e.get("type") == "ready":
            t0 = time.time()
        p = e.get("payload")
        pid = p.get("peerId") if isinstance(p, dict) else None
        if pid is None and isinstance(p, dict):
            pid = (p.get("peerInfo") or {}).get("peerId")
        if pid in want:
            seen.add(pid)
    if t0 and seen >= want:
        break
    time.sleep(0.05)
el = (time.time() - t0) if t0 else float("nan")
print(f"reference node: {len(seen)}/{n} nodes heard of after {el:.1f} s"
      + ("" if seen >= want else f" (gave up after {limit:.0f} s)"))
PY
