"""`guardians report` (guardians/commands/report.py), through the CLI on a copy of the clean example.

The page's content is tested in tests/test_report.py and in a real browser in
tests/test_report_browser.py.
"""

from __future__ import annotations


def test_report_writes_one_html_file(run_cli, example, tmp_path):
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    out = tmp_path / "epic_1.html"
    result = run_cli("report", "--root", str(root), "epic_1", "--html", str(out))
    assert result.exit_code == 0
    data = out.read_bytes()
    assert result.output == f"wrote {out} ({len(data)} bytes)\n"
    page = data.decode()
    assert page.lstrip().lower().startswith("<!doctype html") and "epic_1" in page
    assert not [p for p in tmp_path.iterdir() if p.name != "epic_1.html" and p.name != "clean"]  # no temp left


def test_report_replaces_an_existing_file(run_cli, example, tmp_path):
    root = example("clean")
    out = tmp_path / "r.html"
    out.write_text("old")
    assert run_cli("report", "--root", str(root), "epic_1", "--html", str(out)).exit_code == 0
    assert out.read_text() != "old"


def test_report_usage_errors(run_cli, example, tmp_path):
    root = example("clean")
    directory = run_cli("report", "--root", str(root), "epic_1", "--html", str(tmp_path))
    assert directory.exit_code == 2 and "is a directory" in directory.output
    unknown = run_cli("report", "--root", str(root), "epic_9", "--html", str(tmp_path / "x.html"))
    assert unknown.exit_code == 2 and "epic_9" in unknown.output
    assert not (tmp_path / "x.html").exists()
