"""Click wiring only. Each subcommand calls one function of its module in
:mod:`guardians.commands` that returns an exit code. Those modules are
imported lazily inside the commands so that ``guardians --help`` stays fast.
The agent-facing commands are wired in ``agents.py``, the evidence commands in
``evidence.py``, and the options they share in ``options.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from guardians import __version__
from guardians.cli.agents import check_write_cmd, hook, mcp, prompt
from guardians.cli.evidence import checkpoint, probe
from guardians.cli.options import (
    JSON_FORMAT_OPTION,
    ROOT_OPTION,
    SIGNING_KEY_OPTION,
    TRUST_REF_OPTION,
)
from guardians.cli.options import exit_with as _exit
from guardians.cli.options import stdout as _stdout
from guardians.cli.options import use_trust as _use_trust
from guardians.errors import exit_codes_help


class _Group(click.Group):
    """Maps the GuardianError family to its exit code in one place, for every command."""

    def invoke(self, ctx: click.Context) -> object:
        from guardians.errors import GuardianError

        try:
            return super().invoke(ctx)
        except GuardianError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)


HELP = f"""Deterministic guardians for a multi-agent consensus pipeline.

Four guardians run in a fixed order - migration, deploy, backup, process -
over docs/specs/epic_<N>/consensus/. Each validates what arrives in its
inbox, applies named rules (see `guardians explain CODE`), then approves and
hands off to the next guardian or vetoes back to the sender. Every decision
is appended to a hash-chained decision_log.jsonl.

