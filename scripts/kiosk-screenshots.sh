#!/usr/bin/env bash
# The README's pictures of the kiosk's screens: 800x480 (the 7-inch panel), each reached by a
# real session on the virtual card (`kiosk screenshot`), written to docs/screenshots/: the
# first table's, and issue 11's (kiosk-*.png, Italian). Run from anywhere, after scripts/dev.sh:
#
#   scripts/kiosk-screenshots.sh            # PYTHON=/path/to/python to pick the interpreter
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

picture() {  # FILE STATE LANGUAGE [kiosk screenshot options]
    local file=$1 state=$2 language=$3
    shift 3
    "$PYTHON" -m kiosk screenshot --state "$state" --lang "$language" --size 800x480 \
        --out "docs/screenshots/$file.png" "$@"
}

shoot() {  # NAME STATE [options]: issue 11's, in Italian
    local name=$1 state=$2
    shift 2
    picture "kiosk-$name" "$state" it "$@"
}

# The first table.
picture menu-it menu it
picture enter-pin-typing-it enter-pin-typing it
picture pin-works-en pin-works en
picture puk-confirm-it puk-confirm it
picture puk-recovery-app-de puk-recovery-app de
picture enter-pin-typing-it-contrast enter-pin-typing it --large-text --high-contrast
picture check-result-fr check-result fr
picture how-to-place-card-it how-to-place-card it
picture reprint-at-counter-it-large-page2 reprint-at-counter it --large-text --page 2
picture out-of-order-it out-of-order it
picture out-of-order-sl out-of-order sl
picture tamper-locked-it tamper-locked it
picture pin-works-back-office-en pin-works-back-office en
picture notice-it notice it
picture activation-levels-it activation-levels it
picture activation-puk-where-de activation-puk-where de
picture renewal-offer-en-large renewal-offer en --large-text
picture activation-too-young-fr activation-too-young fr
picture activation-cieid-app-sl activation-cieid-app sl
picture activation-clock-unknown-it activation-clock-unknown it

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
# Issue 12: the ticket's receipt printed, or not: then "take a photo of the number instead",
# first under the title in large text too; paper and cover offer to print again.
shoot ticket-printed ticket-filed
shoot receipt-paper-out receipt-paper-out
shoot receipt-printer-gone receipt-printer-gone
picture receipt-paper-out-de-large receipt-paper-out de --large-text
