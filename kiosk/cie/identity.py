"""Who the card says its holder is, and how far to believe it (PROTOCOL.md §4.4-§4.6).

What a clerk relies on for a hand-off when PIN and PUK are lost: the data groups give name,
codice fiscale, dates and photo; passive authentication says the issuer signed exactly these
bytes; chip authentication says the chip holds the DG14 key, so it is no copy. The verdicts are
kept apart, never folded into one "ok", so the screen can say which one failed.

Names come from DG11 when it has them (written in full) and from the MRZ otherwise (truncated
to 30 characters a line); the date of birth from DG11's full date, because the MRZ has no
century.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from kiosk.cie import csca, datagroups, sod
from kiosk.cie.icao import IcaoRead
from kiosk.cie.mrz import Td1

DG1, DG2, DG11, DG12, DG14 = "01", "02", "0B", "0C", "0E"


@dataclass(frozen=True, slots=True)
class IdentityReport:
    given_name: str
    surname: str
    codice_fiscale: str | None
    date_of_birth: str  # YYYY-MM-DD, or YYMMDD as in the MRZ when DG11 has no full date
    document_number: str
    date_of_expiry: str  # YYMMDD, as in the MRZ
    passive_auth: str  # trusted | untrusted | invalid
    chip_auth: str  # passed | failed | not-supported
    data_groups: dict[str, str]  # SOD number → match | mismatch | absent
    photo: datagroups.FaceImage | None
    access: str  # PACE | BAC


def _iso_date(yyyymmdd: str | None) -> str | None:
    if yyyymmdd is None or len(yyyymmdd) != 8 or not yyyymmdd.isdigit():
        return None
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def judge(read: IcaoRead, anchors: Iterable[csca.Certificate], at: datetime) -> IdentityReport:
    mrz: Td1 = datagroups.parse_dg1(read.files[DG1])
    details = datagroups.parse_dg11(read.files[DG11]) if DG11 in read.files else None
    photo = datagroups.parse_dg2(read.files[DG2]) if DG2 in read.files else None
    security_object = sod.parse_sod(read.sod)
    if not sod.verify_signature(security_object):
        passive = csca.ChainStatus.INVALID.value
    else:
        passive = csca.verify_chain(security_object.signer, anchors, at).status.value
    checks = sod.check_files(security_object, read.files)
    if any(check is not sod.FileCheck.MATCH for check in checks.values()):
        passive = csca.ChainStatus.INVALID.value
    return IdentityReport(
        given_name=(details.given_names if details and details.given_names else mrz.given_names),
        surname=(details.surname if details and details.surname else mrz.surname),
        codice_fiscale=details.personal_number if details else None,
        date_of_birth=_iso_date(details.full_date_of_birth if details else None)
        or mrz.date_of_birth,
        document_number=mrz.document_number,
        date_of_expiry=mrz.date_of_expiry,
        passive_auth=passive,
        chip_auth=read.chip_authentication.result.value,
        data_groups={tag: check.value for tag, check in checks.items()},
        photo=photo,
        access=read.access.value,
    )
