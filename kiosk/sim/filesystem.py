"""The card's file tree: an MF with dedicated files (DFs) and transparent EFs.

Where each file lives is fixed by the CIE layout (PROTOCOL.md §1.2-§1.5); a profile only says
what the files contain. Profiles name files as ``<df>:<FID>``, with ``mf``, ``cie`` and
``icao`` as the DF names, so a profile can be read and edited by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.cie import ids


@dataclass(slots=True)
class ElementaryFile:
    fid: bytes
    data: bytes
    sfi: int | None = None


@dataclass(slots=True, eq=False)
class DedicatedFile:
    name: str
    fid: bytes | None = None
    aids: tuple[bytes, ...] = ()
    parent: DedicatedFile | None = None
    efs: list[ElementaryFile] = field(default_factory=list)
    dfs: list[DedicatedFile] = field(default_factory=list)

    def ef(self, fid: bytes) -> ElementaryFile | None:
        return next((ef for ef in self.efs if ef.fid == fid), None)

    def ef_by_sfi(self, sfi: int) -> ElementaryFile | None:
        return next((ef for ef in self.efs if ef.sfi == sfi), None)

    def child_df(self, fid: bytes) -> DedicatedFile | None:
        return next((df for df in self.dfs if df.fid == fid), None)

    def by_aid(self, aid: bytes) -> DedicatedFile | None:
        """Search this DF and everything below it for the application ``aid``."""
        if aid in self.aids:
            return self
        for df in self.dfs:
            found = df.by_aid(aid)
            if found is not None:
                return found
        return None


# Short file identifiers of the CIE layout, by DF and FID.
SFIS: dict[str, dict[str, int]] = {
    "mf": {"2F01": 0x1D, "D004": 0x1B, "011C": 0x1C},
    "cie": {"1001": 0x01, "1004": 0x04, "1005": 0x05, "1006": 0x06},
    "icao": {
        "011E": 0x1E, "011D": 0x1D, "0101": 0x01, "0102": 0x02, "0103": 0x03,
        "010B": 0x0B, "010C": 0x0C, "010E": 0x0E, "011C": 0x1C,
    },
}


def build(files: dict[str, bytes], *, is_cie: bool) -> DedicatedFile:
    """The tree for a profile's files. On a CIE, the IAS AID names the MF itself.

    IAS-ECC cards expose their root application under the IAS AID (Gemalto's EF.ATR calls it
    "IasEccRoot"), which is why NXP-like chips can be entered by selecting the MF instead.
    """
    mf = DedicatedFile("mf", fid=ids.MF, aids=(ids.IAS_AID,) if is_cie else ())
    dfs = {"mf": mf}
    if is_cie or any(key.startswith("cie:") for key in files):
        dfs["cie"] = DedicatedFile("cie", aids=(ids.CIE_AID,), parent=mf)
    if any(key.startswith("icao:") for key in files):
        dfs["icao"] = DedicatedFile("icao", aids=(ids.ICAO_AID,), parent=mf)
    mf.dfs = [df for name, df in dfs.items() if name != "mf"]
    for key, data in files.items():
        df_name, _, fid = key.partition(":")
        fid = fid.upper()
        dfs[df_name].efs.append(
            ElementaryFile(bytes.fromhex(fid), data, SFIS[df_name].get(fid))
        )
    return mf
