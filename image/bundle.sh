#!/bin/sh
# Make a signed RAUC update bundle of a root filesystem image (root.ext4 of image/build.sh):
#
#   image/bundle.sh --root root.ext4 --cert signing.cert.pem --key signing.key.pem \
#       --keyring ca.cert.pem --version 0.1.0+abc1234 --out kiosk.raucb [--format verity]
#
# The bundle holds the same root filesystem image the .img was made of; RAUC writes it to
# the slot not running and makes that slot U-Boot's first choice. `verity` (the default)
# lets the kiosk check every block as it reads it; `plain` is for machines without
# device-mapper (the tests). Needs no root.
set -eu
root= cert= key= keyring= version= out= format=verity
while [ $# -gt 0 ]; do
    case "$1" in
        --root) root=$2 ;; --cert) cert=$2 ;; --key) key=$2 ;; --keyring) keyring=$2 ;;
        --version) version=$2 ;; --out) out=$2 ;; --format) format=$2 ;;
        *) echo "bundle.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done
for name in root cert key keyring version out; do
    eval "[ -n \"\$$name\" ]" || { echo "bundle.sh: --$name is required" >&2; exit 2; }
done
compatible=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from image.layout import COMPATIBLE; print(COMPATIBLE)' \
    "$(cd "$(dirname "$0")/.." && pwd)")
content=$(mktemp -d)
trap 'rm -rf "$content"' EXIT
cp "$root" "$content/root.ext4"
cat >"$content/manifest.raucm" <<MANIFEST
[update]
compatible=$compatible
version=$version

[bundle]
format=$format

[image.rootfs]
filename=root.ext4
MANIFEST
rm -f "$out"
rauc bundle --cert="$cert" --key="$key" --keyring="$keyring" "$content" "$out" >/dev/null
echo "bundle: $out ($version, $format)"
