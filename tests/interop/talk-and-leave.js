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
const { out, args, serve } = require('./fake-server');

const [host, port] = args(2, 'talk-and-leave.js HOST PORT');

serve(host, port, 'talker', {
	connection: c => out({ connection: c.n }),
	handshake: c => c.ws.send(JSON.stringify({ event: 'remote-message',
	    data: { event: 'postBlock',
	    data: Buffer.from('hello block').toString('base64') } })),
	request: c => c.ws.close(1000, 'leaving'),
});
