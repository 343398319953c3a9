"""VS Code end-to-end test: what a user of the extension sees in code-server, checked in Chromium.

Each check waits on what the page shows (Playwright's auto-waiting locators), never on a fixed
sleep, saves a screenshot named after it and, when it fails, says what was expected and what was
there. All checks run; the exit status is 1 when any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
WAIT_MS = 60_000
"""How long one expectation may take: the first analysis waits for the server to start."""

FILES = {
    "train_optuna.py": "fixtures/python/optuna_simple.py",
    "tune.ipynb": "fixtures/notebooks/optuna_ppo_cartpole.ipynb",
    "grid.cpp": "fixtures/cpp/grid_lr_libtorch_dqn.cpp",
    "sweep.yaml": "fixtures/configs/wandb_sweep_bayes_ppo.yaml",
    "sweep.json": "fixtures/configs/wandb_sweep_random_sac.json",
}
BROKEN = """\
import optuna


def objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    return lr


study = optuna.create_study(
study.optimize(objective, n_trials=20
"""
"""An unclosed call that swallows the rest: a Warning on its line, the intact findings kept."""

NOISE = {
    "Server process exited with code 0": "[error]",  # logged at info level: a stop asks for it
    "Cancel notification for unknown message id": "",
    "Sending notification workspace/didChangeConfiguration failed": "",
    "DiagnosticCollection with name 'hptlens' does already exist": "",
}
"""What the extension and the server must not log (defects 3 and 8 of issue 12), and at which level
(empty: at none)."""


class CheckFailed(AssertionError):
    pass


@dataclass
class Run:
    page: Page
    workspace: Path
    user_data: Path
    artifacts: Path
    python: str
    results: list[tuple[str, bool, str]] = field(default_factory=list)
    step: int = 0

    def check(self, name: str, body: Callable[[], str | None]) -> None:
        """Run one check; a screenshot of the page afterwards either way."""
        self.step += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        started = time.monotonic()
        try:
            detail = body() or ""
            ok = True
        except (CheckFailed, PlaywrightTimeout, AssertionError) as exc:
            ok, detail = False, " ".join(str(exc).split())[:600]
        except Exception as exc:  # a broken step must not hide the other checks
            ok, detail = False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        shot = self.artifacts / f"{self.step:02d}-{slug}.png"
        try:
            self.page.screenshot(path=str(shot))
        except Exception as exc:
            detail += f" (no screenshot: {exc})"
        took = time.monotonic() - started
        print(f"{'PASS' if ok else 'FAIL'} {self.step:2d} {name} ({took:.1f} s){': ' + detail if detail else ''}")
        sys.stdout.flush()
        self.results.append((name, ok, detail))
        if not ok:
            self.page.keyboard.press("Escape")


# ----------------------------------------------------------------------------- the workbench


def palette(page: Page, command: str) -> None:
    """Run a command by its palette title."""
    page.keyboard.press("Escape")
    page.keyboard.press("F1")
    box = page.locator(".quick-input-widget input")
    box.wait_for(state="visible", timeout=WAIT_MS)
    box.fill(">" + command)
    # The row of exactly this command: the first fuzzy match may be another ("File: Save" finds
    # "Compare Active File with Saved" too).
    row = page.locator(
        ".quick-input-list .monaco-list-row",
        has=page.locator(".label-name", has_text=re.compile(f"^{re.escape(command)}$")),
    ).first
    row.wait_for(state="visible", timeout=WAIT_MS)
    row.click()


def quick_pick(page: Page, label: str) -> None:
    row = page.locator(".quick-input-list .monaco-list-row", has_text=label).first
    row.wait_for(state="visible", timeout=WAIT_MS)
    row.click()


def open_file(page: Page, name: str) -> None:
    page.keyboard.press("Escape")
    page.keyboard.press("F1")
    box = page.locator(".quick-input-widget input")
    box.wait_for(state="visible", timeout=WAIT_MS)
    box.fill(name)
    row = page.locator(".quick-input-list .monaco-list-row", has_text=name).first
    row.wait_for(state="visible", timeout=WAIT_MS)
    box.press("Enter")
    page.locator(f'.tab[data-resource-name="{name}"].active').wait_for(timeout=WAIT_MS)


def go_to(page: Page, line: int, column: int) -> None:
    palette(page, "Go to Line/Column...")
    box = page.locator(".quick-input-widget input")
    box.fill(f":{line}:{column}")
    box.press("Enter")


def editor(page: Page) -> Locator:
    return page.locator(".editor-group-container.active .monaco-editor").first


def status(page: Page) -> Locator:
    return page.locator(".statusbar-item", has_text="HPT").first


def wait_text(locator: Locator, pattern: str, what: str) -> str:
    """Wait until the locator's text matches; the failure names what was there."""
    deadline = time.monotonic() + WAIT_MS / 1000
    text = ""
    while time.monotonic() < deadline:
        try:
            text = locator.inner_text(timeout=1000)
        except PlaywrightTimeout:
            text = "(not shown)"
        if re.search(pattern, text):
            return text
        locator.page.wait_for_timeout(200)  # polling the page, not waiting for the server
    raise CheckFailed(f"{what}: expected /{pattern}/, saw {text!r}")


def wait_count(locator: Locator, predicate: Callable[[int], bool], what: str) -> int:
    deadline = time.monotonic() + WAIT_MS / 1000
    count = 0
    while time.monotonic() < deadline:
        count = locator.count()
        if predicate(count):
            return count
        locator.page.wait_for_timeout(200)
    raise CheckFailed(f"{what}: count stayed {count}")


def problems(page: Page) -> list[str]:
    """The Problems view's rows as text (files, problems and their related information)."""
    if not page.locator(".markers-panel").is_visible():  # the key toggles: a focused view would close
        page.keyboard.press("Escape")
        page.keyboard.press("Control+Shift+M")
    rows = page.locator(".markers-panel .monaco-list-row")
    rows.first.wait_for(timeout=WAIT_MS)
    # All rows at once: the list is redrawn as diagnostics change.
    return [text.replace("\n", " ") for text in rows.all_inner_texts()]


RELATED = re.compile(r"^\s*\S+\s*\[Ln \d+, Col \d+\]\s*:")


def marker_lines(rows: list[str], file_name: str) -> list[int]:
    """1-based lines of the hptlens problems listed under one file in the Problems view."""
    lines, current = [], None
    for row in rows:
        if RELATED.match(row):  # related information: name[Ln, Col]: text
            continue
        position = re.search(r"\[Ln (\d+), Col \d+\]", row)
        if position:
            if current == file_name and "hptlens" in row:
                lines.append(int(position.group(1)))
        else:  # a file's row: its name, folder and count
            current = row.split()[0] if row.split() else None
    return lines


def related_rows(rows: list[str]) -> int:
    return sum(1 for row in rows if RELATED.match(row))


# ----------------------------------------------------------------------------- checks


def scan(run: Run, *paths: str) -> dict:
    result = subprocess.run(
        [run.python, "-m", "hptlens", "scan", *paths, "--format", "json"],
        cwd=run.workspace,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def findings_of(report: dict, name: str) -> list[dict]:
    return next(f for f in report["files"] if f["path"] == name)["findings"]


def checks(run: Run) -> None:
    page = run.page
    report = scan(run, ".")
    python_findings = findings_of(report, "train_optuna.py")
    python_lines = sorted(f["range"]["start"]["line"] for f in python_findings)

    def python_status() -> str:
        open_file(page, "train_optuna.py")
        return wait_text(status(page), r"HPT: 1 site\b", "status bar of train_optuna.py")

    run.check("status bar counts the Python file's site", python_status)

    def python_squiggles() -> str:
        count = wait_count(
            editor(page).locator(".squiggly-info"), lambda n: n >= 1, "information squiggles in train_optuna.py"
        )
        return f"{count} squiggles in view"

    run.check("squiggles on the Python file", python_squiggles)

    def python_problems() -> str:
        rows = problems(page)
        lines = sorted(marker_lines(rows, "train_optuna.py"))
        if lines != python_lines:
            raise CheckFailed(f"Problems lines {lines}, hptlens scan says {python_lines}; rows: {rows}")
        # One site: what runs it links to the others, which carry no links (issue 12: 7 problems
        # had become 17 rows).
        links = related_rows(rows)
        if links != len(python_lines) - 1:
            raise CheckFailed(f"{links} related-information rows for a site of {len(python_lines)} problems: {rows}")
        return f"{len(lines)} problems, {links} related-information rows"

    run.check("Problems lists the Python file's findings on their lines", python_problems)

    site = next(f for f in report["files"] if f["path"] == "train_optuna.py")["sites"][0]
    title = f"HPT: {site['summary']}"

    def code_lens() -> str:
        open_file(page, "train_optuna.py")
        go_to(page, site["range"]["start"]["line"], 1)  # the lens sits above the site's first line
        lens = editor(page).locator(".codelens-decoration a", has_text=title)
        lens.first.wait_for(timeout=WAIT_MS)
        lens.first.click()
        pick = page.locator(".quick-input-widget")
        wait_text(pick, re.escape(title), "quick pick of the lens")
        rows = page.locator(".quick-input-list .monaco-list-row")
        count = wait_count(rows, lambda n: n == len(python_lines), "findings listed for the site")
        page.keyboard.press("Escape")
        return f"lens {title!r}; {count} findings in its quick pick"

    run.check("code lens title, and its click lists the site", code_lens)

    def hover() -> str:
        open_file(page, "train_optuna.py")
        first = python_findings[0]["range"]["start"]
        go_to(page, first["line"], first["column"] + 2)
        palette(page, "Show or Focus Hover")
        table = page.locator(".monaco-hover-content table")
        table.first.wait_for(timeout=WAIT_MS)
        text = table.first.inner_text()
        for expected in ("hyperparameter", "alpha", "gamma", "epsilon"):
            if expected not in text:
                raise CheckFailed(f"hover table lacks {expected!r}: {text!r}")
        page.keyboard.press("Escape")
        return "table with alpha, gamma, epsilon"

    run.check("hover shows the search-space table", hover)

    def export() -> str:
        target = run.workspace / "hpt-report.json"
        palette(page, "HPT: Export report")
        quick_pick(page, "JSON")
        page.locator('.tab[data-resource-name="hpt-report.json"]').wait_for(timeout=WAIT_MS)
        exported = json.loads(target.read_text(encoding="utf-8"))
        if exported != report:
            ours = {f["path"] for f in exported["files"]}
            theirs = {f["path"] for f in report["files"]}
            differing = [p for p in sorted(ours & theirs) if findings_of(exported, p) != findings_of(report, p)]
            raise CheckFailed(
                f"export differs from hptlens scan: only exported {sorted(ours - theirs)}, "
                f"only scanned {sorted(theirs - ours)}, findings differ in {differing}"
            )
        return f"{len(exported['files'])} files, equal to hptlens scan"

    run.check("Export Report equals hptlens scan of the folder", export)

    def quick_fix() -> str:
        open_file(page, "train_optuna.py")
        first = python_findings[0]["range"]["start"]
        go_to(page, first["line"], first["column"] + 2)
        palette(page, "Quick Fix...")
        page.locator(".action-widget .monaco-list-row").first.wait_for(timeout=WAIT_MS)
        focused = page.locator(".action-widget .monaco-list-row.focused")
        for _ in range(10):  # the keyboard, as a user does: down to the "on this line" fix
            if "on this line" in (focused.first.get_attribute("aria-label") or ""):
                break
            page.keyboard.press("ArrowDown")
        else:
            raise CheckFailed("no 'Ignore ... on this line' quick fix offered")
        page.keyboard.press("Enter")
        line = editor(page).locator(".view-line", has_text="hpt: ignore[search-space]")
        line.first.wait_for(timeout=WAIT_MS)
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            lines = marker_lines(problems(page), "train_optuna.py")
            if first["line"] not in lines:
                break
            if time.monotonic() > deadline:
                raise CheckFailed(f"the problem on line {first['line']} is still listed: {lines}")
            page.wait_for_timeout(200)
        editor(page).click(position={"x": 400, "y": 10})
        page.keyboard.press("Control+S")
        page.locator('.tab.dirty[data-resource-name="train_optuna.py"]').wait_for(state="detached", timeout=WAIT_MS)
        return f"ignore comment added, line {first['line']} no longer in Problems ({len(lines)} left)"

    run.check("a quick fix is applied and its diagnostic goes", quick_fix)

    notebook_findings = findings_of(report, "tune.ipynb")
    cells = sorted({f["cell"] for f in notebook_findings})

    def notebook() -> str:
        open_file(page, "tune.ipynb")
        wait_text(status(page), r"HPT: 1 site\b", "status bar of the notebook")
        # Tall enough for every cell to be rendered (the notebook's list draws the visible ones).
        page.set_viewport_size({"width": 1600, "height": 4000})
        rows = page.locator(".notebookOverlay .cell-list-container .monaco-list-row")
        deadline = time.monotonic() + WAIT_MS / 1000
        shown: list[int] = []
        while time.monotonic() < deadline:
            shown = sorted(
                int(rows.nth(i).get_attribute("data-index") or -1)
                for i in range(rows.count())
                if rows.nth(i).locator(".squiggly-info").count() > 0
            )
            if shown == cells:
                break
            page.wait_for_timeout(200)
        page.set_viewport_size({"width": 1600, "height": 1000})
        if shown != cells:
            raise CheckFailed(f"cells with squiggles {shown}, hptlens scan puts findings in cells {cells}")
        return f"squiggles in cells {shown}; status bar: 1 site"

    run.check("a notebook gets diagnostics on the right cells", notebook)

    def cpp() -> str:
        open_file(page, "grid.cpp")
        wait_text(status(page), r"HPT: 1 site\b", "status bar of grid.cpp")
        wait_count(editor(page).locator(".squiggly-info"), lambda n: n >= 1, "squiggles in grid.cpp")
        lens = editor(page).locator(".codelens-decoration a", has_text="HPT: hand-written grid")
        lens.first.wait_for(timeout=WAIT_MS)
        return lens.first.inner_text()

    run.check("a C++ file gets squiggles and a lens", cpp)

    def yaml() -> str:
        open_file(page, "sweep.yaml")
        wait_text(status(page), r"HPT: 1 site\b", "status bar of sweep.yaml")
        wait_count(editor(page).locator(".squiggly-info"), lambda n: n >= 1, "squiggles in sweep.yaml")
        lens = editor(page).locator(".codelens-decoration a", has_text="HPT: Weights & Biases")
        lens.first.wait_for(timeout=WAIT_MS)
        return lens.first.inner_text()

    run.check("a YAML sweep gets squiggles and a lens", yaml)

    def json_sweep() -> str:
        open_file(page, "sweep.json")
        wait_text(status(page), r"HPT: 1 site\b", "status bar of sweep.json")
        lens = editor(page).locator(".codelens-decoration a", has_text="HPT: Weights & Biases (random search)")
        lens.first.wait_for(timeout=WAIT_MS)
        return lens.first.inner_text()

    run.check("a JSON sweep gets a lens", json_sweep)

    def broken() -> str:
        open_file(page, "broken.py")
        rows = []
        deadline = time.monotonic() + WAIT_MS / 1000
        while time.monotonic() < deadline:
            rows = [r for r in problems(page) if "syntax" in r.lower() and "[Ln 9," in r]
            if rows:
                break
            page.wait_for_timeout(200)
        if not rows:
            raise CheckFailed("no syntax-error problem on line 9 of broken.py")
        wait_count(editor(page).locator(".squiggly-warning"), lambda n: n >= 1, "warning squiggle in broken.py")
        wait_count(editor(page).locator(".squiggly-info"), lambda n: n >= 1, "the intact finding's squiggle")
        return rows[0][:160]

    run.check("a broken-syntax file: a warning on its line, the rest still found", broken)

    def interpreter() -> str:
        text = logs(run)
        if "(from the setting hptlens.interpreter)" not in text:
            raise CheckFailed("the server did not start with the User setting hptlens.interpreter")
        return "the server runs the interpreter of the User settings"

    run.check("hptlens.interpreter from User settings is used", interpreter)

    def interpreter_box() -> Locator:
        palette(page, "Preferences: Open User Settings")
        search = page.locator(".settings-editor .suggest-input-container .inputarea, .settings-editor textarea")
        search.first.wait_for(timeout=WAIT_MS)
        search.first.fill("hptlens.interpreter")
        item = page.locator(".settings-editor .setting-item-contents", has_text="Interpreter").first
        item.wait_for(timeout=WAIT_MS)
        return item.locator("input").first

    def settings_ui() -> str:
        # Issue 12: with scope machine-overridable the User tab said "No Settings Found" here.
        value = interpreter_box().input_value()
        if value != run.python:
            raise CheckFailed(f"the User tab shows {value!r}, settings.json has {run.python!r}")
        return f"User tab: {value}"

    run.check("the User settings tab shows hptlens.interpreter", settings_ui)

    def restart() -> str:
        # An interpreter change (the same Python by another path), typed in the settings editor.
        box = interpreter_box()
        box.fill(str(Path(run.python).parent / "python3"))
        box.press("Tab")
        open_file(page, "train_optuna.py")
        deadline = time.monotonic() + WAIT_MS / 1000
        while "restarting the server" not in logs(run):
            if time.monotonic() > deadline:
                raise CheckFailed("changing hptlens.interpreter did not restart the server")
            page.wait_for_timeout(200)
        wait_text(status(page), r"HPT: \d+ sites?\b", "status bar after the restart")
        palette(page, "HPT: Restart server")
        wait_text(status(page), r"HPT: \d+ sites?\b", "status bar after HPT: Restart server")
        return "restarted twice"

    run.check("the server restarts on an interpreter change and on request", restart)

    def quiet() -> str:
        found = [
            line.strip()
            for line in logs(run).splitlines()
            for noise, level in NOISE.items()
            if noise in line and level in line
        ]
        if found:
            raise CheckFailed(f"the logs say {found}")
        return "none of: " + "; ".join(NOISE)

    run.check("no spurious errors or warnings in the logs", quiet)


def logs(run: Run) -> str:
    """Everything VS Code logged: the extension host, the hptlens output channel and the server."""
    parts = []
    for path in sorted((run.user_data / "logs").rglob("*.log")):
        try:
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return "\n".join(parts)


# ----------------------------------------------------------------------------- set-up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_workspace(base: Path) -> Path:
    workspace = base / "workspace"
    workspace.mkdir()
    for name, source in FILES.items():
        shutil.copy(ROOT / source, workspace / name)
    (workspace / "broken.py").write_text(BROKEN, encoding="utf-8")
    return workspace


def user_settings(user_data: Path, python: str) -> None:
    (user_data / "User").mkdir(parents=True)
    settings = {
        "hptlens.interpreter": python,  # the User tab: what issue 12 says remote windows ignored
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "security.workspace.trust.enabled": False,
        "extensions.ignoreRecommendations": True,
        "extensions.autoCheckUpdates": False,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "files.autoSave": "off",
        "editor.minimap.enabled": False,
        "chat.commandCenter.enabled": False,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
    }
    (user_data / "User" / "settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")


@contextmanager
def code_server(binary: str, workspace: Path, user_data: Path, extensions: Path, log: Path) -> Iterator[str]:
    port = free_port()
    command = [
        binary,
        "--auth=none",
        f"--bind-addr=127.0.0.1:{port}",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        "--disable-getting-started-override",
        f"--user-data-dir={user_data}",
        f"--extensions-dir={extensions}",
        str(workspace),
    ]
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert process.stdout is not None
            for line in process.stdout:  # the event: code-server says it listens
                out.write(line)
                if "HTTP server listening" in line:
                    break
            else:
                raise SystemExit(f"code-server exited before listening (log: {log})")
            yield f"http://127.0.0.1:{port}/?folder={workspace}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def install_extension(binary: str, vsix: str, user_data: Path, extensions: Path) -> None:
    result = subprocess.run(
        [binary, f"--user-data-dir={user_data}", f"--extensions-dir={extensions}", "--install-extension", vsix],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or "successfully installed" not in result.stdout:
        raise SystemExit(f"installing {vsix} failed:\n{result.stdout}\n{result.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--code-server", required=True)
    parser.add_argument("--vsix", required=True)
    parser.add_argument("--python", required=True, help="a Python with hptlens: the extension's interpreter")
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--artifacts", required=True, type=Path)
    args = parser.parse_args()
    args.artifacts.mkdir(parents=True, exist_ok=True)
    for old in args.artifacts.glob("*.png"):
        old.unlink()
    base = Path(tempfile.mkdtemp(prefix="hptlens-e2e-vscode-"))
    try:
        workspace = make_workspace(base)
        user_data, extensions = base / "user-data", base / "extensions"
        user_settings(user_data, args.python)
        install_extension(args.code_server, args.vsix, user_data, extensions)
        with code_server(args.code_server, workspace, user_data, extensions, args.artifacts / "code-server.log") as url:
            with sync_playwright() as playwright:
                browser: Browser = playwright.chromium.launch(
                    executable_path=args.chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                page.goto(url)
                page.locator(".monaco-workbench").wait_for(timeout=WAIT_MS)
                page.locator(".statusbar").wait_for(timeout=WAIT_MS)
                run = Run(page, workspace, user_data, args.artifacts, args.python)
                try:
                    checks(run)
                finally:
                    for path in (user_data / "logs").rglob("*.log"):
                        target = args.artifacts / "logs" / path.relative_to(user_data / "logs")
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy(path, target)
                    browser.close()
        passed = sum(ok for _, ok, _ in run.results)
        failed = len(run.results) - passed
        print(f"vscode: {passed} passed, {failed} failed")
        print(f"screenshots and logs: {args.artifacts}")
        for name, ok, detail in run.results:
            if not ok:
                print(f"  FAILED {name}: {detail}")
        return 0 if failed == 0 else 1
    finally:
        if os.environ.get("HPTLENS_E2E_KEEP") is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
