#!/bin/sh
# soak.sh — tests/interop/soak.bats for real time with default timers:
# the three networks of issue 14 (a reference seed, a p2p-node seed, a
# mixed network), each left idle SOAK_SECONDS (default 3600), then every
# reference node must hold every p2p-node at 100, every p2p-node every
# peer at 100, and nobody banned.  Runs under nice; prints the TAP of
# bats with each node's view of the others.
#
#   sh bench/soak.sh [SECONDS]
set -eu
cd "$(dirname "$0")/.."
[ -x build/asan/bin/p2p-node ] || [ -x cmd/p2p-node ] || make
SOAK_SECONDS=${1:-${SOAK_SECONDS:-3600}}
SOAK_DEFAULT_TIMERS=1
export SOAK_SECONDS SOAK_DEFAULT_TIMERS
exec nice -n 10 bats --show-output-of-passing-tests tests/interop/soak.bats
