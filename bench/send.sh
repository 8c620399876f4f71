#!/bin/sh
# send.sh — requests per second and p50/p99 round trip of p2p-send's NDJSON
# mode against a reference node, beside the reference's own client doing
# the same, in the same run.  Needs cmd/p2p-send (make) and node.
#
#   sh bench/send.sh [N] [RATE]      (defaults 2000 requests, rate 10000)
# The reference node runs with a message-rate limit high enough not to
# penalise either client.  Addresses: 127.10.9.1 (node), .2 (ref client).
set -eu
cd "$(dirname "$0")/.."
n=${1:-2000}
rate=${2:-10000}
tmp=${TMPDIR:-/tmp}/liskp2p-send-bench.$$
mkdir -p "$tmp"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.10.9.1",0)); print(s.getsockname()[1])')
lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.10.9.2",0)); print(s.getsockname()[1])')
mkfifo "$tmp/in"
node tests/interop/ref-node.js --host 127.10.9.1 --port "$port" \
    --ws-max-message-rate 1000000 <"$tmp/in" >"$tmp/ref.out" 2>&1 &
pid=$!
exec 3<>"$tmp/in"
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
i=0
until grep -q '"type":"ready"' "$tmp/ref.out"; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "ref node did not start"; exit 1; }
	sleep 0.1
done
python3 -c "
import sys
for i in range($n): print('{\"procedure\":\"echo\",\"data\":\"' + '07' * 32 + '\"}')
" >"$tmp/req"
start=$(date +%s.%N)
cmd/p2p-send --chain-id 10000000 --peer "127.10.9.1:$port" --rate "$rate" \
    <"$tmp/req" >"$tmp/c.out" || echo "p2p-send: exit $? (failures are counted below)"
end=$(date +%s.%N)
r=$rate; [ "$r" -ge 10000 ] && r=0
node bench/send-ref.js "127.10.9.1:$port" "$n" "$r" 127.10.9.2 "$lport" \
    >"$tmp/ref-client.out"
python3 - "$tmp/c.out" "$start" "$end" "$tmp/ref-client.out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = [r['rttMs'] for r in rows if 'error' not in r]
ok.sort()
secs = float(sys.argv[3]) - float(sys.argv[2])
q = lambda f: ok[min(len(ok) - 1, int(f * len(ok)))]
ref = json.loads(open(sys.argv[4]).read())
print('p2p-send      %5d/%d ok  %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%.2f s, process included)'
      % (len(ok), len(rows), len(ok) / secs, q(.5), q(.99), secs))
print('ref client    %5d/%d ok  %7.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%.2f s, connected)'
      % (ref['ok'], ref['n'], ref['rps'], ref['p50'], ref['p99'], ref['secs']))
PY
