from __future__ import annotations

from pathlib import Path

import pytest

from kiosk import config
from kiosk.config import ConfigError

GOOD = """
profile = "sim"
[profiles.sim]
reader = "sim:card.json"
state_dir = "/tmp/kiosk-test"
display = { mode = "headless", size = [800, 480] }
[profiles.pi]
reader = "pcsc"
state_dir = "/var/lib/kiosk"
"""


def test_packaged_default_is_valid_and_chooses_sim() -> None:
    cfg = config.parse(config.default_config_text(), "default")
    assert cfg.name == "sim"
    assert cfg.profile.reader.startswith("sim:")
    pi = config.parse(config.default_config_text(), "default", "pi")
    assert (pi.profile.reader, pi.profile.display.mode, pi.profile.display.driver) == (
        "pcsc", "fullscreen", "kmsdrm")


def test_profile_selection_and_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(GOOD)
    cfg = config.load(path)
    assert (cfg.name, cfg.profile.display.size, cfg.source) == ("sim", [800, 480], str(path))
    assert cfg.profile.resolve("card.json") == Path("/tmp/kiosk-test/card.json")
    monkeypatch.setenv("KIOSK_PROFILE", "pi")
    assert config.load(path).name == "pi"
    assert config.load(path, "sim").name == "sim"
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert config.load().source == str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace('reader = "pcsc"', 'reader = "pcsc"\ncolour = "blue"'),
         "profiles.pi.colour: unknown key"),
        (GOOD.replace('mode = "headless"', 'mode = "full"'), "profiles.sim.display.mode"),
        (GOOD.replace("size = [800, 480]", 'size = ["800", 480]'), "profiles.sim.display.size"),
        (GOOD.replace('reader = "pcsc"\n', ""), "profiles.pi.reader: Field required"),
        (GOOD.replace('profile = "sim"', 'profile = "kiosk"'), "profile: no profile named 'kiosk'"),
        (GOOD.replace('profile = "sim"', "profile = 3"), "profile: Input should be a valid string"),
        ("profile = [", "not valid TOML"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert caught.value.code == "CONFIG_INVALID"
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(tmp_path / "nope.toml")
    assert caught.value.code == "CONFIG_NOT_FOUND"
    assert "nope.toml" in str(caught.value)
