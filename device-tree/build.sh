#!/bin/sh
# Compiles every device-tree/*.dts into <outdir>/<name>.dtbo (default: dist/device-tree in the repository).
# A warning fails the build: dtc still writes a blob after most warnings, and a wrong reference or a
# misplaced unit address would otherwise surface only as a silently missing device on the board.
#
#   sh device-tree/build.sh [outdir]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/../dist/device-tree"}

if ! command -v dtc >/dev/null 2>&1; then
	echo "device-tree/build.sh: dtc not found: install device-tree-compiler (apt-get install device-tree-compiler)" >&2
	exit 127
fi

mkdir -p "$out"
messages=$(mktemp)
trap 'rm -f "$messages"' EXIT INT TERM

failed=0
count=0
for source in "$here"/*.dts; do
	[ -e "$source" ] || continue
	name=$(basename "$source" .dts)
	target="$out/$name.dtbo"
	count=$((count + 1))
	if ! dtc -@ -I dts -O dtb -o "$target" "$source" 2>"$messages"; then
		cat "$messages" >&2
		echo "device-tree/build.sh: $name.dts: dtc failed" >&2
		rm -f "$target"
		failed=1
	elif [ -s "$messages" ]; then
		cat "$messages" >&2
		echo "device-tree/build.sh: $name.dts: dtc printed warnings (treated as errors)" >&2
		rm -f "$target"
		failed=1
	fi
done

if [ "$count" -eq 0 ]; then
	echo "device-tree/build.sh: no .dts files in $here" >&2
	exit 1
fi
if [ "$failed" -ne 0 ]; then
	exit 1
fi
echo "device-tree/build.sh: $count overlays in $out"
