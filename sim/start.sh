#!/bin/sh
# README's first command: set up (Debian packages when missing, npm ci, build), then start the
# development PBX and the simulator: three phones (alice, bob, carol) on one web page, whose address it
# prints. Options go to the simulator (sh sim/start.sh --help). Ctrl-C stops all.
set -eu
cd "$(dirname "$0")/.."
sh sim/setup.sh
exec node dist/sim/sim.js "$@"
