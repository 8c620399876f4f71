'use strict';
/*
 * fake-server.js — the SocketCluster server the fake peers share
 * (bad-seed.js, misbehave-seed.js, poison-seed.js, talk-and-leave.js).
 *
 * serve(host, port, id, handlers) listens on ws://HOST:PORT/rpc/, prints
 * {"ready":PORT} once it listens, answers the "#1" ping with "#2" and the
 * #handshake with the handshake id ID, ignores what is not JSON, and exits
 * 0 on SIGTERM.  Each handler is optional and gets the connection
 * c = {ws, n (1 for the first connection), reply(req, data)}, on which a
 * script may keep its own per-connection state:
 *   connection(c)                when the connection opens
 *   handshake(c)                 after the #handshake answer
 *   request(c, procedure, req)   per rpc-request; procedure is undefined
 *                                when the request names none
 * reply(req, data) answers the request req with {rid, data}.
 */
const path = require('path');

const REF = process.env.LISK_REF_NODE_MODULES || path.join(__dirname, 'node_modules');
const WebSocket = require(path.join(REF, 'ws'));

const out = o => process.stdout.write(JSON.stringify(o) + '\n');

/* nodeInfo: chainID 10000000, networkVersion "1.0", the 8-character
 * NONCE, advertiseAddress */
function nodeInfo(nonce) {
	return Buffer.from('0a04100000001203312e301a10' +
	    Buffer.from(nonce).toString('hex') + '2001', 'hex');
}

/* argv after the script's name, or exit 2 with USAGE when it is short */
function args(n, usage) {
	const a = process.argv.slice(2);

	if (a.length < n || a.slice(0, n).some(s => !s)) {
		process.stderr.write('usage: ' + usage + '\n');
		process.exit(2);
	}
	return a;
}

function serve(host, port, id, handlers) {
	const h = handlers || {};
	const wss = new WebSocket.Server({ host, port: Number(port), path: '/rpc/' });
	let conns = 0;

	wss.on('listening', () => out({ ready: wss.address().port }));
	wss.on('connection', ws => {
		const c = { ws, n: ++conns,
		    reply: (req, data) => ws.send(JSON.stringify({ rid: req.cid, data })) };

		if (h.connection)
			h.connection(c);
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
				c.reply(o, { id, pingTimeout: 20000, isAuthenticated: false });
				if (h.handshake)
					h.handshake(c);
			} else if (o.event === 'rpc-request' && h.request) {
				h.request(c, o.data ? o.data.procedure : undefined, o);
			}
		});
	});
	process.on('SIGTERM', () => process.exit(0));
	return wss;
}

module.exports = { REF, out, nodeInfo, args, serve };
