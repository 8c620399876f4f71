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
const { out, nodeInfo, args, serve } = require('./fake-server');

const USAGE = 'misbehave-seed.js HOST PORT peers-nodata|ping';
const [host, port, mode] = args(3, USAGE);
if (!['peers-nodata', 'ping'].includes(mode)) {
	process.stderr.write('usage: ' + USAGE + '\n');
	process.exit(2);
}
const GOOD = nodeInfo('c4d5eed0123456ab');

serve(host, port, 'misbehave', {
	connection: c => out({ connection: c.n }),
	request: (c, procedure, req) => {
		if (procedure === 'getNodeInfo') {
			c.reply(req, { data: GOOD.toString('base64') });
			if (mode === 'ping')
				setTimeout(() => c.ws.ping(), 200);
		} else if (procedure === 'getPeers') {
			c.reply(req, mode === 'ping' ? { data: '' } : {});
		} else {
			c.reply(req, { data: '' });
		}
	},
});
