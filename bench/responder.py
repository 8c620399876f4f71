#!/usr/bin/env python3
# responder.py IN — reads p2p-node's stdout on stdin and answers every
# request it reports: a respond command echoing the data, written to the
# node's stdin (the FIFO IN).  How an application drives p2p-node.
import json, sys
w = open(sys.argv[1], 'w', buffering=1)
for line in sys.stdin:
    if '"requestId"' not in line:
        continue
    ev = json.loads(line)
    w.write(json.dumps({"op": "respond", "requestId": ev["requestId"],
                        "data": ev.get("data")}) + "\n")
