#!/usr/bin/env bash
# Set up a Debian 12 machine for the kiosk, then run the kiosk or its tests.
#
#   scripts/dev.sh demo   install everything, then start the kiosk on simulated hardware
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
    xvfb xdotool                                     # the UI test in a real X window
    nginx-light                                      # the back-office's TLS front (mTLS)
    postgresql                                       # the back-office's database for a Comune
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

case "${1:-}" in
    demo)
        install_system
        install_python
        if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
            exec .venv/bin/kiosk --log-level INFO run --window
        fi
        echo "no display found: starting the kiosk headless (Ctrl-C stops it)"
        exec .venv/bin/kiosk --log-level INFO run --headless
        ;;
    test)
        install_system
        install_python
        .venv/bin/ruff check kiosk tests bench
        .venv/bin/mypy
        # pytest exits non-zero when a test fails and also when no test ran at all (5).
        exec .venv/bin/python -m pytest -n 2 -q -p no:cacheprovider
        ;;
    *)
        echo "usage: $0 demo|test" >&2
        exit 2
        ;;
esac
