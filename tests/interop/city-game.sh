#!/bin/bash
# city-game.sh [NET [DIR]] — "find the city", played by three p2p-node
# processes over their stdin and stdout.  Each node starts in its own
# city; every round each broadcasts its city, and a node that hears of a
# city earlier in the alphabet moves there.  The game ends when all three
# nodes are in one city and each has heard it from both others.
#   NET: the first three octets of the nodes' addresses (127.30.77)
#   DIR: where the nodes' books, inputs and outputs go (a temporary one)
set -u
NET=${1:-127.30.77}
DIR=${2:-$(mktemp -d)}
names=(a b c)
cities=(Rome Lisbon Amsterdam)
pids=()
fds=()

cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for ((k = 0; k < 50; k++)); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tohex() { printf %s "$1" | od -An -tx1 -v | tr -d ' \n'; }
fromhex() { printf '%b' "$(printf %s "$1" | sed 's/../\\x&/g')"; }
port() {
	python3 -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

seed=
for i in 0 1 2; do
	n=${names[$i]} ip=$NET.$((i + 1))
	p=$(port "$ip")
	rm -f "$DIR/$n.in"
	mkfifo "$DIR/$n.in"
	exec {fd}<>"$DIR/$n.in"
	fds[$i]=$fd
	p2p-node --chain-id 10000000 --listen "$ip:$p" -b "$DIR/$n.book" \
	    --option populatorInterval=500 ${seed:+--seed "$seed"} \
	    <"$DIR/$n.in" >"$DIR/$n.out" 2>"$DIR/$n.err" 3>&- &
	pids[$i]=$!
	[ -z "$seed" ] && seed=$ip:$p
	echo "node $n starts in ${cities[$i]} ($ip:$p)"
done

declare -A heard	# "node peer" -> city heard from that peer
seen=(0 0 0)
for ((round = 0; round < 400; round++)); do
	for i in 0 1 2; do
		n=${names[$i]}
		total=$(wc -l <"$DIR/$n.out")
		[ "$total" -gt "${seen[i]}" ] || continue
		while IFS=$'\t' read -r peer hex; do
			c=$(fromhex "$hex")
			heard["$n $peer"]=$c
			if [[ $c < ${cities[$i]} ]]; then
				echo "node $n moves from ${cities[$i]} to $c"
				cities[$i]=$c
			fi
		done < <(sed -n "$((seen[i] + 1)),${total}p" "$DIR/$n.out" |
		    jq -r 'select(.type == "EVENT_MESSAGE_RECEIVED" and
		    .event == "city") | [.peerId, .data] | @tsv')
		seen[$i]=$total
	done
	if [ "${cities[0]}" = "${cities[1]}" ] &&
	    [ "${cities[1]}" = "${cities[2]}" ]; then
		done=1
		for i in 0 1 2; do
			k=0
			for key in "${!heard[@]}"; do
				[ "${key%% *}" = "${names[$i]}" ] &&
				    [ "${heard[$key]}" = "${cities[0]}" ] &&
				    k=$((k + 1))
			done
			[ $k -ge 2 ] || done=0
		done
		if [ $done = 1 ]; then
			echo "all three nodes share the city of ${cities[0]}"
			exit 0
		fi
	fi
	for i in 0 1 2; do
		printf '{"op":"broadcast","event":"city","data":"%s"}\n' \
		    "$(tohex "${cities[$i]}")" >&"${fds[$i]}"
	done
	sleep 0.25
done
echo "no agreement after $round rounds" >&2
exit 1
