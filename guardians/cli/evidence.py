"""Click wiring of the evidence commands: ``guardians checkpoint ...`` and ``guardians probe``.

Each calls one function of :mod:`guardians.commands.checkpoint` or
:mod:`guardians.commands.probe`, imported lazily so ``guardians --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from guardians.cli.options import JSON_FORMAT_OPTION, ROOT_OPTION
from guardians.cli.options import exit_with as _exit
from guardians.cli.options import stdout as _stdout
from guardians.cli.options import use_trust as _use_trust


@click.command()
@ROOT_OPTION
@click.argument("epic")
@click.option(
    "--config", "config", type=click.Path(dir_okay=False, path_type=Path), help="Probe config (TOML, YAML or JSON)."
)
@click.option("--watch", is_flag=True, help="Probe COUNT times, INTERVAL apart, appending to the health series.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="With --watch: seconds between probes.",
)
@click.option(
    "--count",
    type=click.IntRange(min=1, max=10000),
    default=6,
    show_default=True,
    help="With --watch: how many probes.",
)
def probe(root: Path, epic: str, config: Path | None, watch: bool, interval: float, count: int) -> None:
    """Probe EPIC's services (HTTP, TCP, PostgreSQL, Redis, host) and write health_report.json.

    Services and thresholds come from --config or the [probe] table of
    guardians.toml. Every probe has a timeout and they run concurrently; a
    service without the metrics its thresholds need is inconclusive. With
    --watch, samples go to health_series.jsonl and the canary analysis runs at
    the end. Exit 0 healthy / canary successful, 1 otherwise. With the guardians'
    key (GUARDIANS_SIGNING_KEY) both files are signed (<file>.sig); under a
    trust anchor the process guardian accepts only signed health evidence.
    """
    _use_trust(root, None, signs=True)
    from guardians.commands.probe import probe_epic

    _exit(probe_epic(root, epic, config, _stdout(), watch=watch, interval=interval, count=count))


FOLDER_OPTION = click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Checkpoint folder (default: checkpoints.folder in guardians.toml, else ROOT/data/checkpoints).",
)


@click.group()
def checkpoint() -> None:
    """Checkpoints the backup guardian can check: PostgreSQL dump, Redis RDB, files, signed metadata.

    Passwords: put them in the URL, or leave them out and set PGPASSWORD /
    REDISCLI_AUTH; they are never written to metadata or printed.
    """


@checkpoint.command("create")
@ROOT_OPTION
@FOLDER_OPTION
@click.argument("name")
@click.option("--include-database", "database", metavar="URL", help="pg_dump -Fc this PostgreSQL database.")
@click.option("--include-redis", "redis", metavar="URL", help="RDB snapshot of this Redis server.")
@click.option("--include", "include", multiple=True, metavar="PATH", help="Copy this config/env file (repeatable).")
@click.option("--compress", is_flag=True, help="Compress the database dump (pg_dump -Z6; default -Z0).")
@click.option(
    "--retention",
    type=click.Choice(["production", "development", "test", "milestone"]),
    default="development",
    show_default=True,
)
@click.option("--description", default="", help="Free text kept in metadata.json.")
def checkpoint_create(root: Path, folder: Path | None, name: str, **opts: Any) -> None:
    """Create checkpoint NAME; it appears only once every part is on disk."""
    _use_trust(root, None, signs=True)
    from guardians.checkpoint.create import CreateRequest
    from guardians.commands.checkpoint import create_checkpoint, folder_for

    req = CreateRequest(root, folder_for(root, folder), name, **{**opts, "include": list(opts["include"])})
    _exit(create_checkpoint(req, _stdout()))


@checkpoint.command("list")
@ROOT_OPTION
@FOLDER_OPTION
@JSON_FORMAT_OPTION
@click.option("--json", "as_json", is_flag=True, help="Same as --format json (kept for existing scripts).")
def checkpoint_list(root: Path, folder: Path | None, fmt: str, as_json: bool) -> None:
    """Checkpoints with age, size, retention, verified and restore-tested state."""
    _use_trust(root, None, signs=False)
    from guardians.commands.checkpoint import folder_for, list_checkpoints

    _exit(list_checkpoints(folder_for(root, folder), _stdout(), as_json=as_json or fmt == "json"))


@checkpoint.command("status")
@ROOT_OPTION
@FOLDER_OPTION
@click.option(
    "--max-age-hours",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Default: checkpoints.max_age_hours in guardians.toml (24).",
)
def checkpoint_status_cmd(root: Path, folder: Path | None, max_age_hours: float | None) -> None:
    """Newest verified checkpoint per class; exit 1 when none is younger than the maximum age."""
    _use_trust(root, None, signs=False)
    from guardians.commands.checkpoint import checkpoint_status, folder_for
    from guardians.settings import load_settings

    limit = max_age_hours or load_settings(root).checkpoints.max_age_hours
    _exit(checkpoint_status(folder_for(root, folder), limit, _stdout()))


@checkpoint.command("verify")
@ROOT_OPTION
@FOLDER_OPTION
@click.argument("name")
@click.option("--restore-test", is_flag=True, help="Also restore into a scratch database / redis-server and compare.")
@click.option("--database", metavar="URL", help="Server for the scratch database (default: the one recorded).")
def checkpoint_verify(root: Path, folder: Path | None, name: str, restore_test: bool, database: str | None) -> None:
    """Re-check every checksum of NAME (exit 1 on a mismatch) and record the outcome."""
    _use_trust(root, None, signs=True)
    from guardians.commands.checkpoint import folder_for, verify_checkpoint

    _exit(verify_checkpoint(folder_for(root, folder), name, _stdout(), restore_test=restore_test, database=database))


@checkpoint.command("prune")
@ROOT_OPTION
@FOLDER_OPTION
@click.option("--dry-run", is_flag=True, help="Only print what would be deleted.")
def checkpoint_prune(root: Path, folder: Path | None, dry_run: bool) -> None:
    """Apply retention: production 30 days, development 7, test 1, milestone never."""
    _use_trust(root, None, signs=False)
    from guardians.commands.checkpoint import folder_for, prune_checkpoints

    _exit(prune_checkpoints(folder_for(root, folder), _stdout(), dry_run=dry_run))


@checkpoint.command("recover")
@ROOT_OPTION
@FOLDER_OPTION
@click.argument("name")
@click.option("--force", is_flag=True, help="Do not ask for confirmation.")
@click.option("--database", metavar="URL", help="Restore into this database (default: the one recorded).")
@click.option("--redis", metavar="URL", help="Restore into this Redis (default: the one recorded).")
def checkpoint_recover(root: Path, folder: Path | None, name: str, force: bool, **opts: Any) -> None:
    """Safety checkpoint first, then restore database, Redis and files of NAME."""
    _use_trust(root, None, signs=True)
    from guardians.commands.checkpoint import folder_for, recover_checkpoint

    confirm = None if force else (lambda q: click.confirm(q, default=False))
    _exit(recover_checkpoint(root, folder_for(root, folder), name, _stdout(), confirm=confirm, **opts))
