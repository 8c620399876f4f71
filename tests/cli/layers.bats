#!/usr/bin/env bats
# Who calls whom inside the library, read from the objects' symbols: the
# node (node.c) calls the pool (pool.c), never the other way; events.c
# and probe.c, shared by the pool and the crawl, call neither of them.
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

@test "the objects are there and the reader sees the node call the pool" {
	run -0 calls node pool
	[[ $output == *lp2p__pool_* ]]
	run -0 calls pool events
	[[ $output == *lp2p__ev_* ]]
}

@test "pool.c calls nothing in node.c; the crawl nothing in node.c or pool.c" {
	local from to
	for from in pool crawl; do
		for to in node pool; do
			[ "$from" = "$to" ] && continue
			run -0 calls "$from" "$to"
			[ -z "$output" ] || { echo "$from -> $to: $output"; return 1; }
		done
	done
}

@test "events.c and probe.c call none of their users" {
	local from to
	for from in events probe; do
		for to in node pool crawl; do
			run -0 calls "$from" "$to"
			[ -z "$output" ] || { echo "$from -> $to: $output"; return 1; }
		done
	done
}
