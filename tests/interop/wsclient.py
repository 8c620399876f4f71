"""wsclient.py — the WebSocket client pieces rawws.py and flood.py share:
masked client frames, the upgrade request, and the server frames cut
out of what was read.  Only for loopback tests.
"""
import os
import struct

# the SocketCluster #handshake a client sends first
HANDSHAKE = b'{"event":"#handshake","data":{"authToken":null},"cid":1}'


def frame(opcode, payload, length=None, fin=True):
    """A masked client frame; length announces another payload length."""
    mask = os.urandom(4)
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack('>H', n)
    else:
        head += bytes([0x80 | 127]) + struct.pack('>Q', n)
    body = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
    return head + mask + body


def upgrade(host, port, path):
    """The HTTP upgrade request for path on host:port."""
    return ('GET %s HTTP/1.1\r\nSec-WebSocket-Version: 13\r\n'
            'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
            'Connection: Upgrade\r\nUpgrade: websocket\r\n'
            'Host: %s:%s\r\n\r\n' % (path, host, port)).encode()


def frames(buf):
    """The whole (unmasked) server frames in buf as (opcode, payload)
    pairs, and the rest of buf."""
    out = []
    while len(buf) >= 2:
        n = buf[1] & 127
        off = 2
        if n == 126:
            if len(buf) < 4:
                break
            n = struct.unpack('>H', buf[2:4])[0]
            off = 4
        elif n == 127:
            if len(buf) < 10:
                break
            n = struct.unpack('>Q', buf[2:10])[0]
            off = 10
        if len(buf) < off + n:
            break
        out.append((buf[0] & 15, buf[off:off + n]))
        buf = buf[off + n:]
    return out, buf
