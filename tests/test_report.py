"""`guardians report EPIC --html FILE`: content, escaping and self-containment."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from guardians.cli import cli
from tests.conftest import append_entry

SCRIPT = "<script>alert('x')</script>"
RUNBOOK = (
    "# Runbook for epic_7\n\n"
    "1. Run `kubectl rollout status`\n"
    f"2. {SCRIPT}\n"
    "</pre><img src=x onerror=alert(1)>\n"
    "[click me](javascript:alert(1)) ![img](http://evil.example/x.png)\n"
    "{{ 7 * 7 }} {% raw %}\n"
)

DEPLOYMENT: dict[str, Any] = {
    "epic_id": "epic_7",
    "iteration": 2,
    "timestamp": "2026_11_25_10_00_01",
    "deployment_strategy": {
        "type": "canary",
        "reason": f"DEP201 applied {SCRIPT}",
        "stages": [
            {"stage": "staging", "automatic": True, "tests": ["smoke"], "rollback_automatic": True,
             "soak_time_hours": 1, "approval_required": False},
            {"stage": "canary", "automatic": True, "tests": ["error_rate"], "rollback_automatic": True,
             "soak_time_hours": 2, "approval_required": False, "canary_percentage": 10,
             "canary_duration_hours": 2},
            {"stage": "production", "automatic": False, "tests": ["slo_check"], "rollback_automatic": True,
             "soak_time_hours": 24, "approval_required": True},
        ],
    },
    "infrastructure": {
        "resources_required": {"cpu": "500m", "memory": "512Mi", "replicas": 3},
        "scaling": {"min": 3, "max": 10, "target_cpu": 70},
    },
    "monitoring": {"metrics": ["http_requests_total"], "dashboards": ["svc-overview"], "alerts": ["HighErrorRate"]},
    "health_checks": {
        "readiness": {"endpoint": "/ready", "interval": 10, "timeout": 2, "thresholds": {"failure": 3}},
        "liveness": {"endpoint": "/healthz", "interval": 10, "timeout": 2, "thresholds": {"failure": 3}},
    },
    "rollback": {
        "triggers": ["error rate above 1% for 5 minutes"],
        "procedure": ["shift traffic back to blue", "scale canary to zero"],
        "time_to_rollback_seconds": 300,
    },
}  # fmt: skip


def add(root: Path, epic: str, agent: str, decision: str, iteration: int, ts: str, **details: Any) -> None:
    append_entry(root, epic, agent, decision, iteration, ts, **details)


def build_epic(root: Path, epic: str = "epic_7") -> Path:
    """A full path: veto with hostile text, waiting, approval, operational; plus artifacts."""
    add(root, epic, "migration", "approve", 1, "2026_11_24_10_00_00", handed_to="deploy")
    add(
        root, epic, "deploy", "veto", 1, "2026_11_24_10_01_00", subject="no_rollback_plan", vetoed_to="quality",
        summary=f"no rollback {SCRIPT}",
        findings=[{"code": "DEP101", "message": "rollback missing </td></tr></table><h1>pwned</h1>",
                   "severity": "error", "blocking": True, "file": "deployment.json", "json_path": "$.rollback",
                   "suggestion": "add rollback.triggers"}],
    )  # fmt: skip
    add(
        root, epic, "migration", "waiting", 2, "2026_11_25_09_00_00", risk="high", summary="needs approval",
        findings=[{"code": "MIG101", "message": "DROP COLUMN users.email", "severity": "critical", "blocking": True}],
    )  # fmt: skip
    add(root, epic, "migration", "approve", 2, "2026_11_25_10_00_00", handed_to="deploy")
    add(root, epic, "deploy", "approve", 2, "2026_11_25_10_00_01", handed_to="backup", strategy="canary")
    add(root, epic, "backup", "approve", 2, "2026_11_25_10_00_02", handed_to="process")
    add(root, epic, "process", "approve", 2, "2026_11_25_10_00_03")
    add(root, epic, "process", "operational", 2, "2026_11_25_10_00_04")
    artifacts = root / "docs" / "specs" / epic / "consensus" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "deployment.json").write_text(json.dumps(DEPLOYMENT, indent=2))
    (artifacts / "runbook.md").write_text(RUNBOOK)
    (artifacts / "cicd.yaml").write_text("stages:\n  - name: build # <b>x</b>\n")
    (artifacts / "migration_review.json").write_text(
        json.dumps({"risk": "high", "destructive": True, "requires_approval": True, "approved_by": "alice"})
    )
    return root


def report(root: Path, epic: str, out: Path) -> Any:
    return CliRunner().invoke(cli, ["report", "--root", str(root), epic, "--html", str(out)])


class _Page(HTMLParser):
    """Collects start tags, attributes, and the text inside elements with an id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.by_id: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        self.tags.append((tag, attr))
        self._open.append((tag, attr.get("id")))
        if attr.get("id"):
            self.by_id[str(attr["id"])] = ""

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, ident in self._open:
            if ident:
                self.by_id[ident] += data


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture
def page_text(tmp_path: Path) -> str:
    out = tmp_path / "out" / "report.html"
    result = report(build_epic(tmp_path / "repo"), "epic_7", out)
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    return out.read_text(encoding="utf-8")


