#!/bin/sh
# README's first command: set up (Debian packages when missing, npm ci, build), then start the
# development PBX and a headless phone registered to it. Ctrl-C stops both.
set -eu
cd "$(dirname "$0")/.."
sh sim/setup.sh
exec node dist/sim/dev.js
