"""Signed tech-lead approvals: what is signed, and how it is checked.

The signature (namespace ``guardians-approval``) covers the canonical JSON of
``{"epic_id", "review_digest", "reason", "suppress"}``, so it cannot be moved
to another epic, another migration review, or a wider set of suppressions.
It travels in the approval message as ``content.signature`` (armored SSHSIG).
"""

from __future__ import annotations

from typing import Any

from guardians.store.chain import canonical
from guardians.trust.allowed_signers import AllowedSigners
from guardians.trust.sshsig import NS_APPROVAL, SignatureError


def approval_payload(epic_id: str, content: dict[str, Any]) -> bytes:
    return canonical(
        {
            "epic_id": epic_id,
            "review_digest": content.get("review_digest"),
            "reason": content.get("reason"),
            "suppress": content.get("suppress") or {},
        }
    )


def verify_approval(anchor: AllowedSigners, epic_id: str, content: Any) -> tuple[str | None, str | None]:
    """(principal, None) when the approval is signed by an allowed key; (None, why) otherwise."""
    if not isinstance(content, dict) or not isinstance(content.get("signature"), str):
        return None, "it is not signed, and a trust anchor is configured (only a signed approval counts)"
    try:
        who = anchor.verify(content["signature"], approval_payload(epic_id, content), NS_APPROVAL)
    except SignatureError as exc:
        return None, f"its signature is not valid for this epic, review digest and suppressions: {exc}"
    except (TypeError, ValueError) as exc:
        return None, f"its content cannot be checked: {exc}"
    return who, None
