"""The board of ``guardians status``: one line per epic, computed from its decision log and inboxes.

Definitions (also in docs/tech-lead.md):

* **holder**: the first guardian, in pipeline order, with a pending message in
  its inbox; otherwise ``tech-lead`` when the epic waits for an approval or is
  escalated; otherwise the agent of the last decision; ``-`` for an empty epic.
* **iteration**: the highest iteration decided so far (a late message from an
  earlier round never moves it back).
* **open vetoes**: for each guardian, its latest decision (``reject`` entries
  ignored) when that decision is ``veto`` or ``escalate``. A guardian's veto
  closes when the same guardian later approves (or waits, for migration).
* **waiting**: the last decision of the migration guardian is ``waiting``.
* **escalated**: the last decision that is not ``reject`` is ``escalate``.
* **operational**: process logged ``operational`` and no decision of a *later*
  iteration followed; a stray or late message of the same or an earlier round
  (rejected, or vetoed as invalid) does not un-decide a live epic.
* **closed**: a tech lead stopped the epic with ``guardians close``; the
  reason is shown.

The log of every epic is streamed once; only the last entry per guardian is
kept. A damaged log does not stop the board: that epic's row says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from guardians.errors import GuardianError
from guardians.store.layout import GUARDIANS, Epic
from guardians.views.timeline import Row, banner, iter_rows, plain

if TYPE_CHECKING:
    from guardians.store.decision_log import VerifyResult

FORMATS: tuple[str, ...] = ("table", "json")


@dataclass
class EpicStatus:
    epic_id: str
    holder: str = "-"
    iteration: int | None = None
    last: Row | None = None
    entries: int = 0
    pending: dict[str, int] = field(default_factory=dict)
    open_vetoes: list[Row] = field(default_factory=list)
    waiting: bool = False
    escalated: bool = False
    operational: bool = False
    closed: bool = False
    closed_reason: str = ""
    approvals: list[Row] = field(default_factory=list)
    problem: str | None = None

    @property
    def last_text(self) -> str:
        if self.last is None:
            return "-"
        return f"{self.last.agent} {self.last.decision}"

    def vetoes_text(self) -> str:
        parts = []
        for row in self.open_vetoes:
            subject = f" {row.subject}" if row.subject else ""
            parts.append(f"{row.agent}{subject} (it {row.iteration})")
        return ", ".join(parts) or "-"

    def to_json(self) -> dict[str, Any]:
        last = self.last
        return {
            "epic_id": self.epic_id,
            "holder": self.holder,
            "iteration": self.iteration,
            "entries": self.entries,
            "last_decision": None
            if last is None
            else {"seq": last.seq, "agent": last.agent, "decision": last.decision, "timestamp": last.timestamp},
            "open_vetoes": [
                {"agent": r.agent, "subject": r.subject or None, "to": r.target or None, "iteration": r.iteration}
                for r in self.open_vetoes
            ],
            "waiting_for_approval": self.waiting,
            "escalated": self.escalated,
            "operational": self.operational,
            "closed": self.closed,
            "closed_reason": self.closed_reason or None,
            "approvals": [
                {
                    "seq": r.seq,
                    "by": r.approved_by or None,
                    "reason": r.approval_reason or None,
                    "suppressed": [{"code": c, "reason": why} for c, why in r.suppressed],
                }
                for r in self.approvals
            ],
            "pending": self.pending,
            "problem": self.problem,
        }


def epic_status(epic: Epic, verified: VerifyResult | None = None) -> EpicStatus:
    """The board line of one epic; ``verified``: the chain verifier's result when the caller already has it."""
    from guardians.store.inbox import pending

    status = EpicStatus(epic.epic_id)
    latest: dict[str, Row] = {}
    state: Row | None = None
    live: Row | None = None  # the last `operational` entry still standing
    problems: list[str] = []
    try:
        for row in iter_rows(epic, problems):
            status.entries += 1
            status.last = row
            status.iteration = max(status.iteration or 0, row.iteration) or None
            if row.approved_by or row.suppressed:
                status.approvals = [*status.approvals[-19:], row]
            if row.decision == "reject":
                continue
            if row.decision == "operational":
                live = row
            elif live is not None and row.iteration > live.iteration:
                live = None  # a new round started: the epic is being changed again
            state = row
            latest[row.agent] = row
    except GuardianError as exc:
        problems.append(str(exc))
    if not problems and status.entries:
        problems.extend(_chain_problem(epic, verified))
    if problems:
        status.problem = banner(epic, problems, status.entries)
    for item in pending(epic, (*GUARDIANS, "tech-lead")):
        status.pending[item.agent] = status.pending.get(item.agent, 0) + 1
    status.open_vetoes = [
        latest[g]
        for g in GUARDIANS
        if g in latest
        and latest[g].decision in ("veto", "escalate")
        and (live is None or latest[g].iteration > live.iteration)
    ]
    status.closed = state is not None and state.decision == "closed"
    status.closed_reason = state.closed_reason if status.closed and state is not None else ""
    status.waiting = not status.closed and "migration" in latest and latest["migration"].decision == "waiting"
    status.escalated = state is not None and state.decision == "escalate"
    status.operational = live is not None
    status.holder = "closed" if status.closed else _holder(status)
    return status


