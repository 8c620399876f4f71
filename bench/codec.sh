#!/bin/sh
# codec.sh — nodeInfo encode/decode throughput, libliskp2p vs lisk-codec
# 0.5.0, in the same run.  Prints one line per schema and side, and the
# ratios.  Needs build/libliskp2p-internal.a (make) and node.
#
#   sh bench/codec.sh [N]
set -eu
cd "$(dirname "$0")/.."
n=${1:-200000}
tmp=${TMPDIR:-/tmp}/liskp2p-codec-bench.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
pkgs="libuv libbsd-overlay libmd"
cc -std=c11 -O2 -D_GNU_SOURCE -DLIBBSD_OPENBSD_VIS -Ilib \
    $(pkg-config --cflags $pkgs) -o "$tmp/codec-tool" \
    tests/interop/codec-tool.c build/libliskp2p-internal.a \
    $(pkg-config --libs $pkgs) -lwslay -lhttp_parser -ljq -lm
python3 - "$n" >"$tmp/req" <<'PY'
import json, sys
v = json.load(open('tests/vectors/codec_vectors.json'))
vec = {x['name']: x for x in v['vectors']}
for s, name in (('nodeInfo', 'nodeInfo typical'),
                ('nodeInfo+sdk6Options', 'nodeInfo+sdk6 typical')):
    print(json.dumps({'schema': v['schemas'][s], 'bench': int(sys.argv[1]),
                      'encode': vec[name]['json_value']}))
PY
"$tmp/codec-tool" <"$tmp/req" >"$tmp/c"
node bench/codec-ref.js "$n" >"$tmp/ref"
python3 - "$tmp/c" "$tmp/ref" <<'PY'
import json, sys
c = [json.loads(l) for l in open(sys.argv[1])]
r = [json.loads(l) for l in open(sys.argv[2])]
for x, y in zip(c, r):
    print('%-22s C encode %6.0f ns decode %6.0f ns | lisk-codec encode '
          '%6.0f ns decode %6.0f ns | ratio %.1fx %.1fx' % (
              y['schema'], x['encode_ns'], x['decode_ns'], y['encode_ns'],
              y['decode_ns'], y['encode_ns'] / x['encode_ns'],
              y['decode_ns'] / x['decode_ns']))
PY
