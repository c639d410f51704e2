"""The write guard `guardians hook claude-code` (guardians/commands/hook.py), with recorded PreToolUse events.

Every test runs the installed CLI as a separate process, on a copy of examples/clean.
`guardians check-write`, which answers the same question for one path, is in test_check_write.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, consensus

HOOKS = REPO / "tests" / "data" / "hooks"
GUARDIANS = [sys.executable, "-m", "guardians"]


def hook(root: Path, name: str, **patch: object) -> subprocess.CompletedProcess[str]:
    event = json.loads((HOOKS / name).read_text().replace("{ROOT}", str(root)))
    event["tool_input"].update(patch)
    return subprocess.run(
        [*GUARDIANS, "hook", "claude-code"], input=json.dumps(event), capture_output=True, text=True, cwd=root
    )


def check_write(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GUARDIANS, "check-write", *args], input=stdin, capture_output=True, text=True, cwd=root)


@pytest.fixture
def root(example) -> Path:
    return example("clean")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("write_log.json", "GRD030 decision_log.jsonl is written by the guardians only"),
        ("edit_deployment.json", "GRD030 deployment.json is a guardian output"),
        ("write_invalid_plan.json", "needs 'stages' or 'work_streams'"),
        ("multiedit_review_breaks.json", "'looks good' is not one of"),
        ("write_handoff_wrong_sender.json", "addressed to 'deploy'"),
        ("write_approval_bad_digest.json", "$.content.review_digest"),
    ],
)
def test_blocked_writes_exit_2_with_the_reason_on_stderr(root, payload, expected):
    before = {p: p.read_bytes() for p in (consensus(root, "epic_1") / "artifacts").iterdir() if p.is_file()}
    result = hook(root, payload)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert result.stderr.startswith("guardians: blocked ")
    assert "Traceback" not in result.stderr
    assert {p: p.read_bytes() for p in before} == before  # the hook never writes


@pytest.mark.parametrize(
    "payload", ["write_source.json", "edit_plan_valid.json", "write_handoff_valid.json", "read_plan.json"]
)
def test_allowed_writes_exit_0_silently(root, payload):
    result = hook(root, payload)
    assert (result.returncode, result.stderr) == (0, "")


def test_edit_is_applied_to_the_current_content_before_checking(root):
    # The same edit is fine on the clean review and blocked once the file says something else.
    assert hook(root, "multiedit_review_breaks.json").returncode == 2
    review = consensus(root, "epic_1") / "artifacts" / "review.json"
    review.write_text(review.read_text().replace('"approved"', '"looks good"'))
    edits = [{"old_string": '"looks good"', "new_string": '"approved"'}]
    assert hook(root, "multiedit_review_breaks.json", edits=edits).returncode == 0


def test_a_symlink_into_the_log_is_the_log(root):
    (root / "notes.txt").symlink_to(consensus(root, "epic_1") / "decision_log.jsonl")
    result = hook(root, "write_source.json", file_path=str(root / "notes.txt"))
    assert result.returncode == 2
    assert "GRD030" in result.stderr


def test_dot_dot_does_not_escape_the_check(root):
    sneaky = "docs/specs/epic_1/consensus/artifacts/../decision_log.jsonl"
    assert hook(root, "write_source.json", file_path=sneaky).returncode == 2


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]", '{"tool_name": "Write", "tool_input": {}}'])
def test_an_unreadable_event_blocks(root, stdin):
    result = subprocess.run([*GUARDIANS, "hook", "claude-code"], input=stdin, capture_output=True, text=True)
    assert result.returncode == 2
    assert "cannot read the hook event" in result.stderr


def test_a_fault_in_the_hook_blocks(root, monkeypatch):
    import io

    from guardians.commands import hook as hook_module

    def broken(path, data, *, display=None):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("guardians.validate.draft.check_draft", broken)
    event = (HOOKS / "write_invalid_plan.json").read_text().replace("{ROOT}", str(root))
    err = io.StringIO()
    assert hook_module.claude_code_hook(io.BytesIO(event.encode()), err) == 2
    assert err.getvalue() == "guardians: blocked: internal error: RuntimeError: disk on fire\n"


def test_the_hook_exit_codes_are_the_ones_of_the_table():
    from guardians.commands import hook as hook_module
    from guardians.errors import EXIT_OK, EXIT_USAGE

    assert (hook_module.ALLOW, hook_module.BLOCK) == (EXIT_OK, EXIT_USAGE) == (0, 2)


@pytest.mark.parametrize(
    ("name", "inside"),
    [
        ("epic_1", True),
        ("epic_123456789", True),
        ("epic_1234567890", False),
        ("epic_", False),
        ("EPIC_1", False),
        ("epic_\u0661", False),  # an Arabic-Indic digit is a digit, not an ASCII one
        ("epic_1x", False),
    ],
)
def test_the_fast_path_knows_epic_folders_as_the_layout_does(tmp_path, name, inside):
    from guardians.store.layout import EPIC_RE
    from guardians.validate.scope import in_consensus

    assert bool(EPIC_RE.fullmatch(name)) is inside
    path = tmp_path / "docs" / "specs" / name / "consensus" / "decision_log.jsonl"
    assert in_consensus(str(path)) is inside
    assert in_consensus(str(tmp_path / "docs" / "specs" / name / "notes.md")) is False
