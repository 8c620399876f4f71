#!/usr/bin/env python3
"""flood.py — many connections from one source address, for the policy
tests (issue 12).  Only for loopback tests.

Usage:
  flood.py conns HOST:PORT N SRC HOLD_MS
      N WebSocket connections from SRC (each a valid /rpc/ query with its
      own port 20000+i and nonce), each sends the SocketCluster #handshake
      and answers #1 with #2.  After HOLD_MS prints
      {"conns":N,"upgraded":U,"open":O} — O: connections not closed by
      the server — then closes them all.
  flood.py half HOST:PORT N SRC WAIT_MS
      N connections from SRC that write half an upgrade request and then
      nothing.  Prints {"half":N,"closed":C,"max_ms":M} after every one is
      closed by the server or WAIT_MS passed.
File descriptors: N sockets at once (the caller keeps N under ulimit -n).
"""
import json
import select
import socket
import sys
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
from wsclient import HANDSHAKE, frame, frames, upgrade  # noqa: E402


def opcodes(buf):
    """Opcodes of the whole server frames in buf ('ping' for a #1 text),
    and the rest."""
    fs, buf = frames(buf)
    return ['ping' if op == 1 and p == b'#1' else op for op, p in fs], buf


def dial(host, port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect((host, port))
    return s


def reads(live, end):
    """(socket, data) as the sockets of the set live give it, until end
    (time.time()) or until live is empty (the caller takes sockets out);
    data is b'' when a socket was closed or failed."""
    while live and time.time() < end:
        r, _, _ = select.select(list(live), [], [], 0.2)
        for s in r:
            try:
                d = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b''
            yield s, d


def head(host, port, i):
    return upgrade(host, port,
                   '/rpc/?networkVersion=1.0&chainID=10000000&nonce=%016x'
                   '&advertiseAddress=false&port=%d'
                   % (0xf100d0000 + i, 20000 + i))


def conns(host, port, n, src, hold):
    socks = []
    upgraded = 0
    for i in range(n):
        try:
            s = dial(host, port, src)
            s.sendall(head(host, port, i))
            buf = b''
            while b'\r\n\r\n' not in buf:
                d = s.recv(4096)
                if not d:
                    break
                buf += d
            if buf.startswith(b'HTTP/1.1 101'):
                upgraded += 1
                s.sendall(frame(1, HANDSHAKE))
                s.setblocking(False)
                socks.append(s)
            else:
                s.close()
        except OSError:
            pass
    open_ = set(socks)
    bufs = {}
    for s, d in reads(open_, time.time() + hold / 1000):
        if not d:
            open_.discard(s)
            continue
        bufs[s] = bufs.get(s, b'') + d
        ops, bufs[s] = opcodes(bufs[s])
        if 8 in ops:                        # a close frame
            open_.discard(s)
        elif 'ping' in ops:
            try:
                s.send(frame(1, b'#2'))
            except OSError:
                pass
    print(json.dumps({'conns': n, 'upgraded': upgraded, 'open': len(open_)}))
    sys.stdout.flush()
    for s in socks:
        s.close()


def half(host, port, n, src, wait):
    t0 = time.time()
    socks = {}
    for i in range(n):
        try:
            s = dial(host, port, src)
            s.sendall(head(host, port, i)[:60])
            s.setblocking(False)
            socks[s] = None
        except OSError:
            pass
    closed = 0
    max_ms = 0
    live = set(socks)
    for s, d in reads(live, t0 + wait / 1000):
        if not d:
            live.discard(s)
            closed += 1
            max_ms = max(max_ms, int((time.time() - t0) * 1000))
    print(json.dumps({'half': len(socks), 'closed': closed,
                      'max_ms': max_ms}))
    sys.stdout.flush()
    for s in socks:
        s.close()


def main():
    mode, hp, n, src, ms = sys.argv[1:6]
    host, port = hp.rsplit(':', 1)
    if mode == 'conns':
        conns(host, int(port), int(n), src, int(ms))
    elif mode == 'half':
        half(host, int(port), int(n), src, int(ms))
    else:
        sys.exit('flood.py: unknown mode ' + mode)


main()
