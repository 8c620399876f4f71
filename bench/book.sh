#!/bin/sh
# book.sh — the PeerBook benchmark: bench/book-bench.c against the
# reference's PeerBook (bench/book-bench.js) in the same run; prints both
# and the ratio (reference time / ours) per operation.  Not a test.
set -eu
cd "$(dirname "$0")/.."
: "${LISK_REF_NODE_MODULES:=$(pwd)/tests/interop/node_modules}"
export LISK_REF_NODE_MODULES
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -O2 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -Ilib \
    $(pkg-config --cflags libbsd-overlay) -o "$tmp/book-bench" \
    bench/book-bench.c build/libliskp2p-internal.a \
    $(pkg-config --libs libuv libbsd-overlay libmd) -lwslay -lhttp_parser \
    -ljq -lm
"$tmp/book-bench" "$tmp" > "$tmp/c.ndjson"
node bench/book-bench.js > "$tmp/js.ndjson"
cat "$tmp/c.ndjson" "$tmp/js.ndjson"
jq -rs '
	(map(select(.bench == "book-ref")) | map({(.op): .ns_per_op}) | add) as $ref |
	.[] | select(.bench == "book") |
	"\(.op): \(.ns_per_op) ns" +
	(if $ref[.op] then ", reference \($ref[.op]) ns, ratio \(($ref[.op] / .ns_per_op * 10 | round) / 10)x" else "" end)
' "$tmp/c.ndjson" "$tmp/js.ndjson"
