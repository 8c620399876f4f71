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
const { REF, out, nodeInfo, args, serve } = require('./fake-server');
const { codec } = require(path.join(REF, '@liskhq/lisk-codec'));

const [host, port, replies] = args(2, 'poison-seed.js HOST PORT [REPLIES]');
const MAX = Number(replies || 5);
const peerInfo = { $id: '/poison/peerInfo', type: 'object', properties: {
	ipAddress: { dataType: 'string', fieldNumber: 1 },
	port: { dataType: 'uint32', fieldNumber: 2 } } };
const resp = { $id: '/poison/peers', type: 'object', properties: {
	peers: { type: 'array', fieldNumber: 1, items: { dataType: 'bytes' } } } };
const GOOD = nodeInfo('90150e5eed0abcde');
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

serve(host, port, 'poison', {
	request: (c, procedure, req) => {
		if (procedure === 'getNodeInfo')
			c.reply(req, { data: GOOD.toString('base64') });
		else if (procedure === 'getPeers')
			c.reply(req, { data: peersReply() });
		else
			c.reply(req, { data: '' });
	},
});
