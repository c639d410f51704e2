"""`guardians log [EPIC]`: filters, the four formats and error handling, through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from guardians.cli import cli
from tests.conftest import append_entry
from tests.realservers import real_checkpoint

HOSTILE = "rollback missing | `x` </pre> <script>alert(1)</script> [click](http://evil.example) *bold* \x1b[31mred"


def add(root: Path, epic: str, agent: str, decision: str, iteration: int, ts: str, **details: Any) -> None:
    details.setdefault("summary", f"{agent} says {decision}")
    source = f"docs/specs/{epic}/consensus/messages/inbox/{agent}/handoff.yaml"
    append_entry(root, epic, agent, decision, iteration, ts, source=source, **details)


def finding(code: str, message: str, blocking: bool = True, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "severity": "error", "blocking": blocking, **extra}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """epic_7: approve, veto (hostile text), waiting, approval, the chain to operational."""
    e = "epic_7"
    add(tmp_path, e, "migration", "approve", 1, "2026_11_24_10_00_00", handed_to="deploy", summary="low risk")
    add(
        tmp_path, e, "deploy", "veto", 1, "2026_11_24_10_01_00",
        subject="no_rollback_plan", vetoed_to="quality", summary="deployment has no rollback",
        findings=[finding("DEP101", HOSTILE, file="deployment.json", json_path="$.rollback")],
    )  # fmt: skip
    add(
        tmp_path, e, "migration", "waiting", 2, "2026_11_25_09_00_00", risk="high",
        summary="drops a column; needs a tech-lead approval",
        findings=[finding("MIG101", "DROP COLUMN users.email loses data", file="m/001.sql", line=3)],
    )  # fmt: skip
    add(tmp_path, e, "migration", "approve", 2, "2026_11_25_10_00_00", handed_to="deploy")
    add(tmp_path, e, "deploy", "approve", 2, "2026_11_25_10_00_01", handed_to="backup")
    add(tmp_path, e, "backup", "approve", 2, "2026_11_25_10_00_02", handed_to="process")
    add(tmp_path, e, "process", "approve", 2, "2026_11_25_10_00_03")
    add(tmp_path, e, "process", "operational", 2, "2026_11_25_10_00_04")
    return tmp_path


def log(root: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["log", "--root", str(root), *args])


def json_rows(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def test_table_shows_why_in_aligned_columns(root: Path) -> None:
    result = log(root, "epic_7", "--format", "table")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "epic_7"
    header = lines[1]
    why_col = header.index("WHY")
    veto = next(line for line in lines if " veto " in line)
    assert veto.index("no_rollback_plan to quality: deployment has no rollback") == why_col
    detail = lines[lines.index(veto) + 1]
    assert detail.index("- DEP101 error blocking: rollback missing") == why_col
    assert "(deployment.json $.rollback)" in detail
    # every decision row has its columns in the same places
    rows = [line for line in lines[2:] if re.match(r"\s*\d+  ", line)]
    assert len(rows) == 8
    assert {row.index("2026-11-2") for row in rows} == {header.index("TIME")}
    assert "\x1b" not in result.stdout, "agent text must not carry terminal escapes"


def test_json_is_one_object_per_line_and_default_off_a_tty(root: Path) -> None:
    result = log(root, "epic_7")
    assert result.exit_code == 0
    rows = json_rows(result.stdout)
    assert [r["seq"] for r in rows] == list(range(1, 9))
    veto = rows[1]
    assert veto["decision"] == "veto" and veto["subject"] == "no_rollback_plan" and veto["to"] == "quality"
    assert veto["findings"] == [
        {"blocking": True, "code": "DEP101", "file": "deployment.json", "json_path": "$.rollback",
         "message": HOSTILE, "severity": "error"}
    ]  # fmt: skip
    assert rows[0]["to"] == "deploy" and rows[0]["subject"] is None
    assert len(veto["hash"]) == 64


@pytest.mark.parametrize(
    ("args", "seqs"),
    [
        (["--agent", "deploy"], [2, 5]),
        (["--decision", "veto"], [2]),
        (["--iteration", "1"], [1, 2]),
        (["--since", "2026_11_25"], [3, 4, 5, 6, 7, 8]),
        (["--since", "2026_11_25_10_00_01"], [5, 6, 7, 8]),
        (["--since", "2026-11-25T10:00:00+01:00"], [3, 4, 5, 6, 7, 8]),
        (["--since", "2026-11-25T10:00:02Z"], [6, 7, 8]),
        (["--since", "2026-11-25 10:00:03"], [7, 8]),
        (["--agent", "migration", "--iteration", "2", "--decision", "approve"], [4]),
        (["--agent", "quality"], []),
    ],
)
def test_filters(root: Path, args: list[str], seqs: list[int]) -> None:
    result = log(root, "epic_7", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    assert [r["seq"] for r in json_rows(result.stdout)] == seqs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["epic_99"], "epic_99: no consensus folder"),
        (["../etc"], "invalid epic id"),
        (["epic_7", "--since", "yesterday"], "invalid --since"),
        (["epic_7", "--since", "2026_13_01"], "invalid --since"),
        (["epic_7", "--decision", "vetoed"], "invalid --decision"),
        (["epic_7", "--agent", "Deploy;rm"], "invalid agent name"),
        (["epic_7", "--iteration", "0"], "invalid --iteration"),
    ],
)
def test_usage_errors_exit_2(root: Path, args: list[str], message: str) -> None:
    result = log(root, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_markdown_is_a_safe_github_table(root: Path) -> None:
    result = log(root, "epic_7", "--format", "markdown")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("## epic_7\n\n| # | time (UTC) | iteration | agent | decision | why |\n|---:|")
    assert "<script" not in text and "</pre>" not in text
    assert not re.search(r"(?<!\\)\]\(", text), "no live Markdown link"
    assert "&lt;script&gt;" in text and "\\[click\\]" in text and "\\*bold\\*" in text
    veto = next(line for line in text.splitlines() if "**veto**" in line)
    # the hostile pipe is escaped: the row still has exactly 6 cells
    assert len(re.findall(r"(?<!\\)\|", veto)) == 7
    assert "`DEP101` error blocking" in veto and "no\\_rollback\\_plan to quality" in veto
    assert "\x1b" not in text


def test_markdown_says_when_nothing_matches(root: Path) -> None:
    result = log(root, "epic_7", "--format", "markdown", "--agent", "quality")
    assert result.stdout == "## epic_7\n\nNo matching decisions.\n\n"


def test_mermaid_sequence_diagram(root: Path) -> None:
    result = log(root, "epic_7", "--format", "mermaid")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert "    participant TL as tech-lead" in lines and "    participant Q as quality" in lines
    body = [line.strip() for line in lines[7:]]
    assert body == [
        "Q->>M: handoff iteration 1",
        "M->>D: approve iteration 1",
        "D--xQ: veto no_rollback_plan [DEP101]",
        "Q->>M: handoff iteration 2",
        "M-->>TL: waiting for approval (high risk) [MIG101]",
        "TL->>M: approval",
        "M->>D: approve iteration 2",
        "D->>B: approve iteration 2",
        "B->>P: approve iteration 2",
        "Note over P: approve",
        "Note over P: operational",
    ]


def test_mermaid_escalation_and_hostile_labels(tmp_path: Path) -> None:
    e = "epic_3"
    add(tmp_path, e, "migration", "approve", 1, "2026_01_01_00_00_00", handed_to="deploy")
    add(
        tmp_path, e, "deploy", "escalate", 3, "2026_01_01_00_00_01", subject="bad;subject#x<y>",
        vetoed_to="developer", findings=[finding("DEP101", "x"), finding("DEP102", "y", blocking=False)],
    )  # fmt: skip
    add(tmp_path, e, "migration", "reject", 3, "2026_01_01_00_00_02", subject="invalid_message")
    result = log(tmp_path, e, "--format", "mermaid")
    lines = result.stdout.splitlines()
    assert "    participant A1 as developer" in lines
    assert "    D--xA1: veto bad subject x y [DEP101]" in lines
    assert "    D-)TL: escalated, iteration cap reached" in lines
    assert "    Note over M: reject invalid_message" in lines
    for line in lines[1:]:
        label = line.split(":", 1)[1] if ":" in line else ""
        assert re.fullmatch(r"[A-Za-z0-9 _.,()/+=\[\]-]*", label), line
        assert "--" not in label


def test_mermaid_filters_keep_the_path_context(root: Path) -> None:
    result = log(root, "epic_7", "--format", "mermaid", "--iteration", "2", "--agent", "migration")
    body = [line.strip() for line in result.stdout.splitlines()[7:]]
    assert body == [
        "Q->>M: handoff iteration 2",
        "M-->>TL: waiting for approval (high risk) [MIG101]",
        "TL->>M: approval",
        "M->>D: approve iteration 2",
    ]


def test_all_epics_in_numeric_order_and_fenced_mermaid(root: Path) -> None:
    add(root, "epic_10", "migration", "veto", 1, "2026_11_26_00_00_00", subject="destructive_migration")
    result = log(root, "--format", "json")
    assert [(r["epic_id"], r["seq"]) for r in json_rows(result.stdout)][-2:] == [("epic_7", 8), ("epic_10", 1)]
    mermaid = log(root, "--format", "mermaid").stdout
    assert mermaid.startswith("## epic_7\n\n```mermaid\nsequenceDiagram\n")
    assert "## epic_10\n\n```mermaid\nsequenceDiagram\n" in mermaid
    assert mermaid.count("```") == 4


def test_table_for_an_epic_without_decisions(tmp_path: Path) -> None:
    (tmp_path / "docs/specs/epic_1/consensus").mkdir(parents=True)
    result = log(tmp_path, "epic_1", "--format", "table")
    assert result.exit_code == 0
    assert "(no matching decisions)" in result.stdout


def test_torn_tail_is_skipped_and_damage_shows_what_it_can_with_a_banner(root: Path) -> None:
    path = root / "docs/specs/epic_7/consensus/decision_log.jsonl"
    with path.open("ab") as fh:
        fh.write(b'{"seq": 9, "agent": "depl')
    assert [r["seq"] for r in json_rows(log(root, "epic_7").stdout)][-1] == 8
    assert "guardians adopt" not in log(root, "epic_7").stderr  # a torn tail is a write in progress
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([lines[0], b"garbage\n", *lines[2:]]))
    result = log(root, "epic_7", "--format", "json")
    assert result.exit_code == 0
    assert [r["seq"] for r in json_rows(result.stdout)] == [1, 3, 4, 5, 6, 7, 8]
    assert "line 2 is not valid JSON" in result.stderr and "guardians adopt epic_7" in result.stderr
    assert "nothing here is verified" in result.stderr


def test_no_epics(tmp_path: Path) -> None:
    result = log(tmp_path)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no epics" in result.stderr


# --- on the bundled examples, after a real `guardians run` -------------------------------


def test_three_strikes_example_timeline(example, run_cli) -> None:
    root = example("three-strikes")
    assert run_cli("run", "--root", str(root)).exit_code == 0
    rows = json_rows(log(root, "epic_6", "--format", "json", "--agent", "deploy").stdout)
    assert [(r["decision"], r["iteration"], r["subject"]) for r in rows] == [
        ("veto", 1, "missing_monitoring"),
        ("veto", 2, "missing_monitoring"),
        ("escalate", 3, "missing_monitoring"),
    ]
    assert all(r["findings"][0]["code"] == "DEP103" for r in rows)
    table = log(root, "epic_6", "--format", "table", "--decision", "escalate").stdout
    assert "escalate     missing_monitoring to quality" in table and "- DEP103 error blocking" in table
    mermaid = log(root, "epic_6", "--format", "mermaid").stdout
    assert "    D-)TL: escalated, iteration cap reached" in mermaid
    assert mermaid.count("D--xQ: veto missing_monitoring [DEP103]") == 3


def test_needs_approval_example_mermaid(example, run_cli, postgres) -> None:
    root = example("needs-approval")
    real_checkpoint(root, postgres, run_cli)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    body = [line.strip() for line in log(root, "epic_3", "--format", "mermaid").stdout.splitlines()[7:]]
    assert body[:3] == ["Q->>M: handoff iteration 1", "M-->>TL: waiting for approval (high risk) [MIG101]",
                        "TL->>M: approval"]  # fmt: skip
    assert body[-1] == "Note over P: operational"


def test_log_warns_on_stderr_when_the_chain_is_broken(tmp_path):
    import shutil
    import subprocess
    import sys

    from tests.conftest import EXAMPLES

    root = tmp_path / "r"
    shutil.copytree(EXAMPLES / "clean", root)
    subprocess.run([sys.executable, "-m", "guardians", "run", "--root", str(root)], check=True, capture_output=True)
    log = root / "docs/specs/epic_1/consensus/decision_log.jsonl"
    log.write_text(log.read_text().replace('"decision":"veto"', '"decision":"x"').replace("rolling", "canary", 1))
    proc = subprocess.run(
        [sys.executable, "-m", "guardians", "log", "--root", str(root), "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0
    assert "hash chain is broken" in proc.stderr and "decision_log.jsonl:2" in proc.stderr
    assert proc.stdout.count("\n") == 5  # the timeline itself is still shown
