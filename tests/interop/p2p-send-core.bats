#!/usr/bin/env bats
# p2p-send --decode live against the fake Lisk Core 4 peer.
bats_require_minimum_version 1.5.0
load ../cli/helpers
load wire_helpers
load watch_helpers

teardown() {
	stop_all_fast
}

@test "p2p-send --decode: getLastBlock, getHighestCommonBlock, getTransactions" {
	start_fake core --host 127.40.17.1 --port 7667 --interval 1
	sleep 1.5	# a block or two past the vector's
	run -0 --separate-stderr p2p-send --network mainnet --decode \
	    --peer 127.40.17.1:7667 <<-'EOF'
	{"procedure":"getLastBlock"}
	{"procedure":"getHighestCommonBlock","data":"0a20cb186dd69a127e4ab746531ce78a5f9f018e2f54e970b015132798f8530f0f2d"}
	{"procedure":"getHighestCommonBlock","data":"0a200000000000000000000000000000000000000000000000000000000000000000"}
	{"procedure":"getTransactions"}
	{"procedure":"getNodeInfo"}
	EOF
	local o=$BATS_TEST_TMPDIR/send.out
	printf '%s\n' "$output" >"$o"
	jq -e -s '.[0].procedure == "getLastBlock" and
	    (.[0].decoded.block | .height >= 24500002 and
	    (.generatorAddress | test("^lsk")) and
	    (.id | test("^[0-9a-f]{64}$")))' "$o"
	# the id is the one the fake peer computed with the real packages
	grep -q "\"id\":\"$(jq -r -s '.[0].decoded.block.id' "$o")\"" \
	    "$BATS_TEST_TMPDIR/core.out"
	jq -e -s '.[1].decoded.id ==
	    "cb186dd69a127e4ab746531ce78a5f9f018e2f54e970b015132798f8530f0f2d"
	    and .[2].decoded.id == null' "$o"
	jq -e -s '.[3].decoded.numberOfTransactions ==
	    (.[3].decoded.transactions | length)' "$o"
	# lisk-p2p's own procedures are decoded as before, not twice
	jq -e -s '.[4].data.networkVersion == "5.0" and
	    (.[4] | has("decoded") | not)' "$o"
	! grep -qi 'penal\|ban' "$BATS_TEST_TMPDIR/core.out"
}
