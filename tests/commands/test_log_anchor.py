"""`guardians log anchor` (guardians/commands/log_anchor.py): (epic, seq, head) for an outside record."""

from __future__ import annotations


def test_log_anchor_prints_epic_seq_head(example, run_cli):
    root = example("clean")
    run_cli("run", "--root", str(root))
    out = run_cli("log", "anchor", "--root", str(root))
    assert out.exit_code == 0
    verify = run_cli("log", "verify", "--root", str(root)).output
    head = verify.split("head ")[1][:12]
    assert out.output.startswith("(epic_1, 5, " + head)


def test_log_anchor_fails_on_a_broken_log(run_cli, example):
    root = example("clean")
    run_cli("run", "--root", str(root))
    log = root / "docs" / "specs" / "epic_1" / "consensus" / "decision_log.jsonl"
    log.write_text(log.read_text().replace('"approve"', '"veto"', 1))
    out = run_cli("log", "anchor", "--root", str(root))
    assert out.exit_code == 1 and "decision_log.jsonl:1" in out.output
