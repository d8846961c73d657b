"""Lighthouse scores of the built site, a chapter and a notebook page per language: `make audit`.

    python tools/audit.py [SITE_DIR] [PAGE ...]
        (defaults: site; why-project/, heads/ and notebooks/attention-heatmaps/, in each language)

Serves SITE_DIR as a static host would (tools/static_host.py, gzip on), runs the Lighthouse
pinned in tools/audit/package.json against each page in Debian's headless Chromium (CHROME_PATH,
default /usr/bin/chromium) with Lighthouse's default mobile settings (simulated slow 4G and a
slowed-down CPU), prints the category scores, and exits 1 if performance is below 95 or
accessibility below 100 on any page. Nothing here is part of `make test`: Lighthouse is slow
and its performance score moves by a few points from run to run, and by twenty when the
machine is busy with other work (run it on a quiet machine).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from static_host import serve

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "tools" / "audit" / "node_modules" / ".bin" / "lighthouse"
THRESHOLDS = {"performance": 95, "accessibility": 100}
PAGES = [  # a text chapter, the chapter with two widgets, a notebook page; in each language
    "why-project/",
    "en/why-project/",
    "heads/",
    "en/heads/",
    "notebooks/attention-heatmaps/",
    "en/notebooks/attention-heatmaps/",
]
CHROME_FLAGS = " ".join(
    [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
    ]
)


def audit(url: str) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report}",
                f"--chrome-flags={CHROME_FLAGS}",
                "--only-categories=performance,accessibility,best-practices,seo",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
        )
        categories = json.loads(report.read_text())["categories"]
    return {name: round(cat["score"] * 100) for name, cat in categories.items()}


def main(argv: list[str]) -> int:
    site = Path(argv[0]) if argv else ROOT / "site"
    pages = argv[1:] or PAGES
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `npm ci --prefix tools/audit`", file=sys.stderr)
        return 2
    server, base = serve(site)
    failed = False
    try:
        for page in pages:
            scores = audit(base + page)
            line = "  ".join(f"{k} {v}" for k, v in scores.items())
            print(f"{page:<36} {line}", flush=True)
            failed |= any(scores[k] < least for k, least in THRESHOLDS.items())
    finally:
        server.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
