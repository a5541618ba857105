#!/usr/bin/env bash
# Build the kiosk's flashable arm64 image for the Raspberry Pi 4 family, from Debian bookworm
# packages only, with its .bmap and a signed RAUC update bundle of the same root filesystem.
#
#   sudo image/build.sh [--out DIR] [--minimal] [--keep-work]
#
#   --out DIR     where kiosk.img, kiosk.img.bmap, kiosk.raucb and their figures go
#                 (default build/image)
#   --minimal     minbase, no kernel, firmware or boot loader: the quick build for working
#                 on the root filesystem and for the reproducibility check (not bootable)
#   --keep-work   keep the work directory (root tree, filesystem images)
#
# The update bundle is signed with $KIOSK_RAUC_CERT / $KIOSK_RAUC_KEY and the image trusts
# $KIOSK_RAUC_KEYRING (image/keys/README.md makes them); without them the build makes a
# throwaway key pair in the work directory and says so: such an image takes updates only
# from that build.
#
# Needs root, on a Debian machine with qemu-user binfmt for arm64, for three steps:
#   - mmdebstrap --mode=root: the packages' maintainer scripts run in a chroot (under
#     qemu-user), and the tree's files belong to root, messagebus, ... (unshare mode works
#     rootless but needs subuid ranges: notes in docs/image.md);
#   - the customize hook: chroot into the tree to make the kiosk's virtual environment;
#   - extracting the root tarball with its owners and xattrs for mkfs.ext4 -d.
# Assembling the image itself (image/assemble.py) needs no root: no loop device, no mount.
# SOURCE_DATE_EPOCH is the last commit's time unless set: the same commit gives the same
# root filesystem tarball and root ext4 image (docs/image.md has the figures).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

OUT=build/image
MINIMAL=0
KEEP_WORK=0
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT=$2; shift 2 ;;
        --minimal) MINIMAL=1; shift ;;
        --keep-work) KEEP_WORK=1; shift ;;
        *) echo "usage: $0 [--out DIR] [--minimal] [--keep-work]" >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

fail() { echo "image/build.sh: $*" >&2; exit 1; }

check_host() {
    [ "$(id -u)" -eq 0 ] || fail "run as root (mmdebstrap --mode=root, chroot, tar with owners)"
    local tool missing=()
    for tool in mmdebstrap arch-test mkfs.ext4 debugfs mkfs.fat mcopy sfdisk bmaptool mkimage \
                rauc mksquashfs openssl; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [ "${#missing[@]}" -eq 0 ] || fail "missing ${missing[*]}: scripts/dev.sh installs them" \
        "(mmdebstrap arch-test e2fsprogs dosfstools mtools fdisk bmap-tools u-boot-tools rauc" \
        "squashfs-tools openssl)"
    [ -x "$PYTHON" ] || fail "no $PYTHON: run scripts/dev.sh first, or set PYTHON"
    if ! arch-test arm64 >/dev/null 2>&1; then
        fail "this machine cannot run arm64 programs. Fix, as root, once per boot:" \
            "apt-get install qemu-user-static binfmt-support && update-binfmts --enable qemu-aarch64" \
            "(if /proc/sys/fs/binfmt_misc is empty: mount -t binfmt_misc binfmt_misc" \
            "/proc/sys/fs/binfmt_misc first); arch-test arm64 must then say 'arm64: ok'"
    fi
}

# apt's own mirrors, never a hard-coded host (deb822 first, then the one-line format):
# `apt_uri main` the archive, `apt_uri security` the security archive
apt_uri() {
    local sources=/etc/apt/sources.list.d/debian.sources match='!~'
    [ "$1" = security ] && match='~'
    if [ -f "$sources" ]; then
        awk "/^URIs:/ && \$2 $match /security/ {print \$2; exit}" "$sources"
    else
        awk "\$1 == \"deb\" && \$2 $match /security/ {print \$2; exit}" /etc/apt/sources.list
    fi
}

# image/packages.txt: one package a line, # comments; `# arm64-only` lines are left out of
# the minimal build too (they are the Pi's kernel, firmware and boot loader)
packages() {
    if [ "$MINIMAL" -eq 1 ]; then
        grep -v -E '#[[:space:]]*arm64-only[[:space:]]*$' image/packages.txt
    else
        cat image/packages.txt
    fi | sed -e 's/#.*//' -e 's/[[:space:]]//g' | grep -v '^$' | paste -sd, -
}

check_host
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
MIRROR=$(apt_uri main)
SECURITY=$(apt_uri security)
[ -n "$MIRROR" ] || fail "no Debian mirror found in apt's sources"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-image.XXXXXX")
cleanup() { if [ "$KEEP_WORK" -eq 0 ]; then rm -rf "$WORK"; else echo "work: $WORK"; fi; }
trap cleanup EXIT
started=$(date +%s)

echo "== the kiosk's wheels (image/wheelhouse.py)"
PYTHONPATH=$ROOT "$PYTHON" -m image.wheelhouse "$WORK/wheels" >/dev/null

