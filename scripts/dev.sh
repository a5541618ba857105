#!/usr/bin/env bash
# Set up a Debian 12 machine for the kiosk, then run the kiosk or its tests.
#
#   scripts/dev.sh demo   install everything, start a local back-office with the kiosk
#                         enrolled, then the kiosk on simulated hardware
#   scripts/dev.sh test   install everything, then run the whole test suite (what CI runs)
#
# Idempotent: packages already there are not installed again, the virtual environment is
# reused. Works as root or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    python3 python3-venv python3-dev gcc pkg-config  # the virtual environment, builds from sdist
    pcscd libpcsclite-dev swig                       # PC/SC, and pyscard's build
    vsmartcard-vpcd                                  # the virtual reader the tests put cards in
    libsystemd-dev                                   # systemd-python: journald, sd_notify
    util-linux bash                                  # unshare, for the tests' private pcscd
    espeak-ng                                        # speech output (kiosk/hardware/audio.py)
    alsa-utils                                       # aplay: speech routed to the headphones' device
    xvfb xdotool                                     # the UI test in a real X window
    nginx-light                                      # the back-office's TLS front (mTLS)
    postgresql                                       # the back-office's database for a Comune
    chromium                                         # the console's browser tests (Playwright drives it)
    fonts-dejavu-core libusb-1.0-0                   # the virtual printer's font; pyusb's USB printers
    systemd-journal-remote                           # tests: a real journal file for kiosk debug-bundle
    dosfstools fusefat                               # first boot's test on a real FAT boot partition
    openssh-server                                   # sshd -t/-T of the kiosk's sshd drop-in, ssh-keygen
                                                     # (tests/systemd/test_sshd.py; the tests never start
                                                     # sshd, Debian's postinst may: systemctl disable --now ssh)
    systemd mmdebstrap systemd-container             # unit checks (systemd-analyze), the appliance's
                                                     # root filesystem, booted with systemd-nspawn
    # the Pi image (image/build.sh) and its tests: arm64 root filesystems under qemu-user,
    # filesystems and the partition table in plain files, U-Boot's script and environment,
    # RAUC bundles (squashfs) and its service on a private D-Bus; growpart, which grows the
    # data partition at boot (systemd/libexec/grow-data)
    mmdebstrap qemu-user-static binfmt-support arch-test
    e2fsprogs dosfstools mtools fdisk bmap-tools u-boot-tools libubootenv-tool cloud-guest-utils
    rauc squashfs-tools dbus openssl
)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_system() {
    local missing=() package
    for package in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
            || missing+=("$package")
    done
    # Node and npm run the OpenID provider of the smartphone login's tests (oidc-provider,
    # which the tests install themselves). Debian's packages unless a Node with its own npm
    # is there already (NodeSource's nodejs bundles npm and conflicts with Debian's).
    command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "installing: ${missing[*]}"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

install_python() {
    # Debian's own Python, the one the kiosk image runs, whatever else is on the PATH.
    [ -x .venv/bin/python ] || /usr/bin/python3 -m venv .venv
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
}

# The demo's back-office: on this machine, SQLite, nginx on 127.0.0.1:8443 (kiosks, mutual TLS),
# 127.0.0.1:8444 (enrollment) and 127.0.0.1:8445 (the clerks' console), with the demo kiosk
# enrolled, an admin account for the console, and the demo card's test CA as the level-3 anchor. Its state lives where nginx's unprivileged worker can reach the
# application's socket (root's home is closed to it).
KIOSK_STATE="$HOME/.local/state/kiosk"
if [ "$(id -u)" -eq 0 ]; then
    DEMO_BACKOFFICE=/var/lib/kiosk-backoffice-demo
else
    DEMO_BACKOFFICE="$HOME/.local/state/kiosk-backoffice-demo"
fi
BACKOFFICE_PID=

stop_backoffice() {
    if [ -n "$BACKOFFICE_PID" ] && kill -0 "$BACKOFFICE_PID" 2>/dev/null; then
        kill -TERM "$BACKOFFICE_PID"
        wait "$BACKOFFICE_PID" || true
    fi
}

start_backoffice() {
    local config="$DEMO_BACKOFFICE/backoffice.toml" kiosk=.venv/bin/kiosk tries=0
    mkdir -p "$DEMO_BACKOFFICE" "$KIOSK_STATE"
    [ -f "$KIOSK_STATE/demo-card.json" ] \
        || "$kiosk" sim card new --out "$KIOSK_STATE/demo-card.json" >/dev/null
    cat >"$config" <<EOF
state_dir = "$DEMO_BACKOFFICE"

[level3]
anchors = ["$KIOSK_STATE/demo-card.pki/cie-auth-ca.pem"]
revocation = "soft-fail"
EOF
    [ -f "$DEMO_BACKOFFICE/ca/ca.pem" ] || "$kiosk" backoffice ca init --config "$config"
    "$kiosk" backoffice db upgrade --config "$config" >/dev/null
    "$kiosk" backoffice serve --config "$config" >"$DEMO_BACKOFFICE/serve.log" 2>&1 &
    BACKOFFICE_PID=$!
    trap stop_backoffice EXIT
    until (exec 3<>/dev/tcp/127.0.0.1/8444) 2>/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -gt 60 ] || ! kill -0 "$BACKOFFICE_PID" 2>/dev/null; then
            echo "the back-office did not start; see $DEMO_BACKOFFICE/serve.log" >&2
            exit 1
        fi
        sleep 0.5
    done
    if ! "$kiosk" uplink status --json | grep -q '"enrolled": true'; then
        "$kiosk" backoffice kiosk add demo-kiosk --reenroll --config "$config" \
            | "$kiosk" enroll --force --url https://localhost:8444
    fi
    # A first console account, its password made once and kept beside the demo's state.
    if [ ! -f "$DEMO_BACKOFFICE/admin-password" ]; then
        (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DEMO_BACKOFFICE/admin-password")
        "$kiosk" backoffice user add admin --role admin --config "$config" \
            <"$DEMO_BACKOFFICE/admin-password" >/dev/null
    fi
    echo "back-office: https://localhost:8443 (log: $DEMO_BACKOFFICE/serve.log)"
    echo "  the clerks' console: https://localhost:8445/console/ (user admin, password in" \
         "$DEMO_BACKOFFICE/admin-password)"
    echo "  its kiosks:  $kiosk backoffice kiosks --config $config"
    echo "  lock it:     $kiosk backoffice command demo-kiosk lock --message 'Torno subito'" \
         "--config $config"
}

case "${1:-}" in
    demo)
        install_system
        install_python
        start_backoffice
        if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
            .venv/bin/kiosk --log-level INFO run --window
        else
            echo "no display found: starting the kiosk headless (Ctrl-C stops it)"
            .venv/bin/kiosk --log-level INFO run --headless
        fi
        ;;
    test)
        install_system
        install_python
        .venv/bin/ruff check kiosk tests bench image
        .venv/bin/mypy
        # pytest exits non-zero when a test fails and also when no test ran at all (5).
        exec .venv/bin/python -m pytest -n 2 -q -p no:cacheprovider
        ;;
    *)
        echo "usage: $0 demo|test" >&2
        exit 2
        ;;
esac
