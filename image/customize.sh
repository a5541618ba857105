#!/usr/bin/env bash
# mmdebstrap's customize hook for the kiosk's root filesystem (image/build.sh runs it as
# root, TREE being the chroot, arm64 programs in it running under qemu-user):
#
#   image/customize.sh TREE WORK
#
# WORK holds wheels/ (image/wheelhouse.py) and keyring.pem; the boot partition's tree is
# written to WORK/boot. The layout of systemd/ this copies (the units' folder is owned by
# the systemd work; see docs/image.md):
#   systemd/*.service|socket|timer|target|path|mount   -> /etc/systemd/system/, enabled
#                                                          when they have an [Install]
#   systemd/<unit>.d/                                   -> /etc/systemd/system/<unit>.d/
#   systemd/tmpfiles.d/ sysusers.d/                     -> /etc/tmpfiles.d/ /etc/sysusers.d/
#   systemd/<name>.conf.d/ (journald, logind, system)  -> /etc/systemd/<name>.conf.d/
#   systemd/network/                                    -> /etc/systemd/network/
#   systemd/udev/                                       -> /etc/udev/rules.d/
#   systemd/libexec/                                    -> /usr/libexec/kiosk/
set -euo pipefail
TREE=$1
WORK=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
in_tree() { chroot "$TREE" "$@"; }

echo "-- the kiosk's virtual environment (/opt/kiosk)"
mkdir -p "$TREE/tmp/wheels"
cp "$WORK"/wheels/*.whl "$TREE/tmp/wheels/"
kiosk_wheel=$(cd "$WORK/wheels" && ls cie_kiosk-*.whl)
in_tree python3 -m venv --system-site-packages /opt/kiosk
# --no-compile, then hash-based .pyc (timestamp ones would hold the install time)
in_tree /opt/kiosk/bin/pip install --quiet --no-index --no-compile --disable-pip-version-check \
    --find-links /tmp/wheels "/tmp/wheels/$kiosk_wheel[pi]"
in_tree /opt/kiosk/bin/pip uninstall --quiet --yes pip
in_tree /opt/kiosk/bin/python -m compileall -q --invalidation-mode unchecked-hash \
    /opt/kiosk/lib >/dev/null
rm -rf "$TREE/tmp/wheels"
ln -sf /opt/kiosk/bin/kiosk "$TREE/usr/local/bin/kiosk"

echo "-- read-only root: /data, the state directory, generated files"
mkdir -p "$TREE/data" "$TREE/boot/firmware"
rm -rf "$TREE/var/lib/kiosk"
ln -s /data/kiosk "$TREE/var/lib/kiosk"
generated=$WORK/generated
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from image.layout import main; main([sys.argv[2]])' \
    "$ROOT" "$generated"
cp -r "$generated/root/." "$TREE/"
# the paths first boot's files are read at, linked to where it writes them on /data
while read -r path target; do
    mkdir -p "$TREE$(dirname "$path")"
    ln -sfn "$target" "$TREE$path"
done < "$generated/links"
install -D -m 0644 "$WORK/keyring.pem" "$TREE/etc/rauc/keyring.pem"
install -D -m 0755 "$ROOT/image/rauc/health-check.sh" "$TREE/usr/libexec/kiosk/health-check"

echo "-- systemd/ (units, sysusers, tmpfiles, journald, logind, sysctl, udev, sshd; the gettys masked;"
echo "   Debian's SSH host keys removed)"
"$ROOT/systemd/install.sh" "$TREE"

# systemd-firstboot asks for a locale and a root password on the console at a first boot,
# and with an empty /etc/machine-id on a read-only root every boot is a first boot.
in_tree systemctl mask --quiet systemd-firstboot.service

echo "-- the boot partition's tree"
boot=$WORK/boot
mkdir -p "$boot"
cp "$generated/boot/config.txt" "$generated/boot/cmdline.txt" "$boot/"
mkimage -A arm64 -O linux -T script -C none -n "kiosk boot" \
    -d "$generated/boot/boot.cmd" "$boot/boot.scr" >/dev/null
if [ -d "$TREE/usr/lib/raspi-firmware" ]; then
    cp "$TREE"/usr/lib/raspi-firmware/* "$boot/"
    cp "$TREE"/usr/lib/linux-image-*/broadcom/bcm2711-*.dtb "$boot/"
    cp "$TREE/usr/lib/u-boot/rpi_arm64/u-boot.bin" "$boot/"
    [ -e "$TREE/vmlinuz" ] && [ -e "$TREE/initrd.img" ] \
        || { echo "no /vmlinuz or /initrd.img in the tree: U-Boot loads them" >&2; exit 1; }
fi
# The boot partition is mounted here; the copies the packages' hooks made stay out of root
rm -rf "${TREE:?}/boot/firmware/"*
