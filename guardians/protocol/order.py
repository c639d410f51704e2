"""The guardians and the order they run in, written down once.

Everything else (who may hand off to whom, which inbox accepts what, which
artifacts a guardian needs before it can judge) is derived from here.
"""

from __future__ import annotations

GUARDIANS: tuple[str, ...] = ("migration", "deploy", "backup", "process")

PREVIOUS: dict[str, str | None] = {g: (GUARDIANS[i - 1] if i else None) for i, g in enumerate(GUARDIANS)}
NEXT: dict[str, str | None] = {
    g: (GUARDIANS[i + 1] if i + 1 < len(GUARDIANS) else None) for i, g in enumerate(GUARDIANS)
}

# What a guardian's inbox takes. Vetoes and escalations travel *from* guardians
# to the agents that must act; a guardian never receives one (a veto into a
# guardian inbox would be answered by a veto, and two guardians would argue forever).
ACCEPTS: dict[str, tuple[str, ...]] = {
    g: ("handoff", "approval") if g == "migration" else ("handoff",) for g in GUARDIANS
}

# People who may sign off a high-risk migration.
APPROVERS: tuple[str, ...] = ("tech-lead",)

# The artifacts a guardian must be able to read before it judges a handoff:
# (file under consensus/artifacts/, schema name). Missing or invalid ones are
# an admission veto, the same one `guardians send` refuses with.
REQUIRED_ARTIFACTS: dict[str, tuple[tuple[str, str], ...]] = {
    "migration": (("plan.json", "plan"), ("implementation.json", "implementation"), ("review.json", "review")),
    "deploy": (("plan.json", "plan"), ("review.json", "review")),
    "backup": (("plan.json", "plan"), ("implementation.json", "implementation")),
    "process": (("health_report.json", "health_report"),),
}


def is_guardian(agent: object) -> bool:
    return agent in GUARDIANS
