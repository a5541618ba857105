"""Issuing the ICAO side of a virtual CIE: MRZ, data groups, DG14 key, EF.SOD and the CAN.

Everything is derived from the identity the IAS side was issued with, so both applications
tell the same story: the MRZ's document number is EF 1002's serial, the date of birth and sex
come from the codice fiscale (unless given), and the document signer that signs EF 1006 signs
the ICAO EF.SOD too, with the same shape, which matches a real card's (PROTOCOL.md §2.11: a
real ICAO EF.SOD is SHA-512 with RSASSA-PSS and LDS 0108 as well, ``vectors/``).

Validity copies the CIE rule: ten years from issue, extended to the holder's next birthday.
Every card has the published Ministry test card's place of birth and address (DG11) and
a Comune di Roma issuing authority (DG12): the kiosk shows them, nothing checks them.
"""

from __future__ import annotations

import datetime as dt

from kiosk.sim import codice_fiscale, face, lds, mrz, pki, sod
from kiosk.sim.icao_data import IcaoKeys
from kiosk.sim.profile import CardProfile, ProfileError

DEMO_CAN = "123456"
DEMO_BIRTH_PLACE = "ROMA<RM"
DEMO_ADDRESS = "VIA SALARIA, N. 712<ROMA<RM"
DEMO_AUTHORITY = "COMUNE DI ROMA"
VALIDITY_YEARS = 10


def issue_icao(
    profile: CardProfile,
    authority: pki.TestPki,
    *,
    can: str = DEMO_CAN,
    birth: dt.date | None = None,
    expiry: dt.date | None = None,
) -> None:
    """Add EF.CardAccess, the LDS files and the ICAO keys to an IAS-issued ``profile``."""
    identity = profile.identity
    today = dt.date.today()
    try:
        cf_birth, sex = codice_fiscale.birth_and_sex(identity["codice_fiscale"], today)
    except ValueError as exc:
        raise ProfileError(str(exc)) from None
    birth = birth or cf_birth
    if expiry is None:
        start = _anniversary(today, today.year + VALIDITY_YEARS)
        expiry = _anniversary(birth, start.year)
        if expiry < start:
            expiry = _anniversary(birth, start.year + 1)
    if not birth < today < expiry:
        raise ProfileError("the dates must run birth < issue (today) < expiry")
    document_number = identity["serial"]
    surname, given_name = identity["surname"], identity["given_name"]
    try:
        keys = IcaoKeys.create(can, mrz.bac_information(document_number, birth, expiry))
    except ValueError as exc:
        raise ProfileError(str(exc)) from None
    zone = mrz.td1(document_number, birth, sex, expiry, surname=surname, given_name=given_name)
    groups = {
        1: lds.dg1(zone),
        2: lds.dg2(face.facial_record(face.portrait(), female=sex == "F")),
        11: lds.dg11(
            mrz.name_field(surname, given_name),
            identity["codice_fiscale"],
            birth,
            DEMO_BIRTH_PLACE,
            DEMO_ADDRESS,
        ),
        12: lds.dg12(DEMO_AUTHORITY, today),
        14: lds.dg14(keys.chip_public_key),
    }
    files = profile.files
    files["mf:011C"] = lds.CARD_ACCESS
    files["icao:011E"] = lds.ef_com(list(groups))
    for group, content in groups.items():
        files[f"icao:{0x0100 + group:04X}"] = content
    files["icao:011D"] = sod.security_object(list(groups.items()), authority.document_signer)
    identity.update(
        date_of_birth=birth.isoformat(),
        sex=sex,
        issued=today.isoformat(),
        expiry=expiry.isoformat(),
    )
    profile.icao = keys


def _anniversary(date: dt.date, year: int) -> dt.date:
    """``date``'s day and month in ``year``; 29 February is 1 March in a common year."""
    try:
        return date.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)
