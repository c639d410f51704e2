"""`guardians validate` through the public CLI, on real files written to tmp_path."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from guardians.cli import cli
from guardians.store.decision_log import canonical, entry_hash, genesis_hash

STAMP = "2026_11_24_14_30_00"
SHA = "a" * 64
REPO = Path(__file__).resolve().parent.parent


# --- a valid epic, written file by file -------------------------------------------------


def inputs(epic: str) -> dict[str, Any]:
    return {
        "plan.json": {
            "epic_id": epic,
            "iteration": 1,
            "timestamp": STAMP,
            "stages": [{"name": "build", "tasks": [{"id": 1}]}],
            "rollback_plan": {"trigger_conditions": ["error rate > 5%"], "procedure": ["revert"]},
            "operations": {"service": "app", "health_checks": {"readiness": {"endpoint": "/ready"}}},
        },
        "implementation.json": {
            "epic_id": epic,
            "iteration": 1,
            "tasks_completed": [{"id": 1}],
            "migrations": ["0001_add_column.sql"],
        },
        "review.json": {"epic_id": epic, "review_status": "approved"},
        "health_report.json": {"epic_id": epic, "services": [{"name": "app", "status": "up", "port": 8000}]},
    }


def probe() -> dict[str, Any]:
    return {"endpoint": "/health", "interval": 10, "timeout": 3, "thresholds": {"failure": 3, "success": 1}}


def outputs(epic: str) -> dict[str, Any]:
    head = {"epic_id": epic, "iteration": 1, "timestamp": STAMP}
    return {
        "migration_review.json": {
            **head,
            "risk": "low",
            "destructive": False,
            "review_digest": SHA,
            "requires_approval": False,
            "files": [{"path": "0001_add_column.sql", "kind": "sql", "statements": 1, "has_rollback": True}],
            "findings": [],
            "decision": "approve",
        },
        "deployment.json": {
            **head,
            "deployment_strategy": {
                "type": "rolling",
                "reason": "low risk",
                "stages": [
                    {
                        "stage": "staging",
                        "automatic": True,
                        "tests": ["smoke"],
                        "rollback_automatic": True,
                        "soak_time_hours": 1,
                        "approval_required": False,
                    }
                ],
            },
            "infrastructure": {
                "resources_required": {"cpu": "500m", "memory": "512Mi", "replicas": 2},
                "scaling": {"min": 2, "max": 4, "target_cpu": 70},
            },
            "monitoring": {"metrics": ["http_requests_total"], "dashboards": ["app"], "alerts": ["HighErrors"]},
            "health_checks": {"readiness": probe(), "liveness": probe()},
            "rollback": {"triggers": ["errors"], "procedure": ["revert"], "time_to_rollback_seconds": 300},
        },
        "backup_plan.json": {
            **head,
            "checkpoint_name": "prod-deploy-20261124-1430",
            "retention": {"class": "production", "days": 30},
            "targets": [
                {
                    "kind": "database",
                    "reason": "migration",
                    "method": "pg_dump",
                    "verification": ["pg_restore --list"],
                    "restore_test": ["restore into scratch"],
                }
            ],
            "requires_verified_checkpoint": True,
            "checkpoint_verified": True,
        },
        "process_report.json": {
            **head,
            "overall": "healthy",
            "services": [
                {
                    "name": "app",
                    "status": "up",
                    "port": 8000,
                    "health": "healthy",
                    "metrics": {"cpu_percent": {"value": 20, "level": "healthy", "warn_at": 70, "critical_at": 90}},
                }
            ],
            "port_conflicts": [],
            "operational": True,
        },
    }


CICD = """name: deploy
'on':
  push:
    branches: [main]
jobs:
  deploy:
    name: Deploy
    runs-on: ubuntu-latest
    steps:
      - name: checkout
        uses: actions/checkout@v4
