#!/usr/bin/env bats
# p2p-peers: every command, its errors with exact statuses and messages,
# two concurrent writers, and kill -9 in the middle of saves.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
	B="$BATS_TEST_TMPDIR/b.peerbook"
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/state"
}

mkbook() {
	run -0 --separate-stderr p2p-peers -b "$B" init --chain-id 00000000 \
	    --secret 7
}

count() {	# number of peers in the book
	p2p-peers -b "$B" list --format ndjson | wc -l
}

@test "help, version, bad option, and the docs agree on every option" {
	run -0 p2p-peers --help
	[[ $output == *"usage: p2p-peers"* ]]
	help=$output
	run -0 p2p-peers -V
	[[ $output == "p2p-peers "[0-9]* ]]
	run -2 --separate-stderr p2p-peers --bogus
	[[ $stderr == *"usage: p2p-peers"* ]]
	[ -z "$output" ]
	cd "$LISKP2P_TOP"
	for o in $(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		for f in man/p2p-peers.1 completions/p2p-peers.bash \
		    completions/_p2p-peers completions/p2p-peers.fish; do
			grep -q -- "${o#--}" "$f" || { echo "$f lacks $o"; false; }
		done
	done
	for c in list add remove ban unban import export stats select init \
	    check bucket; do
		for f in man/p2p-peers.1 completions/p2p-peers.bash \
		    completions/_p2p-peers completions/p2p-peers.fish; do
			grep -qw -- "$c" "$f" || { echo "$f lacks $c"; false; }
		done
	done
	run -0 groff -mdoc -ww -z man/p2p-peers.1 man/liskp2p-peerbook.5
	[ -z "$output" ]
}

@test "init creates a book once, at the default path from the chain ID" {
	run -0 --separate-stderr p2p-peers --network testnet init
	[ "$(jq -r .peerbook <<<"$output")" = "$XDG_STATE_HOME/liskp2p/01000000.peerbook" ]
	[ -f "$XDG_STATE_HOME/liskp2p/01000000.peerbook" ]
	run -0 jq -r '.format + " " + (.version|tostring) + " " + .chainID' \
	    "$XDG_STATE_HOME/liskp2p/01000000.peerbook"
	[ "$output" = "liskp2p-peerbook 1 01000000" ]
	run -1 --separate-stderr p2p-peers --network testnet init
	[[ $stderr == *"already exists; not overwritten"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" init
	[[ $stderr == *"init: give --chain-id HEX or --network NAME"* ]]
	run -2 --separate-stderr p2p-peers --network moonnet init
	[[ $stderr == *"--network moonnet: unknown network (mainnet, testnet, devnet)"* ]]
	run -2 --separate-stderr p2p-peers --chain-id 0g init
	[[ $stderr == *"--chain-id 0g: not hex"* ]]
	run -2 --separate-stderr p2p-peers --network mainnet --chain-id 01000000 init
	[[ $stderr == *"--network and --chain-id exclude each other"* ]]
	run -2 --separate-stderr p2p-peers list
	[[ $stderr == *"no peer book: give -b FILE, --network NAME or --chain-id HEX"* ]]
}

@test "add, list, remove" {
	mkbook
	run -0 --separate-stderr p2p-peers -b "$B" add 1.2.3.4:5000 \
	    --source 9.9.9.9 5.6.7.8:1
	[ -z "$output" ]
	run -0 p2p-peers -b "$B" list
	[ "${#lines[@]}" -eq 2 ]
	run -0 jq -r 'select(.peerId == "1.2.3.4:5000") |
	    [.table, .sourceAddress, .kind, .reputation] | @tsv' <<<"$output"
	[ "$output" = $'new\t9.9.9.9\tnone\t100' ]
	# the bucket is the one the secret gives, as `bucket` computes it
	want=$(p2p-peers bucket --secret 7 --source 9.9.9.9 1.2.3.4 | jq .new)
	run -0 p2p-peers -b "$B" list
	[ "$(jq 'select(.port == 5000) | .bucket' <<<"$output")" = "$want" ]
	# adding again is harmless
	run -0 p2p-peers -b "$B" add 1.2.3.4:5000
	[ "$(count)" -eq 2 ]
	run -0 --separate-stderr p2p-peers -b "$B" list --format table --new
	[[ ${lines[0]} == PEERID*TABLE*BUCKET* ]]
	[[ $output == *"1.2.3.4:5000"*"new"* ]]
	run -0 p2p-peers -b "$B" remove 1.2.3.4:5000
	[ "$(count)" -eq 1 ]
	run -1 --separate-stderr p2p-peers -b "$B" remove 1.2.3.4:5000
	[ "$stderr" = "p2p-peers: remove 1.2.3.4:5000: not in the book" ]
}

@test "add refuses bad input with status 2 and changes nothing" {
	mkbook
	before=$(sha256sum < "$B")
	run -2 --separate-stderr p2p-peers -b "$B" add 1.2.3.4:99999
	[[ $stderr == *"add: 1.2.3.4:99999: port 99999 is not in 1..65535"* ]]
	[ -z "$output" ]
	run -2 --separate-stderr p2p-peers -b "$B" add 1.2.3.4:5 01.2.3.4:5
	[[ $stderr == *"'01.2.3.4' is not an IPv4 dotted quad"* ]]
	[[ $stderr == *"nothing added"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" add '[::1]:5000'
	[[ $stderr == *"lisk-p2p peers are IPv4"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" add 1.2.3.4
	[[ $stderr == *"expected HOST:PORT"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" add --source nowhere 1.2.3.4:1
	[[ $stderr == *"--source nowhere: not an IP address"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" add
	[[ $stderr == *"add: no host:port given"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" add --fixed --seed 1.2.3.4:1
	[[ $stderr == *"at most one of --seed, --fixed, --whitelisted"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" add --format table 1.2.3.4:1
	[[ $stderr == *"add: option not valid with this command"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" frobnicate
	[[ $stderr == *"frobnicate: unknown command"* ]]
	[ "$(sha256sum < "$B")" = "$before" ]
}

@test "add - reads addresses and NDJSON peers; a bad line names its number" {
	mkbook
	printf '%s\n' 1.1.1.1:1 '' '{"ipAddress":"2.2.2.2","port":2,"sourceAddress":"8.8.8.8"}' \
	    '{"peerId":"3.3.3.3:3"}' '{"type":"SUMMARY","peers":3}' > in
	run -0 p2p-peers -b "$B" add - < in
	[ "$(count)" -eq 3 ]
	run -0 p2p-peers -b "$B" list
	[ "$(jq -r 'select(.port == 2) | .sourceAddress' <<<"$output")" = 8.8.8.8 ]
	printf '%s\n' 4.4.4.4:4 '{"ipAddress":"5.5.5.5"}' '{"port":' 6.6.6.6:0 > in
	run -2 --separate-stderr p2p-peers -b "$B" add - < in
	[[ $stderr == *"stdin:2: 'port': not an integer in 1..65535"* ]]
	[[ $stderr == *"stdin:3: not JSON"* ]]
	[[ $stderr == *"stdin:4: 6.6.6.6:0: port 0 is not in 1..65535"* ]]
	[ "$(count)" -eq 3 ]
	# text libjq would leak on never reaches it; a long line is cut
	{ echo '{"a""b"}'; head -c 200000 /dev/zero | tr '\0' x; echo;
	    echo 7.7.7.7:7; } > in
	run -2 --separate-stderr p2p-peers -b "$B" add - < in
	[[ $stderr == *"stdin:1: not JSON: at byte 4"* ]]
	[[ $stderr == *"stdin:2: line longer than 65536 bytes"* ]]
	[ "$(count)" -eq 3 ]
	# control characters in input are escaped in messages
	printf 'x\033]0;evil\007:1\n' > in
	run -2 --separate-stderr p2p-peers -b "$B" add - < in
	[[ $stderr != *$'\033'* ]]
	[[ $stderr == *'\^['* ]]
}

@test "static lists: fixed and whitelisted go to tried, kinds follow the IP" {
	mkbook
	run -0 p2p-peers -b "$B" add --fixed 10.0.0.1:7
	run -0 p2p-peers -b "$B" add --whitelisted 10.0.0.2:7
	run -0 p2p-peers -b "$B" add --seed 10.0.0.3:7
	run -0 p2p-peers -b "$B" add 10.0.0.1:8
	run -0 p2p-peers -b "$B" list --tried
	[ "$(jq -r .peerId <<<"$output" | sort | tr '\n' ' ')" = "10.0.0.1:7 10.0.0.2:7 " ]
	run -0 p2p-peers -b "$B" list
	[ "$(jq -r 'select(.peerId == "10.0.0.1:8") | .kind' <<<"$output")" = fixed ]
	[ "$(jq -r 'select(.peerId == "10.0.0.3:7") | .kind' <<<"$output")" = seed ]
	run -0 p2p-peers -b "$B" list --fixed --seed
	[ "$(jq -r '.list + " " + .peerId' <<<"$output" | tr '\n' ' ')" = "seed 10.0.0.3:7 fixed 10.0.0.1:7 " ]
	run -0 jq -c .lists "$B"
	[ "$output" = '{"seed":["10.0.0.3:7"],"fixed":["10.0.0.1:7"],"whitelisted":["10.0.0.2:7"],"blacklisted":[]}' ]
	# a fixed or whitelisted peer is never banned
	run -1 --separate-stderr p2p-peers -b "$B" ban 10.0.0.1
	[[ $stderr == *"10.0.0.1: a fixed peer is never banned"* ]]
	run -0 p2p-peers -b "$B" remove 10.0.0.1:7
	run -0 p2p-peers -b "$B" list --fixed
	[ -z "$output" ]
}

@test "ban, expiry, unban, blacklist" {
	mkbook
	run -0 p2p-peers -b "$B" add 7.7.7.7:1 7.7.7.7:2 7.7.7.70:1
	run -0 p2p-peers -b "$B" ban 7.7.7.7
	[ "$(count)" -eq 1 ]
	run -0 p2p-peers -b "$B" list --banned
	[ "$(jq -r .ban <<<"$output")" = 7.7.7.7 ]
	until=$(jq .until <<<"$output")
	now=$(date +%s%3N)
	# 24 h by default
	(( until > now + 86390000 && until <= now + 86400000 ))
	run -1 --separate-stderr p2p-peers -b "$B" add 7.7.7.7:3
	[[ $stderr == *"7.7.7.7:3: not added: the IP is banned"* ]]
	run -0 p2p-peers -b "$B" unban 7.7.7.7
	run -0 p2p-peers -b "$B" add 7.7.7.7:3
	run -1 --separate-stderr p2p-peers -b "$B" unban 7.7.7.7
	[[ $stderr == *"unban 7.7.7.7: not banned"* ]]
	# a short ban ends by itself
	run -0 p2p-peers -b "$B" ban --for 300ms 8.8.8.8
	run -0 p2p-peers -b "$B" list --banned
	[ "${#lines[@]}" -eq 1 ]
	sleep 0.4
	run -0 p2p-peers -b "$B" list --banned
	[ -z "$output" ]
	run -0 p2p-peers -b "$B" add 8.8.8.8:1
	run -2 --separate-stderr p2p-peers -b "$B" ban --for 5y 8.8.8.8
	[[ $stderr == *"--for 5y: not a duration"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" ban 8.8.8
	[[ $stderr == *"ban 8.8.8: not an IPv4 or IPv6 address"* ]]
	run -0 p2p-peers -b "$B" ban '2001:db8::1'
	# the blacklist is for ever, but does not keep peers out of the table
	run -0 p2p-peers -b "$B" ban --blacklisted 9.9.9.9
	run -0 p2p-peers -b "$B" add 9.9.9.9:1
	run -0 p2p-peers -b "$B" list --blacklisted
	[ "$output" = '{"list":"blacklisted","ipAddress":"9.9.9.9"}' ]
	run -0 p2p-peers -b "$B" unban 9.9.9.9
	run -0 p2p-peers -b "$B" list --blacklisted
	[ -z "$output" ]
}

@test "export and import round-trip; import takes a crawl's records" {
	mkbook
	run -0 p2p-peers -b "$B" add --source 4.4.4.4 20.0.0.1:1 20.0.0.2:2
	run -0 p2p-peers -b "$B" add --fixed 21.0.0.1:1
	run -0 p2p-peers -b "$B" export
	exported=$output
	run -0 p2p-peers -b b2.peerbook init --chain-id 00000000 --secret 7
	printf '%s\n' "$exported" > in
	run -0 p2p-peers -b b2.peerbook import < in
	p2p-peers -b b2.peerbook export > e2
	[ "$(jq -c '[.peerId,.table,.bucket,.sourceAddress]' <<<"$exported" | sort)" = \
	    "$(jq -c '[.peerId,.table,.bucket,.sourceAddress]' e2 | sort)" ]
	cat > crawl <<-'EOF'
	{"type":"PEER","peerId":"30.0.0.1:7667","reachable":true,"rttMs":12,"nodeInfo":{"height":7}}
	{"type":"PEER","peerId":"30.0.0.2:7667","reachable":false}
	{"type":"SUMMARY","reachable":1,"peers":2}
	EOF
	run -0 p2p-peers -b b2.peerbook import crawl
	run -0 p2p-peers -b b2.peerbook list
	[ "$(jq -c 'select(.peerId == "30.0.0.1:7667") | [.table, .info.rttMs, .info.nodeInfo.height, (.lastSeen > 0)]' <<<"$output")" = '["tried",12,7,true]' ]
	[ "$(jq -r 'select(.peerId == "30.0.0.2:7667") | .table' <<<"$output")" = new ]
	run -1 --separate-stderr p2p-peers -b b2.peerbook import nosuchfile
	[[ $stderr == *"nosuchfile"* ]]
	printf '{"peerId":"1.1.1.1:1","sourceAddress":5}\n' > in
	run -2 --separate-stderr p2p-peers -b b2.peerbook import < in
	[[ $stderr == *"stdin:1: 'sourceAddress': not a string"* ]]
}

@test "import: an unreachable crawl record counts a failure on a tried entry, keeps a new one" {
	mkbook
	printf '%s\n' '{"peerId":"40.0.0.1:1","table":"tried"}' \
	    '{"peerId":"40.0.0.2:2"}' > in
	run -0 p2p-peers -b "$B" import < in
	printf '%s\n' '{"type":"PEER","peerId":"40.0.0.1:1","reachable":false}' \
	    '{"type":"PEER","peerId":"40.0.0.2:2","reachable":false}' \
	    '{"type":"PEER","peerId":"40.0.0.3:3","reachable":false}' > crawl
	for fails in 1 2; do
		run -0 p2p-peers -b "$B" import crawl
		run -0 p2p-peers -b "$B" list --format ndjson
		[ "$(jq -c 'select(.peerId == "40.0.0.1:1") | [.table, .failures]' <<<"$output")" = "[\"tried\",$fails]" ]
	done
	run -0 p2p-peers -b "$B" import crawl	# the third failure
	run -0 p2p-peers -b "$B" list --format ndjson
	[ "$(jq -c '[.peerId, .table]' <<<"$output" | sort | tr -d '\n')" = \
	    '["40.0.0.1:1","new"]["40.0.0.2:2","new"]["40.0.0.3:3","new"]' ]
}

@test "stats and select" {
	mkbook
	for i in $(seq 1 60); do echo "40.$i.0.1:1"; done | p2p-peers -b "$B" add -
	for i in $(seq 1 20); do echo "41.$i.0.1:1"; done | p2p-peers -b "$B" add --fixed -
	run -0 p2p-peers -b "$B" stats
	run -0 jq -c '[.peers, .new.peers, .tried.peers, .lists.fixed, .netgroups, (.topNetgroups|length), (.new.fillHistogram|add)]' <<<"$output"
	[ "$output" = "[80,60,20,20,80,10,128]" ]
	run -0 p2p-peers -b "$B" stats --format table
	[[ ${lines[0]} == "peers       80 (60 new of 4096, 20 tried of 2048)" ]]
	run -0 p2p-peers -b "$B" select --for connect -n 8
	[ "${#lines[@]}" -eq 8 ]
	[ "$(jq -r .ipAddress <<<"$output" | sort -u | wc -l)" -eq 8 ]
	run -0 p2p-peers -b "$B" select --for connect -n 1000
	[ "${#lines[@]}" -eq 80 ]
	# send: half of 16 from the smaller side (tried: 20), all fixed added
	run -0 p2p-peers -b "$B" select --for send
	[ "$(jq -r .kind <<<"$output" | grep -c fixed)" -eq 20 ]
	[ "$(jq -r .table <<<"$output" | grep -c new)" -eq 8 ]
	run -0 p2p-peers -b "$B" select --for request
	[ "${#lines[@]}" -eq 1 ]
	# request: among the outbound (tried) peers while there are any
	run -0 p2p-peers -b "$B" select --for request -n 100
	[ "$(jq -r .table <<<"$output" | sort | uniq -c | tr -s ' ')" = " 20 tried" ]
	run -2 --separate-stderr p2p-peers -b "$B" select
	[[ $stderr == *"select: --for send|request|connect is required"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" select --for all
	[[ $stderr == *"--for all: not send, request or connect"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" select --for send -n 0
	[[ $stderr == *"-n 0: too small"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" stats --format xml
	[[ $stderr == *"--format xml: not ndjson or table"* ]]
}

@test "check refuses broken, foreign and newer books (status 2) and nothing overwrites them" {
	run -1 --separate-stderr p2p-peers -b "$B" check
	[[ $stderr == *"$B"* ]]
	run -1 --separate-stderr p2p-peers -b "$B" add 1.1.1.1:1
	[[ $stderr == *"no peer book here (give --chain-id or --network to create it)"* ]]
	mkbook
	run -0 p2p-peers -b "$B" add 1.1.1.1:1
	run -0 p2p-peers -b "$B" check
	[ "$(jq -c '[.ok, .new]' <<<"$output")" = "[true,1]" ]
	run -2 --separate-stderr p2p-peers -b "$B" --chain-id 01000000 list
	[[ $stderr == *"$B: the book is for another chain ID"* ]]
	# a bucket that does not match the secret
	jq -c '.peers[0].bucket = ((.peers[0].bucket + 1) % 128)' "$B" > bad
	cp bad "$B"
	run -2 --separate-stderr p2p-peers -b "$B" check
	[[ $stderr == *"peers[0] (1.1.1.1:1): 'bucket':"*"but the secret and address give"* ]]
	run -2 --separate-stderr p2p-peers -b "$B" add 2.2.2.2:2
	cmp bad "$B"
	# truncated
	head -c 100 bad > "$B"
	run -2 --separate-stderr p2p-peers -b "$B" check
	[[ $stderr == *"not JSON"* ]]
	# a member twice (jq would keep the last one and drop the first)
	sed 's/^{/{"bans":[{"ip":"9.9.9.9","until":1}],/' bad > "$B"
	jq -e '.bans == []' "$B"
	run -2 --separate-stderr p2p-peers -b "$B" check
	[[ $stderr == *"member 'bans' appears twice"* ]]
	# newer format version: refused by name
	printf '{"format":"liskp2p-peerbook","version":2}\n' > "$B"
	run -2 --separate-stderr p2p-peers -b "$B" add 2.2.2.2:2
	[[ $stderr == *"format version 2 is newer than this program's (1)"* ]]
	run -0 cat "$B"
	[ "$output" = '{"format":"liskp2p-peerbook","version":2}' ]
}

@test "bucket prints classes, netgroups and buckets as the reference does" {
	run -0 p2p-peers bucket --secret 0 1.2.3.4 10.1.2.3 127.0.0.1 ::1 127::1
	[ "$(jq -c '[.class, .network]' <<<"$output" | tr '\n' ' ')" = \
	    '["ipv4",0] ["private",1] ["local",2] ["other",3] ["local",2] ' ]
	# peerbook_vectors.json: secret 0, 1.2.3.4 -> netgroup 1511253707
	[ "$(jq -r 'select(.ipAddress == "1.2.3.4") | .netgroup' <<<"$output")" = 1511253707 ]
	[ "$(jq -r 'select(.ipAddress == "::1") | .new' <<<"$output")" = null ]
	printf '{"secret":0,"address":"1.2.3.4","source":null}\n' > in
	run -0 p2p-peers bucket - < in
	[ "$(jq .netgroup <<<"$output")" = 1511253707 ]
	printf '{"secret":-1,"address":"1.2.3.4"}\n' > in
	run -2 --separate-stderr p2p-peers bucket - < in
	[[ $stderr == *"stdin:1: expected"* ]]
}

@test "two writers adding 100 peers each at the same time leave all 200" {
	mkbook
	(for i in $(seq 1 100); do
		p2p-peers -b "$B" add "60.$i.0.1:1" || echo "A $i failed" >> errs
	done) &
	a=$!
	(for i in $(seq 1 100); do
		p2p-peers -b "$B" add "61.$i.0.1:1" || echo "B $i failed" >> errs
	done) &
	b=$!
	wait "$a" "$b"
	[ ! -s errs ] || { cat errs; false; }
	run -0 p2p-peers -b "$B" list
	[ "${#lines[@]}" -eq 200 ]
	[ "$(jq -r .peerId <<<"$output" | grep -c '^60\.')" -eq 100 ]
	[ "$(jq -r .peerId <<<"$output" | grep -c '^61\.')" -eq 100 ]
}

@test "200 writers killed with SIGKILL mid-save leave the old or the new book" {
	mkbook
	for i in $(seq 1 1000); do
		echo "$(( i % 200 + 1 )).$(( i / 200 )).$(( i % 7 )).$(( i % 250 + 1 )):5000"
	done | p2p-peers -b "$B" add -
	cp "$B" orig
	p2p-peers -b "$B" export | jq -r .peerId | sort > old
	# the new book: the old one plus 222.1.1.1:1 (its bucket has room)
	start=$(date +%s%N)
	p2p-peers -b "$B" add 222.1.1.1:1
	ms=$(( ($(date +%s%N) - start) / 1000000 + 1 ))
	p2p-peers -b "$B" export | jq -r .peerId | sort > new
	[ "$(wc -l < new)" -eq $(( $(wc -l < old) + 1 )) ]
	nold=0 nnew=0
	for run in $(seq 1 200); do
		cp orig "$B"
		rm -f "$B".tmp.*
		p2p-peers -b "$B" add 222.1.1.1:1 2>/dev/null &
		pid=$!
		sleep "$(awk -v r=$RANDOM -v ms=$ms 'BEGIN { printf "%.4f", r / 32768 * ms / 1000 }')"
		kill -9 "$pid" 2>/dev/null || true	# it may have finished
		wait "$pid" 2>/dev/null || true		# 137 when killed
		run -0 --separate-stderr p2p-peers -b "$B" check
		jq -r '.peers[].peerId' "$B" | sort > now
		if cmp -s orig "$B"; then
			nold=$((nold + 1))
		elif cmp -s now new; then
			nnew=$((nnew + 1))
		else
			echo "run $run: neither the old nor the new book"
			diff old now | head
			false
		fi
	done
	echo "# $nold old, $nnew new (a save takes ~$ms ms)" >&3
	[ $((nold + nnew)) -eq 200 ]
	[ "$nold" -gt 0 ]
	[ "$nnew" -gt 0 ]
}

@test "the man page's examples run" {
	cd "$BATS_TEST_TMPDIR"
	sed -n 's/^\.Dl \$ //p' "$LISKP2P_TOP/man/p2p-peers.1" | sed 's/\\-/-/g' |
	    grep -v p2p-watch > examples
	[ "$(wc -l < examples)" -ge 6 ]
	while IFS= read -r line; do
		run -0 bash -c "$line" || { echo "failed: $line"; false; }
	done < examples
	run -0 p2p-peers -b test.peerbook list
	[ "$(jq -r .peerId <<<"$output")" = "127.20.0.2:7667" ]
}
