"""The HTML reports rendered in a real browser: headless Chromium (Debian's package, installed by
.ci/system-deps) loads the page with the network shut off, runs its scripts, and the test reads the
resulting DOM and keeps a screenshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hptlens.cli import main
from hptlens.export.html import scan_html
from hptlens.report import build_report
from hptlens.workspace import scan
from support.paths import FIXTURES
from support.projects import split_fixtures

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_TIMEOUT_S = 240
"""Generous: the machine is shared and a 5 MB page of plotly.js takes a while to start."""

if CHROMIUM is None and os.environ.get("CI"):
    raise RuntimeError("chromium is missing in CI: .ci/system-deps installs it")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (bash .ci/system-deps installs it)")

SITE_FILES = ["optuna_rlzoo_ppo.py", "hand_grid_product.py", "ray_pbt_rllib_ppo.py", "optuna_grid_hyperband_a2c.py"]


def _chromium(page: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        f"--user-data-dir={page.parent / 'chromium-profile'}",
        # No network at all: the page must work offline (plotly.js inline).
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=20000",
        *flags,
        page.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=False)


class _Elements(HTMLParser):
    """Elements by id and class in the DOM Chromium dumps."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.classes: list[str] = []
        self.links: list[str] = []
        self.rows = 0
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if found.get("id"):
            self.ids[str(found["id"])] = str(found.get("class") or "")
        self.classes += (found.get("class") or "").split()
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        self.rows += tag == "tr"


def _rendered(page: Path, screenshot: Path) -> _Elements:
    dumped = _chromium(page, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    shot = _chromium(page, f"--screenshot={screenshot}", "--window-size=1200,2400")
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000
    elements = _Elements()
    elements.feed(dumped.stdout)
    return elements


def test_scan_report_draws_every_site_space_offline(tmp_path: Path) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    for name in SITE_FILES:
        shutil.copy2(FIXTURES / "python" / name, folder / name)
    page = tmp_path / "report.html"
    assert main(["scan", str(folder), "--format", "html", "-o", str(page), "--jobs", "1"]) == 0
    text = page.read_text(encoding="utf-8")
    assert "cdn" not in text.lower().split("<script>", 1)[0] and 'src="http' not in text
    files = scan([folder], jobs=1)
    drawn_sites = [
        site
        for f in files
        for site in f.sites
        if any(h.space and (h.space.low is not None or h.space.choices or h.space.values) for h in site.hyperparameters)
    ]
    elements = _rendered(page, tmp_path / "report.png")
    figures = [i for i in elements.ids if re.fullmatch(r"site-\d+", i)]
    assert len(figures) == len(drawn_sites) >= len(SITE_FILES)
    # plotly.js ran: every figure div became a plot holding its SVG.
    assert all("js-plotly-plot" in elements.ids[i] for i in figures)
    assert elements.classes.count("main-svg") >= len(figures)
    assert "by-library" in elements.ids
    assert sorted(elements.links) == sorted(f"project/{f.path.rsplit('/', 1)[-1]}" for f in files for _ in f.sites)
    assert "grid of 18 points" in text  # hand_grid_product: 2 x 3 x 3
    assert "PBT" in text and "budget 80 trials" in text


def test_inventory_report_draws_charts_across_projects(tmp_path: Path) -> None:
    projects = split_fixtures(tmp_path / "src", 10, 10)
    database = tmp_path / "inv.sqlite"
    assert main(["inventory", "add", "--db", str(database), *map(str, projects)]) == 0
    assert main(["inventory", "scan", "--db", str(database), "--jobs", "1", "--no-progress"]) == 0
    page = tmp_path / "inventory.html"
    assert main(["inventory", "report", "--db", str(database), "--format", "html", "-o", str(page)]) == 0
    elements = _rendered(page, tmp_path / "inventory.png")
    for chart in ("by-criterion", "by-method", "by-library", "most-tuned", "bounds-1"):
        assert "js-plotly-plot" in elements.ids[chart], chart
    assert elements.ids["projects"] == "" and elements.rows >= len(projects) + 1


def test_html_escapes_what_analysed_code_names(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "q<img src=y>.py").write_text(
        "import optuna\n\n\ndef objective(trial):\n"
        "    return trial.suggest_categorical('</script><img src=x onerror=alert(1)>', ['<b>', 'a'])\n\n\n"
        "optuna.create_study().optimize(objective, n_trials=5)\n",
        encoding="utf-8",
    )
    page = scan_html(build_report(scan([folder], jobs=1)))
    elements = _Elements()
    elements.feed(page)  # script bodies are not parsed as markup: only real elements count
    assert "img" not in elements.tags
    assert "&lt;img src=y&gt;.py" in page  # the file name, shown as text
    assert "\\u003c\\u002fscript\\u003e" in page or "\\u003c/script\\u003e" in page  # and escaped in figure data
