#!/usr/bin/env node
'use strict';
/*
 * talk-and-leave.js — a peer that says one thing and leaves before the
 * handshake ends: after the SocketCluster #handshake it sends one
 * remote-message (postBlock "hello block") and closes with 1000 when it
 * is asked getNodeInfo.  For p2p-watch's exit status (issue 10 §2).
 *
 * Usage: node tests/interop/talk-and-leave.js HOST PORT
 * stdout: {"ready":PORT}, then {"connection":N} per connection.
 */
const path = require('path');

const REF = process.env.LISK_REF_NODE_MODULES || path.join(__dirname, 'node_modules');
const WebSocket = require(path.join(REF, 'ws'));

const [host, port] = process.argv.slice(2);
if (!host || !port) {
	process.stderr.write('usage: talk-and-leave.js HOST PORT\n');
	process.exit(2);
}
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
			ws.send(JSON.stringify({ rid: o.cid, data: { id: 'talker',
			    pingTimeout: 20000, isAuthenticated: false } }));
			ws.send(JSON.stringify({ event: 'remote-message',
			    data: { event: 'postBlock',
			    data: Buffer.from('hello block').toString('base64') } }));
		} else if (o.event === 'rpc-request')
			ws.close(1000, 'leaving');
	});
});
process.on('SIGTERM', () => process.exit(0));
