#!/usr/bin/env bash
# The README's pictures of the kiosk's screens as issue 11 left them: 800x480 (the 7-inch
# panel), Italian, each reached by a real session on the virtual card (`kiosk screenshot`),
# written to docs/screenshots/kiosk-*.png. Run from anywhere, after scripts/dev.sh:
#
#   scripts/kiosk-screenshots.sh            # PYTHON=/path/to/python to pick the interpreter
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

shoot() {  # NAME STATE [kiosk screenshot options]
    local name=$1 state=$2
    shift 2
    "$PYTHON" -m kiosk screenshot --state "$state" --lang it --size 800x480 \
        --out "docs/screenshots/kiosk-$name.png" "$@"
}

# One way forward, one way back, and the help button in the top bar.
shoot wrong-pin wrong-pin
shoot pin-blocked pin-blocked
shoot pin-works pin-works
shoot error error
shoot card-removed card-removed
shoot wrong-puk wrong-puk
shoot lost-paths lost-paths
shoot reprint-at-counter reprint-at-counter
# Labels wrap at body size, in large text too.
shoot menu-large menu --large-text
shoot wrong-pin-large wrong-pin --large-text
shoot puk-confirm-large puk-confirm --large-text
# "Call a clerk": the desk sees it now, will see it when the link is back, or has no link.
shoot help-called help-called
shoot help-when-back help-when-back
shoot help-in-person help-in-person --large-text