def _holder(status: EpicStatus) -> str:
    for guardian in GUARDIANS:
        if status.pending.get(guardian):
            return guardian
    if status.waiting or status.escalated:
        return "tech-lead"
    if status.last is not None:
        return status.last.agent or "-"
    return "-"


def _yes(flag: bool) -> str:
    return "yes" if flag else "-"


def _table_line(s: EpicStatus) -> str:
    last = s.last_text if s.problem is None else f"{s.last_text} (PARTIAL)"
    notes = s.vetoes_text()
    if s.closed:
        notes = f"closed: {s.closed_reason}"
    elif s.approvals and s.approvals[-1].approved_by:
        a = s.approvals[-1]
        said = f"approved by {a.approved_by}: {a.approval_reason}"
        notes = said if notes == "-" else f"{notes}; {said}"
    iteration = "-" if s.iteration is None else str(s.iteration)
    return (
        f"{s.epic_id:<12}  {plain(s.holder, 10):<10}  {iteration:>4}  {plain(last, 24):<24}  "
        f"{_yes(s.waiting):<7}  {_yes(s.escalated):<9}  {_yes(s.operational):<11}  "
        f"{plain(notes, 200)}\n"
    )


TABLE_HEADER = (
    f"{'EPIC':<12}  {'HOLDER':<10}  {'ITER':>4}  {'LAST DECISION':<24}  "
    f"{'WAITING':<7}  {'ESCALATED':<9}  {'OPERATIONAL':<11}  OPEN VETOES\n"
)


def write_table(epics: list[Epic], out: IO[str]) -> None:
    import sys

    out.write(TABLE_HEADER)
    damaged = []
    for epic in epics:
        line = epic_status(epic)
        out.write(_table_line(line))
        if line.problem:
            damaged.append(line.problem)
    if damaged:
        out.flush()
        for problem in damaged:
            sys.stderr.write(f"warning: {problem}\n")


def write_json(epics: list[Epic], out: IO[str]) -> None:
    """A JSON array, one epic per line, written as each epic is computed."""
    out.write("[")
    for i, epic in enumerate(epics):
        out.write(("," if i else "") + "\n  " + json.dumps(epic_status(epic).to_json(), sort_keys=True))
    out.write("\n]\n" if epics else "]\n")


def _chain_problem(epic: Epic, verified: VerifyResult | None) -> list[str]:
    """The chain verifier's verdict, against the trust anchor in force: the rows above are read leniently
    (they show what an agent's line says), so an edited, re-chained or unsigned entry is only caught here."""
    if verified is None:
        from guardians.store.decision_log import verify_file
        from guardians.trust.anchor import active

        verified = verify_file(epic.log_path, epic.epic_id, active().anchor)
    return [] if verified.ok else [f"line {verified.line}: {verified.problem}"]
