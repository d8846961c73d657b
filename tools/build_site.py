"""Build the site strictly and pack an offline copy of it.

    python tools/build_site.py [SITE_DIR]        (default: site)

Runs `mkdocs build --strict` into SITE_DIR, then writes SITE_DIR/qkv-explained-offline.zip: the
whole site in one file, for readers on a slow or no connection. Unpacked and served with
`python -m http.server`, it works with no network (every asset is part of the site). `make build`
and the tests both build through this script, so what is tested is what is deployed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = "qkv-explained-offline.zip"
TOP = "qkv-explained"  # the folder the archive unpacks into


def build(site_dir: Path, *, quiet: bool = True) -> Path:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)]
    if quiet:
        cmd.append("--quiet")
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    return pack(site_dir)


def pack(site_dir: Path) -> Path:
    archive = site_dir / ARCHIVE
    archive.unlink(missing_ok=True)
    files = sorted(p for p in site_dir.rglob("*") if p.is_file() and p != archive)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            zf.write(path, f"{TOP}/{path.relative_to(site_dir).as_posix()}")
    return archive


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "site").resolve()
    try:
        out = build(target)
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    print(f"built {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}; "
          f"offline archive {out.stat().st_size / 1e6:.1f} MB")
