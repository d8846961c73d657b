"""Build the site strictly and pack an offline copy of it.

    python tools/build_site.py [SITE_DIR]             (default: site)
    python tools/build_site.py --if-changed SITE_DIR  (what `make test` runs)

Runs `mkdocs build --strict` into SITE_DIR, then writes SITE_DIR/qkv-explained-offline.zip: the
whole site in one file, for readers on a slow or no connection. Unpacked and served with
`python -m http.server`, it works with no network (every asset is part of the site). `make build`
and the tests both build through this script, so what is tested is what is deployed.

With ``--if-changed`` the build is skipped when SITE_DIR was built from exactly the same inputs:
every file the build reads (docs/, tools/, qkvlib/ — the API pages and widget data come from it —
mkdocs.yml, pyproject.toml, constraints.txt), hashed into SITE_DIR/.inputs-digest after a
successful build.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = "qkv-explained-offline.zip"
TOP = "qkv-explained"  # the folder the archive unpacks into


# Lines of a build's output that say nothing to a contributor (progress, jieba loading its model).
_CHATTER = re.compile(
    r"^(INFO\b|Building prefix dict|Loading model|Prefix dict has been built|Dumping model)"
)


def build(site_dir: Path) -> Path:
    """`mkdocs build --strict` into ``site_dir``; any warning fails it and is printed.

    Not ``--quiet``: that option drops the warnings before strict mode counts them, so a missing
    image or a broken anchor would pass. The INFO lines are left out of what is printed.
    """
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site_dir)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    text = proc.stdout.decode("utf-8", errors="replace")
    shown = [line for line in text.splitlines() if not _CHATTER.match(line)]
    if shown:
        print("\n".join(shown), file=sys.stderr)
    if proc.returncode != 0:
        raise subprocess.CalledProcessError(proc.returncode, cmd, output=text)
    return pack(site_dir)


def pack(site_dir: Path) -> Path:
    archive = site_dir / ARCHIVE
    archive.unlink(missing_ok=True)
    files = sorted(p for p in site_dir.rglob("*") if p.is_file() and p != archive)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            zf.write(path, f"{TOP}/{path.relative_to(site_dir).as_posix()}")
    return archive


INPUTS = ("docs", "tools", "qkvlib", "mkdocs.yml", "pyproject.toml", "constraints.txt")
DIGEST = ".inputs-digest"


def inputs_digest() -> str:
    """A hash of every file the build reads (node_modules and caches left out)."""
    import hashlib

    h = hashlib.sha256(sys.version.encode())
    for name in INPUTS:
        top = ROOT / name
        files = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in files:
            if {"node_modules", "__pycache__"} & set(path.parts):
                continue
            h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


if __name__ == "__main__":
    args = sys.argv[1:]
    if_changed = "--if-changed" in args
    args = [a for a in args if a != "--if-changed"]
    target = Path(args[0] if args else "site").resolve()
    digest = inputs_digest() if if_changed else ""
    stamp = target / DIGEST
    if if_changed and stamp.exists() and stamp.read_text() == digest:
        print(f"{target.name}: up to date (built from the very same inputs)")
        sys.exit(0)
    stamp.unlink(missing_ok=True)
    try:
        out = build(target)
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
    if if_changed:
        stamp.write_text(digest)
    print(
        f"built {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}; "
        f"offline archive {out.stat().st_size / 1e6:.1f} MB"
    )
