#!/usr/bin/env node
'use strict';
/*
 * bad-seed.js — a SocketCluster server that plays a misbehaving seed peer
 * for the seed-reputation test (WIRE.md §8.1).
 *
 * Usage: node tests/interop/bad-seed.js HOST PORT [bad-peers]
 *
 * The first connection gets a getNodeInfo reply that does not decode
 * (penalty 100: the dialler bans us).  Every later connection gets a
 * valid nodeInfo (chain 10000000, version 1.0), and then we ask the
 * dialler for getNodeInfo twice: the second one costs us a penalty of 10.
 * With bad-peers, every connection gets the valid nodeInfo, nothing more,
 * and a getPeers answer whose one entry has the IP 999.1.1.1 (an invalid
 * peer list: penalty 100).
 * stdout: {"ready":PORT}, then {"connection":N} per connection and
 * {"close":N,"code":C} when it ends.
 */
const path = require('path');

const REF = process.env.LISK_REF_NODE_MODULES || path.join(__dirname, 'node_modules');
const WebSocket = require(path.join(REF, 'ws'));

const [host, port, mode] = process.argv.slice(2);
const badPeers = mode === 'bad-peers';
if (!host || !port) {
	process.stderr.write('usage: bad-seed.js HOST PORT\n');
	process.exit(2);
}
/* chainID 10000000, networkVersion "1.0", a nonce, advertiseAddress */
const GOOD = Buffer.from('0a04100000001203312e301a10' +
    Buffer.from('b4d5eed0123456ab').toString('hex') + '2001', 'hex');
const out = o => process.stdout.write(JSON.stringify(o) + '\n');
/* peerRequestResponse {peers: [peerInfo {ipAddress: "999.1.1.1", port: 5}]} */
const BAD_LIST = (() => {
	const ip = Buffer.from('999.1.1.1');
	const info = Buffer.concat([Buffer.from([0x0a, ip.length]), ip,
	    Buffer.from([0x10, 5])]);
	return Buffer.concat([Buffer.from([0x0a, info.length]), info]);
})();
let conns = 0;

const wss = new WebSocket.Server({ host, port: Number(port), path: '/rpc/' });
wss.on('listening', () => out({ ready: wss.address().port }));
wss.on('connection', ws => {
	const n = ++conns;
	let cid = 1000;
	out({ connection: n });
	ws.on('close', code => out({ close: n, code }));
	ws.on('error', () => {});
	ws.on('message', m => {
		let o;

		m = m.toString();
		if (m === '#1') {
			ws.send('#2');
			return;
		}
		try {
			o = JSON.parse(m);
		} catch (e) {
			return;
		}
		if (o.event === '#handshake') {
			ws.send(JSON.stringify({ rid: o.cid, data: { id: 'bad-seed',
			    pingTimeout: 20000, isAuthenticated: false } }));
		} else if (o.event === 'rpc-request' && o.data &&
		    o.data.procedure === 'getNodeInfo') {
			const bad = n === 1 && !badPeers;
			const data = bad ? 'garbage!' : GOOD.toString('base64');
			ws.send(JSON.stringify({ rid: o.cid, data: { data } }));
			if (bad || badPeers)
				return;
			for (let i = 0; i < 2; i++)
				ws.send(JSON.stringify({ event: 'rpc-request',
				    data: { procedure: 'getNodeInfo' }, cid: ++cid }));
		} else if (o.event === 'rpc-request' && badPeers &&
		    o.data && o.data.procedure === 'getPeers') {
			ws.send(JSON.stringify({ rid: o.cid,
			    data: { data: BAD_LIST.toString('base64') } }));
		} else if (o.event === 'rpc-request') {
			ws.send(JSON.stringify({ rid: o.cid, data: { data: '' } }));
		}
	});
});
process.on('SIGTERM', () => process.exit(0));
