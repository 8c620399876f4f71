#!/usr/bin/env python3
"""churn.py IP PORT CHAIN SECONDS RATE — connection churn against one node.

Opens RATE connections a minute for SECONDS, each from its own loopback
source address, each one of five kinds (weights in KINDS):

  honest    upgrade, #handshake, acked; held 0.5-6 s; close frame 1000;
            waits for the node's close frame
  abrupt    upgrade, #handshake, acked; held 0.5-6 s; TCP reset (linger 0)
  wsclose   upgrade, then a close frame before any #handshake
  half      part of an upgrade request, then closed or left until the node
            ends it (at most 15 s)
  tcp       connect and close, no byte sent

Honest and abrupt peers come from 127.77.0.0/16 (one address per peer,
reused round-robin after POOL peers, so the node's book reaches a steady
size), announced port 5000, advertiseAddress true; the rest from
127.78.0.0/16.  Prints one JSON line at the end: counts per kind and
outcome.  "acked" is the number of handshakes the node accepted: every
one must appear as an EVENT_NEW_INBOUND_PEER.
"""
import json
import os
import random
import socket
import struct
import sys
import threading
import time

KINDS = [("honest", 30), ("abrupt", 20), ("wsclose", 15), ("half", 20),
         ("tcp", 15)]
POOL = 2000
MAX_THREADS = 400

ip, port, chain = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seconds, rate = float(sys.argv[4]), float(sys.argv[5])
lock = threading.Lock()
stats = {}
seq = {"good": 0, "bad": 0}


def count(key):
    with lock:
        stats[key] = stats.get(key, 0) + 1


def source(good):
    with lock:
        k = "good" if good else "bad"
        i = seq[k] % (POOL if good else 60000)
        seq[k] += 1
    return "127.%d.%d.%d" % (77 if good else 78, i // 250, i % 250 + 1)


def frame(opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    else:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    return head + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload))


def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def read_frame(s):
    h = read_exact(s, 2)
    n = h[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", read_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", read_exact(s, 8))[0]
    return h[0] & 0x0F, read_exact(s, n)


def connect(src):
    s = socket.socket()
    s.settimeout(10)
    s.bind((src, 0))
    s.connect((ip, port))
    return s


def upgrade(s, src):
    nonce = os.urandom(8).hex()
    key = __import__("base64").b64encode(os.urandom(16)).decode()
    q = ("/rpc/?networkVersion=1.0&chainID=%s&nonce=%s"
         "&advertiseAddress=true&port=5000" % (chain, nonce))
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: %s\r\n\r\n" % (q, ip, port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        c = s.recv(1)
        if not c:
            raise EOFError
        head += c
    if not head.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(head.split(b"\r\n")[0].decode())


def handshake(s):
    s.sendall(frame(1, b'{"event":"#handshake","data":{"authToken":null},'
                    b'"cid":1}'))
    while True:
        op, p = read_frame(s)
        if op == 8:
            raise ConnectionError("closed before the ack")
        if op == 1 and p.startswith(b'{"rid":1'):
            return
        if op == 1 and p == b"#1":
            s.sendall(frame(1, b"#2"))


def hold(s, secs):
    end = time.time() + secs
    s.settimeout(0.5)
    while time.time() < end:
        try:
            op, p = read_frame(s)
        except socket.timeout:
            continue
        if op == 8:
            raise ConnectionError("closed by the node while held")
        if op == 1 and p == b"#1":
            s.sendall(frame(1, b"#2"))


def run(kind):
    good = kind in ("honest", "abrupt")
    src = source(good)
    s = None
    try:
        s = connect(src)
        if kind == "tcp":
            count("tcp.done")
        elif kind == "half":
            req = (b"GET /rpc/?networkVersion=1.0&chainID=" + chain.encode() +
                   b"&nonce=" + os.urandom(8).hex().encode() +
                   b" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
            s.sendall(req[:random.randint(1, len(req))])
            if random.random() < 0.5:
                time.sleep(random.uniform(0.2, 2))
                count("half.closed")
            else:
                s.settimeout(15)
                try:
                    ended = s.recv(1) == b""
                except socket.timeout:
                    ended = False
                except OSError:
                    ended = True
                count("half.ended_by_node" if ended else "half.timeout")
        elif kind == "wsclose":
            upgrade(s, src)
            s.sendall(frame(8, struct.pack("!H", 1000)))
            count("wsclose.done")
        else:
            upgrade(s, src)
            handshake(s)
            count("acked")
            hold(s, random.uniform(0.5, 6))
            if kind == "honest":
                s.settimeout(5)
                s.sendall(frame(8, struct.pack("!H", 1000)))
                try:
                    while read_frame(s)[0] != 8:
                        pass
                    count("honest.close_answered")
                except (EOFError, OSError):
                    count("honest.close_unanswered")
            else:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
                count("abrupt.reset")
    except Exception as e:
        count("%s.failed:%s" % (kind, type(e).__name__ + (
            ":" + str(e)[:40] if isinstance(e, ConnectionError) else "")))
    finally:
        if s is not None:
            s.close()


def main():
    names = [k for k, w in KINDS for _ in range(w)]
    gap = 60.0 / rate
    t0 = time.time()
    started = 0
    while time.time() - t0 < seconds:
        due = t0 + started * gap
        now = time.time()
        if due > now:
            time.sleep(due - now)
        if threading.active_count() > MAX_THREADS:
            count("skipped.too_many_threads")
        else:
            kind = random.choice(names)
            count("started." + kind)
            threading.Thread(target=run, args=(kind,), daemon=True).start()
        started += 1
    stats["load_seconds"] = round(time.time() - t0, 1)
    deadline = time.time() + 30
    while threading.active_count() > 1 and time.time() < deadline:
        time.sleep(0.2)
    stats["threads_left"] = threading.active_count() - 1
    stats["seconds"] = round(time.time() - t0, 1)
    print(json.dumps(stats, sort_keys=True), flush=True)


main()