def test_report_has_every_section(page_text: str) -> None:
    page = parse(page_text)
    assert {"summary", "diagram", "timeline", "findings", "deployment", "runbook"} <= set(page.by_id)
    assert "verified" in page.by_id["chain"] and "8 entries" in page.by_id["chain"]
    # timeline with the why
    assert "no_rollback_plan to quality: no rollback" in page.by_id["timeline"]
    assert "DEP101" in page.by_id["timeline"] and "MIG101" in page.by_id["timeline"]
    # findings of each guardian, including earlier ones
    findings = page.by_id["findings"]
    for name in ("migration", "deploy", "backup", "process"):
        assert name in findings
    assert "add rollback.triggers" in findings and "Migration risk" in findings and "alice" in findings
    # deployment plan rendered readably
    deployment = page.by_id["deployment"]
    assert "canary" in deployment and "10% for 2.0 h" in deployment and "slo_check" in deployment
    assert "shift traffic back to blue" in deployment and "/healthz" in deployment
    # the runbook is rendered as Markdown: every word of it is there, as text
    runbook = page.by_id["runbook-text"]
    assert "Runbook for epic_7" in runbook and "kubectl rollout status" in runbook and SCRIPT in runbook
    assert "[click me](javascript:alert(1))" in runbook  # links stay text
    # mermaid source for GitHub
    assert page.by_id["mermaid-source"].startswith("sequenceDiagram\n")
    assert "D--xQ: veto no_rollback_plan [DEP101]" in page.by_id["mermaid-source"]


def test_report_has_an_inline_svg_diagram(page_text: str) -> None:
    svg = page_text[page_text.index("<svg") : page_text.index("</svg>")]
    for lane in ("quality", "migration", "deploy", "backup", "process", "tech-lead"):
        assert f">{lane}</text>" in svg
    assert svg.count('class="step step-veto"') == 1
    assert svg.count('class="step step-wait"') == 1
    assert svg.count('class="step step-approval"') == 1
    assert svg.count('class="step step-handoff"') == 6  # 2 inbound + 4 approvals with a next guardian
    assert "veto no_rollback_plan [DEP101]" in svg


def test_agent_text_is_escaped_everywhere(page_text: str) -> None:
    page = parse(page_text)
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "img" not in tags and "h1" in tags
    assert sum(1 for tag, _ in page.tags if tag == "h1") == 1  # only our own title
    assert "&lt;script&gt;" in page_text and "&lt;/pre&gt;&lt;img" in page_text
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;h1&gt;pwned" in page_text
    assert "{{ 7 * 7 }}" in page.by_id["runbook-text"]  # agent text is never a template
    # the runbook's markup is CommonMark's own: its heading sits below the page's, a list, inline code
    assert "<h3>Runbook for epic_7</h3>" in page_text and "<code>kubectl rollout status</code>" in page_text


