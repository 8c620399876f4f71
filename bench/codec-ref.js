#!/usr/bin/env node
/*
 * codec-ref.js — the reference side of bench/codec.sh: lisk-codec 0.5.0
 * encodeJSON/decodeJSON of the nodeInfo vectors, N times each; one JSON
 * line per schema with ns per operation.
 */
'use strict';
const path = require('path');
const mods = process.env.LISK_REF_NODE_MODULES ||
    path.join(__dirname, '../tests/interop/node_modules');
const { Codec } = require(path.join(mods, '@liskhq/lisk-codec'));
const v = require(path.join(__dirname, '../tests/vectors/codec_vectors.json'));
const N = Number(process.argv[2] || 200000);

for (const [sn, vn] of [['nodeInfo', 'nodeInfo typical'],
    ['nodeInfo+sdk6Options', 'nodeInfo+sdk6 typical']]) {
	const s = v.schemas[sn];
	const val = v.vectors.find((x) => x.name === vn).json_value;
	const c = new Codec();
	let b;
	for (let i = 0; i < N / 10; i++)	/* warm up the JIT */
		c.decodeJSON(s, b = c.encodeJSON(s, val));
	const t0 = process.hrtime.bigint();
	for (let i = 0; i < N; i++)
		b = c.encodeJSON(s, val);
	const t1 = process.hrtime.bigint();
	for (let i = 0; i < N; i++)
		c.decodeJSON(s, b);
	const t2 = process.hrtime.bigint();
	console.log(JSON.stringify({ schema: sn, encode_ns: Number(t1 - t0) / N,
	    decode_ns: Number(t2 - t1) / N }));
}
