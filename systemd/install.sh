#!/bin/sh
# Install the kiosk's systemd files into a root filesystem ROOT (a directory): the image build
# and tests/appliance use it, so the container the tests boot is set up as the image is.
#
#   systemd/install.sh ROOT
#
# Vendor files go under /usr (the image's root filesystem is read-only), sshd's drop-in under
# /etc/ssh (sshd reads no other place); what cannot wait for the first boot on a read-only
# root is done here: the kiosk's user and groups, the /var/lib/kiosk link, the enabled and
# masked units, Debian's SSH host keys removed. Runs as root (file ownership in ROOT);
# needs systemd's systemctl, systemd-sysusers and systemd-tmpfiles on the build machine.
set -eu
root=${1:?usage: install.sh ROOT}
here=$(dirname "$0")

for unit in "$here"/*.service; do
    install -D -m 0644 "$unit" "$root/usr/lib/systemd/system/$(basename "$unit")"
done
for program in "$here"/libexec/*; do
    install -D -m 0755 "$program" "$root/usr/libexec/kiosk/$(basename "$program")"
done
install -D -m 0644 "$here/sysusers.d/kiosk.conf" "$root/usr/lib/sysusers.d/kiosk.conf"
install -D -m 0644 "$here/tmpfiles.d/kiosk.conf" "$root/usr/lib/tmpfiles.d/kiosk.conf"
install -D -m 0644 "$here/journald.conf.d/kiosk.conf" "$root/usr/lib/systemd/journald.conf.d/kiosk.conf"
install -D -m 0644 "$here/logind.conf.d/kiosk.conf" "$root/usr/lib/systemd/logind.conf.d/kiosk.conf"
install -D -m 0644 "$here/sysctl.d/90-kiosk.conf" "$root/usr/lib/sysctl.d/90-kiosk.conf"
install -D -m 0644 "$here/udev/rules.d/60-kiosk.rules" "$root/usr/lib/udev/rules.d/60-kiosk.rules"
install -D -m 0644 "$here/README.md" "$root/usr/share/doc/cie-kiosk/systemd/README.md"
# The other documents the units' Documentation= lines name.
for document in image.md provisioning.md; do
    install -D -m 0644 "$here/../docs/$document" "$root/usr/share/doc/cie-kiosk/$document"
done
# The technician's SSH (docs/image.md): sshd's settings, and Debian's ssh.service run only
# with the keys of the provisioning file and after the kiosk's own host key is made.
install -D -m 0644 "$here/ssh.service.d/kiosk.conf" "$root/usr/lib/systemd/system/ssh.service.d/kiosk.conf"
install -D -m 0644 "$here/sshd_config.d/kiosk.conf" "$root/etc/ssh/sshd_config.d/kiosk.conf"
# The host keys openssh-server's postinst made at build time: every kiosk would share them,
# and each build's root filesystem would differ. sshd reads the kiosk's own from /data/ssh.
rm -f "$root"/etc/ssh/ssh_host_*

systemd-sysusers --root="$root" kiosk.conf
mkdir -p "$root/data"
systemd-tmpfiles --root="$root" --create --prefix=/var/lib/kiosk kiosk.conf
# Every unit with an [Install] section; the ones whose condition does not hold on a machine
# (kiosk-health.service without RAUC's system.conf, say) are skipped there by systemd.
for unit in "$here"/*.service; do
    if grep -q '^\[Install\]' "$unit"; then
        systemctl --root="$root" enable "$(basename "$unit")"
    fi
done
# The network first boot configures (docs/provisioning.md): networkd and resolved at every
# boot, wpa_supplicant for wlan0 once first boot wrote its file (its drop-in's condition).
# Each only where the root has it (the image has all three, the amd64 twin no Wi-Fi).
enable_present() {  # UNIT, and the file it comes from
    if [ -e "$root/usr/lib/systemd/system/$2" ]; then
        systemctl --root="$root" enable "$1"
    fi
}
drop_in_present() {  # UNIT: the kiosk's drop-in for it (systemd/UNIT.d/kiosk.conf)
    if [ -e "$root/usr/lib/systemd/system/$1" ]; then
        install -D -m 0644 "$here/$1.d/kiosk.conf" "$root/usr/lib/systemd/system/$1.d/kiosk.conf"
    fi
}
drop_in_present systemd-networkd.service
enable_present systemd-networkd.service systemd-networkd.service
enable_present systemd-resolved.service systemd-resolved.service
drop_in_present wpa_supplicant@.service
enable_present wpa_supplicant@wlan0.service wpa_supplicant@.service
# openssh-server enables ssh.service itself; made sure of here, in a root that has it (the
# image and its amd64 twin do, tests/systemd's root may not). Its drop-in's condition keeps
# sshd off on a kiosk without keys.
if [ -e "$root/usr/lib/systemd/system/ssh.service" ]; then
    systemctl --root="$root" enable ssh.service
fi
# No login prompt: not on the screen (tty1), not on a VT switch, not Debian's fallback gettys
# on tty2-6 (getty-static, when logind is missing), not on the serial console the kernel's
# command line names (root's account is locked: the technician's way in is SSH with a key).
systemctl --root="$root" mask getty@tty1.service autovt@.service getty-static.service \
    serial-getty@.service
