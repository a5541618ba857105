"""The amd64 twin of the kiosk's root filesystem, for booting under systemd-nspawn: Debian
bookworm minbase with the packages of image/packages.txt (less the ``arm64-only`` lines), and
the kiosk's wheel, built from this tree, in a virtual environment at /opt/kiosk.

The virtual environment sees Debian's site-packages (``--system-site-packages``), so the
compiled dependencies Debian builds (python3-systemd, python3-pyscard, python3-gmpy2) are
taken from there; pip installs the rest from wheels this machine builds or downloads
(``pip wheel``: the project's indexes and pip's cache, no network inside the chroot).

systemd/install.sh is applied to it as the image build applies it. Two trees are cached, as
directories, in ``$XDG_CACHE_HOME/cie-kiosk-tests/`` (else ``~/.cache/...``), each named for a
hash of its inputs: Debian's packages (image/packages.txt), and a copy of it with the kiosk
(pyproject.toml, kiosk/, systemd/). A fresh machine builds both (pip makes the wheels while
mmdebstrap works); a change to the kiosk rebuilds the second only; later runs boot it as it
is. The tests never write to it: nspawn's ``--volatile=overlay`` keeps every change in
memory (a tarball to extract and delete each time cost 30 to 100 s here). Two xdist workers
take turns through a file lock. Needs root (mmdebstrap's root mode, file ownership in the tree).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import Requirement

from image.wheelhouse import debian_builds
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


def digest(paths: list[Path], *more: str) -> str:
    """A key for what is built from ``paths`` (files, or directories of files) and ``more``."""
    files: list[Path] = []
    for path in paths:
        files += sorted(file for file in path.rglob("*") if file.is_file()
                        and "__pycache__" not in file.parts) if path.is_dir() else [path]
    hashed = hashlib.sha256("\0".join(more).encode())
    for file in files:
        hashed.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    return hashed.hexdigest()[:16]


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cie-kiosk-tests"


def cached(name: str, key: str, make: Callable[[Path, Path], None]) -> Path:
    """The directory ``name-key`` of the cache, made by ``make(target, scratch)`` the first
    time (older keys of ``name`` are removed then)."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}-{key}"
    with (directory / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            for stale in directory.glob(f"{name}-*"):
                shutil.rmtree(stale)
            with tempfile.TemporaryDirectory(dir=directory) as scratch:
                built = Path(scratch) / "root"
                make(built, Path(scratch))
                built.replace(target)
    return target


def base() -> Path:
    """Debian with image/packages.txt: changes only with the list and mmdebstrap's command."""
    return cached(f"rootfs-{SUITE}-amd64-base", digest([PACKAGES], *debootstrap("ROOT")),
                  install_debian)


def tree() -> Path:
    """The root filesystem for this source tree, built the first time; read-only to callers.
    A change to the kiosk or systemd/ costs a copy of :func:`base` and the venv's install."""
    key = digest([PACKAGES, Path(__file__), ROOT / "pyproject.toml", ROOT / "kiosk",
                  ROOT / "systemd"])
    return cached(f"rootfs-{SUITE}-amd64-kiosk", key, install_kiosk)


def debootstrap(target: str) -> list[str]:
    return [
        "mmdebstrap", "--quiet", "--mode=root", "--format=directory", "--arch=amd64",
        "--variant=minbase", "--aptopt=Acquire::Check-Valid-Until \"false\"",
        f"--include={','.join(packages('amd64'))}",
        '--customize-hook=rm -f "$1/etc/resolv.conf"',
        SUITE, target, f"deb {debian_mirror()} {SUITE} main",
    ]


def install_debian(target: Path, _scratch: Path) -> None:
    subprocess.run(debootstrap(str(target)), check=True, timeout=BUILD_TIMEOUT_SECONDS,
                   stdin=subprocess.DEVNULL)


def build_wheels(wheels: Path) -> str:
    """The kiosk's wheel (its file name is returned), then wheels of what it requires but
    Debian does not build: pip in the chroot installs from these alone (it finds the rest in
    Debian's site-packages)."""
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True,
                   timeout=BUILD_TIMEOUT_SECONDS)
    (kiosk_wheel,) = wheels.glob("cie_kiosk-*.whl")
    subprocess.run([*pip, "wheel", "--use-pep517", "-w", str(wheels), *pip_requirements()],
                   check=True, timeout=BUILD_TIMEOUT_SECONDS)
    return kiosk_wheel.name


def in_root(root: Path, *argv: str) -> str:
    """Run ``argv`` chrooted in ``root``, with /proc and /dev, and none of this machine's pip
    settings (its local indexes do not exist in there); its standard output is returned."""
    mounts = 'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"'
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", mounts,
                           str(root), *argv], check=True, timeout=BUILD_TIMEOUT_SECONDS,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                          env={key: value for key, value in os.environ.items()
                               if not key.startswith("PIP_")}).stdout


def install_kiosk(target: Path, scratch: Path) -> None:
    with ThreadPoolExecutor(1) as background:  # pip builds wheels while mmdebstrap works
        wheels = background.submit(build_wheels, scratch / "wheels")
        subprocess.run(["cp", "-a", "--reflink=auto", str(base()), str(target)], check=True,
                       timeout=BUILD_TIMEOUT_SECONDS)
        kiosk_wheel = wheels.result()
    shutil.copytree(scratch / "wheels", target / "tmp" / "wheels")
    in_root(target, "python3", "-m", "venv", "--system-site-packages", VENV)
    in_root(target, f"{VENV}/bin/pip", "install", "-q", "--disable-pip-version-check",
            "--no-index", "--find-links", "/tmp/wheels", f"/tmp/wheels/{kiosk_wheel}")
    shutil.rmtree(target / "tmp" / "wheels")
    subprocess.run([str(ROOT / "systemd" / "install.sh"), str(target)], check=True,
                   capture_output=True, timeout=BUILD_TIMEOUT_SECONDS)
