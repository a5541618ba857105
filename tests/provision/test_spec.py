"""The provisioning file and what first boot renders from it, without a back-office: every
mistake named by file and key with its code, the secrets kept out of error texts, the
runtime configuration that loads, the network files, the token removed and nothing else."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from kiosk import config
from kiosk.provision import network, rewrite, runtime, spec
from tests.conftest import run_kiosk
from tests.provision.files import PASSPHRASE, boot_partition, provisioning_text

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "v1.Zm9vYmFyc2VjcmV0." + "A" * 43
URL = "https://backoffice.comune.example:8444"


def parsed(text: str) -> spec.Provisioning:
    return spec.parse(text, "/boot/firmware/kiosk.toml")


def refusal(text: str) -> spec.ProvisionError:
    with pytest.raises(spec.ProvisionError) as caught:
        parsed(text)
    return caught.value


@pytest.mark.parametrize(("change", "key"), [
    (("comune = \"Comune di Prova\"", "comune = 12"), "site.comune"),
    (("kiosk = \"anagrafe-1\"", "kiosk = \"anagrafe 1\""), "site.kiosk"),
    (("Europe/Rome", "Europe/Roma"), "site.time_zone"),
    (("url = \"https://", "url = \"http://"), "backoffice.url"),
    (("token = \"v1.", "token = \"v2."), "backoffice.token"),
    (("192.168.10.50/24", "192.168.10.50"), "ethernet.address"),
    (("gateway = \"192.168.10.1\"", "gateway = \"the router\""), "ethernet.gateway"),
    (("ssid = \"Comune-Kiosk\"", "ssid = \"" + "x" * 33 + "\""), "wifi.ssid"),
    ((f"passphrase = \"{PASSPHRASE}\"", "passphrase = \"short\""), "wifi.passphrase"),
    (("country = \"IT\"", "country = \"Italy\""), "wifi.country"),
    (("kind = \"pcsc\"", "kind = \"usb\""), "reader.kind"),
    (("uri = \"virtual:receipts\"", "uri = \"lpt1\""), "printer.uri"),
    (("[reader]", "[reader]\nspeed = 1"), "reader.speed"),
])
def test_every_mistake_names_the_file_and_the_key(change: tuple[str, str], key: str) -> None:
    good = provisioning_text(URL, TOKEN)
    assert change[0] in good
    error = refusal(good.replace(change[0], change[1], 1))
    assert error.code == "PROVISION_INVALID"
    assert str(error).startswith("/boot/firmware/kiosk.toml: ")
    assert f"{key}: " in str(error)


def test_not_toml_and_missing_sections_are_invalid_too() -> None:
    assert "not valid TOML" in str(refusal("[site\n"))
    error = refusal("[site]\ncomune = 'X'\nkiosk = 'k'\n")
    assert error.code == "PROVISION_INVALID" and "backoffice: Field required" in str(error)


def test_secrets_never_reach_an_error_text_or_a_repr() -> None:
    bad_token = "v1.s3cr3t-but-malformed.short"
    text = provisioning_text(URL, bad_token).replace(PASSPHRASE, PASSPHRASE + "é")
    error = refusal(text)
    assert "backoffice.token" in str(error) and "wifi.passphrase" in str(error)
    assert bad_token not in str(error) and PASSPHRASE[:8] not in str(error)
    good = parsed(provisioning_text(URL, TOKEN))
    assert TOKEN not in repr(good) and PASSPHRASE not in repr(good)


def test_the_shipped_example_is_refused_until_its_token_is_filled_in() -> None:
    """The example parses except for its placeholder token: a technician who forgets it gets
    the key named, not a back-office refusing a placeholder."""
    example = (ROOT / "image" / "kiosk.toml.example").read_text()
    error = refusal(example)
    assert "; " not in str(error) and "backoffice.token: " in str(error)  # the only one
    filled = parsed(example.replace(
        "v1.PASTE-THE-SECRET-HERE.PASTE-THE-43-CHARACTER-PIN-OF-THE-TOKEN-HERE", TOKEN))
    assert filled.site.kiosk == "anagrafe-1" and filled.reader.uri == "pcsc"


def test_the_runtime_configuration_loads_as_the_pi_profile(tmp_path: Path) -> None:
    provisioning = parsed(provisioning_text(URL, TOKEN, extra="[gpio]\nbuzzer = 22\n"))
    text = runtime.runtime_config(provisioning, tmp_path / "state", "/boot/firmware/kiosk.toml")
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    loaded = config.load(path)
    assert loaded.name == "pi"
    profile = loaded.profile
    assert profile.reader == "pcsc" and profile.state_path == tmp_path / "state"
    assert profile.site.comune == "Comune di Prova"
    assert profile.printer is not None and profile.printer.uri == "virtual:receipts"
    assert profile.gpio is not None and profile.gpio.buzzer == 22
    assert profile.frontpanel is None and profile.uplink is not None
    assert profile.display.driver == "kmsdrm" and profile.display.mode == "fullscreen"
    assert TOKEN not in text and PASSPHRASE not in text


@pytest.mark.parametrize(("reader", "uri"), [
    ('kind = "pcsc"', "pcsc"),
    ('kind = "pcsc"\nname = "ACS ACR1252"', "pcsc:ACS ACR1252"),
    ('kind = "nfc"', "nfc:usb"),
    ('kind = "nfc"\ndevice = "tty:AMA0"', "nfc:tty:AMA0"),
])
def test_the_reader_kind_becomes_the_runtime_reader(reader: str, uri: str) -> None:
    text = provisioning_text(URL, TOKEN).replace('kind = "pcsc"', reader)
    assert parsed(text).reader.uri == uri


def test_wpa_psk_is_the_ieee_802_11i_test_vector() -> None:
    # IEEE 802.11i-2004, H.4.1: passphrase "password", SSID "IEEE"
    assert network.wpa_psk("IEEE", "password") == (
        "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e")


def test_network_files_hold_the_psk_never_the_passphrase() -> None:
    files, gone = network.network_files(parsed(provisioning_text(URL, TOKEN)))
    by_path = {str(file.path): file for file in files}
    assert gone == []
    ethernet = by_path["systemd/network/10-kiosk-ethernet.network"].content.decode()
    assert "Address=192.168.10.50/24" in ethernet and "DHCP" not in ethernet
    assert "Gateway=192.168.10.1" in ethernet and "DNS=9.9.9.9" in ethernet
    wifi = by_path["systemd/network/20-kiosk-wifi.network"].content.decode()
    assert "Name=wlan0" in wifi and "DHCP=yes" in wifi
    wpa = by_path["wpa_supplicant/wpa_supplicant-wlan0.conf"]
    assert wpa.mode == 0o600
    assert f"psk={network.wpa_psk('Comune-Kiosk', PASSPHRASE)}" in wpa.content.decode()
    assert f"ssid={b'Comune-Kiosk'.hex()}" in wpa.content.decode()
    assert "country=IT" in wpa.content.decode()
    assert all(PASSPHRASE.encode() not in file.content for file in files)


def test_without_wifi_and_ethernet_their_files_are_removed() -> None:
    text = provisioning_text(URL, TOKEN)
    text = text[:text.index("# The Comune's kiosk network")] + "[reader]\nkind = \"pcsc\"\n"
    text = text.replace("[ethernet]\n", "[ethernet]\nenabled = false\n")
    files, gone = network.network_files(parsed(text))
    assert files == []
    assert {str(path) for path in gone} == {
        "systemd/network/10-kiosk-ethernet.network", "systemd/network/20-kiosk-wifi.network",
        "wpa_supplicant/wpa_supplicant-wlan0.conf"}


@pytest.mark.parametrize("layout", ["table", "inline", "dotted"])
def test_the_token_goes_and_everything_else_stays(layout: str) -> None:
    text = provisioning_text(URL, TOKEN)
    if layout != "table":
        text = text.replace(f'[backoffice]\nurl = "{URL}"\ntoken = "{TOKEN}"   # from the clerk, '
                            '7 Dec\n', "")
        text = (f'backoffice = {{ url = "{URL}", token = "{TOKEN}" }}\n' if layout == "inline"
                else f'backoffice.url = "{URL}"\nbackoffice.token = "{TOKEN}"\n') + text
        text = text.rstrip("\n")  # and no newline at the end of the file
    assert rewrite.has_token(text)
    after = rewrite.without_token(text, "2026-12-07T08:00:00+00:00")
    assert not rewrite.has_token(after) and TOKEN not in after
    before, now = tomllib.loads(text), tomllib.loads(after)
    del before["backoffice"]["token"]
    assert now == before
    for line in text.splitlines():  # every comment and every other line is still there
        if TOKEN not in line:
            assert line in after.splitlines()
    assert "backoffice.token: used by first boot to enroll this kiosk on 2026-12-07" in after
    assert rewrite.without_token(after, "later") == after


def test_the_passphrase_becomes_the_psk_and_the_file_still_says_the_same() -> None:
    text = provisioning_text(URL, TOKEN)
    assert rewrite.has_passphrase(text)
    after = rewrite.with_psk(text, "2026-12-07T08:00:00+00:00")
    assert PASSPHRASE not in after and not rewrite.has_passphrase(after)
    psk = network.wpa_psk("Comune-Kiosk", PASSPHRASE)
    assert tomllib.loads(after)["wifi"]["psk"] == psk
    assert network.network_files(parsed(after)) == network.network_files(parsed(text))
    assert rewrite.with_psk(after, "later") == after


@pytest.mark.parametrize(("wifi", "problem"), [
    ("psk = \"" + "0" * 64 + "\"", "not both"),
    ("", "not both"),
    ("psk = \"" + "0" * 63 + "\"", "wifi.psk: "),
])
def test_wifi_takes_a_passphrase_or_a_psk(wifi: str, problem: str) -> None:
    text = provisioning_text(URL, TOKEN).replace('country = "IT"', f'country = "IT"\n{wifi}')
    if not wifi:
        text = text.replace(f'passphrase = "{PASSPHRASE}"', "")
    error = refusal(text)
    assert "wifi" in str(error) and problem in str(error)


def test_check_reads_the_file_and_writes_nothing(tmp_path: Path) -> None:
    """``kiosk provision --check``, on the technician's PC before the card goes in."""
    boot = boot_partition(tmp_path / "boot", provisioning_text(URL, TOKEN))
    before = (boot / "kiosk.toml").read_text()
    done = run_kiosk("provision", "--check", "--boot", str(boot), "--state",
                     str(tmp_path / "state"), "--etc", str(tmp_path / "etc"), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "file": str(boot / "kiosk.toml"), "comune": "Comune di Prova", "kiosk": "anagrafe-1",
        "time_zone": "Europe/Rome", "backoffice": URL, "token": "present",
        "ethernet": "static 192.168.10.50/24", "wifi": "Comune-Kiosk (DHCP)", "reader": "pcsc",
        "hardware": "printer", "ssh": "off"}
    assert TOKEN not in done.stdout + done.stderr and PASSPHRASE not in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boot"]
    assert (boot / "kiosk.toml").read_text() == before

    (boot / "kiosk.toml").write_text(before.replace('kind = "pcsc"', 'kind = "usb"'))
    done = run_kiosk("provision", "--check", "--boot", str(boot), "--json")
    error = json.loads(done.stdout)["error"]
    assert done.returncode == 2 and error["code"] == "PROVISION_INVALID"
    assert "reader.kind" in error["message"]
