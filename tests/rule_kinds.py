"""How rule cases of the deploy, backup, process, common and validate kinds are run.

Deploy and process cases are JSON merge patches (RFC 7386: ``null`` deletes)
applied to the artifacts of ``examples/clean``, so each case shows only what
differs from a production-ready change.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import EXAMPLES

_ART = EXAMPLES / "clean" / "docs" / "specs" / "epic_1" / "consensus" / "artifacts"


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _base(name: str) -> Any:
    return json.loads((_ART / name).read_text())


def run_deploy(rule: Any, case: dict[str, Any]) -> list[str]:
    from guardians.rules.deploy import build_input

    inp = build_input(
        merge_patch(_base("plan.json"), case.get("plan", {})),
        merge_patch(_base("review.json"), case.get("review", {})),
        case.get("migration"),
        case.get("repo"),
    )
    return [f.code for f in rule.check(inp)]


def run_backup(rule: Any, case: dict[str, Any]) -> list[str]:
    from guardians.rules.backup import build_input

    return [f.code for f in rule.check(build_input(case))]


def run_process(rule: Any, case: dict[str, Any]) -> list[str]:
    from guardians.rules.process import build_input

    return [f.code for f in rule.check(build_input(merge_patch(_base("health_report.json"), case)))]


def run_common(rule: Any, case: dict[str, Any]) -> list[str]:
    return [f.code for f in rule.check(**case)]


def run_canary(rule: Any, case: dict[str, Any]) -> list[str]:
    """A canary case: samples of a health series, an optional analysis spec and probe config."""
    from guardians.probe.analysis import run_analysis, spec_from_stage
    from guardians.probe.config import parse
    from guardians.protocol.models.outputs import CanaryAnalysis

    spec = spec_from_stage(CanaryAnalysis.model_validate(case["spec"]) if "spec" in case else None)
    config = parse(case.get("probe_config", {"host": False}), "probe_config")
    return [f.code for f in rule.check(run_analysis(case.get("samples", []), spec, config))]


KINDS = {
    "deploy": run_deploy,
    "backup": run_backup,
    "process": run_process,
    "common": run_common,
    "canary": run_canary,
}


# --- validate (VAL codes) -------------------------------------------------------------
#
# A validate case is a change to examples/clean after `guardians run` (so it has a full
# decision log, guardian outputs and processed messages); the real `validate` checks the
# changed epic. Paths are relative to the epic's consensus/ folder and may be globs.
#   write:  {path: text}           create or replace a file
#   delete: [path]                 remove files
#   patch:  {path: merge-patch}    JSON merge patch of a JSON/YAML file
#   log:    [op]                   edit decision_log.jsonl: {drop: N}, {set: [N, field, value]},
#                                  {rechain: true} (valid seq/prev_hash/hash), {append_raw: text}
#   single: path                   validate this one file instead of the epic
#   since: true                    commit the epic to git first, then check `--since HEAD`
#   signed: [path]                 sign these files as the guardians (a fresh key, made the anchor)


def _ran_example(tmp_path: Path) -> Path:
    """examples/clean after `guardians run`, built once per test session."""
    base = tmp_path.parent / "validate-case-base"
    if not (base / ".done").exists():
        from click.testing import CliRunner

        from guardians.cli import cli

        shutil.rmtree(base, ignore_errors=True)
        shutil.copytree(EXAMPLES / "clean", base)
        ran = CliRunner().invoke(cli, ["run", "--root", str(base)])
        assert ran.exit_code == 0, ran.output
        (base / ".done").write_text("")
    return base


def _paths(consensus: Path, pattern: str) -> list[Path]:
    found = sorted(consensus.glob(pattern))
    assert found, f"case names {pattern}, which does not exist"
    return found


def _edit_log(path: Path, ops: list[dict[str, Any]], epic_id: str) -> None:
    from guardians.store.chain import canonical, entry_hash, genesis_hash

    lines: list[Any] = [json.loads(line) for line in path.read_bytes().splitlines()]
    tail = b""
    for op in ops:
        if "drop" in op:
            del lines[op["drop"] - 1]
        elif "set" in op:
            number, field, value = op["set"]
            lines[number - 1][field] = value
        elif "rechain" in op:
            head = genesis_hash(epic_id)
            for seq, entry in enumerate(lines, 1):
                entry.update(seq=seq, prev_hash=head)
                entry["hash"] = head = entry_hash(entry)
        elif "append_raw" in op:
            tail += op["append_raw"].encode()
    path.write_bytes(b"".join(canonical(e) + b"\n" for e in lines) + tail)


def run_validate(case: dict[str, Any], tmp_path: Path) -> list[str]:
    from guardians.validate.plan import check_epic
    from guardians.validate.result import EpicReport
    from guardians.validate.single import check_single

    root = tmp_path / "repo"
    shutil.copytree(_ran_example(tmp_path), root)
    consensus = root / "docs" / "specs" / "epic_1" / "consensus"
    if case.get("since"):
        _commit_all(root)
    for rel, text in (case.get("write") or {}).items():
        (consensus / rel).parent.mkdir(parents=True, exist_ok=True)
        (consensus / rel).write_text(text)
    for pattern in case.get("delete") or ():
        for path in _paths(consensus, pattern):
            path.unlink()
    for pattern, patch in (case.get("patch") or {}).items():
        for path in _paths(consensus, pattern):
            doc = merge_patch(yaml.safe_load(path.read_text()), patch)
            path.write_text(json.dumps(doc) if path.suffix == ".json" else yaml.safe_dump(doc))
    if case.get("log"):
        _edit_log(consensus / "decision_log.jsonl", case["log"], "epic_1")
    if case.get("single"):
        report = EpicReport("files")
        target = _paths(consensus, case["single"])[0]
        check_single(target, str(target), report)
    else:
        report = check_epic(root, "epic_1")
    if case.get("since") or case.get("signed") is not None:
        from guardians.validate.history import history_report

        anchor = _sign(consensus, case.get("signed") or [], tmp_path) if case.get("signed") is not None else None
        report.problems += history_report(root, ["epic_1"], "HEAD" if case.get("since") else None, anchor).problems
    return [p.code for p in report.problems]


def _commit_all(root: Path) -> None:
    import subprocess

    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(
            ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            check=True,
            capture_output=True,
        )


def _sign(consensus: Path, patterns: list[str], tmp_path: Path) -> Any:
    """Sign files as the guardians with a fresh Ed25519 key; the anchor that allows it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from guardians.trust.allowed_signers import parse_allowed_signers
    from guardians.trust.keys import Signer
    from guardians.trust.sshsig import ed25519_blob

    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    signer = Signer(tmp_path / "key", key, ed25519_blob(raw))
    for pattern in patterns:
        for path in _paths(consensus, pattern):
            path.with_name(path.name + ".sig").write_text(signer.sign(path.read_bytes(), "guardians-decision"))
    return parse_allowed_signers(f'guardians namespaces="guardians-decision" {signer.public_line}\n', "test")
