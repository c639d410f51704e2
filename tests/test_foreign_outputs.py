"""Guardians never overwrite a file they did not write: it is kept under consensus/legacy/ and logged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.conftest import consensus, log_entries

HAND_WRITTEN = {
    "deployment.json": json.dumps({"strategy": "big bang", "owner": "devops"}, indent=2) + "\n",
    "cicd.yaml": "stages:\n  - deploy: ./scripts/deploy-all.sh\n" * 40,
    "runbook.md": "# Our runbook\n\n" + "".join(f"{i}. step {i}\n" for i in range(1, 337)),
}


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def test_hand_written_deploy_files_are_kept_and_logged(example, run_cli) -> None:
    root = example("clean")
    art = consensus(root, "epic_1") / "artifacts"
    for name, text in HAND_WRITTEN.items():
        (art / name).write_text(text)
    result = run_cli("run", "--root", str(root))
    assert result.exit_code == 0, result.output
    assert "kept hand-written" in result.output
    legacy = consensus(root, "epic_1") / "legacy"
    kept = {p.read_text() for p in legacy.iterdir()}
    assert kept == set(HAND_WRITTEN.values())  # byte for byte, nothing lost
    deploy = next(e for e in log_entries(root, "epic_1") if e["agent"] == "deploy")
    records = {Path(k["path"]).name: k for k in deploy["details"]["kept"]}
    assert set(records) == set(HAND_WRITTEN)
    for name, text in HAND_WRITTEN.items():
        record = records[name]
        assert record["sha256"] == hashlib.sha256(text.encode()).hexdigest()
        assert (root / record["moved_to"]).read_text() == text
    # the guardian's own files are in place now, and a second run changes nothing
    assert json.loads((art / "deployment.json").read_text())["epic_id"] == "epic_1"
    before = _tree(root)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert _tree(root) == before


def test_guardians_replace_their_own_outputs_without_keeping_copies(example, run_cli) -> None:
    root = example("three-strikes")  # deploy vetoes three times, writing nothing it must keep
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert not (consensus(root, "epic_6") / "legacy").exists()
    root = example("needs-approval")  # migration writes migration_review.json twice (waiting, then approve)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert not (consensus(root, "epic_3") / "legacy").exists()
    assert not any("kept" in e["details"] for e in log_entries(root, "epic_3"))


def test_an_edited_guardian_output_is_kept_before_it_is_replaced(example, run_cli) -> None:
    root = example("needs-approval")
    approval = consensus(root, "epic_3") / "messages" / "inbox" / "migration" / "002_approval.yaml"
    held = approval.read_bytes()
    approval.unlink()
    assert run_cli("run", "--root", str(root)).exit_code == 0  # waiting: migration_review.json written
    review = consensus(root, "epic_3") / "artifacts" / "migration_review.json"
    edited = review.read_text().replace('"risk": "high"', '"risk": "low"')
    review.write_text(edited)
    approval.write_bytes(held)
    assert run_cli("run", "--root", str(root)).exit_code == 0
    kept = list((consensus(root, "epic_3") / "legacy").glob("migration_review.*.json"))
    assert len(kept) == 1 and kept[0].read_text() == edited
