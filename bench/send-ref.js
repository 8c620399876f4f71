'use strict';
// send-ref.js — the reference's own client doing what p2p-send does in
// bench/send.sh: connect to one reference node, send N echo requests of
// 32 bytes at RATE per second (0: all at once), print one JSON line
// {n, ok, secs, rps, p50, p99} (milliseconds).
//   node bench/send-ref.js HOST:PORT N RATE LOCALHOST LOCALPORT
const path = require('path');
const REF = process.env.LISK_REF_NODE_MODULES ||
    path.join(__dirname, '..', 'tests', 'interop', 'node_modules');
const { P2P, events } = require(path.join(REF, '@liskhq/lisk-p2p'));

const [target, nArg, rateArg, lhost, lport] = process.argv.slice(2);
const [host, port] = target.split(':');
const n = Number(nArg);
const rate = Number(rateArg);
const p2p = new P2P({
	port: Number(lport), hostIp: lhost, maxInboundConnections: 0,
	maxOutboundConnections: 20,
	nodeInfo: { chainID: Buffer.from('10000000', 'hex'), networkVersion: '1.0',
		nonce: '', advertiseAddress: false, options: {} },
	seedPeers: [{ ipAddress: host, port: Number(port) }],
});
const sleep = ms => new Promise(r => setTimeout(r, ms));

p2p.on(events.EVENT_CONNECT_OUTBOUND, async () => {
	const data = Buffer.alloc(32, 7);
	const rtts = [];
	let ok = 0;
	const t0 = process.hrtime.bigint();
	const one = async () => {
		const s = process.hrtime.bigint();
		try {
			await p2p.requestFromPeer({ procedure: 'echo', data }, target);
			ok++;
			rtts.push(Number(process.hrtime.bigint() - s) / 1e6);
		} catch (e) { /* counted as not ok */ }
	};
	const all = [];
	for (let i = 0; i < n; i++) {
		all.push(one());
		if (rate > 0) await sleep(1000 / rate);
	}
	await Promise.all(all);
	const secs = Number(process.hrtime.bigint() - t0) / 1e9;
	rtts.sort((a, b) => a - b);
	const q = f => rtts[Math.min(rtts.length - 1, Math.floor(f * rtts.length))];
	process.stdout.write(JSON.stringify({ n, ok, secs, rps: ok / secs,
		p50: q(0.5), p99: q(0.99) }) + '\n');
	await p2p.stop();
	process.exit(0);
});
p2p.start();
setTimeout(() => { process.stderr.write('send-ref.js: no connection\n'); process.exit(1); }, 10000);
