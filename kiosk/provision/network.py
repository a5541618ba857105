"""The network as files for a minimal Debian image: systemd-networkd ``.network`` files and a
wpa_supplicant configuration for ``wlan0``.

Why these and not NetworkManager: the image is a minimal bookworm root filesystem with
systemd as PID 1; systemd-networkd is already part of the ``systemd`` package, and
``wpa_supplicant@wlan0.service`` (Debian's ``wpasupplicant``) reads exactly one file per
interface. NetworkManager would add a daemon, D-Bus policies and a keyfile format for what
two plain files say. DNS from DHCP or from the static ``dns`` list reaches programs through
systemd-resolved (``/etc/resolv.conf`` linked to its stub file in the image).

Wi-Fi: wpa_supplicant gets the pre-shared key derived from the passphrase (PBKDF2-HMAC-SHA1
over the SSID, 4096 rounds, 32 bytes: what ``wpa_passphrase`` prints), never the passphrase
itself, and the SSID in hex, so no character of it can break the file's syntax. A PSK still
opens the network, so the file is 0600. WPA3-only (SAE) networks need the passphrase and are
not supported; a WPA2/WPA3 transition network accepts the PSK.

Paths are relative to the ``etc`` directory given to ``kiosk provision --etc``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from kiosk.provision.spec import Addressing, Provisioning, Wifi

ETHERNET_FILE = PurePosixPath("systemd/network/10-kiosk-ethernet.network")
WIFI_FILE = PurePosixPath("systemd/network/20-kiosk-wifi.network")
WPA_FILE = PurePosixPath("wpa_supplicant/wpa_supplicant-wlan0.conf")
WIFI_INTERFACE = "wlan0"
# The wired link is preferred when both are up.
ETHERNET_METRIC, WIFI_METRIC = 100, 600


@dataclass(frozen=True)
class File:
    path: PurePosixPath
    content: bytes
    mode: int = 0o644


def wpa_psk(ssid: str, passphrase: str) -> str:
    """The 256-bit PSK of WPA-Personal (IEEE 802.11i, H.4), as wpa_passphrase prints it."""
    return hashlib.pbkdf2_hmac("sha1", passphrase.encode(), ssid.encode(), 4096, 32).hex()


def _network(match: str, addressing: Addressing, metric: int, what: str) -> bytes:
    lines = [f"# {what}: written by 'kiosk provision' from the boot partition's kiosk.toml",
             "[Match]", match, "", "[Network]"]
    if addressing.static:
        lines += [f"Address={addressing.address}"]
    else:
        lines += ["DHCP=yes"]
    lines += [f"DNS={server}" for server in addressing.dns]
    if addressing.static and addressing.gateway:
        lines += ["", "[Route]", f"Gateway={addressing.gateway}", f"Metric={metric}"]
    elif not addressing.static:
        lines += ["", "[DHCPv4]", f"RouteMetric={metric}", "", "[IPv6AcceptRA]",
                  f"RouteMetric={metric}"]
    return ("\n".join(lines) + "\n").encode()


def wifi_psk(wifi: Wifi) -> str:
    """The PSK the file gives, or the one derived from its passphrase."""
    if wifi.psk is not None:
        return wifi.psk.get_secret_value()
    assert wifi.passphrase is not None  # the model holds exactly one of them
    return wpa_psk(wifi.ssid, wifi.passphrase.get_secret_value())


def wpa_config(wifi: Wifi) -> bytes:
    psk = wifi_psk(wifi)
    return (
        "# Written by 'kiosk provision': the PSK derived from the passphrase, never the\n"
        "# passphrase itself; the SSID in hex.\n"
        "ctrl_interface=DIR=/run/wpa_supplicant\n"
        "update_config=0\n"
        f"country={wifi.country}\n"
        "network={\n"
        f"    ssid={wifi.ssid.encode().hex()}\n"
        "    scan_ssid=1\n"
        "    key_mgmt=WPA-PSK\n"
        f"    psk={psk}\n"
        "}\n"
    ).encode()


def network_files(spec: Provisioning) -> tuple[list[File], list[PurePosixPath]]:
    """The files to write, and those to remove (an interface the file no longer names)."""
    files, gone = [], []
    if spec.ethernet.enabled:
        files.append(File(ETHERNET_FILE, _network("Name=eth* en*", spec.ethernet,
                                                  ETHERNET_METRIC, "Ethernet")))
    else:
        gone.append(ETHERNET_FILE)
    if spec.wifi is not None:
        files.append(File(WIFI_FILE, _network(f"Name={WIFI_INTERFACE}", spec.wifi, WIFI_METRIC,
                                              "Wi-Fi")))
        files.append(File(WPA_FILE, wpa_config(spec.wifi), 0o600))
    else:
        gone += [WIFI_FILE, WPA_FILE]
    return files, gone
