#!/bin/bash
# bench/churn.sh [SECONDS [RATE]] — connection churn against one p2p-node.
#
# Starts cmd/p2p-node (make all) on 127.76.0.1, lets bench/churn.py open
# RATE connections a minute (default 400) for SECONDS (default 3600):
# honest handshakes closed with a close frame or a TCP reset, close frames
# right after the upgrade, half-written upgrade requests, bare TCP
# connects.  Every CHURN_SAMPLE seconds (10) it records VmRSS and the
# number of open file descriptors of the node (/proc/PID/status, fd/).
# After the load it waits for the node to settle and checks:
#   - no file descriptor lost: the count is back to the one before the load
#   - resident memory flat: after a warm-up (the first fifth of the run),
#     the last fifth's mean VmRSS is within 10% + 1 MiB of the second
#     fifth's (the book fills during warm-up; POOL addresses are reused)
#   - every peer accounted for: EVENT_NEW_INBOUND_PEER == EVENT_REMOVE_PEER
#     + getConnectedPeers, and == the handshakes churn.py saw acked
# Prints the samples' summary and PASS/FAIL lines; exits 1 on a FAIL.
# Output kept in $CHURN_OUT (default build/churn): node.out, samples.tsv,
# churn.json.
set -u
cd "$(dirname "$0")/.."
secs=${1:-3600}
rate=${2:-400}
every=${CHURN_SAMPLE:-10}
out=${CHURN_OUT:-build/churn}
node=${NODE:-cmd/p2p-node}
ip=127.76.0.1
chain=10000000
mkdir -p "$out"
rm -f "$out"/node.out "$out"/node.err "$out"/samples.tsv "$out"/churn.json \
    "$out"/in "$out"/book
[ -x "$node" ] || { echo "churn: $node missing (make all)" >&2; exit 2; }

port=$(python3 -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$ip")
mkfifo "$out/in"
exec 3<>"$out/in"		# keeps the node's stdin open
# no outbound dials: every connection of the run is one churn.py opened
"$node" --chain-id "$chain" --listen "$ip:$port" -b "$out/book" \
    --max-inbound 400 --max-outbound 0 <&3 >"$out/node.out" \
    2>"$out/node.err" &
np=$!
lg=
cleanup() {
	[ -n "$lg" ] && kill "$lg" 2>/dev/null
	kill "$np" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT
for ((i = 0; i < 100; i++)); do
	grep -q STARTED "$out/node.out" 2>/dev/null && break
	sleep 0.1
done
grep -q STARTED "$out/node.out" || { echo "churn: node did not start" >&2;
    cat "$out/node.err" >&2; exit 2; }

sample() {	# t rss_kib fds
	printf '%s\t%s\t%s\n' "$1" \
	    "$(awk '/^VmRSS/ { print $2 }' "/proc/$np/status")" \
	    "$(ls "/proc/$np/fd" | wc -l)" >>"$out/samples.tsv"
}
sleep 1
fd0=$(ls "/proc/$np/fd" | wc -l)
printf 't\trss_kib\tfds\n' >"$out/samples.tsv"
sample 0
python3 bench/churn.py "$ip" "$port" "$chain" "$secs" "$rate" \
    >"$out/churn.json" &
lg=$!
t0=$SECONDS
while kill -0 "$lg" 2>/dev/null; do
	sleep "$every"
	sample $((SECONDS - t0))
done
wait "$lg"
lg=
# settle: closes in flight, the node's own timers (head timeout, linger)
for ((i = 0; i < 60; i++)); do
	[ "$(ls "/proc/$np/fd" | wc -l)" -le "$fd0" ] && break
	sleep 1
done
sample $((SECONDS - t0))
fd1=$(ls "/proc/$np/fd" | wc -l)
echo '{"op":"getConnectedPeers","id":1}' >&3
for ((i = 0; i < 50; i++)); do
	grep -q '"type":"REPLY"' "$out/node.out" && break
	sleep 0.1
done

python3 - "$out" "$fd0" "$fd1" <<'EOF'
import json, sys
out, fd0, fd1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ev = {}
connected = None
for line in open(out + "/node.out"):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("type") == "REPLY" and j.get("id") == 1:
        connected = len(j.get("peers", []))
    e = j.get("event") or j.get("type")
    ev[e] = ev.get(e, 0) + 1
churn = json.load(open(out + "/churn.json"))
rows = [l.split("\t") for l in open(out + "/samples.tsv").read().split("\n")[1:] if l]
t = [int(r[0]) for r in rows]; rss = [int(r[1]) for r in rows]
fds = [int(r[2]) for r in rows]
n = len(rows) - 1		# the last sample is after the load
fifth = max(1, n // 5)
early = rss[fifth:2 * fifth]; late = rss[n - fifth:n]
m_early = sum(early) / len(early); m_late = sum(late) / len(late)
started = sum(v for k, v in churn.items() if k.startswith("started."))
new = ev.get("EVENT_NEW_INBOUND_PEER", 0)
rem = ev.get("EVENT_REMOVE_PEER", 0)
print("churn: %d connections in %.0f s (%.0f/min); kinds %s" % (started,
      churn["load_seconds"], started * 60 / churn["load_seconds"],
      {k[8:]: v for k, v in churn.items() if k.startswith("started.")}))
print("churn: outcomes %s" % {k: v for k, v in churn.items()
      if not k.startswith("started.") and "seconds" not in k})
print("node events: %s" % {k: v for k, v in sorted(ev.items())})
print("rss KiB: start %d, min %d, max %d, warm mean %.0f, late mean %.0f, "
      "end %d" % (rss[0], min(rss), max(rss), m_early, m_late, rss[-1]))
print("fds: before %d, max during %d, after %d" % (fd0, max(fds), fd1))
ok = True
def check(name, cond, detail):
    global ok
    ok = ok and cond
    print("%s %s: %s" % ("PASS" if cond else "FAIL", name, detail))
check("fds", fd1 == fd0, "%d before the load, %d after" % (fd0, fd1))
check("rss flat", m_late <= m_early * 1.10 + 1024,
      "late mean %.0f KiB vs warm mean %.0f KiB (limit +10%% +1 MiB)" %
      (m_late, m_early))
check("peers accounted", connected is not None and new == rem + connected
      and new == churn.get("acked", -1),
      "NEW_INBOUND %d = REMOVE_PEER %d + connected %s; acked by churn.py %d"
      % (new, rem, connected, churn.get("acked", -1)))
sys.exit(0 if ok else 1)
EOF
