#!/usr/bin/env bats
# The PeerBook's bucket ids and netgroups against the reference's own
# functions (lisk-p2p dist-node/utils/network.js): 20,000 random IPv4 and
# IPv6 addresses, sources and secrets.  BOOK_DIFF_SEED repeats a run.
bats_require_minimum_version 1.5.0
load ../cli/helpers

setup() {
	SEED=${BOOK_DIFF_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
	N=20000
}

@test "bucket ids and netgroups equal the reference's on 20000 random cases" {
	cd "$BATS_TEST_TMPDIR"
	run -0 node "$BATS_TEST_DIRNAME/book-diff.js" "$SEED" "$N" cases exp
	run -0 --separate-stderr p2p-peers bucket - < cases
	printf '%s\n' "$output" | jq -c '{network,netgroup,new,tried}' > got
	[ "$(wc -l < got)" -eq "$N" ]
	# every case, line by line; on failure say which, with the seed
	if ! cmp -s exp got; then
		echo "seed $SEED (rerun with BOOK_DIFF_SEED=$SEED):"
		paste -d '\n' cases exp got | paste - - - | \
		    awk -F '\t' '$2 != $3 { print "case " NR ": " $0 }' | head -5
		false
	fi
	# the run covered what it should: IPv6 texts, the reference's
	# parseInt quirks (an IPv6 text of class LOCAL or PRIVATE), throws
	v6=$(grep -c '"address":"[^"]*:' cases)
	quirk=$(paste -d '\t' cases exp | grep '"address":"[^"]*:' | \
	    grep -c '"network":[12]')
	thrown=$(grep -c '"netgroup":null' exp)
	echo "seed $SEED: $v6 IPv6, $quirk IPv6 of class local/private, $thrown throws"
	[ "$v6" -ge 5000 ]
	[ "$quirk" -ge 100 ]
	[ "$thrown" -ge 1000 ]
}
