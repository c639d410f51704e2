"""``guardians log [EPIC]`` and ``guardians log verify [EPIC]``.

The timeline is rendered by :mod:`guardians.views.timeline`; the chain is
checked by :func:`guardians.store.decision_log.verify_file`, the one chain
verifier (``validate`` uses it too).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO

from guardians.errors import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, GuardianError, UsageError
from guardians.store.decision_log import verify_file
from guardians.store.layout import Epic, select_epics
from guardians.views.timeline import FORMATS, Filters, write_timeline


def log_command(
    root: Path,
    args: list[str],
    *,
    agent: str | None = None,
    decision: str | None = None,
    since: str | None = None,
    iteration: int | None = None,
    fmt: str | None = None,
    out: IO[str],
) -> int:
    """``log verify [EPIC]`` verifies chains; anything else shows the timeline (table on a terminal, else JSON)."""
    if args and args[0] in ("verify", "anchor"):
        given = [
            name
            for name, value in (
                ("--agent", agent),
                ("--decision", decision),
                ("--since", since),
                ("--iteration", iteration),
            )
            if value is not None
        ]
        if given:
            # A filter would look like it narrowed the check; the chain is only ever verified whole.
            sys.stderr.write(f"error: {', '.join(given)} filter the timeline; `log {args[0]}` reads whole logs\n")
            return EXIT_USAGE
    if args and args[0] == "verify":
        return verify_logs(root, args[1:], out=out, fmt="json" if fmt == "json" else "text")
    if args and args[0] == "anchor":
        from guardians.commands.log_anchor import log_anchor

        return log_anchor(root, args[1:], out=out)
    if fmt is None:
        isatty = getattr(out, "isatty", None)
        fmt = "table" if isatty and isatty() else "json"
    return show_log(root, args, agent=agent, decision=decision, since=since, iteration=iteration, fmt=fmt, out=out)


def show_log(
    root: Path,
    epic_ids: list[str],
    *,
    agent: str | None = None,
    decision: str | None = None,
    since: str | None = None,
    iteration: int | None = None,
    fmt: str = "table",
    out: IO[str],
) -> int:
    """Print the timeline of EPICS (all epics when empty). Returns the exit code."""
    try:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
        filters = Filters.build(agent, decision, since, iteration)
        epics = select_epics(root, epic_ids)
        if not epics:
            sys.stderr.write(f"no epics under {root}/docs/specs\n")
            return EXIT_OK
        write_timeline(epics, filters, fmt, out)
        _warn_if_broken(epics, out)
    except GuardianError as exc:
        out.flush()
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    return EXIT_OK


def _warn_if_broken(epics: list[Epic], out: IO[str]) -> None:
    """A timeline must not look trustworthy when its chain does not verify."""
    from guardians.trust.anchor import active

    for epic in epics:
        result = verify_file(epic.log_path, epic.epic_id, active().anchor)
        if not result.ok:
            out.flush()
            sys.stderr.write(
                f"warning: {epic.rel(epic.log_path)}:{result.line}: the hash chain is broken ({result.problem}); "
                "entries from that line on cannot be trusted. Run `guardians log verify`.\n"
            )


def verify_logs(root: Path, epic_ids: list[str], *, out: IO[str], fmt: str = "text") -> int:
    """Check seq, hash chain and (under a trust anchor) signatures of each epic's log; exit 1 if one is broken."""
    from guardians.trust.anchor import UNSIGNED_NOTE, active

    anchor = active().anchor
    epics = select_epics(root, epic_ids)
    if not epics:
        if fmt != "json":
            out.write(f"no epics under {root / 'docs' / 'specs'}\n")
        return EXIT_OK
    status = EXIT_OK
    for epic in epics:
        result = verify_file(epic.log_path, epic.epic_id, anchor)
        rel = epic.rel(epic.log_path)
        if fmt == "json":
            # One object per epic (docs/machine-contract.md).
            row = {"epic_id": epic.epic_id, "log": rel, "ok": result.ok, "entries": result.entries}
            row.update(head=result.head, line=result.line, problem=result.problem)
            row.update(signed=anchor is not None, agent_lines=result.agent_lines)
            out.write(json.dumps(row) + "\n")
            status = status if result.ok else EXIT_PROBLEMS
            continue
        if result.ok:
            agents = f", {result.agent_lines} agent lines" if result.agent_lines else ""
            signed = f", {result.signed} signed" if anchor is not None else ""
            out.write(f"{rel}: ok, {result.entries} entries{signed}{agents}, head {result.head[:12]}\n")
        else:
            where = rel if result.line is None else f"{rel}:{result.line}"
            out.write(f"{where}: BROKEN: {result.problem} ({result.entries} entries verified before it)\n")
            status = EXIT_PROBLEMS
    if fmt != "json":  # the last line: what the verdict is worth
        out.write(f"trust: {UNSIGNED_NOTE if anchor is None else 'signatures checked against ' + anchor.source}\n")
    return status
