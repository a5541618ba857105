"""A technician's provisioning file for the tests, with its secrets known so scans can look
for them."""

from __future__ import annotations

from pathlib import Path

PASSPHRASE = "correct horse battery staple"  # the Wi-Fi passphrase of every test file


def provisioning_text(url: str, token: str | None, *, kiosk: str = "anagrafe-1",
                      extra: str = "") -> str:
    token_line = f'token = "{token}"   # from the clerk, 7 Dec\n' if token else ""
    return f"""# Kiosk at the anagrafe desk, first floor. Technician: M. Rossi.
[site]
comune = "Comune di Prova"   # as on the receipts
kiosk = "{kiosk}"
time_zone = "Europe/Rome"

[backoffice]
url = "{url}"
{token_line}
[ethernet]
address = "192.168.10.50/24"
gateway = "192.168.10.1"
dns = ["192.168.10.1", "9.9.9.9"]

# The Comune's kiosk network
[wifi]
ssid = "Comune-Kiosk"
passphrase = "{PASSPHRASE}"
country = "IT"

[reader]
kind = "pcsc"

[printer]
uri = "virtual:receipts"
{extra}"""


def boot_partition(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kiosk.toml").write_text(text)
    return directory
