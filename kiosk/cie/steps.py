"""Why a command is sent: the step of a card task it belongs to.

Three readers need it, none of which may parse the wire (a protected command hides its data):
the kiosk's screen says what the card is doing during a long wait; the journey bench counts
the APDUs of each journey by purpose; and when a card leaves before answering, the step of the
command left without an answer says what the card may have done (:data:`CHANGES_CARD`). Flows
tag their commands with :func:`kiosk.cie.flow.tagged`; the innermost tag wins, so a task may
tag a whole flow and a helper inside it its own commands.
"""

from __future__ import annotations

import enum


class Step(enum.Enum):
    PUBLIC = "public"  # plain SELECTs and reads of what any reader may read
    KEY_AGREEMENT = "key-agreement"  # DH group, DAPP CA key, MSE SET KAT, the card's value
    DAPP = "dapp"  # the terminal's certificate, both authentications, under SM
    TRIES = "tries"  # the empty VERIFY: tries left, spending none
    VERIFY_PIN = "verify-pin"
    VERIFY_PUK = "verify-puk"
    CHANGE_PIN = "change-pin"
    UNBLOCK_PIN = "unblock-pin"
    READ = "read"  # files under secure messaging
    SIGN = "sign"  # key 81 (after the PIN) or the PIN-less key 83
    PACE = "pace"
    BAC = "bac"
    CHIP_AUTHENTICATION = "chip-authentication"


# Steps whose command may leave the card changed even when its answer never came: a try
# spent, the PIN replaced or unblocked. A card that leaves during one of them leaves the
# kiosk in doubt, and the citizen must be told so, never that nothing happened.
CHANGES_CARD = frozenset({Step.VERIFY_PIN, Step.VERIFY_PUK, Step.CHANGE_PIN, Step.UNBLOCK_PIN})
