#!/bin/sh
# Install the kiosk's systemd files into a root filesystem ROOT (a directory): the image build
# and tests/appliance use it, so the container the tests boot is set up as the image is.
#
#   systemd/install.sh ROOT
#
# Vendor files go under /usr (the image's root filesystem is read-only); what cannot wait for
# the first boot on a read-only root is done here: the kiosk's user and groups, the
# /var/lib/kiosk link, the enabled and masked units. Runs as root (file ownership in ROOT);
# needs systemd's systemctl, systemd-sysusers and systemd-tmpfiles on the build machine.
set -eu
root=${1:?usage: install.sh ROOT}
here=$(dirname "$0")

install -D -m 0644 "$here/kiosk.service" "$root/usr/lib/systemd/system/kiosk.service"
install -D -m 0644 "$here/kiosk-console.service" "$root/usr/lib/systemd/system/kiosk-console.service"
install -D -m 0644 "$here/kiosk-firstboot.service" "$root/usr/lib/systemd/system/kiosk-firstboot.service"
install -D -m 0644 "$here/sysusers.d/kiosk.conf" "$root/usr/lib/sysusers.d/kiosk.conf"
install -D -m 0644 "$here/tmpfiles.d/kiosk.conf" "$root/usr/lib/tmpfiles.d/kiosk.conf"
install -D -m 0644 "$here/journald.conf.d/kiosk.conf" "$root/usr/lib/systemd/journald.conf.d/kiosk.conf"
install -D -m 0644 "$here/logind.conf.d/kiosk.conf" "$root/usr/lib/systemd/logind.conf.d/kiosk.conf"
install -D -m 0644 "$here/sysctl.d/90-kiosk.conf" "$root/usr/lib/sysctl.d/90-kiosk.conf"
install -D -m 0644 "$here/udev/rules.d/60-kiosk.rules" "$root/usr/lib/udev/rules.d/60-kiosk.rules"
install -D -m 0644 "$here/README.md" "$root/usr/share/doc/cie-kiosk/systemd/README.md"

systemd-sysusers --root="$root" kiosk.conf
mkdir -p "$root/data"
systemd-tmpfiles --root="$root" --create --prefix=/var/lib/kiosk kiosk.conf
systemctl --root="$root" enable kiosk.service kiosk-console.service kiosk-firstboot.service
# No login prompt on the screen: not on tty1, not on a VT switch, not Debian's fallback
# gettys on tty2-6 (getty-static, when logind is missing).
systemctl --root="$root" mask getty@tty1.service autovt@.service getty-static.service
