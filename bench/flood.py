#!/usr/bin/env python3
"""flood.py — bench/run.sh's flood rows (issue 9): p2p-node, the reference
and the bare libuv+wslay sink (bench/sink.c) on the same flood, in the same
run.  Not a test: it prints numbers, nothing passes or fails.

    flood.py NODE LOADGEN SINK REF_NODE_JS OUTDIR [N]

Scenarios (each program in turn, one at a time):
  one peer    loadgen raw N 100 from one connection, program | cat >file
  ten peers   ten loadgen raw N/10 100 at once, from 127.33.0.1..10
  stalled     one peer at RATE msgs/s for STALL+2 s; the reader (cat) is
              stopped (SIGSTOP) for STALL s after the first second

Per run: printed (lines with "bench"), dropped (sum of DROPPED counts),
printed msgs/s = printed / (time the output last grew - time it first
grew, polled every 20 ms; the sink: its first to last message), CPU us per printed message (utime+stime of the program over the
run / printed), peak RSS (VmHWM), and whether every flooding peer kept
its connection (the loadgens exit 0: never stalled 5 s, never closed).
"""
import os
import signal
import socket
import subprocess
import sys
import time

NODE, LOADGEN, SINK, REFJS, OUT = sys.argv[1:6]
N = int(sys.argv[6]) if len(sys.argv) > 6 else 300000
STALL = int(os.environ.get("FLOOD_STALL", "10"))
RATE = int(os.environ.get("FLOOD_RATE", "20000"))
TICK = os.sysconf("SC_CLK_TCK")


def port(ip):
    s = socket.socket()
    s.bind((ip, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / TICK


def hwm(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1])
    return 0


def count(path):
    printed = dropped = 0
    with open(path, "rb") as f:
        for line in f:
            if b'"bench"' in line:
                printed += 1
            elif b'"DROPPED"' in line:
                dropped += int(line.split(b'"count":')[1].split(b"}")[0])
    return printed, dropped


def start(kind, ip, p, tag):
    """The program under test, its stdout into cat >file: (proc, cat, file)."""
    path = "%s/%s.out" % (OUT, tag)
    if kind == "c":
        cmd = [NODE, "--chain-id", "10000000", "--listen", "%s:%d" % (ip, p),
               "-b", "%s/%s.book" % (OUT, tag), "--max-message-rate",
               "1000000", "--max-inbound", "120"]
    else:
        cmd = ["node", REFJS, "--host", ip, "--port", str(p),
               "--max-inbound", "120", "--ws-max-message-rate", "100000000"]
    pr = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=open("%s/%s.err" % (OUT, tag), "w"))
    out = open(path, "wb")
    cat = subprocess.Popen(["cat"], stdin=pr.stdout, stdout=out)
    pr.stdout.close()
    want = b"STARTED" if kind == "c" else b'"ready"'
    for _ in range(200):
        if os.path.exists(path) and want in open(path, "rb").read(4096):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    return pr, cat, path