echo "== keys"
if [ -n "${KIOSK_RAUC_KEYRING:-}" ]; then
    cp "$KIOSK_RAUC_KEYRING" "$WORK/keyring.pem"
    CERT=${KIOSK_RAUC_CERT:?KIOSK_RAUC_CERT goes with KIOSK_RAUC_KEYRING}
    KEY=${KIOSK_RAUC_KEY:?KIOSK_RAUC_KEY goes with KIOSK_RAUC_KEYRING}
else
    echo "no KIOSK_RAUC_KEYRING: a throwaway key pair, for this build's bundles only"
    image/keys/make-keys.sh "$WORK/keys" "throwaway $(date -u +%FT%TZ)" >/dev/null
    cp "$WORK/keys/ca.cert.pem" "$WORK/keyring.pem"
    CERT=$WORK/keys/signing.cert.pem
    KEY=$WORK/keys/signing.key.pem
fi

echo "== root filesystem (mmdebstrap, arm64$([ "$MINIMAL" -eq 1 ] && echo ', minimal'))"
variant=apt
[ "$MINIMAL" -eq 1 ] && variant=minbase
suites=("deb $MIRROR bookworm main non-free-firmware"
        "deb $MIRROR bookworm-updates main non-free-firmware")
[ -n "$SECURITY" ] && suites+=("deb $SECURITY bookworm-security main non-free-firmware")
mkdir -p "$WORK/boot"
# What systemd-tmpfiles makes in /var/log at every boot (Debian's legacy.conf, var.conf,
# systemd.conf), made once here after /var/log is emptied: on the read-only root each boot
# would otherwise log an EROFS error for each. (Not dbus.conf's /var/lib/dbus/machine-id
# link: mmdebstrap removes it after the hooks, for reproducibility; dbus reads
# /etc/machine-id first, so the one error left at boot is noise.)
boot_made=(/var/log/wtmp /var/log/btmp /var/log/lastlog /var/log/private /var/log/README)
mmdebstrap --mode=root --arch=arm64 --variant="$variant" \
    --include="$(packages)" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --customize-hook="$ROOT/image/customize.sh \"\$1\" $WORK" \
    --customize-hook='rm -f "$1/etc/resolv.conf"' \
    --customize-hook='ln -s ../run/systemd/resolve/stub-resolv.conf "$1/etc/resolv.conf"' \
    --customize-hook='rm -f "$1/etc/hostname"; echo kiosk > "$1/etc/hostname"' \
    --customize-hook='truncate -s 0 "$1/etc/machine-id"' \
    --customize-hook='rm -rf "$1/var/cache/apt"/*.bin "$1/var/lib/apt/lists"/* "$1/var/log"/*' \
    --customize-hook='mkdir "$1/var/log/journal"' \
    --customize-hook="systemd-tmpfiles --root=\"\$1\" --create $(printf -- '--prefix=%s ' "${boot_made[@]}")" \
    bookworm "$WORK/rootfs.tar" "${suites[@]}"

echo "== filesystems and the image (image/assemble.py)"
mkdir "$WORK/root"
tar --numeric-owner --xattrs --xattrs-include='*' -xpf "$WORK/rootfs.tar" -C "$WORK/root"
PYTHONPATH=$ROOT "$PYTHON" -m image.assemble --out "$OUT/kiosk.img" --boot "$WORK/boot" \
    --root "$WORK/root" --work "$WORK/fs"
bmaptool -q create -o "$OUT/kiosk.img.bmap" "$OUT/kiosk.img"
cp "$WORK/fs/root.ext4" "$OUT/root.ext4"

echo "== update bundle (image/bundle.sh)"
version=$(PYTHONPATH=$ROOT "$PYTHON" -c 'import kiosk; print(kiosk.__version__)')
image/bundle.sh --root "$OUT/root.ext4" --cert "$CERT" --key "$KEY" \
    --keyring "$WORK/keyring.pem" --version "$version+$(git rev-parse --short HEAD)" \
    --out "$OUT/kiosk.raucb"

echo "== smoke test under qemu-user"
chroot "$WORK/root" /opt/kiosk/bin/kiosk --version
chroot "$WORK/root" /opt/kiosk/bin/python -c 'import kiosk.app; print("import kiosk.app: ok")'
if chroot "$WORK/root" /opt/kiosk/bin/kiosk doctor --help >/dev/null 2>&1; then
    chroot "$WORK/root" env KIOSK_PROFILE=sim HOME=/tmp /opt/kiosk/bin/kiosk doctor --json \
        || echo "kiosk doctor: exit $? (no hardware in the build chroot)"
fi

elapsed=$(( $(date +%s) - started ))
{
    echo "built: $(date -u +%FT%TZ) in ${elapsed} s; SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" \
         "commit $(git rev-parse --short HEAD)$([ "$MINIMAL" -eq 1 ] && echo ' (minimal)')"
    echo "image: $(du -h --apparent-size "$OUT/kiosk.img" | cut -f1) apparent," \
         "$(du -h "$OUT/kiosk.img" | cut -f1) written; bundle $(du -h "$OUT/kiosk.raucb" | cut -f1)"
    (cd "$WORK" && sha256sum rootfs.tar)
    (cd "$OUT" && sha256sum root.ext4 kiosk.img)
} | tee "$OUT/figures.txt"
