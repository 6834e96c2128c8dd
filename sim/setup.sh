#!/bin/sh
# Installs what sipdesk needs on Debian 12 (Bookworm), then the npm packages, then builds.
# Safe to run again: Debian packages are installed only when missing. Needs root or sudo for apt.
set -eu
cd "$(dirname "$0")/.."

# Real peers for the tests and the simulator's development PBX (see README, "Tests").
PKGS="kamailio kamailio-presence-modules kamailio-sqlite-modules kamailio-tls-modules
      baresip-core sip-tester sqlite3 socat dnsmasq-base openssl ca-certificates
      slapd ldap-utils radicale fonts-nanum device-tree-compiler chromium systemd
      build-essential python3"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "sipdesk setup: installing Debian packages:$missing"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<10)) { console.error("sipdesk needs Node.js >= 20.10, found "+process.versions.node); process.exit(1) }'
# npm ci only when the installed tree is not the locked one (it rebuilds native addons from source: minutes).
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.sipdesk-installed-lock; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.sipdesk-installed-lock
fi
npm run build
