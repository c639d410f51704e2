"""``guardians approve EPIC --key PATH --reason TEXT``: a tech lead's signed approval.

The command looks up the review digest itself, from the migration guardian's
latest decision in the (verified) log, so the person approves what the
guardian actually judged rather than whatever ``migration_review.json`` says
now. The approval is signed with the person's OpenSSH Ed25519 key in the
``guardians-approval`` namespace and delivered like ``guardians send``.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from guardians.errors import EXIT_PROBLEMS, GuardianError, UsageError
from guardians.store.layout import Epic, stamp


def approve(
    root: Path,
    epic_id: str,
    key: Path,
    reason: str,
    suppress: list[str],
    out: IO[str],
    *,
    trust_ref: str | None = None,
) -> int:
    """Exit 0 when the signed approval was delivered; 1 when there is nothing to approve; 2 on usage errors."""
    from guardians.trust.anchor import load_trust
    from guardians.trust.approvals import approval_payload
    from guardians.trust.keys import load_signer
    from guardians.trust.sshsig import NS_APPROVAL

    try:
        epic = Epic.at(root, epic_id)
        trust = load_trust(root, trust_ref=trust_ref)
        signer = load_signer(key, root)
        waiting = _reviewed(epic, trust)
        content: dict[str, Any] = {
            "review_digest": waiting["details"]["review_digest"],
            "reason": _reason(reason),
            "suppress": _suppressions(suppress),
        }
        if trust.anchor is not None and trust.anchor.principal(signer.public_blob, NS_APPROVAL) is None:
            raise UsageError(f"key {key} is not allowed for {NS_APPROVAL} by {trust.anchor.source}")
    except GuardianError as exc:
        out.write(f"error: {exc}\n")
        return EXIT_PROBLEMS if isinstance(exc, _NothingToApprove) else exc.exit_code
    content["signature"] = signer.sign(approval_payload(epic_id, content), NS_APPROVAL)
    message = {
        "from": "tech-lead",
        "to": "migration",
        "timestamp": stamp(),
        "epic_id": epic_id,
        "iteration": int(waiting.get("iteration", 1)),
        "type": "approval",
        "subject": "approve_high_risk_migration",
        "content": content,
    }
    from guardians.commands.send import deliver_checked

    return deliver_checked(epic, "migration", _yaml(message), "approval.yaml", out, trust=trust)


class _NothingToApprove(GuardianError):
    exit_code = EXIT_PROBLEMS


def _reviewed(epic: Epic, trust: Any) -> dict[str, Any]:
    from guardians.store.decision_log import DecisionLog

    if not epic.consensus.is_dir():
        raise UsageError(f"no consensus folder {epic.rel(epic.consensus)}")
    last = DecisionLog.open(epic.log_path, epic.epic_id, trust).last_entry("migration")
    details = last.get("details") if last else None
    if not last or not isinstance(details, dict) or not isinstance(details.get("review_digest"), str):
        raise _NothingToApprove(f"{epic.epic_id}: the migration guardian has not reviewed a migration yet")
    if last.get("decision") not in ("waiting", "veto", "escalate"):
        raise _NothingToApprove(
            f"{epic.epic_id}: nothing waits for an approval (the migration guardian's last decision is "
            f"{last.get('decision')!r})"
        )
    return last


def _reason(text: str) -> str:
    if not text.strip():
        raise UsageError("--reason must say why the risk is accepted")
    return text


def _suppressions(items: list[str]) -> dict[str, str]:
    import re

    out: dict[str, str] = {}
    for item in items:
        code, sep, why = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Z]{3}[0-9]{3}", code) or not why.strip():
            raise UsageError(f"--suppress {item!r}: expected CODE=REASON, e.g. MIG204=the table has 40 rows")
        out[code] = why
    return out


def _yaml(message: dict[str, Any]) -> bytes:
    from guardians.engine.verdicts import dump_yaml

    return dump_yaml(message)
