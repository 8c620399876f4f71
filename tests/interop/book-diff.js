// book-diff.js — random IPv4/IPv6 addresses, sources and secrets, and what
// the reference's own utils/network.js computes for them (getNetwork,
// getNetgroup, getBucketId for the new and the tried table).
//
// usage: node book-diff.js SEED COUNT CASES_OUT EXPECTED_OUT
// Writes the cases (NDJSON {"secret","address","source"}) and the
// reference's answers (NDJSON {"network","netgroup","new","tried"}, null
// where the reference throws).  A seeded generator makes a run repeatable.
'use strict';
const fs = require('fs');
const path = require('path');
const mods = process.env.LISK_REF_NODE_MODULES;
const net = require(path.join(mods, '@liskhq/lisk-p2p/dist-node/utils/network.js'));

const [seedArg, countArg, casesOut, expOut] = process.argv.slice(2);
let s = (Number(seedArg) >>> 0) || 1;
function rnd() {			// mulberry32
	s = (s + 0x6d2b79f5) >>> 0;
	let t = s;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = n => Math.floor(rnd() * n);
const pick = a => a[int(a.length)];

function ipv4() {
	const first = pick([int(256), int(256), int(256), 10, 127, 172, 192,
	    0, 255, 100]);
	const second = first === 172 ? pick([int(256), 15, 16, 24, 31, 32]) :
	    int(256);
	if (rnd() < 0.01)
		return '0.0.0.0';
	return [first, second, int(256), int(256)].join('.');
}
function hex4() {
	let h = int(65536).toString(16);
	if (rnd() < 0.3)
		h = h.padStart(4, '0');
	return rnd() < 0.2 ? h.toUpperCase() : h;
}
function ipv6() {
	const g = [];
	for (let i = 0; i < 8; i++)
		g.push(hex4());
	// first groups that parseInt reads as 127, 10, 172... sometimes
	if (rnd() < 0.25)
		g[0] = pick(['127', '10', '172', '10ab', '127f', '0', '1', '255',
		    '256', '1270', 'fe80', '2001', '::']);
	const r = rnd();
	if (g[0] === '::')
		return '::' + g.slice(1, 1 + int(7)).join(':');
	if (r < 0.3) {			// compress a run of groups
		const a = int(7), b = a + 1 + int(7 - a);
		return g.slice(0, a).join(':') + '::' + g.slice(b).join(':');
	}
	if (r < 0.4)			// IPv4-mapped
		return '::ffff:' + ipv4();
	if (r < 0.45)
		return pick(['::1', '::', '::ffff:127.0.0.1', 'fe80::1%eth0',
		    '127::1', '10::', '172.16::1']);
	return g.join(':');
}
function addr() {
	return rnd() < 0.6 ? ipv4() : ipv6();
}
function secret() {
	return pick([0, 1, 4294967295, int(4294967296), int(4294967296),
	    int(65536)]);
}
function attempt(f) {
	try {
		return f();
	} catch (e) {
		return null;
	}
}

const cases = [], exp = [];
const n = Number(countArg);
for (let i = 0; i < n; i++) {
	const c = { secret: secret(), address: addr(),
	    source: rnd() < 0.3 ? null : addr() };
	cases.push(JSON.stringify(c));
	const o = { targetAddress: c.address, secret: c.secret,
	    sourceAddress: c.source === null ? undefined : c.source };
	exp.push(JSON.stringify({
		network: net.getNetwork(c.address),
		netgroup: attempt(() => net.getNetgroup(c.address, c.secret)),
		new: attempt(() => net.getBucketId({ ...o,
		    peerType: net.PEER_TYPE.NEW_PEER, bucketCount: 128 })),
		tried: attempt(() => net.getBucketId({ ...o,
		    peerType: net.PEER_TYPE.TRIED_PEER, bucketCount: 64 })),
	}));
}
fs.writeFileSync(casesOut, cases.join('\n') + '\n');
fs.writeFileSync(expOut, exp.join('\n') + '\n');