def test_report_needs_no_network(page_text: str) -> None:
    page = parse(page_text)
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed", "img", "base"), tag
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            assert name not in attrs, (tag, name)
    assert "@import" not in page_text and "url(http" not in page_text
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page_text))
    # the only URL is the SVG namespace identifier (never fetched) and escaped agent text
    assert urls <= {"http://www.w3.org/2000/svg", "http://evil.example/x.png"}
    csp = next(a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert (csp.get("content") or "").startswith("default-src 'none'")


def test_broken_chain_is_shown(tmp_path: Path) -> None:
    root = build_epic(tmp_path / "repo")
    log = root / "docs/specs/epic_7/consensus/decision_log.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    lines[2] = lines[2].replace('"needs approval"', '"approved quietly"')
    log.write_text("".join(lines))
    out = tmp_path / "r.html"
    assert report(root, "epic_7", out).exit_code == 0
    page = parse(out.read_text())
    assert "BROKEN at line 3" in page.by_id["chain"]
    assert "hash does not match" in page.by_id["chain-problem"]


def test_invalid_deployment_and_missing_artifacts(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    add(root, "epic_8", "deploy", "veto", 1, "2026_11_24_10_00_00", subject="invalid_artifact")
    artifacts = root / "docs/specs/epic_8/consensus/artifacts"
    artifacts.mkdir(parents=True)
    (artifacts / "deployment.json").write_text(json.dumps({**DEPLOYMENT, "rollback": {"triggers": []}}))
    out = tmp_path / "r.html"
    assert report(root, "epic_8", out).exit_code == 0
    page = parse(out.read_text())
    assert "does not match its schema: rollback" in page.by_id["deployment"]
    assert "No runbook.md yet." in page.by_id["runbook"]
    assert "has not decided yet" in page.by_id["findings"]


def test_hostile_agent_name_in_the_diagram(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    add(root, "epic_9", "deploy", "veto", 1, "2026_11_24_10_00_00", vetoed_to="<img src=x onerror=alert(1)>")
    out = tmp_path / "r.html"
    assert report(root, "epic_9", out).exit_code == 0
    text = out.read_text()
    assert "<img" not in text
    assert "&gt;&lt;img src=x onerror=alert(1)&gt;" not in text  # not double-escaped either
    assert ">&lt;img src=x onerror=alert(1)&gt;</text>" in text  # its own lane, escaped


@pytest.mark.parametrize(
    ("epic", "message"),
    [("epic_404", "epic_404: no consensus folder"), ("epic_x", "invalid epic id")],
)
def test_report_usage_errors(tmp_path: Path, epic: str, message: str) -> None:
    root = build_epic(tmp_path / "repo")
    out = tmp_path / "r.html"
    result = report(root, epic, out)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_report_into_a_directory_is_refused(tmp_path: Path) -> None:
    root = build_epic(tmp_path / "repo")
    result = report(root, "epic_7", tmp_path)
    assert result.exit_code != 0
    assert "directory" in (result.stderr + result.output)


def test_report_on_the_clean_example(example, run_cli, tmp_path: Path) -> None:
    root = example("clean")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    out = tmp_path / "clean.html"
    assert report(root, "epic_1", out).exit_code == 0
    page = parse(out.read_text())
    artifacts = root / "docs/specs/epic_1/consensus/artifacts"
    deployment = json.loads((artifacts / "deployment.json").read_text())
    assert deployment["deployment_strategy"]["type"] in page.by_id["deployment"]
    assert "does not match its schema" not in page.by_id["deployment"]
    assert "verified" in page.by_id["chain"] and "5 entries" in page.by_id["chain"]
    assert "operational" in page.by_id["timeline"]
    # the runbook's tables are real tables, with no escaped Markdown left over
    runbook_html = out.read_text().split('id="runbook-text"')[1].split("</div>")[0]
    assert "<table>" in runbook_html and "<th>stage</th>" in runbook_html and "\\|" not in runbook_html
    # booleans are words, the health metrics, the backup plan and the commands are on the page
    assert ">True<" not in out.read_text() and ">False<" not in out.read_text()
    health = page.by_id["health-metrics"]
    assert "cpu_percent" in health and "healthy" in health
    backup = json.loads((artifacts / "backup_plan.json").read_text())
    assert backup["checkpoint_name"] in page.by_id["backup"]
    assert "DEP108" in page.by_id["runbook-text"]  # the missing commands are named, not invented


def test_report_shows_approvals_with_reasons(example, run_cli, tmp_path: Path) -> None:
    root = example("needs-approval")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    out = tmp_path / "na.html"
    assert report(root, "epic_3", out).exit_code == 0
    page = parse(out.read_text())
    assert "tech-lead" in page.by_id["approvals"] and "unused since release 4.2" in page.by_id["approvals"]
    assert "Destructive" in page.by_id["findings"] and "yes" in page.by_id["findings"]
