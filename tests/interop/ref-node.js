#!/usr/bin/env node
'use strict';
/*
 * ref-node.js — a reference lisk-p2p 0.10 node for the interop tests.
 *
 * Usage:
 *   node tests/interop/ref-node.js --host 127.x.y.z --port N
 *       [--chain-id HEX] [--network-version V] [--seed H:P]...
 *       [--fixed H:P]... [--max-inbound N] [--max-outbound N]
 *       [--respond echo|none|error|empty] [--ws-max-message-rate N]
 *       [--rate-interval MS] [--no-advertise] [--populator-interval MS]
 *       [--lisk-core] [--peer-ban-time MS] [--seed-interval MS]
 *       [--shuffle-interval MS]
 *
 * Defaults: chain ID 10000000, network version 1.0, respond echo,
 * max-inbound 100, max-outbound 20, the reference's other defaults.
 * --lisk-core: the Lisk SDK 6 nodeInfo options schema (customNodeInfoSchema)
 * with initial options {height 0, ...}, as Lisk Core 4 nodes run.
 * The reference package comes from $LISK_REF_NODE_MODULES (default: the
 * node_modules beside this file).
 *
 * stdout: one NDJSON line per P2P event, {"type":"EVENT_...",...}, with
 * Buffers as hex; first a {"type":"ready","host","port","nonce","chainID"}
 * line once listening.  Requests received are answered according to the
 * respond mode: echo (the request's own data back), empty (no data),
 * error (error "refused by test"), none (never answered).
 *
 * stdin: NDJSON commands, each may carry "id" (echoed in the reply line
 * {"type":"REPLY","id",...}):
 *   {"op":"send","event":E,"data":HEX}      P2P.send
 *   {"op":"sendToPeer","peerId":P,"event":E,"data":HEX}
 *   {"op":"request","procedure":R,"data":HEX}
 *   {"op":"requestFromPeer","peerId":P,"procedure":R,"data":HEX}
 *   {"op":"flood","peerId":P,"event":E,"count":N}   N messages at once
 *   {"op":"respond","mode":M}               change the respond mode
 *   {"op":"applyPenalty","peerId":P,"penalty":N}
 *   {"op":"getConnectedPeers"}  {"op":"stop"}
 *   {"op":"reputations"}  the reference's own peer state: reply
 *       {"peers":[{"peerId","reputation","connected","kind"}]}, every
 *       peer in the pool (its live reputation) and every other peer-book
 *       entry that has internal state; "banned": the banned IPs
 * EOF on stdin does not stop the node (SIGTERM or "stop" does).
 */
const path = require('path');
const readline = require('readline');

const REF = process.env.LISK_REF_NODE_MODULES || path.join(__dirname, 'node_modules');
const { P2P, events } = require(path.join(REF, '@liskhq/lisk-p2p'));

function usage(msg) {
	process.stderr.write(`ref-node.js: ${msg}\n`);
	process.exit(2);
}

const opt = {
	host: '127.0.0.1', port: 0, chainID: '10000000', networkVersion: '1.0',
	seeds: [], fixed: [], maxInbound: 100, maxOutbound: 20, respond: 'echo',
	advertise: true,
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
	const a = argv[i];
	const val = () => {
		if (i + 1 >= argv.length) usage(`${a}: missing value`);
		return argv[++i];
	};
	const peer = s => {
		const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(s);
		if (!m) usage(`${s}: not HOST:PORT`);
		return { ipAddress: m[1], port: Number(m[2]) };
	};
	switch (a) {
	case '--host': opt.host = val(); break;
	case '--port': opt.port = Number(val()); break;
	case '--chain-id': opt.chainID = val(); break;
	case '--network-version': opt.networkVersion = val(); break;
	case '--seed': opt.seeds.push(peer(val())); break;
	case '--fixed': opt.fixed.push(peer(val())); break;
	case '--max-inbound': opt.maxInbound = Number(val()); break;
	case '--max-outbound': opt.maxOutbound = Number(val()); break;
	case '--respond': opt.respond = val(); break;
	case '--ws-max-message-rate': opt.wsMaxMessageRate = Number(val()); break;
	case '--rate-interval': opt.rateCalculationInterval = Number(val()); break;
	case '--populator-interval': opt.populatorInterval = Number(val()); break;
	case '--peer-ban-time': opt.peerBanTime = Number(val()); break;
	case '--shuffle-interval':
		opt.outboundShuffleInterval = Number(val());
		break;
	case '--seed-interval':
		opt.fallbackSeedPeerDiscoveryInterval = Number(val());
		break;
	case '--no-advertise': opt.advertise = false; break;
	case '--lisk-core': opt.liskCore = true; break;
	default: usage(`${a}: unknown option`);
	}
}
if (!opt.port) usage('--port is required');

