"""send, validate and run answer "would a guardian accept this message?" the same way.

Each case is a message (and optionally a change to the epic) put to all three
commands through the CLI on a copy of ``examples/clean``:

- ``send`` must refuse exactly what ``run`` rejects or vetoes for admission
  reasons, with the same codes;
- ``validate`` must report a problem exactly when the other two refuse;
- ``run`` records the decision with those codes in the log.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES, consensus, log_entries
from tests.trust_keys import make_keys, needs_ssh_keygen

BASE: dict[str, Any] = {
    "from": "quality",
    "to": "migration",
    "timestamp": "2026_11_22_10_05_00",
    "epic_id": "epic_1",
    "iteration": 1,
    "type": "handoff",
    "subject": "ready_for_guardians",
    "content": {"summary": "review.json approves"},
}
APPROVAL = {
    **BASE,
    "from": "tech-lead",
    "type": "approval",
    "subject": "approve_migration",
    "content": {"review_digest": "0" * 64, "reason": "accepted risk"},
}


def msg(**changes: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def approval(**changes: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(APPROVAL))
    out.update(changes)
    return out


def artifacts(root: Path) -> Path:
    return consensus(root, "epic_1") / "artifacts"


def remove(name: str) -> Callable[[Path], None]:
    return lambda root: (artifacts(root) / name).unlink()


def write(name: str, text: str) -> Callable[[Path], None]:
    return lambda root: (artifacts(root) / name).write_text(text, encoding="utf-8")


def patch(name: str, **fields: Any) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = artifacts(root) / name
        data = json.loads(path.read_text())
        data.update(fields)
        path.write_text(json.dumps(data, indent=2))

    return apply


def decided_at_iteration(n: int) -> Callable[[Path], None]:
    """A migration decision at iteration ``n`` is already in the log."""

    def apply(root: Path) -> None:
        from guardians.store.decision_log import DecisionLog

        folder = consensus(root, "epic_1")
        DecisionLog(folder / "decision_log.jsonl", "epic_1").append(
            {
                "timestamp": "2026_11_22_10_00_00",
                "agent": "migration",
                "decision": "veto",
                "epic_id": "epic_1",
                "iteration": n,
                "source_document": "x.yaml",
                "previous_artifacts": [],
                "details": {"summary": "earlier round", "findings": []},
                "inputs": {},
                "outputs": {},
            }
        )

    return apply


# (id, inbox, message (dict -> YAML, str/bytes -> raw), expected codes, epic change)
CASES: list[tuple[str, str, Any, set[str], Callable[[Path], None] | None]] = [
    # accepted
    ("valid-handoff", "migration", msg(), set(), None),
    ("valid-iteration-2", "migration", msg(iteration=2), set(), None),
    ("valid-json", "migration", json.dumps(msg()), set(), None),
    ("valid-extra-content", "migration", msg(content={"summary": "x", "notes": ["a", "b"]}), set(), None),
    ("valid-approval-nothing-waiting", "migration", approval(), set(), None),
    ("upstream-veto-to-quality", "quality", msg(**{"from": "developer", "to": "quality", "type": "veto"}), set(), None),
    ("upstream-note-to-tech-lead", "tech-lead", msg(to="tech-lead", type="escalation"), set(), None),
    ("same-iteration-as-decided", "migration", msg(iteration=2), set(), decided_at_iteration(2)),
    # not a usable document (GRD001, reject: no sender)
    ("empty-file", "migration", b"", {"GRD001"}, None),
    ("yaml-syntax", "migration", "from: [quality\n", {"GRD001"}, None),
    ("a-list", "migration", "- from: quality\n", {"GRD001"}, None),
    ("alias", "migration", "a: &x [1]\nb: *x\n", {"GRD001"}, None),
    ("duplicate-key", "migration", "from: quality\nfrom: developer\n", {"GRD001"}, None),
    ("bad-utf8", "migration", b"from: \xff\xfe\n", {"GRD001"}, None),
    ("lone-surrogate", "migration", '{"from": "quality", "subject": "\\ud800"}', {"GRD001"}, None),
    ("nan-iteration", "migration", '{"from": "quality", "iteration": NaN}', {"GRD001"}, None),
    # schema (GRD001)
    ("missing-from", "migration", msg(**{"from": None}), {"GRD001"}, None),
    ("missing-to", "migration", msg(to=None), {"GRD001"}, None),
    ("missing-content", "migration", msg(content=None), {"GRD001"}, None),
    ("iteration-zero", "migration", msg(iteration=0), {"GRD001"}, None),
    ("iteration-string", "migration", msg(iteration="1"), {"GRD001"}, None),
    ("unknown-type", "migration", msg(type="handover"), {"GRD001"}, None),
    ("bad-timestamp", "migration", msg(timestamp="yesterday"), {"GRD001"}, None),
    ("bad-sender-name", "migration", msg(**{"from": "Quality Agent"}), {"GRD001"}, None),
    ("approval-without-digest", "migration", approval(content={"reason": "ok"}), {"GRD001"}, None),
    ("approval-content-not-object", "migration", approval(content="yes"), {"GRD001"}, None),
    # routing (GRD002, veto to the sender)
    ("addressed-elsewhere", "migration", msg(to="deploy"), {"GRD002"}, None),
    ("other-epic", "migration", msg(epic_id="epic_2"), {"GRD002"}, None),
    ("other-epic-and-inbox", "migration", msg(to="backup", epic_id="epic_9"), {"GRD002"}, None),
    ("upstream-misrouted", "tech-lead", msg(to="quality"), {"GRD002"}, None),
    # types a guardian never takes (GRD005, reject without reply)
    ("veto-from-guardian", "migration", msg(**{"from": "deploy", "type": "veto"}), {"GRD005"}, None),
    ("veto-from-quality", "migration", msg(type="veto"), {"GRD005"}, None),
    ("escalation-to-deploy", "deploy", msg(to="deploy", type="escalation"), {"GRD005"}, None),
    ("approval-to-deploy", "deploy", approval(to="deploy"), {"GRD005"}, None),
    ("veto-to-process", "process", msg(**{"from": "backup", "to": "process", "type": "veto"}), {"GRD005"}, None),
    # who may send what (GRD006)
    ("approval-from-developer", "migration", approval(**{"from": "developer"}), {"GRD006"}, None),
    ("approval-from-guardian", "migration", approval(**{"from": "deploy"}), {"GRD006"}, None),
    ("handoff-from-guardian", "migration", msg(**{"from": "deploy"}), {"GRD006"}, None),
    ("origin-is-guardian", "migration", msg(content={"origin": "backup"}), {"GRD006"}, None),
    # provenance (GRD003) and stale iterations (GRD004), rejects
    ("forged-deploy-handoff", "deploy", msg(**{"from": "migration", "to": "deploy"}), {"GRD003"}, None),
    ("forged-process-handoff", "process", msg(**{"from": "backup", "to": "process"}), {"GRD003"}, None),
    ("quality-to-backup", "backup", msg(to="backup"), {"GRD003"}, None),
    ("stale-iteration", "migration", msg(iteration=1), {"GRD004"}, decided_at_iteration(2)),
    # required artifacts (GRD010/GRD011, veto)
    ("plan-missing", "migration", msg(), {"GRD011"}, remove("plan.json")),
    ("review-missing", "migration", msg(), {"GRD011"}, remove("review.json")),
    ("plan-not-json", "migration", msg(), {"GRD010"}, write("plan.json", "{not json")),
    ("plan-wrong-epic", "migration", msg(), {"GRD010"}, patch("plan.json", epic_id="epic_9")),
    ("review-wrong-shape", "migration", msg(), {"GRD010"}, patch("review.json", review_status=7)),
    ("plan-lone-surrogate", "migration", msg(), {"GRD010"}, write("plan.json", '{"epic_id": "\\ud800"}')),
    ("implementation-bad-type", "migration", msg(), {"GRD010"}, patch("implementation.json", migrations="x.sql")),
]


def _place(root: Path, inbox: str, body: Any) -> Path:
    folder = consensus(root, "epic_1") / "messages" / "inbox" / inbox
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    if isinstance(body, dict):
        data = yaml.safe_dump(body, sort_keys=False).encode()
    else:
        data = body if isinstance(body, bytes) else body.encode("utf-8")
    path = folder / "case_message.yaml"
    path.write_bytes(data)
    os.utime(path, (1, 1))  # long settled: decided at once
    return path


def _root(tmp_path: Path, name: str, change: Callable[[Path], None] | None) -> Path:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / "clean", root)
    (consensus(root, "epic_1") / "messages" / "inbox" / "migration" / "001_handoff.yaml").unlink()
    if change is not None:
        change(root)
    return root


_CODE = re.compile(r"\b(GRD\d{3})\b")


@pytest.mark.parametrize(("inbox", "body", "codes", "change"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_send_validate_and_run_agree(run_cli, tmp_path, inbox, body, codes, change):
    # send
    send_root = _root(tmp_path, "send", change)
    draft = tmp_path / "draft.yaml"
    draft.write_bytes(_place(tmp_path / "scratch", inbox, body).read_bytes())
    sent = run_cli("send", "epic_1", "--to", inbox, str(draft), "--root", str(send_root))
    send_codes = set(_CODE.findall(sent.output))
    assert sent.exit_code == (1 if codes else 0), sent.output
    assert send_codes == codes, sent.output

    # validate, on the message sitting in the inbox
    root = _root(tmp_path, "run", change)
    placed = _place(root, inbox, body)
    checked = run_cli("validate", "--root", str(root), "--format", "json")
    report = json.loads(checked.output)
    assert (checked.exit_code == 1) == bool(codes), checked.output
    assert bool(report["problems"]) == bool(codes), checked.output

    # run (guardians decide only what is in their own inboxes)
    if inbox not in ("migration", "deploy", "backup", "process"):
        assert run_cli("run", "--root", str(root)).exit_code == 0
        assert placed.exists()
        return
    before = len(log_entries(root, "epic_1"))
    run_cli("run", "--root", str(root))
    mine = [e for e in log_entries(root, "epic_1")[before:] if e["source_document"].endswith(placed.name)]
    assert mine, "run decided nothing for the message"
    first = mine[0]
    run_codes = {f["code"] for f in first["details"].get("findings", []) if f["code"].startswith("GRD")}
    if codes:
        assert first["decision"] in ("reject", "veto", "escalate"), first
    assert run_codes == codes, first


# --- handoffs between guardians: bound, single-use, pinned (GRD007, GRD013) -----------------------


def _after_migration(root: Path) -> tuple[str, bytes]:
    """Decide only the migration handoff; return (and take out) the handoff it wrote to deploy."""
    from datetime import UTC, datetime

    from guardians.engine.commit import decide
    from guardians.store.decision_log import DecisionLog
    from guardians.store.inbox import pending
    from guardians.store.layout import Epic

    epic = Epic.at(root, "epic_1")
    log = DecisionLog.open(epic.log_path, "epic_1")
    assert decide(epic, pending(epic, ("migration",))[0], log, datetime.now(UTC)) is not None
    handoff = next((consensus(root, "epic_1") / "messages" / "inbox" / "deploy").glob("handoff_*.yaml"))
    data = handoff.read_bytes()
    handoff.unlink()
    return handoff.name, data


def _replay_state(root: Path) -> tuple[str, bytes]:
    from guardians.commands.run import run_pipeline

    assert run_pipeline(root, [], out=io.StringIO(), err=io.StringIO()) == 0
    done = consensus(root, "epic_1") / "messages" / "inbox" / "deploy" / "processed"
    return "replayed.yaml", next(done.glob("handoff_*.yaml")).read_bytes()


def _changed_state(root: Path) -> tuple[str, bytes]:
    name, data = _after_migration(root)
    patch("plan.json", notes="edited after migration judged it")(root)
    return name, data


GUARDIAN_CASES = [
    ("live-handoff", _after_migration, set()),
    ("replayed-handoff", _replay_state, {"GRD007"}),
    ("artifact-changed-since-judged", _changed_state, {"GRD013"}),
]


@pytest.mark.parametrize(("prepare", "codes"), [c[1:] for c in GUARDIAN_CASES], ids=[c[0] for c in GUARDIAN_CASES])
def test_guardian_handoffs_agree(run_cli, tmp_path, prepare, codes):
    base = tmp_path / "base"
    shutil.copytree(EXAMPLES / "clean", base)
    name, body = prepare(base)
    send_root, root = tmp_path / "send", tmp_path / "run"
    shutil.copytree(base, send_root)
    shutil.copytree(base, root)

    draft = tmp_path / "draft.yaml"
    draft.write_bytes(body)
    sent = run_cli("send", "epic_1", "--to", "deploy", str(draft), "--root", str(send_root))
    assert sent.exit_code == (1 if codes else 0), sent.output
    assert set(_CODE.findall(sent.output)) == codes, sent.output

    placed = consensus(root, "epic_1") / "messages" / "inbox" / "deploy" / name
    placed.write_bytes(body)
    os.utime(placed, (1, 1))
    checked = run_cli("validate", "--root", str(root), "--format", "json")
    report = json.loads(checked.output)
    admission_codes = {m for p in report["problems"] for m in _CODE.findall(p["message"] + " " + p.get("rule", ""))}
    assert bool(report["problems"]) == bool(codes), checked.output
    assert codes <= admission_codes | {p.get("code") for p in report["problems"]}, checked.output

    before = len(log_entries(root, "epic_1"))
    run_cli("run", "--root", str(root))
    mine = [e for e in log_entries(root, "epic_1")[before:] if e["source_document"].endswith(placed.name)]
    assert mine, "run decided nothing for the message"
    run_codes = {f["code"] for f in mine[0]["details"].get("findings", []) if f["code"].startswith("GRD")}
    assert run_codes == codes, mine[0]


@needs_ssh_keygen
def test_unsigned_approval_under_an_anchor_agrees(run_cli, tmp_path, monkeypatch):
    """GRD008: send refuses, validate reports and run rejects an approval nobody signed."""
    make_keys(tmp_path / "keys").env(monkeypatch)
    base = tmp_path / "base"
    shutil.copytree(EXAMPLES / "needs-approval", base)
    unsigned = consensus(base, "epic_3") / "messages" / "inbox" / "migration" / "002_approval.yaml"
    body = unsigned.read_bytes()
    unsigned.unlink()
    assert run_cli("run", "--root", str(base)).exit_code == 0  # migration now waits
    send_root, root = tmp_path / "send", tmp_path / "run"
    shutil.copytree(base, send_root)
    shutil.copytree(base, root)
    draft = tmp_path / "approval.yaml"
    draft.write_bytes(body)
    sent = run_cli("send", "epic_3", "--to", "migration", str(draft), "--root", str(send_root))
    assert sent.exit_code == 1 and set(_CODE.findall(sent.output)) == {"GRD008"}, sent.output
    placed = consensus(root, "epic_3") / "messages" / "inbox" / "migration" / "approval.yaml"
    placed.write_bytes(body)
    os.utime(placed, (1, 1))
    checked = run_cli("validate", "--root", str(root))
    assert checked.exit_code == 1 and "GRD008" in checked.output, checked.output
    run_cli("run", "--root", str(root))
    last = log_entries(root, "epic_3")[-1]
    assert last["decision"] == "reject" and [f["code"] for f in last["details"]["findings"]] == ["GRD008"]
