#!/usr/bin/env bats
# Who calls whom inside the library, read from the objects' symbols: the
# node (node.c) calls the pool (pool.c), never the other way; events.c
# and probe.c, shared by the pool and the crawl, call neither of them.
# Inside a layer split into files, the calls go one way too: sc.c calls
# sc_screen.c and sc_reply.c; peer.c calls peer_rate.c and peer_query.c.
bats_require_minimum_version 1.5.0
load helpers

# calls FROM TO: the lp2p names FROM.o uses that TO.o defines (the
# objects as compiled, before any archive hides internal names)
calls() {
	local d=$LISKP2P_TOP/build/asan/lib
	[ -f "$d/$1.o" ] || d=$LISKP2P_TOP/lib
	[ -f "$d/$1.o" ] && [ -f "$d/$2.o" ] || return 1
	comm -12 <(nm -u "$d/$1.o" | awk '{ print $NF }' | sort -u) \
	    <(nm --defined-only "$d/$2.o" | awk '$2 ~ /^[TDRB]$/ {
	    print $NF }' | sort -u)
}

# no_calls "FROM..." "TO...": no FROM object calls a TO object (but itself)
no_calls() {
	local from to
	for from in $1; do
		for to in $2; do
			[ "$from" = "$to" ] && continue
			run -0 calls "$from" "$to"
			[ -z "$output" ] || { echo "$from -> $to: $output"; return 1; }
		done
	done
}

@test "the objects are there and the reader sees the node call the pool" {
	run -0 calls node pool
	[[ $output == *lp2p__pool_* ]]
	run -0 calls pool events
	[[ $output == *lp2p__ev_* ]]
}

@test "pool.c calls nothing in node.c; the crawl nothing in node.c or pool.c" {
	no_calls "pool crawl" "node pool"
}

@test "events.c and probe.c call none of their users" {
	no_calls "events probe" "node pool crawl"
}

@test "the files of the sc and peer layers call one way" {
	local from to want
	run -0 calls sc sc_screen
	[[ $output == *lp2p__sc_fast_split* ]]
	run -0 calls sc sc_reply
	[[ $output == *lp2p__sc_send_text* ]]
	run -0 calls peer peer_rate
	[[ $output == *lp2p__peer_rate_key* ]]
	run -0 calls peer peer_query
	[[ $output == *lp2p__peer_query_parse* ]]
	no_calls "sc_screen sc_reply" "sc sc_reply"
	for from in peer_query peer_rate; do
		for to in peer peer_rate peer_query; do
			[ "$from" = "$to" ] && continue
			want=
			# a ban closes the peer: the one call back
			[ "$from/$to" = peer_rate/peer ] && want=lp2p__peer_close
			run -0 calls "$from" "$to"
			[ "$output" = "$want" ] ||
			    { echo "$from -> $to: $output"; return 1; }
		done
	done
}