function plain(v, depth = 0) {
	if (depth > 6) return null;
	if (Buffer.isBuffer(v)) return v.toString('hex');
	if (v instanceof Error) {
		const o = { error: v.message, name: v.name };
		for (const k of Object.keys(v)) o[k] = plain(v[k], depth + 1);
		return o;
	}
	if (v instanceof Map) return undefined;
	if (Array.isArray(v)) return v.map(x => plain(x, depth + 1));
	if (v && typeof v === 'object') {
		const o = {};
		for (const k of Object.keys(v)) {
			if (typeof v[k] === 'function' || k === 'internalState') continue;
			o[k] = plain(v[k], depth + 1);
		}
		return o;
	}
	return v;
}

function out(o) {
	process.stdout.write(JSON.stringify(o) + '\n');
}

const config = {
	port: opt.port,
	hostIp: opt.host,
	nodeInfo: {
		chainID: Buffer.from(opt.chainID, 'hex'),
		networkVersion: opt.networkVersion,
		nonce: '',
		advertiseAddress: opt.advertise,
		options: {},
	},
	seedPeers: opt.seeds,
	fixedPeers: opt.fixed,
	maxInboundConnections: opt.maxInbound,
	maxOutboundConnections: opt.maxOutbound,
};
if (opt.liskCore) {
	config.customNodeInfoSchema = {
		$id: '/nodeInfo/custom', type: 'object',
		required: ['height', 'blockVersion', 'lastBlockID', 'maxHeightPrevoted', 'legacy'],
		properties: {
			height: { dataType: 'uint32', fieldNumber: 1 },
			maxHeightPrevoted: { dataType: 'uint32', fieldNumber: 2 },
			blockVersion: { dataType: 'uint32', fieldNumber: 3 },
			lastBlockID: { dataType: 'bytes', fieldNumber: 4 },
			legacy: { type: 'array', fieldNumber: 5, items: { dataType: 'bytes' } },
		},
	};
	config.nodeInfo.options = { height: 0, maxHeightPrevoted: 0, blockVersion: 0,
		lastBlockID: Buffer.alloc(0), legacy: [] };
}
if (opt.wsMaxMessageRate) config.wsMaxMessageRate = opt.wsMaxMessageRate;
if (opt.rateCalculationInterval) config.rateCalculationInterval = opt.rateCalculationInterval;
if (opt.populatorInterval) config.populatorInterval = opt.populatorInterval;
if (opt.peerBanTime) config.peerBanTime = opt.peerBanTime;
if (opt.outboundShuffleInterval)
	config.outboundShuffleInterval = opt.outboundShuffleInterval;
if (opt.fallbackSeedPeerDiscoveryInterval)
	config.fallbackSeedPeerDiscoveryInterval = opt.fallbackSeedPeerDiscoveryInterval;

const p2p = new P2P(config);

