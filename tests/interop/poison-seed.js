#!/usr/bin/env node
'use strict';
/*
 * poison-seed.js — a seed peer that spreads fake addresses (issue 12): every
 * getPeers is answered with 200 peers nobody runs (127.74.R.1..200, port
 * 20000 + R for reply R), for the first REPLIES replies (default 5: 1,000
 * fakes), then with an empty list.  nodeInfo: chain 10000000, version 1.0.
 *
 * Usage: node tests/interop/poison-seed.js HOST PORT [REPLIES]
 * stdout: {"ready":PORT}, then {"getPeers":N,"sent":K} per reply.
 */
const path = require('path');

const REF = process.env.LISK_REF_NODE_MODULES || path.join(__dirname, 'node_modules');
const WebSocket = require(path.join(REF, 'ws'));
const { codec } = require(path.join(REF, '@liskhq/lisk-codec'));

const [host, port, replies] = process.argv.slice(2);
if (!host || !port) {
	process.stderr.write('usage: poison-seed.js HOST PORT [REPLIES]\n');
	process.exit(2);
}
const MAX = Number(replies || 5);
const peerInfo = { $id: '/poison/peerInfo', type: 'object', properties: {
	ipAddress: { dataType: 'string', fieldNumber: 1 },
	port: { dataType: 'uint32', fieldNumber: 2 } } };
const resp = { $id: '/poison/peers', type: 'object', properties: {
	peers: { type: 'array', fieldNumber: 1, items: { dataType: 'bytes' } } } };
const GOOD = Buffer.from('0a04100000001203312e301a10' +
    Buffer.from('90150e5eed0abcde').toString('hex') + '2001', 'hex');
const out = o => process.stdout.write(JSON.stringify(o) + '\n');
let asked = 0;

function peersReply() {
	const r = ++asked;
	const peers = [];

	if (r <= MAX)
		for (let i = 1; i <= 200; i++)
			peers.push(codec.encode(peerInfo,
			    { ipAddress: `127.74.${r}.${i}`, port: 20000 + r }));
	out({ getPeers: r, sent: peers.length });
	return codec.encode(resp, { peers }).toString('base64');
}

const wss = new WebSocket.Server({ host, port: Number(port), path: '/rpc/' });
wss.on('listening', () => out({ ready: wss.address().port }));
wss.on('connection', ws => {
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
		if (o.event === '#handshake')
			ws.send(JSON.stringify({ rid: o.cid, data: { id: 'poison',
			    pingTimeout: 20000, isAuthenticated: false } }));
		else if (o.event === 'rpc-request' && o.data &&
		    o.data.procedure === 'getNodeInfo')
			ws.send(JSON.stringify({ rid: o.cid,
			    data: { data: GOOD.toString('base64') } }));
		else if (o.event === 'rpc-request' && o.data &&
		    o.data.procedure === 'getPeers')
			ws.send(JSON.stringify({ rid: o.cid,
			    data: { data: peersReply() } }));
		else if (o.event === 'rpc-request')
			ws.send(JSON.stringify({ rid: o.cid, data: { data: '' } }));
	});
});
process.on('SIGTERM', () => process.exit(0));
