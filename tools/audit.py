"""Lighthouse scores of the built site, a chapter and a notebook page per language: `make audit`.

    python tools/audit.py [SITE_DIR] [PAGE ...]
        (defaults: site; why-project/, heads/ and notebooks/attention-heatmaps/, in each language)

Serves SITE_DIR as a static host would (tools/static_host.py, gzip on), runs the Lighthouse
pinned in tools/audit/package.json against each page in Debian's headless Chromium (CHROME_PATH,
default /usr/bin/chromium) with Lighthouse's default mobile settings (simulated slow 4G and a
slowed-down CPU), and prints the category scores of every run.

Each page is audited RUNS times (QKV_AUDIT_RUNS to change it) and judged on the median: the
performance score of one run moves by several points between runs of the same page on the same
machine (on these 2-core machines, 78 to 100 for one chapter), and Lighthouse's documentation on
variability recommends the median of five runs, which it finds about twice as stable as one.
Exits 1 if a page's median performance is below 95, or if accessibility is below 100 in any
run. Nothing here is part of `make test`: it takes a quarter of an hour, and a busy machine
lowers the scores by twenty (run it on a quiet machine).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from static_host import serve

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "tools" / "audit" / "node_modules" / ".bin" / "lighthouse"
THRESHOLDS = {"performance": 95, "accessibility": 100}
RUNS = int(os.environ.get("QKV_AUDIT_RUNS", "5"))
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
            runs = [audit(base + page) for _ in range(RUNS)]
            # the median run's score (with an even number of runs, the lower of the middle two)
            median = {k: statistics.median_low(r[k] for r in runs) for k in runs[0]}
            line = "  ".join(f"{k} {v}" for k, v in median.items())
            each = ", ".join(str(r["performance"]) for r in runs)
            print(f"{page:<36} median of {RUNS}: {line}  (performance: {each})", flush=True)
            failed |= median["performance"] < THRESHOLDS["performance"]
            failed |= min(r["accessibility"] for r in runs) < THRESHOLDS["accessibility"]
    finally:
        server.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
