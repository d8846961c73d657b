"""Refresh the web assets the site serves itself, from the npm registry, at pinned versions.

Nothing is fetched when the site is built or a page loads: this script is run by hand when a
version below changes, and its output under docs/assets/vendor/ is committed, licence included.

    python tools/vendor_assets.py

Needs `npm` (it runs `npm pack NAME@VERSION`, which downloads the package tarball only).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_VENDOR = ROOT / "docs" / "assets" / "vendor"  # served with the site
BUILD_VENDOR = ROOT / "tools" / "vendor"  # used when the site is built, never served
TEST_VENDOR = ROOT / "tests" / "vendor"  # used by the browser tests only, never served

# name -> (version, folder, {path inside the package: path under <folder>/<name>/})
PACKAGES: dict[str, tuple[str, Path, dict[str, str]]] = {
    # The stylesheet and fonts of the math that the build typesets (tools/hooks/math.py).
    "katex": (
        "0.19.1",
        SITE_VENDOR,
        {
            "LICENSE": "LICENSE",
            "dist/katex.min.css": "katex.min.css",
            "dist/fonts/*.woff2": "fonts/",
        },
    ),
    "axe-core": (
        "4.14.1",
        TEST_VENDOR,
        {"LICENSE": "LICENSE", "axe.min.js": "axe.min.js"},
    ),
}

# Only the woff2 fonts are kept (every browser that runs the site reads them); the other
# formats are dropped from the stylesheet so that it names no file that is not served.
_OTHER_FONT_FORMATS = re.compile(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')


def _pack(name: str, version: str, workdir: Path) -> Path:
    out = (
        subprocess.run(
            ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(workdir)],
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    with tarfile.open(workdir / out) as tar:
        tar.extractall(workdir / name, filter="data")
    return workdir / name / "package"


def vendor(name: str, version: str, folder: Path, files: dict[str, str]) -> None:
    dest = folder / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        pkg = _pack(name, version, Path(tmp))
        for src, dst in files.items():
            matches = sorted(pkg.glob(src))
            if not matches:
                raise SystemExit(f"{name}@{version}: {src} not found in the package")
            for path in matches:
                target = dest / dst / path.name if dst.endswith("/") else dest / dst
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    css = dest / "katex.min.css"
    if css.exists():
        css.write_text(_OTHER_FONT_FORMATS.sub("", css.read_text()))
    (dest / "VERSION").write_text(f"{name}@{version} from the npm registry\n")
    print(f"vendored {name}@{version} -> {dest.relative_to(ROOT)}")


# The same KaTeX release's script, run by Node.js at build time (tools/katex_render.js).
BUILD_PACKAGES: dict[str, tuple[str, Path, dict[str, str]]] = {
    "katex": (
        PACKAGES["katex"][0],
        BUILD_VENDOR,
        {"LICENSE": "LICENSE", "dist/katex.min.js": "katex.min.js"},
    ),
}


def main() -> None:
    for packages in (PACKAGES, BUILD_PACKAGES):
        for name, (version, folder, files) in packages.items():
            vendor(name, version, folder, files)


if __name__ == "__main__":
    main()
