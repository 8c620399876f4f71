#!/usr/bin/env bats
# Local defences beyond the reference (issue 12, lib/policy.c): the same
# abuse against a C node and a reference node, and the difference stated.
# Every run prints a "# policy:" line with both results (bats --tap shows
# them with --show-output-of-passing-tests; they are also in the log).
bats_require_minimum_version 1.5.0

load ../cli/helpers
load node-helpers

CFAST=(--option populatorInterval=500)
RFAST=(--populator-interval 500)

setup() {
	node_setup 127.72
	FLOOD=$LISKP2P_TOP/tests/interop/flood.py
	# 500 sockets here and 500 in the node under test, with room
	[ "$(ulimit -n)" -ge 2048 ] || ulimit -n 4096 2>/dev/null ||
	    need "ulimit -n below 2048"
}

teardown() {
	node_teardown
}

# flood MODE HOST:PORT N SRC MS OUTFILE: in the background, recorded
flood() {
	python3 "$FLOOD" "$1" "$2" "$3" "$4" "$5" >"$6" 2>&1 &
	echo $! >>"$T/pids"
}

@test "500 connections from one IP: --max-inbound-per-ip 10 holds 10 slots, an honest peer still joins; the reference gives them its 100" {
	cnode hub 1 --max-inbound-per-ip 10
	rnode ref
	flood conns "$NET.1:$P_hub" 500 "$NET.9" 12000 "$T/fc"
	flood conns "127.0.0.1:$P_ref" 500 "$NET.8" 12000 "$T/fr"
	# both floods under way, an honest peer from another IP dials each
	wait_count "$T/hub.out" '"EVENT_NEW_INBOUND_PEER"' 10 300
	cnode hc 3 --fixed "$NET.1:$P_hub"
	cnode hr 4 --fixed "127.0.0.1:$P_ref"
	wait_line "$T/hub.out" "\"EVENT_NEW_INBOUND_PEER\".*\"$NET.3:$P_hc\"" 300
	wait_line "$T/fc" '"open"' 400
	wait_line "$T/fr" '"open"' 400
	c=$(jq .open "$T/fc")
	r=$(jq .open "$T/fr")
	echo "# policy: 500 conns from one IP: C node holds $c (limit 10), reference holds $r of 100" >&3
	[ "$(jq .upgraded "$T/fc")" -eq 500 ]
	[ "$c" -le 10 ]
	[ "$c" -ge 1 ]
	# at most 10 ever admitted from the flooding IP
	[ "$(grep -c "\"EVENT_NEW_INBOUND_PEER\".*\"ipAddress\":\"$NET.9\"" "$T/hub.out")" -le 10 ]
	[ "$(grep -c '"EVENT_FAILED_TO_ADD_INBOUND_PEER".*More than 10 connections' "$T/hub.out")" -ge 480 ]
	# the honest peer is still there
	grep -q "\"EVENT_CONNECT_OUTBOUND\".*\"$NET.1:$P_hub\"" "$T/hc.out"
	# the reference let the one IP take (nearly) all its slots
	[ "$r" -gt 10 ]
}

@test "default limits hold for routable addresses only: 30 connections from one loopback IP are all kept" {
	cnode hub 1
	flood conns "$NET.1:$P_hub" 30 "$NET.9" 3000 "$T/fc"
	wait_line "$T/fc" '"open"' 300
	[ "$(jq .open "$T/fc")" -eq 30 ]
}

@test "200 half-written upgrades are closed within the connect timeout, an honest peer joins meanwhile; the reference keeps them" {
	cnode hub 1 --max-inbound-per-ip 10
	rnode ref
	flood half "$NET.1:$P_hub" 200 "$NET.9" 15000 "$T/hc"
	flood half "127.0.0.1:$P_ref" 200 "$NET.8" 6000 "$T/hr"
	cnode hon 3 --fixed "$NET.1:$P_hub"
	wait_line "$T/hub.out" "\"EVENT_NEW_INBOUND_PEER\".*\"$NET.3:$P_hon\"" 300
	wait_line "$T/hc" '"closed"' 400
	wait_line "$T/hr" '"closed"' 400
	echo "# policy: 200 half-written upgrades: C node closed $(jq .closed "$T/hc") (last after $(jq .max_ms "$T/hc") ms), reference closed $(jq .closed "$T/hr") in 6 s" >&3
	[ "$(jq .half "$T/hc")" -eq 200 ]
	[ "$(jq .closed "$T/hc")" -eq 200 ]
	# connectTimeout 2000 ms, with a margin for a loaded machine
	[ "$(jq .max_ms "$T/hc")" -lt 8000 ]
	[ "$(jq .closed "$T/hr")" -lt 200 ]
}

