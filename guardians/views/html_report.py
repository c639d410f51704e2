"""The page of ``guardians report EPIC --html FILE``: one self-contained HTML page for a tech lead.

The page has the board line, whether the hash chain verifies, a sequence
diagram drawn as inline SVG by :func:`svg_diagram` (plus its mermaid source),
the timeline, each guardian's latest findings, the deployment plan, the
runbook and the CI/CD file. It loads nothing from the network: CSS is inline,
there is no script, and a Content-Security-Policy forbids any fetch.

Every string written by an agent reaches the page through Jinja2 autoescape.
The runbook is rendered as Markdown by markdown-it-py with raw HTML turned
off (``<script>`` in the file comes out as text) and its link check on
(``javascript:`` and other unsafe URLs stay text), so the only markup on the
page is what CommonMark itself produces.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from guardians.errors import GuardianError
from guardians.store.layout import GUARDIANS, Epic, stamp
from guardians.views.timeline import (
    Row,
    Step,
    banner,
    diagram_steps,
    iter_rows,
    mermaid_lines,
    participants,
    plain,
)

MAX_ROWS = 2000  # newest timeline entries shown
MAX_STEPS = 300  # newest diagram steps drawn
MAX_EARLIER = 10  # older decisions with findings shown per guardian
TEXT_LIMIT = 200_000  # characters of runbook / cicd shown

LANE_GAP = 150
MARGIN = 80
HEAD_Y = 16
FIRST_Y = 84
STEP_GAP = 34
STYLES: dict[str, tuple[str, bool]] = {  # kind -> (colour, dashed)
    "handoff": ("#2e7d32", False),
    "approval": ("#1565c0", False),
    "veto": ("#c62828", True),
    "wait": ("#ef6c00", True),
    "escalate": ("#6a1b9a", False),
    "note": ("#455a64", False),
}


# --- the SVG diagram ----------------------------------------------------------------


@dataclass(frozen=True)
class SvgItem:
    kind: str
    x1: int
    x2: int
    y: int
    label: str
    title: str
    color: str
    dashed: bool

    @property
    def is_note(self) -> bool:
        return self.x1 == self.x2

    @property
    def mid(self) -> int:
        return (self.x1 + self.x2) // 2


@dataclass(frozen=True)
class SvgDiagram:
    width: int
    height: int
    lanes: list[tuple[int, str]]
    items: list[SvgItem]
    skipped: int
    markers: list[tuple[str, str]]


def svg_diagram(epic: Epic) -> SvgDiagram:
    """Geometry of the sequence diagram; the template turns it into SVG."""
    lanes = participants(iter_rows(epic, []))
    xs = {name: MARGIN + i * LANE_GAP for i, (_, name) in enumerate(lanes)}
    total = 0
    steps: deque[Step] = deque(maxlen=MAX_STEPS)
    for step in diagram_steps(iter_rows(epic, [])):
        total += 1
        steps.append(step)
    fallback = xs["quality"]
    items = []
    for k, step in enumerate(steps):
        x1, x2 = xs.get(step.src, fallback), xs.get(step.dst, fallback)
        color, dashed = STYLES.get(step.kind, STYLES["note"])
        room = 22 if x1 == x2 else max(18, abs(x2 - x1) // 7)
        items.append(
            SvgItem(
                step.kind,
                x1,
                x2,
                FIRST_Y + k * STEP_GAP,
                plain(step.label, room),
                plain(step.label, 500),
                color,
                dashed,
            )
        )
    height = FIRST_Y + max(len(items), 1) * STEP_GAP + 10
    width = 2 * MARGIN + (len(lanes) - 1) * LANE_GAP
    markers = [(kind, color) for kind, (color, _) in STYLES.items()]
    return SvgDiagram(width, height, [(xs[name], name) for _, name in lanes], items, total - len(items), markers)


# --- artifacts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    name: str
    present: bool
    data: Any = None
    text: str | None = None
    error: str | None = None


def _read_text(epic: Epic, name: str) -> Artifact:
    from guardians.store.loaders import read_bounded

    path = epic.artifacts / name
    if not path.exists() and not path.is_symlink():
        return Artifact(name, False)
    try:
        raw = read_bounded(path, display=epic.rel(path))
    except GuardianError as exc:
        return Artifact(name, True, error=str(exc))
    text = raw.decode("utf-8", errors="replace")
    if len(text) > TEXT_LIMIT:
        text = text[:TEXT_LIMIT] + "\n... (truncated)"
    return Artifact(name, True, text=text)


def _deployment(epic: Epic) -> Artifact:
    """deployment.json: structured when it matches its schema, raw JSON otherwise."""
    from pydantic import ValidationError

    from guardians.protocol.models.outputs import Deployment
    from guardians.store.loaders import load_json_text

    art = _read_text(epic, "deployment.json")
    if art.text is None:
        return art
    try:
        data = load_json_text(art.text, epic.rel(epic.artifacts / "deployment.json"))
    except GuardianError as exc:
        return Artifact(art.name, True, text=art.text, error=str(exc))
    pretty = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    try:
        model = Deployment.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first.get("loc", ()))
        return Artifact(art.name, True, text=pretty, error=f"does not match its schema: {where}: {first['msg']}")
    return Artifact(art.name, True, data=model.model_dump(mode="json"), text=pretty)


def render_markdown(text: str) -> str:
    """CommonMark plus tables with raw HTML, links and images off: safe to put on the page as markup.

    Links and images stay visible as their source text: the page fetches
    nothing and offers nothing to click. Headings move down two levels so
    the runbook's own ``#`` title sits under the page's section heading.
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table").disable(["link", "image", "autolink"])
    tokens = md.parse(text)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
    return str(md.renderer.render(tokens, md.options, {}))


