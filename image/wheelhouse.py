"""The kiosk's Python packages for the arm64 image, gathered on the build machine.

The image runs the kiosk from a virtual environment (/opt/kiosk) made with Debian's Python
and ``--system-site-packages``. Every PyPI dependency comes as an arm64 (manylinux aarch64)
or pure-Python wheel at the version in image/constraints.txt, except these:

- the distributions a ``# pip: NAME`` comment in image/packages.txt names: Debian's package
  stands in for them, the environment sees it and pip counts it as installed. pyscard and
  systemd-python are C extensions with sources only on PyPI; pygame's PyPI wheels bundle an
  SDL without the kmsdrm display driver (X11, Wayland and offscreen only), so on a Pi with no
  desktop they could not open the screen, while Debian's pygame runs on Debian's SDL, which
  draws through DRM/KMS with Mesa (vc4/v3d on the Pi 4).
- pyDes (pure Python, sources only): its wheel is built here.
- cobs (a C extension with its own pure-Python fallback, sources only): its wheel is built
  here with the compiler turned off, so setup.py falls back to the pure-Python package; the
  front panel's frames are a few bytes, so speed does not matter.

Nothing is compiled for arm64 and nothing is fetched inside the image.

    python -m image.wheelhouse OUT_DIR   # the kiosk's wheel, then everything it needs
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from zipfile import ZipFile

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "image" / "constraints.txt"
PACKAGES = ROOT / "image" / "packages.txt"
BUILT_HERE = ("pyDes", "cobs")
EXTRAS = "pi"  # gpiozero and rpi-lgpio: the Pi's GPIO
# bookworm's glibc is 2.36: any manylinux wheel up to 2_36 runs on it
PLATFORMS = ("manylinux2014_aarch64",
             *(f"manylinux_2_{minor}_aarch64" for minor in range(17, 37)))
PYTHON_VERSION = "3.11"  # bookworm's python3


def _pip(*arguments: str, env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments],
                   check=True, env=env)


def debian_builds() -> set[str]:
    """The PyPI distributions Debian's packages stand in for (``# pip: NAME`` lines)."""
    return set(re.findall(r"#\s*pip:\s*([A-Za-z0-9_.-]+)", PACKAGES.read_text()))


def kiosk_requirements(wheel: Path) -> list[str]:
    """The kiosk wheel's requirements with its Pi extra, less those Debian provides."""
    with ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(meta).decode()
    wanted = []
    debian = debian_builds()
    for line in text.splitlines():
        if not line.startswith("Requires-Dist:"):
            continue
        requirement = Requirement(line.split(":", 1)[1].strip())
        environment = {"extra": EXTRAS, "sys_platform": "linux", "platform_machine": "aarch64",
                       "python_version": PYTHON_VERSION}
        if requirement.marker and not requirement.marker.evaluate(environment):
            continue
        if requirement.name in debian:
            continue
        requirement.marker = None
        wanted.append(str(requirement))
    return wanted


def build(out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT))
    kiosk = next(out.glob("cie_kiosk-*.whl"))
    # the compiler is `false`: cobs's setup.py catches the failure and builds pure Python
    _pip("wheel", "--quiet", "--no-deps", "--use-pep517", "--no-binary", ",".join(BUILT_HERE),
         "--wheel-dir", str(out), "--constraint", str(CONSTRAINTS), *BUILT_HERE,
         env={**os.environ, "CC": "false"})
    platforms = [argument for platform in PLATFORMS for argument in ("--platform", platform)]
    _pip("download", "--quiet", "--dest", str(out), "--only-binary", ":all:", *platforms,
         "--python-version", PYTHON_VERSION, "--implementation", "cp",
         "--find-links", str(out), "--constraint", str(CONSTRAINTS),
         *kiosk_requirements(kiosk))
    return kiosk


if __name__ == "__main__":
    print(build(Path(sys.argv[1])))
