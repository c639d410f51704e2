"""The four guardians, in pipeline order. An explicit registry, not discovery."""

from __future__ import annotations

from collections.abc import Callable

from guardians.engine.context import Context
from guardians.engine.decision import Decision


def _migration(ctx: Context) -> Decision | None:
    from guardians.gates.migration import evaluate

    return evaluate(ctx)


def _deploy(ctx: Context) -> Decision | None:
    from guardians.gates.deploy import evaluate

    return evaluate(ctx)


def _backup(ctx: Context) -> Decision | None:
    from guardians.gates.backup import evaluate

    return evaluate(ctx)


def _process(ctx: Context) -> Decision | None:
    from guardians.gates.process import evaluate

    return evaluate(ctx)


EVALUATORS: dict[str, Callable[[Context], Decision | None]] = {
    "migration": _migration,
    "deploy": _deploy,
    "backup": _backup,
    "process": _process,
}
