#!/usr/bin/env bats
# p2p-send with a Lisk Core 4 preset: names Core does not know are refused
# (one would get the IP banned for 24 h) unless --force.
bats_require_minimum_version 1.5.0
load helpers

@test "--network: an unknown event or procedure is refused, exit 2, nothing sent" {
	local port c
	port=$(free_port 127.40.251.1)
	for c in "--event postBlocks" "--event postSingleCommits" \
	    "--request getBlock" "--request getLegacyBlocksFromId" \
	    "--event hello"; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr p2p-send --network mainnet \
		    --peer "127.40.251.1:$port" $c
		[[ $stderr == *"refusing "*"a Lisk Core node of mainnet bans"*"--force"* ]] ||
		    { echo "$c: $stderr"; return 1; }
		[ -z "$output" ]
	done
	run -2 --separate-stderr p2p-send --network testnet \
	    --peer "127.40.251.1:$port" <<<'{"procedure":"nope"}'
	[[ $stderr == *"stdin:1: refusing procedure 'nope'"* ]]
}

@test "--network: every name Core 4 knows passes the check" {
	local port c
	port=$(free_port 127.40.251.2)
	for c in "--event postBlock" "--event postTransactionsAnnouncement" \
	    "--event postSingleCommitMessages" "--event postNodeInfo" \
	    "--request getLastBlock" "--request getBlocksFromId" \
	    "--request getHighestCommonBlock" "--request getTransactions" \
	    "--request getNodeInfo" "--request getPeers"; do
		# shellcheck disable=SC2086
		run -1 --separate-stderr p2p-send --network mainnet \
		    --peer "127.40.251.2:$port" --timeout 1 $c
		echo "$output" | jq -e '.error | test("refused|closed")' ||
		    { echo "$c: $output $stderr"; return 1; }
	done
}

@test "--force sends a name the network does not know; --chain-id checks nothing" {
	local port
	port=$(free_port 127.40.251.3)
	run -1 --separate-stderr p2p-send --network mainnet --force \
	    --peer "127.40.251.3:$port" --event postBlocks --timeout 1
	echo "$output" | jq -e '.event == "postBlocks" and has("error")'
	run -1 --separate-stderr p2p-send --chain-id 00000000 \
	    --peer "127.40.251.3:$port" --event anything --timeout 1
	echo "$output" | jq -e '.event == "anything" and has("error")'
}