def loadgens(ip, p, peers, n, rate=0):
    procs = []
    for i in range(peers):
        env = dict(os.environ, LOADGEN_SRC="127.33.0.%d" % (i + 1))
        args = [LOADGEN, ip, str(p), "raw", str(n // peers), "100"]
        if rate:
            args.append(str(rate))
        procs.append(subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
    return procs


def settle(path, t0, base, want, idle=1.5, give_up=10, limit=300):
    """Wait until the file holds want events (printed + dropped) or stops
    growing for give_up s: (time of first growth past base, of the last).
    The reference pauses for its garbage collector: a short quiet spell
    is not the end."""
    last, t_last, t_first, counted = -1, time.monotonic(), None, -1
    while time.monotonic() - t0 < limit:
        sz = os.path.getsize(path)
        now = time.monotonic()
        if t_first is None and sz > base:
            t_first = now
        if sz != last:
            last, t_last = sz, now
        elif now - t_last > idle and t_first is not None:
            if counted != sz:
                counted = sz
                if sum(count(path)) >= want:
                    break
            if now - t_last > give_up:
                break
        time.sleep(0.02)
    return (t_first or t0), t_last


def run(kind, peers, stall=False):
    ip = "127.30.252.%d" % (1 if kind == "c" else 2)
    p = port(ip)
    tag = "%s-%d%s" % (kind, peers, "-stall" if stall else "")
    pr, cat, path = start(kind, ip, p, tag)
    c0 = cpu(pr.pid)
    base = os.path.getsize(path)
    t0 = time.monotonic()
    if stall:
        gens = loadgens(ip, p, 1, RATE * (STALL + 2), RATE)
        time.sleep(1)
        cat.send_signal(signal.SIGSTOP)
        time.sleep(STALL)
        cat.send_signal(signal.SIGCONT)
    else:
        gens = loadgens(ip, p, peers, N)
    sent = RATE * (STALL + 2) if stall else N // peers * peers
    t_first, t_end = settle(path, t0, base, sent)
    kept = all(g.wait(timeout=600) == 0 for g in gens)
    c1 = cpu(pr.pid)
    peak = hwm(pr.pid)
    pr.send_signal(signal.SIGTERM)
    try:
        pr.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pr.kill()
        pr.wait()
    cat.wait(timeout=10)
    printed, dropped = count(path)
    return {"printed": printed, "dropped": dropped, "sent": sent,
            "rate": printed / max(t_end - t_first, 1e-3),
            "us": (c1 - c0) * 1e6 / printed if printed else 0,
            "rss": peak, "kept": kept}


def bare():
    ip = "127.30.252.3"
    p = port(ip)
    sk = subprocess.Popen([SINK, ip, str(p), str(N)], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True)
    sk.stdout.readline()		# listening
    c0 = cpu(sk.pid)
    g = loadgens(ip, p, 1, N)[0]
    g.wait(timeout=600)
    line = sk.stdout.readline()
    _, _, ru = os.wait4(sk.pid, 0)	# the sink exits once it has N
    sk.returncode = 0
    c1 = ru.ru_utime + ru.ru_stime
    peak = ru.ru_maxrss
    import json
    r = json.loads(line) if line else {"received": 0, "msgs_per_s": 0}
    return {"printed": r["received"], "dropped": 0, "sent": N,
            "rate": r["msgs_per_s"],
            "us": (c1 - c0) * 1e6 / r["received"] if c1 and r["received"]
            else 0, "rss": peak, "kept": True}


def row(name, r):
    print("%-24s %9d %9d %9d %11.0f %8.2f %9d %5s" % (
        name, r["sent"], r["printed"], r["dropped"], r["rate"], r["us"],
        r["rss"], "yes" if r["kept"] else "NO"))
    sys.stdout.flush()


print("flood (%d msgs of 100 B; stalled: %d msgs/s, reader stopped %d s), "
      "load average %s" % (N, RATE, STALL,
                           open("/proc/loadavg").read().split()[0]))
print("%-24s %9s %9s %9s %11s %8s %9s %5s" % (
    "run", "sent", "printed", "dropped", "printed/s", "cpu us", "peak KiB",
    "kept"))
res = {}
for name, fn in (("one peer, bare sink", bare),
                 ("one peer, p2p-node", lambda: run("c", 1)),
                 ("one peer, reference", lambda: run("r", 1)),
                 ("ten peers, p2p-node", lambda: run("c", 10)),
                 ("ten peers, reference", lambda: run("r", 10)),
                 ("stalled, p2p-node", lambda: run("c", 1, True)),
                 ("stalled, reference", lambda: run("r", 1, True))):
    res[name] = fn()
    row(name, res[name])
b = res["one peer, bare sink"]["rate"]
c = res["one peer, p2p-node"]["rate"]
r = res["one peer, reference"]["rate"]
print("one peer: p2p-node/bare %.2f, p2p-node/reference %.2f; "
      "ten peers: p2p-node/reference %.2f; load average now %s" % (
          c / b if b else 0, c / r if r else 0,
          res["ten peers, p2p-node"]["rate"] /
          max(res["ten peers, reference"]["rate"], 1),
          open("/proc/loadavg").read().split()[0]))