for (const name of Object.keys(events)) {
	if (!name.startsWith('EVENT_')) continue;
	p2p.on(events[name], payload => {
		const line = { type: name };
		if (name === 'EVENT_REQUEST_RECEIVED') {
			line.procedure = payload.procedure;
			line.peerId = payload.peerId;
			line.rate = payload.rate;
			if (payload.data !== undefined) line.data = payload.data.toString('hex');
			out(line);
			if (payload.wasResponseSent) return;
			switch (opt.respond) {
			case 'echo': payload.end(payload.data); break;
			case 'empty': payload.end(); break;
			case 'error': payload.error(new Error('refused by test')); break;
			default: break;
			}
			return;
		}
		if (typeof payload === 'string') line.peerId = payload;
		else if (payload !== undefined) Object.assign(line, { payload: plain(payload) });
		out(line);
	});
}

async function command(c) {
	const reply = x => out({ type: 'REPLY', id: c.id, op: c.op, ...x });
	const buf = h => (h === undefined ? undefined : Buffer.from(h, 'hex'));
	try {
		switch (c.op) {
		case 'send':
			p2p.send({ event: c.event, data: buf(c.data) });
			reply({});
			break;
		case 'sendToPeer':
			p2p.sendToPeer({ event: c.event, data: buf(c.data) }, c.peerId);
			reply({});
			break;
		case 'request': {
			const r = await p2p.request({ procedure: c.procedure, data: buf(c.data) });
			reply({ peerId: r.peerId, data: r.data === undefined ? null : r.data.toString('hex') });
			break;
		}
		case 'requestFromPeer': {
			const r = await p2p.requestFromPeer({ procedure: c.procedure, data: buf(c.data) }, c.peerId);
			reply({ peerId: r.peerId, data: r.data === undefined ? null : r.data.toString('hex') });
			break;
		}
		case 'flood':
			for (let i = 0; i < c.count; i++)
				p2p.sendToPeer({ event: c.event }, c.peerId);
			reply({});
			break;
		case 'respond':
			opt.respond = c.mode;
			reply({});
			break;
		case 'applyPenalty':
			p2p.applyPenalty({ peerId: c.peerId, penalty: c.penalty });
			reply({});
			break;
		case 'getConnectedPeers':
			reply({ peers: p2p.getConnectedPeers().map(p => plain(p)) });
			break;
		case 'reputations': {
			/* private fields of the reference: tests only */
			const peers = [];
			const seen = new Set();
			for (const p of p2p._peerPool.getPeers()) {
				seen.add(p.id);
				peers.push({ peerId: p.id, reputation: p.internalState.reputation,
					connected: true, kind: p.constructor.name });
			}
			for (const p of p2p._peerBook.allPeers) {
				if (seen.has(p.peerId) || !p.internalState) continue;
				peers.push({ peerId: p.peerId, reputation: p.internalState.reputation,
					connected: false, kind: 'book' });
			}
			reply({ peers, banned: [...p2p._peerBook.bannedIPs] });
			break;
		}
		case 'stop':
			await stop();
			break;
		default:
			reply({ error: `unknown op ${c.op}` });
		}
	} catch (e) {
		reply({ error: e.message });
	}
}

let stopping = false;
async function stop() {
	if (stopping) return;
	stopping = true;
	try { await p2p.stop(); } catch (e) { /* already stopped */ }
	out({ type: 'stopped' });
	process.exit(0);
}

process.on('SIGTERM', stop);
process.on('SIGINT', stop);

(async () => {
	await p2p.start();
	out({ type: 'ready', host: opt.host, port: opt.port, nonce: p2p.nodeInfo.nonce,
		chainID: opt.chainID });
	const rl = readline.createInterface({ input: process.stdin });
	rl.on('line', l => {
		let c;
		try { c = JSON.parse(l); } catch (e) { out({ type: 'ERROR', error: e.message }); return; }
		command(c);
	});
})().catch(e => {
	process.stderr.write(`ref-node.js: ${e.stack}\n`);
	process.exit(1);
});