# poison NAME IP: a poisoning seed on IP (port in P_NAME)
poison() {
	local port
	port=$(free_port "$2")
	eval "P_$1=$port"
	node "$LISKP2P_TOP/tests/interop/poison-seed.js" "$2" "$port" \
	    >"$T/$1.out" 2>&1 &
	echo $! >>"$T/pids"
	wait_line "$T/$1.out" '"ready"'
}

@test "a seed spreading 1,000 fake peers over 5 replies: 250 enter the book, none beyond is dialed; the reference takes them all" {
	poison ps 127.0.0.1
	poison pr "$NET.2"
	cnode hub 1 --seed "127.0.0.1:$P_ps" \
	    --option fallbackSeedPeerDiscoveryInterval=500
	rnode ref --seed "$NET.2:$P_pr" --seed-interval 500
	# the C node asks one address for getPeers at most every 12 s
	# (issue 14): 3 replies (600 fakes) are more than the cap
	wait_line "$T/ps.out" '"getPeers":3,' 900
	wait_line "$T/pr.out" '"getPeers":6,' 400
	sleep 2
	c=$(grep -c '"EVENT_DISCOVERED_PEER".*"ipAddress":"127\.74\.' "$T/hub.out" || true)
	r=$(grep -c '"EVENT_DISCOVERED_PEER".*"ipAddress":"127\.74\.' "$T/ref.out" || true)
	grep -oE '"EVENT_CONNECT_ABORT_OUTBOUND","peerId":"127\.74\.[0-9.:]+' \
	    "$T/hub.out" | sort -u | sed 's/.*"//' >"$T/cdialed"
	grep -oE '"EVENT_DISCOVERED_PEER".*"peerId":"127\.74\.[0-9.:]+' \
	    "$T/hub.out" | sed 's/.*"//' | sort -u >"$T/clearned"
	rd=$(grep -E 'EVENT_(CONNECT_ABORT_OUTBOUND|FAILED_TO_CONNECT|OUTBOUND_SOCKET_ERROR)' "$T/ref.out" |
	    grep -oE '127\.74\.[0-9]+\.[0-9]+:[0-9]+' | sort -u | wc -l)
	echo "# policy: 1,000 fakes from one seed: C node learned $c (cap 250) and dialed $(wc -l <"$T/cdialed"); reference learned $r and dialed $rd" >&3
	[ "$c" -le 250 ]
	[ "$c" -ge 1 ]
	# every fake the C node dialed is one it learned under the cap
	[ -z "$(comm -23 "$T/cdialed" "$T/clearned")" ]
	# the seed was never penalised for it
	! grep -q '"EVENT_BAN_PEER".*127\.0\.0\.1' "$T/hub.out"
	[ "$r" -gt 250 ]
}

@test "anchors: the last good outbound peers are written beside the book and dialed first after a restart" {
	cnode s 3
	cnode b 2 --fixed "$NET.3:$P_s"
	wait_line "$T/s.out" "\"EVENT_NEW_INBOUND_PEER\".*\"$NET.2:$P_b\"" 300
	cnode a 1 --seed "$NET.3:$P_s"
	wait_line "$T/a.out" "\"EVENT_CONNECT_OUTBOUND\".*\"$NET.2:$P_b\"" 300
	stop_one a
	# B, neither seed nor fixed, is the anchor
	[ "$(jq -c . "$T/a.book.anchors")" = "[\"$NET.2:$P_b\"]" ]
	# the book lost, no seed: the anchor alone brings A back to B
	rm -f "$T/a.book" "$T/a.in"
	mv "$T/a.out" "$T/a.out.1"
	start_cnode a --chain-id 10000000 --listen "$NET.1:$P_a" \
	    -b "$T/a.book" "${CFAST[@]}"
	wait_line "$T/a.out" "\"EVENT_CONNECT_OUTBOUND\".*\"$NET.2:$P_b\"" 300
	# used once
	[ ! -e "$T/a.book.anchors" ]
	echo "# policy: anchors: after a restart with an empty book and no seed the C node reconnects to $NET.2:$P_b; the reference has no anchors and stays alone" >&3
}

