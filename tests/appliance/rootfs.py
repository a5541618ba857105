"""The amd64 twin of the kiosk's root filesystem, for booting under systemd-nspawn: Debian
bookworm minbase with the packages of image/packages.txt (less the ``arm64-only`` lines), and
the kiosk's wheel, built from this tree, in a virtual environment at /opt/kiosk.

The virtual environment sees Debian's site-packages (``--system-site-packages``), so the
compiled dependencies Debian builds (python3-systemd, python3-pyscard, python3-gmpy2) are
taken from there; pip installs the rest from wheels this machine builds or downloads
(``pip wheel``: the project's indexes and pip's cache, no network inside the chroot).

systemd/install.sh is applied to it as the image build applies it. The tree is cached, as a
directory, in ``$XDG_CACHE_HOME/cie-kiosk-tests/`` (else ``~/.cache/...``), named for a hash
of its inputs (the package list, pyproject.toml, the kiosk's sources and systemd/): a fresh
machine builds it (about two minutes here), later runs boot it as it is. The tests never
write to it: nspawn's ``--volatile=overlay`` keeps every change in memory (a tarball to
extract and delete each time cost 30 to 100 s here). Two xdist workers take turns through a
file lock. Needs root (mmdebstrap's root mode, file ownership in the tree).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from tests.conftest import ROOT

PACKAGES = ROOT / "image" / "packages.txt"
SUITE = "bookworm"
BUILD_TIMEOUT_SECONDS = 900.0
VENV = "/opt/kiosk"


def packages(arch: str = "amd64") -> list[str]:
    """image/packages.txt's names for ``arch`` (its header defines the format)."""
    names = []
    for line in PACKAGES.read_text().splitlines():
        name, _, comment = line.partition("#")
        if name.strip() and (arch == "arm64" or "arm64-only" not in comment):
            names.append(name.strip())
    return names


def debian_builds() -> set[str]:
    """The PyPI distributions Debian's packages stand in for (``# pip: NAME`` lines)."""
    return set(re.findall(r"#\s*pip:\s*([A-Za-z0-9_.-]+)", PACKAGES.read_text()))


def pip_requirements() -> list[str]:
    """The kiosk's requirements that pip installs: the rest come from Debian."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    debian = debian_builds()
    return [line for line in project["dependencies"] if Requirement(line).name not in debian]


def debian_mirror() -> str:
    """The mirror apt already uses on this machine, never a hard-coded host."""
    for line in Path("/etc/apt/sources.list.d/debian.sources").read_text().splitlines():
        if line.startswith("URIs:"):
            return line.split()[1]
    raise AssertionError("no URIs: line in /etc/apt/sources.list.d/debian.sources")


def inputs_hash() -> str:
    digest = hashlib.sha256()
    sources = [PACKAGES, ROOT / "pyproject.toml", Path(__file__)]
    for tree in ("kiosk", "systemd"):
        sources += sorted(path for path in (ROOT / tree).rglob("*")
                          if path.is_file() and "__pycache__" not in path.parts)
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cie-kiosk-tests"


def tree() -> Path:
    """The root filesystem for this source tree, built the first time; read-only to callers."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"rootfs-{SUITE}-amd64-{inputs_hash()}"
    with (directory / "rootfs.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            for stale in directory.glob(f"rootfs-{SUITE}-amd64-*"):
                if stale.is_dir():
                    shutil.rmtree(stale)
                else:  # a tarball, as the cache held before
                    stale.unlink()
            with tempfile.TemporaryDirectory(dir=directory) as scratch:
                built = Path(scratch) / "root"
                build(built, Path(scratch) / "wheels")
                built.replace(target)
    return target


def build(out: Path, wheels: Path) -> None:
    # The kiosk's wheel, then wheels of what it requires but Debian does not build: pip in
    # the chroot installs from these alone (it finds the rest in Debian's site-packages).
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True,
                   timeout=BUILD_TIMEOUT_SECONDS)
    (kiosk_wheel,) = wheels.glob("cie_kiosk-*.whl")
    subprocess.run([*pip, "wheel", "--use-pep517", "-w", str(wheels), *pip_requirements()],
                   check=True, timeout=BUILD_TIMEOUT_SECONDS)
    install = (f'chroot "$1" {VENV}/bin/pip install -q --disable-pip-version-check --no-index '
               f'--find-links /tmp/wheels /tmp/wheels/{kiosk_wheel.name}')
    subprocess.run([
        "mmdebstrap", "--quiet", "--mode=root", "--format=directory", "--arch=amd64",
        "--variant=minbase", "--aptopt=Acquire::Check-Valid-Until \"false\"",
        f"--include={','.join(packages('amd64'))}",
        f"--customize-hook=copy-in {wheels} /tmp",
        f'--customize-hook=chroot "$1" python3 -m venv --system-site-packages {VENV}',
        f"--customize-hook={install}",
        '--customize-hook=rm -rf "$1/tmp/wheels" "$1/etc/resolv.conf"',
        f'--customize-hook={ROOT / "systemd" / "install.sh"} "$1"',
        SUITE, str(out), f"deb {debian_mirror()} {SUITE} main",
    ], check=True, timeout=BUILD_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL,
       env={key: value for key, value in os.environ.items() if not key.startswith("PIP_")})
