#!/usr/bin/env bats
# p2p-send as a program: usage errors, exit codes, --help vs man page and
# completions.  No network beyond a closed port on 127.0.0.1.
bats_require_minimum_version 1.5.0

load helpers

@test "--help prints the synopsis on stdout, exit 0" {
	run -0 --separate-stderr p2p-send --help
	[[ $output == "usage: p2p-send "* ]]
	[[ $output == *"--peer HOST:PORT"* ]]
	[ -z "$stderr" ]
}

@test "--version" {
	run -0 --separate-stderr p2p-send --version
	[[ $output == "p2p-send "* ]]
}

@test "every long option of --help is in the man page and the completions" {
	top=$LISKP2P_TOP
	opts=$(p2p-send --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
	[ -n "$opts" ]
	for o in $opts; do
		sed 's/\\-/-/g' "$top/man/p2p-send.1" | grep -qw -- "${o#--}" ||
		    { echo "man page lacks $o"; false; }
		for f in completions/p2p-send.bash completions/_p2p-send \
		    completions/p2p-send.fish; do
			grep -qw -- "${o#--}" "$top/$f" ||
			    { echo "$f lacks $o"; false; }
		done
	done
}

@test "the man page is clean mdoc" {
	run -0 groff -mdoc -ww -z "$LISKP2P_TOP/man/p2p-send.1"
	[ -z "$output" ]
}

@test "usage errors exit 2 and name the problem" {
	local cases=(
	    "|--peer is required"
	    "--peer 127.0.0.1:1|--network or --chain-id is required"
	    "--chain-id 10 --peer 1.2.3.4|--peer 1.2.3.4: expected HOST:PORT, the port is missing"
	    "--chain-id 10 --peer 1.2.3.4:0|port 0 is not in 1..65535"
	    "--chain-id 10 --peer 1.2.3.4:65536|port 65536 is not in 1..65535"
	    "--chain-id 10 --peer host.invalid:7667|cannot resolve host 'host.invalid'"
	    "--chain-id zz --peer 1.2.3.4:1 --request x|--chain-id zz"
	    "--chain-id 10 --peer 1.2.3.4:1 --request x --event y|exclude each other"
	    "--chain-id 10 --peer 1.2.3.4:1 --request x --data-hex 0|data is not an even-length hex"
	    "--chain-id 10 --peer 1.2.3.4:1 --request x --data-hex 00 --data-file /dev/null|exclude each other"
	    "--chain-id 10 --peer 1.2.3.4:1 --data-hex 00|need --event or --request"
	    "--chain-id 10 --peer 1.2.3.4:1 --request ping|refusing to request 'ping'"
	    "--chain-id 10 --peer 1.2.3.4:1 --request getPeers --data-hex 00|refusing getPeers with data"
	    "--chain-id 10 --peer 1.2.3.4:1 --request x --timeout 0|--timeout 0: too small"
	    "--chain-id 10 --peer 1.2.3.4:1 --request x --rate abc|--rate abc: invalid"
	    "--network moonnet --peer 1.2.3.4:1 --request x|--network moonnet: unknown"
	    "--network mainnet --chain-id 00 --peer 1.2.3.4:1 --request x|--network excludes"
	    "--chain-id 10 --peer 1.2.3.4:1 --request x extra|unexpected argument"
	    "--chain-id 10 --peer 1.2.3.4:1 --bogus|unrecognized option"
	    "--chain-id 10 --peer 1.2.3.4:1 --request x --data-file /nonexistent|/nonexistent"
	)
	for c in "${cases[@]}"; do
		args=${c%%|*}
		want=${c#*|}
		# shellcheck disable=SC2086
		run -2 --separate-stderr p2p-send $args </dev/null
		[ -z "$output" ] || { echo "stdout for: $args"; false; }
		[[ $stderr == *"$want"* ]] || { echo "$args: $stderr"; false; }
	done
}

@test "bad NDJSON on stdin: exit 2 with the line number, nothing sent after it" {
	local cases=(
	    $'{"procedure":"a"}\nnot json|stdin:2: not JSON: at byte 0'
	    $'{"a""b"}|stdin:1: not JSON: at byte 4'
	    $'[1]|stdin:1: not a JSON object'
	    $'{"procedure":"a","event":"b"}|stdin:1: need exactly one'
	    $'{"procedure":5}|stdin:1: need exactly one'
	    $'{"event":"a","data":"xyz"}|stdin:1: data is not an even-length hex'
	    $'{"event":"a","data":5}|stdin:1: "data" must be a hex string'
	    $'\n\n{"procedure":"ping"}|stdin:3: refusing'
	)
	for c in "${cases[@]}"; do
		in=${c%%|*}
		want=${c#*|}
		run -2 --separate-stderr p2p-send --chain-id 10 \
		    --peer 127.0.0.1:1 <<<"$in"
		[ -z "$output" ]
		[[ $stderr == *"$want"* ]] || { echo "$in: $stderr"; false; }
	done
}

@test "a stdin line over 1 MiB is refused before it is held whole" {
	# 8 MiB without a newline: refused at its 1 MiB mark, exit 2
	run -2 --separate-stderr p2p-send --chain-id 10 --peer 127.0.0.1:1 \
	    < <(head -c 8388608 /dev/zero | tr '\0' x)
	[[ $stderr == *"stdin:1: line longer than 1048576 bytes"* ]]
}

@test "an unreachable peer: exit 1, one error line per item" {
	port=$(free_port 127.0.0.1)
	run -1 --separate-stderr p2p-send --chain-id 10000000 \
	    --peer "127.0.0.1:$port" --request getNodeInfo --timeout 2
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .peerId <<<"$output")" = "127.0.0.1:$port" ]
	[ "$(jq -r .procedure <<<"$output")" = getNodeInfo ]
	[ "$(jq -r .error <<<"$output")" = "connect: connection refused" ]
}

@test "empty stdin: nothing to do, exit 0" {
	port=$(free_port 127.0.0.1)
	run -0 --separate-stderr p2p-send --chain-id 10000000 \
	    --peer "127.0.0.1:$port" </dev/null
	[ -z "$output" ]
}
