#!/usr/bin/env bats
# codec-diff.bats — the C codec against @liskhq/lisk-codec 0.5.0.
#
# The C side is tests/interop/codec-tool.c, a tiny NDJSON filter over the
# library's codec.  The Makefile does not know it, so setup_file builds it
# here against the sanitizer library (build/asan/libliskp2p-internal.a, made by
# `make build-asan`).  The node side is codec-diff.js: random schemas and
# values, encoded and decoded by both.  LISKP2P_SEED=N reproduces a run;
# the seed is printed on failure.
bats_require_minimum_version 1.5.0
load ../cli/helpers

setup_file() {
	local top=$LISKP2P_TOP pkgs="libuv libbsd-overlay libmd"
	export CODEC_TOOL="$BATS_FILE_TMPDIR/codec-tool"
	[ -f "$top/build/asan/libliskp2p-internal.a" ] || {
		echo "build/asan/libliskp2p-internal.a missing: run make build-asan" >&2
		return 1
	}
	cc -std=c11 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -I"$top/lib" \
	    $(pkg-config --cflags $pkgs) -O1 -g \
	    -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer -o "$CODEC_TOOL" \
	    "$top/tests/interop/codec-tool.c" "$top/build/asan/libliskp2p-internal.a" \
	    $(pkg-config --libs $pkgs) -lwslay -lhttp_parser -ljq -lm
}

@test "C codec and lisk-codec agree on random schemas, values and mutations" {
	run -0 --separate-stderr timeout 120 \
	    node "$BATS_TEST_DIRNAME/codec-diff.js" 1200
	echo "$output"
	echo "$stderr"
	[[ $output == *"# seed "* ]]
	[[ $output == *", 0 mismatches"* ]]
	# the run really compared something
	[[ $output =~ \#\ 1200\ schemas,\ ([0-9]+)\ encodings,\ ([0-9]+)\ decodings ]]
	((BASH_REMATCH[1] > 2000 && BASH_REMATCH[2] > 40000))
}

@test "a seed reproduces the same run" {
	LISKP2P_SEED=4242 run -0 --separate-stderr \
	    node "$BATS_TEST_DIRNAME/codec-diff.js" 20
	local first=$output
	LISKP2P_SEED=4242 run -0 --separate-stderr \
	    node "$BATS_TEST_DIRNAME/codec-diff.js" 20
	[ "$output" = "$first" ]
	[[ $output == "# seed 4242 "* ]]
}

@test "the differential test fails, with its seed, when the C side is wrong" {
	# a codec-tool that flips one hex digit of every encoding
	local bad="$BATS_TEST_TMPDIR/bad-tool"
	printf '#!/bin/sh\n"%s" | sed '\''s/"hex":"0/"hex":"1/'\''\n' \
	    "$CODEC_TOOL" >"$bad"
	chmod +x "$bad"
	CODEC_TOOL=$bad LISKP2P_SEED=7 run -1 --separate-stderr \
	    node "$BATS_TEST_DIRNAME/codec-diff.js" 30
	[[ $stderr == *"codec-diff: seed 7: encode mismatch"* ]]
	[[ $output == *"mismatches"* ]]
}

@test "codec-tool reports schema and input errors by field" {
	run -0 --separate-stderr "$CODEC_TOOL" <<-'EOF'
	{"schema":{"type":"object","properties":{"a":{"dataType":"uint32","fieldNumber":0}}},"decode":""}
	{"schema":{"type":"object","properties":{"h":{"dataType":"uint32","fieldNumber":1}}},"decode":"088000"}
	{"schema":1,"encode":{"h":4294967296}}
	{"schema":1,"encode":{"h":7}}
	EOF
	[ "${lines[0]}" = '{"error":"properties.a: '"'"'fieldNumber'"'"' 0 out of 1..18999"}' ]
	[ "${lines[1]}" = '{"error":"h: at byte 1: varint not in shortest form"}' ]
	[ "${lines[2]}" = '{"error":"h: 4294967296 out of range for uint32"}' ]
	[ "${lines[3]}" = '{"hex":"0807"}' ]
}