def _json_artifact(epic: Epic, name: str) -> Artifact:
    """A guardian's JSON output as data (or the error that kept it from being read)."""
    from guardians.store.loaders import load_json_text

    art = _read_text(epic, name)
    if art.text is None:
        return art
    try:
        data = load_json_text(art.text, epic.rel(epic.artifacts / name))
    except GuardianError as exc:
        return Artifact(name, True, error=str(exc))
    if not isinstance(data, dict):
        return Artifact(name, True, error="not a JSON object")
    return Artifact(name, True, data=data)


def _migration_review(epic: Epic) -> Artifact:
    from guardians.store.loaders import load_json_text

    art = _read_text(epic, "migration_review.json")
    if art.text is None:
        return art
    try:
        data = load_json_text(art.text, art.name)
    except GuardianError as exc:
        return Artifact(art.name, True, error=str(exc))
    if not isinstance(data, dict):
        return Artifact(art.name, True, error="not a JSON object")
    keys = ("risk", "destructive", "requires_approval", "approved_by", "decision", "iteration")
    return Artifact(art.name, True, data={k: data.get(k) for k in keys})


# --- the page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianView:
    name: str
    latest: Row | None
    vetoes: int
    decisions: int
    earlier: list[Row]  # older decisions of this guardian that had findings, newest first


def build_context(epic: Epic) -> dict[str, Any]:
    from guardians.store.decision_log import verify_file
    from guardians.trust.anchor import active
    from guardians.views.status import epic_status

    rows: deque[Row] = deque(maxlen=MAX_ROWS)
    latest: dict[str, Row] = {}
    vetoes: dict[str, int] = {}
    counts: dict[str, int] = {}
    earlier: dict[str, deque[Row]] = {g: deque(maxlen=MAX_EARLIER) for g in GUARDIANS}
    approvals: deque[Row] = deque(maxlen=MAX_ROWS)
    total = 0
    problems: list[str] = []
    for row in iter_rows(epic, problems):
        total += 1
        rows.append(row)
        if row.approved_by or row.suppressed or row.closed_reason:
            approvals.append(row)
        counts[row.agent] = counts.get(row.agent, 0) + 1
        if row.decision != "reject" or row.agent not in latest:
            previous = latest.get(row.agent)
            if previous is not None and previous.findings and row.agent in earlier:
                earlier[row.agent].append(previous)
            latest[row.agent] = row
        if row.decision in ("veto", "escalate"):
            vetoes[row.agent] = vetoes.get(row.agent, 0) + 1
    guardians = [
        GuardianView(g, latest.get(g), vetoes.get(g, 0), counts.get(g, 0), list(reversed(earlier[g])))
        for g in GUARDIANS
    ]
    runbook = _read_text(epic, "runbook.md")
    verified = verify_file(epic.log_path, epic.epic_id, active().anchor)  # once, for the status line and the page
    return {
        "epic_id": epic.epic_id,
        "generated": stamp(),
        "log_banner": banner(epic, problems, total),
        "log_path": epic.rel(epic.log_path),
        "status": epic_status(epic, verified),
        "verify": verified,
        "trust": active().describe(),
        "rows": list(rows),
        "rows_skipped": total - len(rows),
        "guardians": guardians,
        "diagram": svg_diagram(epic),
        "mermaid": "\n".join(mermaid_lines(epic, _no_filters())),
        "deployment": _deployment(epic),
        "review": _migration_review(epic),
        "runbook": runbook,
        "runbook_html": render_markdown(runbook.text) if runbook.text is not None else None,
        "cicd": _read_text(epic, "cicd.yaml"),
        "backup_plan": _json_artifact(epic, "backup_plan.json"),
        "process_report": _json_artifact(epic, "process_report.json"),
        "approvals": list(approvals),
    }


def _no_filters() -> Any:
    from guardians.views.timeline import Filters

    return Filters()


def render_report(epic: Epic) -> str:
    from guardians.protocol.resources import template_env

    # autoescape is forced on here, whatever the shared environment selects by file name.
    env = template_env().overlay(autoescape=True)
    template = env.get_template("report.html.j2")
    return str(template.render(**build_context(epic)))
