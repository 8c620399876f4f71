#!/usr/bin/env node
'use strict';
/*
 * misbehave-seed.js — a SocketCluster server playing a seed that earns
 * the dialler's penalties, for the PENALTY line tests.
 *
 * Usage: node tests/interop/misbehave-seed.js HOST PORT MODE
 *   peers-nodata   a valid nodeInfo, then a getPeers reply without data
 *                  (invalidPeerList, 100)
 *   ping           a valid nodeInfo, then a WebSocket ping control frame
 *                  (controlFrame, 100)
 * stdout: {"ready":PORT}, then {"connection":N} per connection.
 */
const path = require('path');

const REF = process.env.LISK_REF_NODE_MODULES || path.join(__dirname, 'node_modules');
const WebSocket = require(path.join(REF, 'ws'));

const [host, port, mode] = process.argv.slice(2);
if (!host || !port || !['peers-nodata', 'ping'].includes(mode)) {
	process.stderr.write('usage: misbehave-seed.js HOST PORT peers-nodata|ping\n');
	process.exit(2);
}
/* chainID 10000000, networkVersion "1.0", a nonce, advertiseAddress */
const GOOD = Buffer.from('0a04100000001203312e301a10' +
    Buffer.from('c4d5eed0123456ab').toString('hex') + '2001', 'hex');
const out = o => process.stdout.write(JSON.stringify(o) + '\n');
let conns = 0;

const wss = new WebSocket.Server({ host, port: Number(port), path: '/rpc/' });
wss.on('listening', () => out({ ready: wss.address().port }));
wss.on('connection', ws => {
	out({ connection: ++conns });
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
			ws.send(JSON.stringify({ rid: o.cid, data: { id: 'misbehave',
			    pingTimeout: 20000, isAuthenticated: false } }));
		} else if (o.event === 'rpc-request' && o.data &&
		    o.data.procedure === 'getNodeInfo') {
			ws.send(JSON.stringify({ rid: o.cid,
			    data: { data: GOOD.toString('base64') } }));
			if (mode === 'ping')
				setTimeout(() => ws.ping(), 200);
		} else if (o.event === 'rpc-request' && o.data &&
		    o.data.procedure === 'getPeers') {
			ws.send(JSON.stringify({ rid: o.cid,
			    data: mode === 'ping' ? { data: '' } : {} }));
		} else if (o.event === 'rpc-request') {
			ws.send(JSON.stringify({ rid: o.cid, data: { data: '' } }));
		}
	});
});
process.on('SIGTERM', () => process.exit(0));
