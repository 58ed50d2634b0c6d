"""Render a seed as `medcoop extract --format html` does and photograph it in
headless Chromium (Debian's `chromium` package), to look at the page as users do.

    python notebooks/screenshot_seed.py [SEED] [--model DIR] [--out seed.png]
"""

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from medcoop.events.rules import extract
from medcoop.html import render_page
from medcoop.tagging.tagger import Tagger

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("seed", nargs="?", default="003", help="a seed number (003) or any text file")
    parser.add_argument("--model", help="model folder (default: the shipped model)")
    parser.add_argument("--out", default="seed.png")
    parser.add_argument("--height", type=int, default=2600)
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("needs Debian's chromium: apt-get install chromium fonts-wqy-zenhei")
    path = Path(args.seed) if Path(args.seed).is_file() else next(SEEDS.glob(f"{args.seed}*.txt"), None)
    if path is None:
        raise SystemExit(f"{args.seed!r} is neither a file nor the number of a seed in {SEEDS}")
    text = path.read_text(encoding="utf-8")
    doc = extract(text, Tagger.from_pretrained(args.model))
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(render_page([(path.name, text, doc.entities, doc.events)]), encoding="utf-8")
        subprocess.run([browser, *FLAGS, f"--user-data-dir={tmp}/profile", f"--window-size=1280,{args.height}",
                        f"--screenshot={Path(args.out).resolve()}", page.as_uri()], check=True, capture_output=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
