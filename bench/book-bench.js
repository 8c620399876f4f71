// book-bench.js — the reference's PeerBook (lisk-p2p 0.10) doing what
// book-bench.c does: fill, lookup, add to a full book, the populator's
// selection (getters, pool filter, selectPeersForConnection), send and
// request selection.  Same NDJSON lines, "bench":"book-ref".
'use strict';
const path = require('path');
const mods = process.env.LISK_REF_NODE_MODULES;
const dist = path.join(mods, '@liskhq/lisk-p2p/dist-node');
const { PeerBook } = require(path.join(dist, 'peer_book/peer_book.js'));
const select = require(path.join(dist, 'utils/select.js'));
const { ConnectionKind } = require(path.join(dist, 'constants.js'));

let s = 1;
function r32() {
	s = (s + 0x6d2b79f5) >>> 0;
	let t = s;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return (t ^ (t >>> 14)) >>> 0;
}
function report(op, n, ns) {
	console.log(JSON.stringify({ bench: 'book-ref', op, n,
	    ns_per_op: Math.round(ns / n * 10) / 10 }));
}
const now = () => Number(process.hrtime.bigint());
const book = new PeerBook({ secret: 12345, sanitizedPeerLists: {
	blacklistedIPs: [], seedPeers: [], fixedPeers: [], whitelisted: [],
	previousPeers: [] } });
function ipOf(r) {
	return `${(r >>> 24) % 223 + 1}.${(r >>> 16) & 255}.${(r >>> 8) & 255}.${r & 255}`;
}
let t = now();
const NADD = 200000;
for (let i = 0; i < NADD; i++) {
	const ip = ipOf(r32());
	const p = { peerId: `${ip}:7667`, ipAddress: ip, port: 7667,
	    sourceAddress: `${i % 211 + 1}.${i % 97}.0.1` };
	try {
		if (!book.hasPeer(p))
			book.addPeer(p);
		if (i % 2 === 0)
			book.upgradePeer(p);
	} catch (e) { /* ExistingPeerError */ }
}
report('add+upgrade (fill)', NADD, now() - t);
const all = book.allPeers;
const ids = all.map(p => p.peerId);
t = now();
for (let i = 0; i < 1000000; i++)
	if (!book.getPeer({ peerId: ids[i % ids.length] }))
		throw new Error('lost');
report('lookup', 1000000, now() - t);
t = now();
for (let i = 0; i < 100000; i++) {
	const ip = ipOf(r32());
	const p = { peerId: `${ip}:7668`, ipAddress: ip, port: 7668 };
	try {
		if (!book.hasPeer(p))
			book.addPeer(p);
	} catch (e) { }
}
report('add to a full book', 100000, now() - t);
const pool = new Set(ids.filter((_, i) => i % 97 === 0).slice(0, 20));
const N = 2000;
t = now();
for (let i = 0; i < N; i++) {
	// what the populator does each round
	const triedPeers = book.triedPeers.filter(p => !pool.has(p.peerId));
	const newPeers = book.newPeers.filter(p => !pool.has(p.peerId));
	select.selectPeersForConnection({ triedPeers, newPeers, peerLimit: 20 });
}
report('select connect (20 of full, 20 excluded)', N, now() - t);
const conn = all.slice(0, 120).map((p, i) => ({ ...p, internalState: {
	connectionKind: i < 20 ? ConnectionKind.OUTBOUND : ConnectionKind.INBOUND,
	peerKind: 'none', reputation: 100 } }));
t = now();
for (let i = 0; i < 100000; i++)
	select.selectPeersForSend({ peers: conn, peerLimit: 16 });
report('select send (16 of 120)', 100000, now() - t);
t = now();
for (let i = 0; i < 100000; i++)
	select.selectPeersForRequest({ peers: conn, peerLimit: 1 });
report('select request (1 of 120)', 100000, now() - t);
t = now();
for (let i = 0; i < 1000; i++)
	book.getRandomizedPeerList(100, 200);
report('sample 200 (getPeers reply)', 1000, now() - t);
