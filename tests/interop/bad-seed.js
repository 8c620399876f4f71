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
const { out, nodeInfo, args, serve } = require('./fake-server');

const [host, port, mode] = args(2, 'bad-seed.js HOST PORT');
const badPeers = mode === 'bad-peers';
const GOOD = nodeInfo('b4d5eed0123456ab');
/* peerRequestResponse {peers: [peerInfo {ipAddress: "999.1.1.1", port: 5}]} */
const BAD_LIST = (() => {
	const ip = Buffer.from('999.1.1.1');
	const info = Buffer.concat([Buffer.from([0x0a, ip.length]), ip,
	    Buffer.from([0x10, 5])]);
	return Buffer.concat([Buffer.from([0x0a, info.length]), info]);
})();

serve(host, port, 'bad-seed', {
	connection: c => {
		c.cid = 1000;
		out({ connection: c.n });
		c.ws.on('close', code => out({ close: c.n, code }));
	},
	request: (c, procedure, req) => {
		if (procedure === 'getNodeInfo') {
			const bad = c.n === 1 && !badPeers;
			const data = bad ? 'garbage!' : GOOD.toString('base64');
			c.reply(req, { data });
			if (bad || badPeers)
				return;
			for (let i = 0; i < 2; i++)
				c.ws.send(JSON.stringify({ event: 'rpc-request',
				    data: { procedure: 'getNodeInfo' }, cid: ++c.cid }));
		} else if (procedure === 'getPeers' && badPeers) {
			c.reply(req, { data: BAD_LIST.toString('base64') });
		} else {
			c.reply(req, { data: '' });
		}
	},
});
