"""The HTML report in a real headless Chromium: it renders offline and shows the key content.

Needs Debian's ``chromium`` (apt) and, for the DOM checks, the ``playwright``
pip package driving that binary (``playwright install`` is never run). Without
playwright the page is checked with ``chromium --dump-dom`` instead; without
a browser the test is skipped.

Set ``GUARDIANS_UPDATE_SCREENSHOT=1`` to also refresh docs/img/report.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from guardians.cli import cli
from tests.realservers import real_checkpoint
from tests.test_report import build_epic

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS_SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "img" / "report.png"


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    pytest.skip("no Chromium installed (Debian: apt-get install chromium)")


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        cli, ["report", "--root", str(build_epic(tmp_path / "repo")), "epic_7", "--html", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def example_report(example, run_cli, tmp_path: Path, postgres) -> Path:
    """The needs-approval example after a real `guardians run`: waiting, approval, operational."""
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    out = tmp_path / "epic_3.html"
    assert run_cli("report", "--root", str(root), "epic_3", "--html", str(out)).exit_code == 0
    return out


def _save_for_docs(png: Path) -> None:
    if os.environ.get("GUARDIANS_UPDATE_SCREENSHOT") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, DOCS_SCREENSHOT)


def test_example_report_in_headless_chromium(example_report: Path, tmp_path: Path) -> None:
    browser = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install playwright; no `playwright install` needed)")
    png = tmp_path / "epic_3.png"
    requests: list[str] = []
    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=browser, args=CHROMIUM_ARGS)
        try:
            page = chrome.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda req: requests.append(req.url))
            page.goto(example_report.as_uri(), wait_until="load")
            assert page.locator("#chain").inner_text().startswith("verified")
            steps = page.locator("#diagram svg g.step")
            assert steps.count() == 8
            assert page.locator("#diagram svg g.step-wait").first.is_visible()
            assert page.locator("#diagram svg g.step-approval").first.is_visible()
            timeline = page.locator("#timeline").inner_text()
            assert "waiting" in timeline and "MIG101" in timeline and "operational" in timeline
            assert page.locator("#deployment").inner_text().startswith("Deployment plan\nStrategy")
            assert "blue_green" in page.locator("#deployment").inner_text()
            assert page.locator("#runbook-text").is_visible()
            page.screenshot(path=str(png), full_page=True)
        finally:
            chrome.close()
    assert requests == [example_report.as_uri()]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _save_for_docs(png)


def test_hostile_report_in_headless_chromium(report_file: Path, tmp_path: Path) -> None:
    browser = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _check_with_dump_dom(browser, report_file, tmp_path)
        return
    png = tmp_path / "report.png"
    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=browser, args=CHROMIUM_ARGS)
        try:
            page = chrome.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda req: requests.append(req.url))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
            page.goto(report_file.as_uri(), wait_until="load")
            assert page.title() == "guardians report: epic_7"
            assert page.locator("#chain").inner_text().startswith("verified")
            assert page.locator("h1").inner_text() == "Epic epic_7"
            assert page.locator("h1").count() == 1  # hostile <h1> in a finding stayed text
            timeline = page.locator("#timeline").inner_text()
            assert "no_rollback_plan to quality" in timeline and "DEP101" in timeline
            assert "<script>alert('x')</script>" in timeline  # shown as text, not run
            svg = page.locator("#diagram svg")
            assert svg.is_visible()
            box = svg.bounding_box()
            assert box is not None and box["width"] > 600 and box["height"] > 300
            assert page.locator("#diagram svg g.step").count() == 11
            assert page.locator("#diagram svg text", has_text="tech-lead").first.is_visible()
            assert page.locator("#deployment").inner_text().count("canary") >= 2
            runbook = page.locator("#runbook-text")
            assert runbook.is_visible() and "</pre><img src=x onerror=alert(1)>" in runbook.inner_text()
            assert page.locator("img").count() == 0 and page.locator("script").count() == 0
            page.screenshot(path=str(png), full_page=True)
        finally:
            chrome.close()
    assert requests == [report_file.as_uri()], "the report must not fetch anything"
    assert errors == []
    assert png.stat().st_size > 20_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _check_with_dump_dom(browser: str, report_file: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    common = [browser, *CHROMIUM_ARGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*common, "--dump-dom", report_file.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "<h1>Epic epic_7</h1>" in dom
    assert "verified" in dom and "no_rollback_plan to quality" in dom
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    subprocess.run(
        [*common, f"--screenshot={png}", "--window-size=1280,2400", report_file.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