{exit_codes_help()}
"""


@click.group(
    cls=_Group,
    help=HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="guardians")
def cli() -> None:
    pass


@cli.command()
@ROOT_OPTION
@TRUST_REF_OPTION
@SIGNING_KEY_OPTION
@click.argument("epics", nargs=-1)
@JSON_FORMAT_OPTION
def run(root: Path, trust_ref: str | None, signing_key: Path | None, epics: tuple[str, ...], fmt: str) -> None:
    """Process every pending message until nothing is left.

    Runs the guardians in sequence over EPICS (e.g. epic_7), or over every
    epic under ROOT. Prints one line per decision. A message is decided
    exactly once: running twice in a row changes nothing. An epic that cannot
    be decided (damaged log, symlinked inbox, ...) does not stop the others:
    they are listed at the end and the exit code is 2. The last line on
    stderr says whether the log is signed. Under a trust anchor every decision
    is signed with the signing key, and an epic whose log does not verify is refused.
    """
    from guardians.commands.run import run_pipeline

    _exit(run_pipeline(root, list(epics), out=_stdout(), fmt=fmt, trust_ref=trust_ref, signing_key=signing_key))


@cli.command()
@ROOT_OPTION
@TRUST_REF_OPTION
@SIGNING_KEY_OPTION
@click.argument("epics", nargs=-1)
def adopt(root: Path, trust_ref: str | None, signing_key: Path | None, epics: tuple[str, ...]) -> None:
    """Take over folders agents wrote before the guardians (all epics, or EPICS).

    A decision log that is not the guardians' (text lines, pretty-printed
    objects, a chain from elsewhere) and guardian outputs that no guardian
    wrote move to consensus/legacy/, byte for byte; the first entry of the new
    log records the sha256 of each. Running it twice changes nothing. Under a
    trust anchor a log that does not verify against it is kept the same way,
    and the new entry is signed.
    """
    from guardians.commands.adopt import adopt_command

    _exit(adopt_command(root, list(epics), out=_stdout(), trust_ref=trust_ref, signing_key=signing_key))


@cli.command()
@ROOT_OPTION
@TRUST_REF_OPTION
@SIGNING_KEY_OPTION
@click.argument("epic")
@click.option("--reason", required=True, help="Why the epic is stopped (recorded in the log).")
@click.option("--by", default="tech-lead", show_default=True, help="Who closes it.")
def close(root: Path, trust_ref: str | None, signing_key: Path | None, epic: str, reason: str, by: str) -> None:
    """Stop an escalated (or waiting) EPIC: `run` leaves its messages alone from then on.

    Under a trust anchor the entry is signed with the guardians' key, as `run` signs.
    """
    from guardians.commands.close import close_epic

    _exit(close_epic(root, epic, reason, by, out=_stdout(), trust_ref=trust_ref, signing_key=signing_key))


@cli.command()
@ROOT_OPTION
@click.argument("epic")
@JSON_FORMAT_OPTION
def init(root: Path, epic: str, fmt: str) -> None:
    """Scaffold a new epic: epic_<N>.md, artifacts/ and one inbox per agent."""
    from guardians.commands.init import init_epic

    _exit(init_epic(root, epic, out=_stdout(), fmt=fmt))


@cli.command()
@ROOT_OPTION
@click.argument("epic")
@click.option(
    "--to",
    "to",
    required=True,
    help="Recipient inbox: migration, deploy, backup, process, quality, tech-lead...",
)
@TRUST_REF_OPTION
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@JSON_FORMAT_OPTION
def send(root: Path, epic: str, to: str, trust_ref: str | None, file: Path, fmt: str) -> None:
    """Validate a message FILE and drop it atomically into EPIC's inbox.

    This is how agents should deliver messages: the file is schema-checked,
    written to a temp file in the inbox and renamed into place, so a guardian
    never sees it half-written. Use `-` as FILE to read standard input.

    A first handoff goes to migration; after a veto, fix the artifacts and
    send a new handoff to migration with the next iteration. Exit 1 when the
    message is refused (the error names the file and JSON path), 2 on a
    usage error. Fields: `guardians schema show message`.
    """
    from guardians.commands.send import send_message

    _exit(send_message(root, epic, to, file, out=_stdout(), fmt=fmt, trust_ref=trust_ref))


@cli.command()
@ROOT_OPTION
@click.option("--http", metavar="HOST:PORT", help="Serve /health and /metrics here (loopback only by default).")
@click.option("--http-allow-remote", is_flag=True, help="Allow --http on a non-loopback address.")
@click.option("--log-format", type=click.Choice(["auto", "console", "json"]), default="auto", show_default=True)
@click.option("--rescan", type=click.FloatRange(0.05), default=5.0, metavar="SECONDS", help="Full rescan period.")
@click.option("--poll", is_flag=True, help="Poll the tree instead of inotify (NFS/CIFS, inotify limits).")
@TRUST_REF_OPTION
@SIGNING_KEY_OPTION
def watch(root: Path, **options: Any) -> None:
    """Run the guardians as a service: decide messages as they arrive.

    Watches every epic's inboxes under ROOT (new epics too), first drains what
    arrived while it was down, then decides each message exactly once with the
    same pipeline as `guardians run`; safe next to other watchers and runs.
    Logs are console lines on a terminal, JSON lines otherwise (--log-format).
    Every epic is rescanned every --rescan seconds (default 5) in case events
    were lost. SIGTERM/SIGINT finish the current decision and exit 0; exit 3
    means the file watcher died or could not start, exit 4 that the disk
    reported an I/O error. See docs/watch.md.
    """
    from guardians.commands.watch import watch_command

    _exit(watch_command(root, err=sys.stderr, **options))


@cli.command("log")
@ROOT_OPTION
@TRUST_REF_OPTION
@click.argument("args", nargs=-1, metavar="[verify|anchor] [EPIC]")
@click.option("--agent", help="Only decisions by this agent.")
@click.option("--decision", "decision", help="Only this decision (approve, veto, waiting, escalate, ...).")
@click.option("--since", help="Only decisions at or after this time (YYYY_MM_DD[_HH_MM_SS] or ISO 8601).")
@click.option("--iteration", type=int, help="Only this iteration.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown", "mermaid"]),
    default=None,
    help="Output format (default: table on a terminal, json otherwise).",
)
def log_cmd(
    root: Path,
    trust_ref: str | None,
    args: tuple[str, ...],
    agent: str | None,
    decision: str | None,
    since: str | None,
    iteration: int | None,
    fmt: str | None,
) -> None:
    """Show the decision timeline, or verify the hash chain.

    \b
    guardians log [EPIC]          timeline of decisions and why they were taken
    guardians log verify [EPIC]   check seq, hash chain (and signatures); exit 1 on the first bad line
    guardians log anchor [EPIC]   print (epic, seq, head) lines to record outside the repository

    --agent, --decision, --since and --iteration filter the timeline; with
    verify or anchor they are a usage error (a chain is only checked whole).
    """
    from guardians.commands.log import log_command

    _use_trust(root, trust_ref)

    _exit(
        log_command(
            root, list(args), agent=agent, decision=decision, since=since, iteration=iteration, fmt=fmt, out=_stdout()
        )
    )


@cli.command()
@click.option("--root", type=click.Path(path_type=Path), default=None, help="Repository root (default: .).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "junit", "sarif", "gitlab"]),
    default="text",
    show_default=True,
    help="Report format; github prints workflow annotations.",
)
@click.option("--statistics", is_flag=True, help="Print the number of problems per code instead of each one.")
@click.option("--select", multiple=True, metavar="CODES", help="Only these codes or prefixes (VAL001,VAL1).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Leave out these codes or prefixes.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Known problems: written on the first run, later runs report only new problems.",
)
@TRUST_REF_OPTION
@click.option(
    "--since",
    metavar="REF",
    help="Also fail when an epic's log does not extend its log at git REF byte for byte (VAL106). "
    "Under a trust anchor validate always fails when a signed output has no decision in the log (VAL107).",
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(
    root: Path | None,
    fmt: str,
    statistics: bool,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    baseline: Path | None,
    trust_ref: str | None,
    since: str | None,
    paths: tuple[Path, ...],
) -> None:
    """Check artifacts, messages and decision logs against their schemas and each other.

    Without PATHs, every epic under ROOT; PATHs may be epic folders or single files.
    Every problem names file, line, column, JSON path, rule and a fix (codes: docs/validate.md).

    \b
    Exit codes: 0 valid (warnings allowed), 1 problems found, 2 usage error.
    """
    from guardians.commands.validate import validate_command

    _use_trust(root or Path("."), trust_ref)
    _exit(
        validate_command(
            root,
            list(paths),
            fmt,
            out=sys.stdout,
            statistics=statistics,
            select=select,
            ignore=ignore,
            baseline=baseline,
            since=since,
        )
    )


@cli.group()
def schema() -> None:
    """List, show and export the JSON Schemas of every artifact and message."""


@schema.command("list")
@JSON_FORMAT_OPTION
def schema_list(fmt: str) -> None:
    """List schema names with their $id."""
    from guardians.commands.schema import list_schemas

    _exit(list_schemas(out=_stdout(), fmt=fmt))


@schema.command("show")
@click.argument("name")
def schema_show(name: str) -> None:
    """Print one schema (JSON Schema 2020-12)."""
    from guardians.commands.schema import show_schema

    _exit(show_schema(name, out=_stdout()))


@schema.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def schema_export(directory: Path) -> None:
    """Write every schema as DIRECTORY/<name>.schema.json."""
    from guardians.commands.schema import export_schemas

    _exit(export_schemas(directory, out=_stdout()))


@schema.command("example")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default="json", show_default=True)
def schema_example_cmd(name: str, fmt: str) -> None:
    """Print a complete document that is valid against schema NAME (a starting point)."""
    from guardians.commands.schema_example import schema_example

    _exit(schema_example(name, fmt, _stdout()))


@schema.command("catalog")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def schema_catalog_cmd(directory: Path) -> None:
    """Export the schemas and a SchemaStore catalog (DIRECTORY/catalog.json) for editors."""
    from guardians.commands.schema_example import schema_catalog

    _exit(schema_catalog(directory, _stdout()))


@cli.command(short_help="Print a rule's What / Why / Fix (e.g. MIG101, DEP101).")
@click.argument("code", required=False)
@click.option("--all", "all_", is_flag=True, help="Print every rule (markdown).")
@JSON_FORMAT_OPTION
def explain(code: str | None, all_: bool, fmt: str) -> None:
    """Print the documentation of a rule CODE (e.g. MIG101, DEP101)."""
    from guardians.commands.explain import explain_rule

    _exit(explain_rule(code, all_rules=all_, out=_stdout(), fmt=fmt))


@cli.command("lint-migrations")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif", "junit", "gitlab"]),
    default="text",
    show_default=True,
    help="Report format: github annotations, SARIF for code scanning, JUnit XML, GitLab code quality.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["info", "warning", "error", "critical"]),
    default=None,
    help="Exit 1 if an unsuppressed finding is at least this severe [default: error, or fail-on in the config].",
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="guardians.toml or pyproject.toml to use [default: the first one found from the current directory up].",
)
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@click.option("--since", metavar="REF", default=None, help="Only migrations added or changed since this git ref.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Report only findings not recorded in FILE; a missing FILE is written with today's findings.",
)
@click.option("--update-baseline", is_flag=True, help="Rewrite the --baseline file with today's findings.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that share many SQL files [default: the CPUs this process may use, at most 2]. "
    "--jobs 1 spends the least CPU; more finish sooner.",
)
def lint_migrations_cmd(
    paths: tuple[Path, ...],
    fmt: str,
    fail_on: str | None,
    config: Path | None,
    no_config: bool,
    since: str | None,
    baseline: Path | None,
    update_baseline: bool,
    jobs: int | None,
) -> None:
    """Check migration files or directories (SQL, Alembic, Django) with the MIG rules."""
    from guardians.commands.lint_migrations import lint_migrations

    _exit(
        lint_migrations(
            list(paths),
            fmt=fmt,
            fail_on=fail_on,
            out=_stdout(),
            config=config,
            use_config=not no_config,
            since=since,
            baseline=baseline,
            update_baseline=update_baseline,
            jobs=jobs,
        )
    )


@cli.command()
@ROOT_OPTION
@TRUST_REF_OPTION
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def status(root: Path, trust_ref: str | None, fmt: str) -> None:
    """Board of every epic: holder, iteration, last decision, open vetoes, waiting, escalated.

    The last line says whether the logs are signed and verified.
    """
    from guardians.commands.status import show_status

    _use_trust(root, trust_ref)
    _exit(show_status(root, fmt=fmt, out=_stdout()))


@cli.command()
@ROOT_OPTION
@TRUST_REF_OPTION
@click.argument("epic")
@click.option(
    "--html",
    "html",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (`-` for standard output).",
)
def report(root: Path, trust_ref: str | None, epic: str, html: Path) -> None:
    """Write one self-contained HTML page about EPIC for a tech lead (works offline)."""
    from guardians.commands.report import write_report

    _use_trust(root, trust_ref)
    _exit(write_report(root, epic, html, out=_stdout()))


@cli.command()
@ROOT_OPTION
@TRUST_REF_OPTION
@click.argument("epic")
@click.option(
    "--key",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Your OpenSSH Ed25519 private key (listed for guardians-approval in the trust anchor).",
)
@click.option("--reason", required=True, help="Why the risk is accepted (recorded in the log and the report).")
@click.option("--suppress", multiple=True, metavar="CODE=REASON", help="Accept one finding, with its reason.")
def approve(root: Path, trust_ref: str | None, epic: str, key: Path, reason: str, suppress: tuple[str, ...]) -> None:
    """Sign and deliver a tech-lead approval of EPIC's current migration review.

    The review digest is looked up from the migration guardian's latest
    decision; the approval is signed (SSHSIG, namespace guardians-approval)
    and delivered to inbox/migration/. Exit 1 when nothing waits for an
    approval or the guardian would refuse it, 2 on usage errors.
    """
    from guardians.commands.approve import approve as approve_cmd

    _exit(approve_cmd(root, epic, key, reason, list(suppress), out=_stdout(), trust_ref=trust_ref))


@cli.command()
@ROOT_OPTION
@TRUST_REF_OPTION
@click.argument("epic")
@click.option("--agent", required=True, help="Your agent name (not a guardian).")
@click.option("--decision", "decision", required=True, help="Your decision: approve, veto, complete, ...")
@click.option("--iteration", type=int, default=1, show_default=True)
@click.option("--source-document", default="", help="The document the decision is about.")
@click.option("--previous-artifact", "previous", multiple=True, metavar="PATH", help="An artifact it was based on.")
@click.option("--details", metavar="JSON", help="A JSON object with anything else.")
def record(
    root: Path,
    trust_ref: str | None,
    epic: str,
    agent: str,
    decision: str,
    iteration: int,
    source_document: str,
    previous: tuple[str, ...],
    details: str | None,
) -> None:
    """Append an agent's own decision line to EPIC's shared decision log.

    The line has the protocol's shape (timestamp, agent, decision, epic_id,
    iteration, source_document, previous_artifacts, details), is appended
    under the log's lock in one write, and carries no authority: guardians
    never count it as one of their decisions.
    """
    from guardians.commands.record import record as record_cmd

    _use_trust(root, trust_ref)
    _exit(
        record_cmd(
            root,
            epic,
            agent=agent,
            decision=decision,
            iteration=iteration,
            source_document=source_document,
            previous_artifacts=list(previous),
            details=details,
            out=_stdout(),
        )
    )


# Wired in their own modules: the agent-facing commands (agents.py) and the evidence commands (evidence.py).
for command in (mcp, prompt, hook, check_write_cmd, probe, checkpoint):
    cli.add_command(command)
