#!/usr/bin/env bats
# Who calls whom inside the library, read from the archive's symbols: the
# node (node.c) calls the pool (pool.c), never the other way; events.c
# and probe.c, shared by the pool and the crawl, call neither of them.
bats_require_minimum_version 1.5.0
load helpers

# calls FROM TO: the lp2p names FROM.o uses that TO.o defines
calls() {
	local a=$LISKP2P_TOP/build/asan/libliskp2p.a
	[ -f "$a" ] || a=$LISKP2P_TOP/lib/libliskp2p.a
	nm -A "$a" | awk -v from="$1.o" -v to="$2.o" '
	    { split($1, m, ":"); obj = m[2] }
	    $(NF - 1) == "U" && obj == from { used[$NF] = 1 }
	    $(NF - 1) ~ /^[TDRB]$/ && obj == to { def[$NF] = 1 }
	    END { for (s in used) if (s in def) print s }'
}

@test "the archive is there and the reader sees the node call the pool" {
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
