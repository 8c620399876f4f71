#!/usr/bin/env bats
# cli_net.bats — the --network / --chain-id / --network-version options
# every program shares (cmd/cli_net.c), through a minimal program built
# here (tests/cli/net-tool.c): resolved values, messages, exit statuses.
bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	local top=$LISKP2P_TOP pkgs="libuv libbsd-overlay libmd"
	export NET_TOOL="$BATS_FILE_TMPDIR/net-tool"
	cc -std=c11 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -I"$top/lib" \
	    -I"$top/cmd" $(pkg-config --cflags $pkgs) -O1 -g \
	    -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -o "$NET_TOOL" "$top/tests/cli/net-tool.c" "$top/cmd/cli_net.c" \
	    "$top/cmd/cli.c" "$top/build/asan/libliskp2p.a" \
	    $(pkg-config --libs $pkgs) -lwslay -lhttp_parser -ljq -lm
}

@test "--network mainnet: the Lisk Core 4 preset" {
	run -0 --separate-stderr "$NET_TOOL" --network mainnet
	[ "$(jq -c '[.name,.chainID,.networkVersion,.port,(.seeds|length)]' <<<"$output")" = '["mainnet","00000000","5.0",7667,10]' ]
	[ "$(jq -c .options <<<"$output")" = '{"height":0,"maxHeightPrevoted":0,"blockVersion":0,"lastBlockID":"","legacy":[]}' ]
	[ -z "$stderr" ]
}

@test "--network testnet and devnet" {
	run -0 "$NET_TOOL" --network testnet
	[ "$(jq -c '[.chainID,(.seeds|length)]' <<<"$output")" = '["01000000",5]' ]
	run -0 "$NET_TOOL" --network=devnet
	[ "$(jq -c '[.chainID,(.seeds|length)]' <<<"$output")" = '["04000000",0]' ]
}

@test "--chain-id alone: version 1.0, no options, no seeds" {
	run -0 "$NET_TOOL" --chain-id 0A0B0C0D
	[ "$output" = '{"name":"custom","chainID":"0a0b0c0d","networkVersion":"1.0","port":0,"seeds":[],"options":null}' ]
	run -0 "$NET_TOOL" --chain-id 01000000 --network-version 5.2
	[ "$(jq -r .networkVersion <<<"$output")" = 5.2 ]
}

@test "bad network options exit 2 with prog: flag arg: reason" {
	run -2 --separate-stderr "$NET_TOOL" --network foo
	[ "$stderr" = "net-tool: --network foo: unknown network (mainnet, testnet, devnet)" ]
	[ -z "$output" ]
	run -2 --separate-stderr "$NET_TOOL" --chain-id zz
	[ "$stderr" = "net-tool: --chain-id zz: not hex" ]
	run -2 --separate-stderr "$NET_TOOL" --chain-id 00 --network-version v1
	[ "$stderr" = "net-tool: --network-version v1: not a version (like 1.0)" ]
	run -2 --separate-stderr "$NET_TOOL" --network mainnet --chain-id 00
	[ "$stderr" = "net-tool: --network and --chain-id exclude each other" ]
	run -2 --separate-stderr "$NET_TOOL"
	[[ $stderr == "net-tool: no network: give --network NAME"* ]]
	run -2 --separate-stderr "$NET_TOOL" --network $'a\tb\x1b'
	[ "$stderr" = 'net-tool: --network a\tb\033: unknown network (mainnet, testnet, devnet)' ]
}

@test "no network is fine where it is optional" {
	run -0 "$NET_TOOL" -o
	[ "$(jq -r .chainID <<<"$output")" = "" ]
}
