#!/usr/bin/env python3
"""examples.py — the examples of the man pages and README.md, for
tests/cli/docs.bats.

  examples.py commands      one JSON line per example command:
                            {"src": "man/p2p-watch.1", "cmd": "...",
                             "jq": [filters...], "loopback": true|false}
  examples.py tour          README.md's tour as one bash script

A man page's examples are its rendered "$ " lines (mandoc, no wrapping),
continued while a line ends in a backslash or a pipe; README.md's are the lines of
its sh blocks ("$ " lines only in a block that has prompts).  An example
runs on loopback alone when it names no preset network, no Graphviz, no
compiler and no man(1).
"""
import glob
import json
import os
import re
import shlex
import subprocess
import sys

TOP = os.environ.get("LISKP2P_TOP", os.path.join(os.path.dirname(__file__),
                                                 "..", ".."))
NOT_LOOPBACK = re.compile(r"--network (mainnet|testnet|devnet)|\bdot\b|"
                          r"^cc |pkg-config|^man |^make ")


def man_commands(path):
    out = subprocess.run(["mandoc", "-Tascii", "-O", "width=1000", path],
                         capture_output=True, text=True, check=True).stdout
    out = re.sub(r".\x08", "", out)
    cmds, cur = [], None
    for line in out.split("\n"):
        s = line.strip()
        if cur is not None:
            cur += " " + s
        elif s.startswith("$ "):
            cur = s[2:]
        else:
            continue
        if cur.endswith("\\"):
            cur = cur[:-1].rstrip()
            continue
        if cur.endswith("|"):
            continue
        cmds.append(cur)
        cur = None
    return cmds


def readme_blocks(path):
    text = open(path).read()
    return [(m.start(), m.group(1)) for m in
            re.finditer(r"```sh\n(.*?)```", text, re.S)]


def readme_commands(path):
    cmds = []
    for _, b in readme_blocks(path):
        lines = b.rstrip("\n").split("\n")
        if any(l.startswith("$ ") for l in lines):
            lines = [l[2:] for l in lines if l.startswith("$ ")]
        cur = ""
        for l in lines:
            cur += l
            if cur.endswith("\\") or cur.rstrip().endswith("|"):
                cur = cur.rstrip("\\") + " "
                continue
            cmds.append(cur)
            cur = ""
    return cmds


def jq_filters(cmd):
    """The jq programs of a command: jq's first operand, --filter's value."""
    try:
        lex = shlex.shlex(cmd, posix=True, punctuation_chars="|;&<>")
        lex.whitespace_split = True
        toks = list(lex)
    except ValueError:
        return []
    found = []
    for i, t in enumerate(toks):
        if t == "--filter" and i + 1 < len(toks):
            found.append(toks[i + 1])
        if t == "jq":
            j = i + 1
            while j < len(toks) and toks[j].startswith("-"):
                j += 2 if toks[j] in ("--arg", "--argjson") else 1
            if j < len(toks) and toks[j] not in "|;&<>":
                found.append(toks[j])
    return found


def main():
    if sys.argv[1:] == ["commands"]:
        srcs = [(m, man_commands(m)) for m in
                sorted(glob.glob(os.path.join(TOP, "man", "*.[0-9]")))]
        srcs.append((os.path.join(TOP, "README.md"),
                     readme_commands(os.path.join(TOP, "README.md"))))
        for src, cmds in srcs:
            for c in cmds:
                print(json.dumps({
                    "src": os.path.relpath(src, TOP), "cmd": c,
                    "jq": jq_filters(c),
                    "loopback": NOT_LOOPBACK.search(c) is None}))
    elif sys.argv[1:] == ["tour"]:
        path = os.path.join(TOP, "README.md")
        text = open(path).read()
        start, end = text.index("## A tour"), text.index("\n## ", text.index("## A tour") + 1)
        for pos, b in readme_blocks(path):
            if not start < pos < end:
                continue
            lines = b.rstrip("\n").split("\n")
            if any(l.startswith("$ ") for l in lines):
                lines = [l[2:] for l in lines if l.startswith("$ ")]
            for l in lines:
                print(l)
    else:
        sys.exit("usage: examples.py commands|tour")


main()
