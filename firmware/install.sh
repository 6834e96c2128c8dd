#!/bin/sh
# Installs sipdesk on a Raspberry Pi OS Bookworm (Debian 12) board, as root:
#
#   sudo sh firmware/install.sh --bundle sipdesk-1.2.0.sdu --key release.pub.pem [--config phone.yaml] [--no-apt] [--no-start]
#
# Run it from a built sipdesk tree (this file's folder is firmware/ inside it): the bundle is checked with
# that tree's own update code (`sipdesk update install`: signature, paths, sizes, hashes) before anything
# lands in /opt/sipdesk. On a device that already has sipdesk, the bundle goes into the other slot as a
# normal update (pending until the phone confirms it).
#
# Node.js 20.10 or newer must already be at /usr/bin/node (Debian's own nodejs is 18): the board image
# provides it (NodeSource's nodejs package or our image's). Nothing is downloaded at run time; with --no-apt
# not even here (for offline images whose packages are preinstalled).
set -eu

usage() {
  echo "usage: sh install.sh --bundle FILE.sdu --key PUBLIC.pem [--config phone.yaml] [--no-apt] [--no-start]" >&2
  exit 2
}

BUNDLE="" KEY="" CONFIG="" APT=1 START=1
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) [ $# -ge 2 ] || usage; BUNDLE=$2; shift 2 ;;
    --key) [ $# -ge 2 ] || usage; KEY=$2; shift 2 ;;
    --config) [ $# -ge 2 ] || usage; CONFIG=$2; shift 2 ;;
    --no-apt) APT=0; shift ;;
    --no-start) START=0; shift ;;
    -h|--help) usage ;;
    *) echo "install.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[ -n "$BUNDLE" ] && [ -n "$KEY" ] || usage
[ -f "$BUNDLE" ] || { echo "install.sh: no bundle at $BUNDLE" >&2; exit 1; }
[ -f "$KEY" ] || { echo "install.sh: no public key at $KEY" >&2; exit 1; }
[ -z "$CONFIG" ] || [ -f "$CONFIG" ] || { echo "install.sh: no config at $CONFIG" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }

APP=$(cd "$(dirname "$0")/.." && pwd)
CLI="$APP/dist/src/cli/main.js"
[ -f "$CLI" ] || { echo "install.sh: $CLI missing: run it from a built sipdesk tree (npm run build)" >&2; exit 1; }

NODE=/usr/bin/node
[ -x "$NODE" ] || { echo "install.sh: $NODE missing: install Node.js 20.10+ (NodeSource or the board image's), Debian's nodejs 18 is too old" >&2; exit 1; }
"$NODE" -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<10)) { console.error("install.sh: sipdesk needs Node.js >= 20.10 at /usr/bin/node, found "+process.versions.node); process.exit(1) }'

# Run-time libraries: ALSA and libsystemd (both called through koffi), CA certificates for TLS to the PBX,
# fonts for the UI (DejaVu; Nanum for the Korean locale).
if [ "$APT" -eq 1 ]; then
  PKGS="libasound2 libsystemd0 ca-certificates fonts-dejavu-core fonts-nanum"
  missing=""
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "install.sh: installing Debian packages:$missing"
    apt-get update -q
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
  fi
fi

# The unit's SupplementaryGroups= fails the start (216/GROUP) if a group is missing; gpio exists only on
# Raspberry Pi OS, so create whatever this system lacks.
for g in gpio input audio video dialout plugdev; do
  getent group "$g" >/dev/null || groupadd --system "$g"
done
if ! getent passwd sipdesk >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/sipdesk --no-create-home --shell /usr/sbin/nologin \
    --comment "sipdesk desk phone" sipdesk
fi

# /etc/sipdesk: root's; phone.yaml readable by the phone (it holds the SIP password), nobody else.
install -d -m 0755 -o root -g root /etc/sipdesk /etc/sipdesk/update-keys /opt/sipdesk
install -m 0644 -o root -g root "$KEY" "/etc/sipdesk/update-keys/$(basename "$KEY" .pem).pem"
install -d -m 0750 -o sipdesk -g sipdesk /var/lib/sipdesk
if [ -n "$CONFIG" ]; then
  install -m 0640 -o root -g sipdesk "$CONFIG" /etc/sipdesk/phone.yaml
fi

# Verify and lay out the slot (slots/a on a fresh device) with this tree's own update code.
"$NODE" "$CLI" update install --root /opt/sipdesk --keys /etc/sipdesk/update-keys \
  --state /var/lib/sipdesk/update-state.json "$BUNDLE"
chown sipdesk:sipdesk /var/lib/sipdesk/update-state.json

# The units come from the slot just installed, so unit and code always match.
UNITS=/opt/sipdesk/current/firmware
[ -f "$UNITS/sipdesk.service" ] || UNITS="$APP/firmware"
install -m 0644 -o root -g root "$UNITS/sipdesk.service" "$UNITS/sipdesk-rollback.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable sipdesk.service
if [ "$START" -eq 1 ] && [ -f /etc/sipdesk/phone.yaml ]; then
  systemctl restart sipdesk.service
  echo "install.sh: sipdesk started (journalctl -u sipdesk -f)"
else
  echo "install.sh: installed; put the config at /etc/sipdesk/phone.yaml, then: systemctl start sipdesk"
fi
