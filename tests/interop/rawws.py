#!/usr/bin/env python3
"""rawws.py — a deliberately naive WebSocket client for rejection tests.

Usage: rawws.py HOST:PORT [options] [ACTION...]
  --path TARGET      request target (default: a valid /rpc/ query, chain
                     10000000, version 1.0, random nonce, port 5999)
  --chain HEX --version V --port N --nonce HEX   query fields
  --head TEXT        send TEXT (\\r\\n escapes allowed) as the whole head
  --wait MS          after the actions, read for MS (default 1500)
  --repeat N         do it all N times, one connection after the other
  --local            first print {"local":PORT}, our ephemeral port
Actions, in order, after the upgrade:
  text:STRING        send a masked text frame
  frag:STRING        the same as a text frame and a continuation frame
  handshake          send the SocketCluster #handshake
  ping               send a WebSocket ping control frame
  big:N              send a frame header announcing N bytes, then 1 KiB
  sleep:MS           pause
  reset              close the connection with a TCP reset (and stop)
Prints one JSON line per event: {"http":STATUS,"head":...},
{"frame":opcode,"text":...}, {"close":CODE}, {"eof":true}.
Exit status 0.  Only for loopback tests.
"""
import json
import os
import socket
import struct
import sys
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
from wsclient import HANDSHAKE, frame, frames, upgrade  # noqa: E402


def out(o):
    sys.stdout.write(json.dumps(o) + '\n')
    sys.stdout.flush()


def main():
    args = sys.argv[1:]
    host, port = args.pop(0).rsplit(':', 1)
    q = {'chain': '10000000', 'version': '1.0', 'port': '5999',
         'nonce': os.urandom(8).hex()}
    path = head = None
    wait = 1.5
    repeat = 1
    local = False
    actions = []
    while args:
        a = args.pop(0)
        if a in ('--chain', '--version', '--port', '--nonce'):
            q[a[2:]] = args.pop(0)
        elif a == '--path':
            path = args.pop(0)
        elif a == '--head':
            head = args.pop(0).encode().decode('unicode_escape').encode('latin1')
        elif a == '--wait':
            wait = int(args.pop(0)) / 1000
        elif a == '--repeat':
            repeat = int(args.pop(0))
        elif a == '--local':
            local = True
        else:
            actions.append(a)
    if path is None:
        path = ('/rpc/?networkVersion=%s&chainID=%s&nonce=%s'
                '&advertiseAddress=false&port=%s' %
                (q['version'], q['chain'], q['nonce'], q['port']))
    for _ in range(repeat):
        once(host, port, path, head, actions, wait, local)


def once(host, port, path, head, actions, wait, local=False):
    s = socket.create_connection((host, int(port)), timeout=5)
    if local:
        out({'local': s.getsockname()[1]})
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if head is None:
        head = upgrade(host, port, path)
    s.sendall(head)
    buf = b''
    try:
        while b'\r\n\r\n' not in buf:
            d = s.recv(65536)
            if not d:
                out({'eof': True})
                return
            buf += d
    except (socket.timeout, ConnectionResetError):
        out({'eof': True})
        return
    h, buf = buf.split(b'\r\n\r\n', 1)
    status = int(h.split(b' ')[1])
    out({'http': status, 'head': h.decode('latin1')})
    if status != 101:
        return
    try:
        for a in actions:
            if a == 'handshake':
                s.sendall(frame(1, HANDSHAKE))
            elif a == 'ping':
                s.sendall(frame(9, b''))
            elif a.startswith('frag:'):
                b = a[5:].encode()
                h = len(b) // 2
                s.sendall(frame(1, b[:h], fin=False))
                time.sleep(0.05)
                s.sendall(frame(0, b[h:]))
            elif a.startswith('text:'):
                s.sendall(frame(1, a[5:].encode()))
            elif a.startswith('big:'):
                s.sendall(frame(1, b'x' * 1024, int(a[4:]))[:14 + 1024])
            elif a.startswith('sleep:'):
                time.sleep(int(a[6:]) / 1000)
            elif a == 'reset':
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack('ii', 1, 0))
                s.close()
                out({'reset': True})
                return
    except (BrokenPipeError, ConnectionResetError):
        pass
    end = time.time() + wait
    while time.time() < end:
        s.settimeout(max(0.001, min(0.1, end - time.time())))
        try:
            d = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            d = b''
        if not d:
            out({'eof': True})
            return
        fs, buf = frames(buf + d)
        for op, p in fs:
            if op == 8:
                code = struct.unpack('>H', p[:2])[0] if len(p) >= 2 else 1005
                out({'close': code})
            else:
                out({'frame': op, 'text': p.decode('utf-8', 'replace')})
    out({'timeout': True})


main()
