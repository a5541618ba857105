from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.sim.profile import CardProfile, ProfileError, new_profile, sn_icc_for


def test_round_trip(tmp_path: Path) -> None:
    profile = new_profile("Gemalto2")
    profile.save(tmp_path / "c.json")
    loaded = CardProfile.load(tmp_path / "c.json")
    assert (loaded.family, loaded.atr, loaded.files, loaded.identity) == (
        profile.family, profile.atr, profile.files, profile.identity)
    assert list(tmp_path.iterdir()) == [tmp_path / "c.json"]  # no temporary file left


def test_sn_icc_carries_the_nis_in_bcd() -> None:
    assert sn_icc_for("910718464654")[5:11].hex() == "910718464654"


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"format": "kiosk-sim-card/1", "family": "NXP", "files": {}, "colour": 1}, "colour"),
        ({"format": "kiosk-sim-card/1", "family": "Nokia", "files": {}}, "family"),
        ({"format": "kiosk-sim-card/1", "family": "NXP", "files": {"xx:1001": "00"}}, "files"),
        ({"format": "kiosk-sim-card/1", "family": "NXP", "files": {"cie:1001": "zz"}}, "files"),
        ({"format": "kiosk-sim-card/1", "family": "NXP", "files": {},
          "behaviours": {"max_response": "many"}}, "behaviours.max_response"),
        ({"format": "kiosk-sim-card/9", "family": "NXP", "files": {}}, "format"),
        ({"format": "kiosk-sim-card/1", "family": "generic", "files": {}}, "atr"),
    ],
)
def test_malformed_profiles_name_the_field(tmp_path: Path, document: dict[str, object],
                                           where: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ProfileError) as caught:
        CardProfile.load(path)
    assert caught.value.code == "PROFILE_INVALID"
    assert str(path) in str(caught.value)
    assert where in str(caught.value)


def test_unreadable_and_missing_profiles(tmp_path: Path) -> None:
    (tmp_path / "junk.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(ProfileError, match=r"junk\.json"):
        CardProfile.load(tmp_path / "junk.json")
    with pytest.raises(ProfileError) as caught:
        CardProfile.load(tmp_path / "missing.json")
    assert caught.value.code == "PROFILE_NOT_FOUND"


def test_new_profile_refuses_bad_input() -> None:
    with pytest.raises(ProfileError):
        new_profile("Nokia")
    with pytest.raises(ProfileError):
        new_profile(identity={"nis": "123"})