# evict_book FILE NEWID OLDID: a book (secret 7) whose tried bucket of
# every loopback address is full: OLDID added first, 31 dead peers after;
# NEWID in new.  All loopback addresses share one tried bucket.
evict_book() {
	local f=$1 newid=$2 oldid=$3
	python3 - "$f" "$newid" "$oldid" <<'PY'
import json, subprocess, sys
f, new, old = sys.argv[1:4]
def bucket(ip):
    o = subprocess.run(['p2p-peers', 'bucket', '--secret', '7', ip],
                       capture_output=True, text=True, check=True).stdout
    return json.loads(o)
peers = []
tried = [old] + ['127.72.250.%d:1' % i for i in range(1, 32)]
for k, pid in enumerate(tried):
    ip, port = pid.rsplit(':', 1)
    peers.append({'peerId': pid, 'ipAddress': ip, 'port': int(port),
                  'table': 'tried', 'bucket': bucket(ip)['tried'],
                  'sourceAddress': None, 'dateAdded': 1700000000000 + k,
                  'lastSeen': 0, 'failures': 0, 'reputation': 100,
                  'advertise': True})
ip, port = new.rsplit(':', 1)
peers.append({'peerId': new, 'ipAddress': ip, 'port': int(port),
              'table': 'new', 'bucket': bucket(ip)['new'],
              'sourceAddress': None, 'dateAdded': 1700000000100,
              'lastSeen': 0, 'failures': 0, 'reputation': 100,
              'advertise': True})
book = {'format': 'liskp2p-peerbook', 'version': 1, 'chainID': '10000000',
        'secret': 7, 'generation': 1, 'savedAt': 1700000000200,
        'peers': peers, 'bans': [],
        'lists': {'seed': [], 'fixed': [], 'whitelisted': [],
                  'blacklisted': []}}
json.dump(book, open(f, 'w'))
PY
}

# table_of BOOK ID: "new", "tried" or "" (absent)
table_of() {
	p2p-peers -b "$1" list | jq -r "select(.peerId == \"$2\") | .table"
}

@test "test-before-evict: a new peer that would evict a tried one waits while the old one answers, and takes its place when it does not" {
	cnode b 2
	cnode v 4
	# the old one answers: it stays tried, the new one stays new
	evict_book "$T/a1.book" "$NET.2:$P_b" "$NET.4:$P_v"
	p1=$(free_port "$NET.1")
	start_cnode a1 --chain-id 10000000 --listen "$NET.1:$p1" \
	    -b "$T/a1.book" --max-outbound 40
	wait_line "$T/a1.out" "\"EVENT_CONNECT_OUTBOUND\".*\"$NET.2:$P_b\"" 300
	wait_line "$T/a1.out" "\"EVENT_CONNECT_OUTBOUND\".*\"$NET.4:$P_v\"" 300
	sleep 2
	stop_one a1
	[ "$(table_of "$T/a1.book" "$NET.4:$P_v")" = tried ]
	[ "$(table_of "$T/a1.book" "$NET.2:$P_b")" = new ]
	# the old one is gone: the new one takes its place
	stop_one v
	evict_book "$T/a2.book" "$NET.2:$P_b" "$NET.4:$P_v"
	p2=$(free_port "$NET.5")
	start_cnode a2 --chain-id 10000000 --listen "$NET.5:$p2" \
	    -b "$T/a2.book" --max-outbound 40
	wait_line "$T/a2.out" "\"EVENT_CONNECT_OUTBOUND\".*\"$NET.2:$P_b\"" 300
	sleep 2
	stop_one a2
	[ "$(table_of "$T/a2.book" "$NET.2:$P_b")" = tried ]
	[ -z "$(table_of "$T/a2.book" "$NET.4:$P_v")" ]
	echo "# policy: test-before-evict: a live tried peer kept, a dead one replaced; the reference evicts a random tried peer of the bucket either way" >&3
}