"""


def message(epic: str, frm: str, to: str, kind: str = "handoff", **extra: Any) -> dict[str, Any]:
    return {
        "from": frm,
        "to": to,
        "timestamp": STAMP,
        "epic_id": epic,
        "iteration": 1,
        "type": kind,
        "subject": f"ready_for_{to}",
        "content": {"summary": "done"},
        **extra,
    }


def veto_body(epic: str, to: str) -> dict[str, Any]:
    return {
        "from": "deploy",
        "to": to,
        "timestamp": STAMP,
        "epic_id": epic,
        "iteration": 1,
        "type": "veto",
        "subject": "no_rollback_plan",
        "content": {
            "violation": "no rollback plan",
            "location": "plan.json $.rollback_plan",
            "impact": "cannot undo",
            "requirement": "DEP101",
            "suggestion": "add one",
            "blocking": True,
        },
        "action_needed": "add a rollback plan",
        "findings": [],
        "in_reply_to": SHA,
    }


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=2) + "\n"


def build_epic(root: Path, number: int = 1, *, operational: bool = True, veto: bool = True) -> Path:
    """A complete, valid epic: inputs, outputs, messages, checkpoint, chained log."""
    epic = f"epic_{number}"
    base = root / "docs" / "specs" / epic
    cons = base / "consensus"
    rel = f"docs/specs/{epic}/consensus"
    write(base / f"{epic}.md", f"# {epic}\n")
    for name, doc in {**inputs(epic), **outputs(epic)}.items():
        write(cons / "artifacts" / name, dump_json(doc))
    write(cons / "artifacts" / "cicd.yaml", CICD)
    write(cons / "artifacts" / "runbook.md", "# runbook\n")
    write(cons / "artifacts" / "0001_add_column.sql", "ALTER TABLE t ADD COLUMN c int;\n")
    write(
        cons / "checkpoints" / "prod-deploy-20261124-1430.json",
        dump_json({"name": "prod-deploy-20261124-1430", "epic_id": epic, "created_at": STAMP}),
    )
    for agent in ("migration", "deploy", "backup", "process", "quality", "developer", "architect", "tech-lead"):
        (cons / "messages" / "inbox" / agent).mkdir(parents=True, exist_ok=True)
    inbox = cons / "messages" / "inbox"
    write(inbox / "migration" / "processed" / "handoff.yaml", yaml.safe_dump(message(epic, "developer", "migration")))
    out_files: dict[str, list[str]] = {"migration": [f"{rel}/artifacts/migration_review.json"]}
    nxt = {"migration": "deploy", "deploy": "backup", "backup": "process"}
    for frm, to in nxt.items():
        body = message(epic, frm, to, in_reply_to=SHA)
        body["content"] = {"origin": "developer"}
        name = f"handoff_{frm}_{STAMP}.yaml"
        write(inbox / to / "processed" / name, yaml.safe_dump(body))
        out_files.setdefault(frm, []).append(f"{rel}/messages/inbox/{to}/{name}")
    out_files["deploy"] += [f"{rel}/artifacts/deployment.json", f"{rel}/artifacts/cicd.yaml"]
    out_files["backup"].append(f"{rel}/artifacts/backup_plan.json")
    out_files["process"] = [f"{rel}/artifacts/process_report.json"]
    entries: list[tuple[str, str, list[str]]] = []
    if veto:
        write(inbox / "developer" / f"veto_{STAMP}.yaml", yaml.safe_dump(veto_body(epic, "developer")))
        entries.append(("deploy", "veto", [f"{rel}/messages/inbox/developer/veto_{STAMP}.yaml"]))
    entries += [(agent, "approve", out_files[agent]) for agent in ("migration", "deploy", "backup", "process")]
    if operational:
        entries.append(("process", "operational", []))
    write_log(root, epic, entries)
    return base


def write_log(root: Path, epic: str, entries: list[tuple[str, str, list[str]]]) -> Path:
    lines = []
    head = genesis_hash(epic)
    for seq, (agent, decision, outs) in enumerate(entries, 1):
        entry: dict[str, Any] = {
            "seq": seq,
            "prev_hash": head,
            "timestamp": STAMP,
            "agent": agent,
            "decision": decision,
            "epic_id": epic,
            "iteration": 1,
            "source_document": f"docs/specs/{epic}/consensus/messages/inbox/{agent}/handoff.yaml",
            "previous_artifacts": [],
            "details": {"summary": f"{agent} {decision}", "findings": []},
            "inputs": {},
            "outputs": {p: sha_of(root / p) for p in outs},
            "message_key": hashlib.sha256(f"{seq}".encode()).hexdigest(),
        }
        entry["hash"] = entry_hash(entry)
        head = entry["hash"]
        lines.append(canonical(entry) + b"\n")
    return write(root / "docs" / "specs" / epic / "consensus" / "decision_log.jsonl", b"".join(lines))


def sha_of(path: Path) -> str:
    """sha256 of a written file, also after the pipeline moved it to processed/."""
    if not path.exists():
        path = path.parent / "processed" / path.name
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewrite_log(base: Path, mutate: Any) -> None:
    """Apply ``mutate(entries)`` and rewrite the log with a valid chain."""
    log = base / "consensus" / "decision_log.jsonl"
    entries = [json.loads(line) for line in log.read_bytes().splitlines()]
    entries = mutate(entries)
    head = genesis_hash(base.name)
    lines = []
    for seq, entry in enumerate(entries, 1):
        entry.update(seq=seq, prev_hash=head)
        entry.pop("hash", None)
        entry["hash"] = entry_hash(entry)
        head = entry["hash"]
        lines.append(canonical(entry) + b"\n")
    log.write_bytes(b"".join(lines))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def problems(root: Path, *extra: str) -> list[dict[str, Any]]:
    code, out = run("--root", str(root), "--format", "json", *extra)
    doc = json.loads(out)
    assert (code == 0) == doc["valid"]
    return list(doc["problems"])


def only(found: list[dict[str, Any]], code: str) -> dict[str, Any]:
    hits = [p for p in found if p["code"] == code]
    assert len(hits) == 1, found
    return hits[0]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    build_epic(tmp_path, 1)
    build_epic(tmp_path, 2, operational=False, veto=False)
    return tmp_path


# --- valid --------------------------------------------------------------------------------


def test_valid_tree_exits_zero(tree: Path) -> None:
    code, out = run("--root", str(tree))
    assert code == 0, out
    assert "no problems" in out
    assert "2 epics" in out
    assert problems(tree) == []


def test_valid_tree_every_format_exits_zero(tree: Path) -> None:
    for fmt in ("text", "json", "github", "junit", "sarif"):
        code, out = run("--root", str(tree), "--format", fmt)
        assert code == 0, (fmt, out)


def test_default_root_is_current_directory(tree: Path) -> None:
    code, out = run()
    assert code == 0, out


# --- schema problems with positions --------------------------------------------------------


def test_json_schema_violation_has_path_line_column(tree: Path) -> None:
    path = tree / "docs/specs/epic_1/consensus/artifacts/deployment.json"
    doc = json.loads(path.read_text())
    doc["infrastructure"]["resources_required"]["replicas"] = 0
    path.write_text(dump_json(doc))
    found = [p for p in problems(tree) if p["code"] == "VAL001"]
    assert len(found) == 1
    p = found[0]
    assert p["file"] == "docs/specs/epic_1/consensus/artifacts/deployment.json"
    assert p["json_path"] == "$.infrastructure.resources_required.replicas"
    assert p["rule"] == "minimum"
    lines = path.read_text().splitlines()
    assert lines[p["line"] - 1][p["column"] - 1 :].startswith('"replicas": 0')
    assert "minimum" in p["fix"]


def test_yaml_message_violation_has_line_column(tree: Path) -> None:
    text = (
        "from: developer\nto: migration\ntimestamp: '2026_11_24_14_30_00'\nepic_id: epic_1\n"
        "iteration: 0\ntype: handoff\nsubject: go\ncontent:\n  summary: done\n"
    )
    write(tree / "docs/specs/epic_1/consensus/messages/inbox/migration/new.yaml", text)
    p = only(problems(tree), "VAL001")
    assert p["json_path"] == "$.iteration"
    assert (p["line"], p["column"]) == (5, 1)
    assert p["rule"] == "minimum"


def test_missing_required_and_unknown_property(tree: Path) -> None:
    path = tree / "docs/specs/epic_1/consensus/artifacts/process_report.json"
    doc = json.loads(path.read_text())
    del doc["overall"]
    doc["services"][0]["colour"] = "blue"
    path.write_text(dump_json(doc))
    found = {p["rule"]: p for p in problems(tree) if p["code"] == "VAL001"}
    assert found["required"]["json_path"] == "$.overall"
    assert "$.overall" in found["required"]["fix"]
    assert found["required"]["line"] == 1
    extra = found["additionalProperties"]
    assert extra["json_path"] == "$.services[0].colour"
    assert path.read_text().splitlines()[extra["line"] - 1].strip().startswith('"colour"')


def test_every_problem_is_reported_not_only_the_first(tree: Path) -> None:
    path = tree / "docs/specs/epic_1/consensus/artifacts/backup_plan.json"
    doc = json.loads(path.read_text())
    doc["iteration"] = "one"
    doc["retention"]["class"] = "forever"
    doc["targets"][0]["kind"] = "disk"
    path.write_text(dump_json(doc))
    rules = sorted(p["rule"] for p in problems(tree) if p["code"] == "VAL001")
    assert rules == ["enum", "enum", "type"]


def test_invalid_json_syntax_has_line_column(tree: Path) -> None:
    write(tree / "docs/specs/epic_1/consensus/artifacts/review.json", '{\n  "epic_id": "epic_1",\n  oops\n}\n')
    p = only(problems(tree), "VAL002")
    assert p["file"].endswith("review.json")
    assert (p["line"], p["column"]) == (3, 3)


def test_checkpoint_and_cicd_are_validated(tree: Path) -> None:
    write(
        tree / "docs/specs/epic_1/consensus/checkpoints/bad.json",
        dump_json({"name": "Bad Name", "epic_id": "epic_1", "created_at": STAMP}),
    )
    cicd = tree / "docs/specs/epic_1/consensus/artifacts/cicd.yaml"
    cicd.write_text(CICD.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"))
    found = problems(tree)
    assert {p["file"].rsplit("/", 1)[1] for p in found} == {"bad.json", "cicd.yaml"}
    cicd_problem = next(p for p in found if p["file"].endswith("cicd.yaml") and p["rule"] == "additionalProperties")
    assert cicd_problem["line"] == 8


# --- decision log ---------------------------------------------------------------------------


def log_path(root: Path, epic: str = "epic_1") -> Path:
    return root / "docs/specs" / epic / "consensus/decision_log.jsonl"


def test_edited_log_entry_breaks_the_chain(tree: Path) -> None:
    path = log_path(tree)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"approve"', b'"waiting"')
    path.write_bytes(b"".join(lines))
    p = only(problems(tree), "VAL101")
    assert p["line"] == 2
    assert p["json_path"] == "$.hash"
    assert lines[1][p["column"] - 1 :].startswith(b'"hash"')


def test_removed_log_line_is_a_seq_gap(tree: Path) -> None:
    path = log_path(tree)
    lines = path.read_bytes().splitlines(keepends=True)
    del lines[2]
    path.write_bytes(b"".join(lines))
    found = problems(tree)
    gap = only(found, "VAL102")
    assert gap["line"] == 3 and gap["json_path"] == "$.seq"
    assert any(p["code"] == "VAL101" and p["json_path"] == "$.prev_hash" for p in found)


def test_iteration_going_backwards(tree: Path) -> None:
    def mutate(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for entry, iteration in zip(entries, [1, 2, 1, 2], strict=True):
            entry["iteration"] = iteration
        entries[2]["agent"] = "deploy"  # deploy decided iteration 2, then 1
        return entries

    rewrite_log(tree / "docs/specs/epic_2", mutate)
    p = only(problems(tree), "VAL103")
    assert p["line"] == 3 and p["json_path"] == "$.iteration"
    assert p["file"] == "docs/specs/epic_2/consensus/decision_log.jsonl"
    assert "earlier deploy entry" in p["message"]


def test_queued_iterations_decided_guardian_by_guardian_are_fine(tree: Path) -> None:
    def mutate(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for entry, (agent, iteration) in zip(
            entries, [("migration", 1), ("migration", 2), ("deploy", 1), ("deploy", 2)], strict=True
        ):
            entry.update(agent=agent, iteration=iteration)
        return entries

    rewrite_log(tree / "docs/specs/epic_2", mutate)
    assert problems(tree) == []


def test_torn_tail_and_bad_line(tree: Path) -> None:
    path = log_path(tree)
    path.write_bytes(path.read_bytes() + b'{"seq": 7')
    p = only(problems(tree), "VAL104")
    assert p["line"] == 7
    path.write_bytes(path.read_bytes().replace(b'{"seq": 7', b"not json\n"))
    p = only(problems(tree), "VAL002")
    assert p["line"] == 7


def test_log_line_schema_violation_points_into_the_line(tree: Path) -> None:
    def mutate(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries[0]["decision"] = "maybe"
        return entries

    rewrite_log(tree / "docs/specs/epic_1", mutate)
    p = only(problems(tree), "VAL001")
    line = log_path(tree).read_bytes().splitlines()[0]
    assert p["line"] == 1 and p["json_path"] == "$.decision"
    assert line[p["column"] - 1 :].startswith(b'"decision"')


def test_operational_needs_four_approvals_in_order(tree: Path) -> None:
    def mutate(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [e for e in entries if not (e["agent"] == "backup" and e["decision"] == "approve")]

    rewrite_log(tree / "docs/specs/epic_1", mutate)
    found = problems(tree)
    p = only(found, "VAL121")
    assert "backup" in p["message"] and "process" in p["message"]
    assert p["json_path"] == "$.decision"


def test_approvals_out_of_order_are_not_operational(tree: Path) -> None:
    def mutate(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        approves = [e for e in entries if e["decision"] == "approve"]
        rest = [e for e in entries if e["decision"] != "approve"]
        return [rest[0], approves[1], approves[0], approves[2], approves[3], rest[1]]

    rewrite_log(tree / "docs/specs/epic_1", mutate)
    assert "deploy" in only(problems(tree), "VAL121")["message"]


# --- cross-file ------------------------------------------------------------------------------


def test_veto_without_log_entry(tree: Path) -> None:
    inbox = tree / "docs/specs/epic_2/consensus/messages/inbox/developer/processed"
    write(inbox / "veto_2026_11_25_00_00_00.yaml", yaml.safe_dump(veto_body("epic_2", "developer")))
    p = only(problems(tree), "VAL111")
    assert p["file"].endswith("developer/processed/veto_2026_11_25_00_00_00.yaml")


def test_logged_output_missing_and_changed(tree: Path) -> None:
    (tree / "docs/specs/epic_1/consensus/artifacts/cicd.yaml").unlink()
    deployment = tree / "docs/specs/epic_1/consensus/artifacts/deployment.json"
    deployment.write_text(deployment.read_text().replace('"reason": "low risk"', '"reason": "edited"'))
    found = problems(tree)
    missing = only(found, "VAL112")
    assert missing["file"].endswith("decision_log.jsonl")
    assert missing["line"] == 3
    assert missing["json_path"] == "$.outputs['docs/specs/epic_1/consensus/artifacts/cicd.yaml']"
    changed = only(found, "VAL113")
    assert changed["file"].endswith("deployment.json")


def test_moved_output_is_found_in_processed(tree: Path) -> None:
    veto = tree / f"docs/specs/epic_1/consensus/messages/inbox/developer/veto_{STAMP}.yaml"
    (veto.parent / "processed").mkdir()
    veto.rename(veto.parent / "processed" / f"veto_{STAMP}.0123456789ab.yaml")
    assert problems(tree) == []


def test_unknown_inbox_files(tree: Path) -> None:
    inbox = tree / "docs/specs/epic_1/consensus/messages/inbox"
    write(inbox / "deploy" / "notes.txt", "hello")
    write(inbox / "deploy" / "junk" / "x.yaml", "a: 1\n")
    write(inbox / "deploy" / ".gitkeep", "")
    write(inbox / "deploy" / ".tmp" / "partial.yaml", "half")
    write(inbox / "deploy" / "rejected" / "bad.yaml", "{")
    write(inbox / "deploy" / "rejected" / "bad.yaml.reason", "unreadable\n")
    found = [p for p in problems(tree) if p["code"] == "VAL131"]
    assert sorted(p["file"].split("inbox/")[1] for p in found) == ["deploy/junk", "deploy/notes.txt"]


def test_message_to_missing_or_wrong_inbox(tree: Path) -> None:
    inbox = tree / "docs/specs/epic_1/consensus/messages/inbox"
    write(inbox / "migration" / "a.yaml", yaml.safe_dump(message("epic_1", "developer", "nobody")))
    write(inbox / "migration" / "b.json", dump_json(message("epic_1", "developer", "deploy")))
    found = problems(tree)
    missing = only(found, "VAL132")
    assert missing["file"].endswith("a.yaml") and missing["json_path"] == "$.to"
    text = (inbox / "migration" / "a.yaml").read_text().splitlines()
    assert text[missing["line"] - 1].startswith("to:")
    wrong = only(found, "VAL133")
    assert wrong["file"].endswith("b.json") and wrong["line"] is not None


def test_message_for_another_epic(tree: Path) -> None:
    write(
        tree / "docs/specs/epic_1/consensus/messages/inbox/migration/c.yaml",
        yaml.safe_dump(message("epic_2", "developer", "migration")),
    )
    assert only(problems(tree), "VAL134")["json_path"] == "$.epic_id"


def test_approval_content_is_checked(tree: Path) -> None:
    body = message("epic_1", "tech-lead", "migration", kind="approval")
    body["content"] = {"review_digest": "nope"}
    write(tree / "docs/specs/epic_1/consensus/messages/inbox/migration/approve.yaml", yaml.safe_dump(body))
    paths = {p["json_path"] for p in problems(tree) if p["code"] == "VAL001"}
    assert "$.content.review_digest" in paths


def test_vetoed_invalid_message_in_processed_is_not_reported(tree: Path) -> None:
    name = "broken.yaml"
    data = b"from: developer\nto: migration\n"
    write(tree / "docs/specs/epic_2/consensus/messages/inbox/migration/processed" / name, data)
    assert {p["rule"] for p in problems(tree)} == {"required"}
    key = hashlib.sha256(b"migration/" + name.encode() + b"\0" + data).hexdigest()

    def mutate(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entries[0]["message_key"] = key
        entries[0]["details"]["subject"] = "invalid_message"
        return entries

    rewrite_log(tree / "docs/specs/epic_2", mutate)
    assert problems(tree) == []


def test_missing_migration_file(tree: Path) -> None:
    (tree / "docs/specs/epic_1/consensus/artifacts/0001_add_column.sql").unlink()
    p = only(problems(tree), "VAL141")
    assert p["json_path"] == "$.migrations[0]"


def test_leftover_journal_is_a_warning(tree: Path) -> None:
    write(tree / "docs/specs/epic_1/consensus/.guardians.journal.json", "{}")
    write(tree / "docs/specs/epic_1/consensus/.guardians.lock", "")
    write(tree / "docs/specs/epic_1/consensus/quarantine/x.torn", "x")
    code, out = run("--root", str(tree))
    assert code == 0
    assert "VAL151" in out and "guardians run" in out and "1 warning" in out


# --- hostile files ---------------------------------------------------------------------------


def test_hostile_files_are_problems_not_tracebacks(tree: Path) -> None:
    cons = tree / "docs/specs/epic_1/consensus"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"
    write(cons / "messages/inbox/migration/bomb.yaml", bomb)
    write(cons / "messages/inbox/deploy/latin1.yaml", b"from: d\xe9veloper\n")
    write(cons / "messages/inbox/backup/big.json", b'{"x": "' + b"a" * 1_100_000 + b'"}')
    write(cons / "messages/inbox/process/deep.json", "[" * 5000 + "]" * 5000)
    target = cons / "artifacts" / "review.json"
    target.rename(cons / "artifacts" / "review.real")
    os.symlink("/etc/passwd", cons / "artifacts" / "review.json")
    os.mkfifo(cons / "checkpoints" / "fifo.json")
    code, out = run("--root", str(tree), "--format", "json")
    assert code == 1
    found = {p["file"].rsplit("/", 1)[1]: p for p in json.loads(out)["problems"]}
    for name in ("bomb.yaml", "latin1.yaml", "big.json", "deep.json", "review.json", "fifo.json"):
        assert found[name]["code"] == "VAL002", (name, found[name])
    assert "alias" in found["bomb.yaml"]["message"] or "anchor" in found["bomb.yaml"]["message"]
    assert found["latin1.yaml"]["line"] == 1
    assert "symbolic link" in found["review.json"]["message"]


def test_symlinked_log_is_refused(tree: Path) -> None:
    log = log_path(tree, "epic_2")
    log.rename(log.with_name("real.jsonl"))
    os.symlink("real.jsonl", log)
    p = only(problems(tree), "VAL002")
    assert "symbolic link" in p["message"]


# --- formats -------------------------------------------------------------------------------


def test_github_annotations(tree: Path) -> None:
    path = write(
        tree / "docs/specs/epic_1/consensus/messages/inbox/migration/m.yaml",
        yaml.safe_dump(message("epic_1", "developer", "nowhere")),
    )
    to_line = path.read_text().splitlines().index("to: nowhere") + 1
    code, out = run("--root", str(tree), "--format", "github")
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith("::error "))
    assert line.startswith(
        f"::error file=docs/specs/epic_1/consensus/messages/inbox/migration/m.yaml,line={to_line},col=1,"
        "title=VAL132 message to a missing inbox::"
    ), line
    assert "::message is addressed to 'nowhere'" in line
    assert "Fix: " in line
    assert out.splitlines()[-1].startswith("guardians validate: 1 error")


def test_text_is_plain_when_not_a_tty(tree: Path) -> None:
    (tree / "docs/specs/epic_1/consensus/artifacts/cicd.yaml").write_text("name: [unclosed\n")
    code, out = run("--root", str(tree))
    assert code == 1
    assert "\x1b[" not in out
    assert "docs/specs/epic_1/consensus/artifacts/cicd.yaml:2:1: error VAL002" in out
    assert "    fix: " in out
    assert "FAIL" in out


# --- paths, usage errors ---------------------------------------------------------------------


def test_paths_epic_folder_and_single_files(tree: Path) -> None:
    bad = tree / "docs/specs/epic_2/consensus/artifacts/review.json"
    bad.write_text(dump_json({"epic_id": "epic_2", "review_status": "fine"}))
    code, out = run("docs/specs/epic_1")
    assert code == 0, out
    code, out = run("docs/specs/epic_2/consensus")
    assert code == 1 and "review.json" in out
    code, out = run(str(bad), "docs/specs/epic_1/consensus/artifacts/plan.json")
    assert code == 1 and "2 files" in out
    code, out = run("docs/specs/epic_1/consensus/decision_log.jsonl")
    assert code == 0, out
    code, out = run(f"docs/specs/epic_1/consensus/messages/inbox/developer/veto_{STAMP}.yaml")
    assert code == 0, out


def test_single_unknown_file_is_a_problem(tree: Path) -> None:
    write(tree / "notes.json", "{}")
    code, out = run("notes.json")
    assert code == 1 and "VAL003" in out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--root", "missing"], "not a directory"),
        (["does/not/exist.json"], "does not exist"),
        (["--format", "xml"], "xml"),
        (["--root", ".", "docs/specs/epic_1"], "not both"),
        (["docs"], "neither an epic folder"),
    ],
)
def test_usage_errors_exit_2(tree: Path, args: list[str], needle: str) -> None:
    result = CliRunner().invoke(cli, ["validate", *args])
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


def test_root_without_specs_is_a_usage_error(tmp_path: Path) -> None:
    code, out = run("--root", str(tmp_path))
    assert code == 2 and "docs/specs" in out


def test_help_documents_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["validate", "--help"])
    assert result.exit_code == 0
    assert "0 valid" in result.output and "1 problems found" in result.output and "2 usage error" in result.output


# --- parallel, progress ---------------------------------------------------------------------


def test_parallel_run_matches_sequential(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from guardians.commands.validate import validate_command
    from guardians.validate.plan import PARALLEL_MIN_EPICS

    monkeypatch.chdir(tmp_path)
    build_epic(tmp_path, 1)
    for n in range(2, PARALLEL_MIN_EPICS + 1):
        shutil.copytree(tmp_path / "docs/specs/epic_1", tmp_path / f"docs/specs/epic_{n}")
    (tmp_path / "docs/specs/epic_9/consensus/artifacts/plan.json").write_text("{}")
    outs = []
    for jobs in (1, 2):
        buf = io.StringIO()
        assert validate_command(None, [], "json", buf, jobs=jobs) == 1
        outs.append(json.loads(buf.getvalue()))
    assert outs[0] == outs[1]
    files = {p["file"] for p in outs[0]["problems"]}
    assert "docs/specs/epic_9/consensus/artifacts/plan.json" in files
    # copies of epic_1 carry epic_1's log and messages: every copy is flagged
    assert any(p["code"] == "VAL105" and p["file"].startswith("docs/specs/epic_2/") for p in outs[0]["problems"])


def test_no_progress_bar_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from guardians.validate import plan as validate

    monkeypatch.setenv("CI", "true")
    assert validate.progress_bar(1000) is None


def test_subprocess_entry_point_has_no_traceback(tree: Path) -> None:
    exe = Path(sys.executable).with_name("guardians")
    if not exe.exists():
        pytest.skip("console script not installed")
    proc = subprocess.run([str(exe), "validate", "nope.json"], capture_output=True, text=True, cwd=tree)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


# --- the two validators agree ------------------------------------------------------------------


def _patterns(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            found.add(node["pattern"])
        for value in node.values():
            found |= _patterns(value)
    elif isinstance(node, list):
        for value in node:
            found |= _patterns(value)
    return found


SAMPLES = [
    "",
    "epic_7",
    "epic_7\n",
    "epic_\u0667",
    "2026_11_24_14_30_00",
    "2026_11_24_14_30_00\n",
    "2026-11-24T14:30:00Z",
    "2026-11-24 14:30",
    "2026-11-24T14:30:00+0100",
    "a" * 64,
    "a" * 64 + "\n",
    "A" * 64,
    "MIG101",
    "MIG101\n",
    "prod-deploy-20261124-1430",
    "tech-lead",
    "Tech-lead",
    "no_rollback_plan",
    "msg:1.2_x-y",
    "app-1",
    "-app",
    "\u0661\u0662",
]


def test_fast_and_slow_validators_agree_on_patterns_and_formats() -> None:
    import jsonschema_rs

    from guardians.protocol.schemas import CATALOG
    from guardians.protocol.validator import FORMATS, fast_validator, load_schema, slow_validator

    patterns: set[str] = set()
    formats: set[str] = set()
    for entry in CATALOG:
        schema = load_schema(entry.name)
        formats |= set(re.findall(r'"format": "([^"]+)"', json.dumps(schema)))
        patterns |= _patterns(schema)
    assert patterns
    assert formats == set(FORMATS), "a schema uses a format the validator does not assert: add samples here"
    for patrn in sorted(patterns):
        fast = jsonschema_rs.validator_for({"type": "string", "pattern": patrn})
        for sample in SAMPLES:
            assert fast.is_valid(sample) == _slow_ok(slow_validator, patrn, sample), (patrn, sample)
    # The formats through the real validators: a stamp field of a veto.
    veto = veto_body("epic_1", "developer")
    stamps = ["2026_02_30_09_00_00", "2026_99_99_99_99_99", "2024_02_29_00_00_00", "2026_02_29_00_00_00"]
    for sample in [*SAMPLES, *stamps]:
        doc = {**veto, "timestamp": sample}
        assert fast_validator("veto").is_valid(doc) == slow_validator("veto").is_valid(doc), sample


def _slow_ok(slow_validator: Any, patrn: str, sample: str) -> bool:
    cls = type(slow_validator("plan"))
    return bool(cls({"type": "string", "pattern": patrn}).is_valid(sample))


def test_ecma_translation_handles_digits_and_end_anchor() -> None:
    from guardians.protocol.validator import ecma_regex

    assert ecma_regex(r"^\d+$").search("12")
    assert not ecma_regex(r"^\d+$").search("12\n")
    assert not ecma_regex(r"^\d+$").search("\u0661")
    assert ecma_regex(r"^[$\d]+$").search("$1")


def test_every_schema_document_in_the_builder_is_valid(tmp_path: Path) -> None:
    """Guards the test fixtures themselves against schema drift."""
    from guardians.protocol.validator import fast_validator
    from guardians.validate.epic import message_schema

    for name, doc in {**inputs("epic_1"), **outputs("epic_1")}.items():
        assert fast_validator(name.removesuffix(".json")).is_valid(doc), name
    assert fast_validator("cicd").is_valid(yaml.safe_load(CICD))
    assert fast_validator(message_schema("veto_x.yaml", None)).is_valid(veto_body("epic_1", "developer"))


# --- examples -----------------------------------------------------------------------------------


def test_freshly_run_example_validates_clean(tmp_path: Path) -> None:
    example = REPO / "examples" / "clean"
    if not (example / "docs" / "specs").is_dir():
        pytest.skip("examples/clean is not there yet")
    root = tmp_path / "repo"
    shutil.copytree(example, root)
    ran = CliRunner().invoke(cli, ["run", "--root", str(root)])
    assert ran.exit_code == 0, ran.output
    code, out = run("--root", str(root))
    assert code == 0, out


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a": NaN}',
        '{"a": Infinity}',
        '{"a": 1e400}',
        '{"a": 123456789012345678901234567890}',
        '{"a": -9223372036854775808}',
        "\ufeff" + '{"a": [1, 2.5, {"b": null}]}',
        "[" * 65 + "]" * 65,
        "[" * 64 + "]" * 64,
        '{"a": "\\u0000"}',
        '{"a": "\\ud800"}',
        '{"\\uDFFF": 1}',
        '{"a": "\\ud83d\\ude00"}',
        '{"a": 1}\x00',
        "[1, 2,]",
    ],
)
def test_fast_json_path_accepts_exactly_what_the_loader_accepts(text: str) -> None:
    from guardians.errors import InputError
    from guardians.store.loaders import load_json_text
    from guardians.validate.document import Doc, parse

    try:
        expected: Any = load_json_text(text.removeprefix("\ufeff"), "x.json")
    except InputError:
        expected = InputError
    value, problem = parse(Doc("x.json", text.encode(), "json"))
    if expected is InputError:
        assert problem is not None and problem.code == "VAL002"
    else:
        assert problem is None and value == expected


def test_progress_bar_only_on_a_tty_after_enough_files(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from guardians.validate import plan as validate

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Tty()
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stderr", err)
    progress = validate.progress_bar(100)
    assert progress is not None
    progress.update(validate.PROGRESS_MIN_FILES)
    assert err.getvalue() == ""
    progress.update(10)
    progress.update(10)
    progress.close()
    assert "validating" in err.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert validate.progress_bar(100) is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"Order notes"', '"Order \\ud800 notes"', "lone UTF-16 surrogate"),
        ('"2026_11_20_09_00_00"', '"2026_02_30_09_00_00"', "day is out of range for month"),
        ('"2026_11_20_09_00_00"', '"2026_99_99_99_99_99"', "month must be in 1..12"),
    ],
)
def test_validate_and_run_refuse_the_same_plan_with_the_same_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    root = Path("repo")
    shutil.copytree(REPO / "examples" / "clean", root)
    plan = root / "docs/specs/epic_1/consensus/artifacts/plan.json"
    text = plan.read_text()
    assert old in text
    plan.write_text(text.replace(old, new, 1))
    # The artifact check (VAL00x) and the admission check of the pending handoff (GRD010) both see it.
    found = [p for p in problems(root) if p["code"].startswith("VAL")]
    assert [p["file"] for p in found] == ["repo/docs/specs/epic_1/consensus/artifacts/plan.json"]
    assert message in found[0]["message"]
    ran = CliRunner().invoke(cli, ["run", "--root", str(root)])
    assert ran.exit_code == 0, ran.output
    vetoes = list((root / "docs/specs/epic_1/consensus/messages/inbox").glob("*/veto_*.yaml"))
    assert len(vetoes) == 1
    findings = yaml.safe_load(vetoes[0].read_text())["findings"]
    assert [f["file"] for f in findings] == ["docs/specs/epic_1/consensus/artifacts/plan.json"]
    assert found[0]["message"] in findings[0]["message"]
    assert found[0]["json_path"] == findings[0]["json_path"]


def test_the_validator_refuses_a_lone_surrogate_instead_of_crashing() -> None:
    """Loaders refuse lone surrogates (the guard); data built in memory reaches the validator directly."""
    from guardians.protocol.validator import is_valid, validate_data

    plan = {**inputs("epic_1")["plan.json"], "epic_id": "epic_\ud800"}
    assert not is_valid("plan", plan)
    assert [p.json_path for p in validate_data("plan", plan)] == ["$.epic_id"]
