#!/usr/bin/env python3
"""scrape.py HOST PORT RATE SECONDS PROCS — GET /metrics RATE times a second
for SECONDS, spread over PROCS processes; prints "ok sent seconds"."""
import socket, sys, time, multiprocessing as mp
host, port, rate, secs, procs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
def worker(k, q):
    ok = n = 0
    per = rate / procs
    start = time.time()
    total = int(per * secs)
    for i in range(total):
        d = start + i / per - time.time()
        if d > 0: time.sleep(d)
        n += 1
        try:
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            b = b""
            while True:
                c = s.recv(65536)
                if not c: break
                b += c
            s.close()
            ok += b.startswith(b"HTTP/1.1 200")
        except OSError:
            pass
    q.put((ok, n))
q = mp.Queue()
t0 = time.time()
ps = [mp.Process(target=worker, args=(k, q)) for k in range(procs)]
for p in ps: p.start()
res = [q.get() for p in ps]
for p in ps: p.join()
print(sum(r[0] for r in res), sum(r[1] for r in res), round(time.time() - t0, 1))
