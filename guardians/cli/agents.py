"""Click wiring of the agent-facing commands: ``mcp``, ``prompt``, ``hook claude-code`` and ``check-write``.

Each calls one function of its module in :mod:`guardians.commands`, imported lazily.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from guardians.cli.options import JSON_FORMAT_OPTION, ROOT_OPTION
from guardians.cli.options import exit_with as _exit
from guardians.cli.options import stdout as _stdout


@click.command()
@ROOT_OPTION
@click.option("--list-tools", is_flag=True, help="Print the tools with their input and output schemas, and exit.")
def mcp(root: Path, list_tools: bool) -> None:
    """Serve the guardians to an agent over stdio (Model Context Protocol).

    Tools: schema, check, write_artifact, send, run, init, status, log,
    explain, lint_migration. Register it in Claude Code, Cursor or Codex as
    described in docs/agents.md.
    """
    from guardians.commands.mcp import mcp_command

    _exit(mcp_command(root, list_tools, _stdout(), sys.stderr))


@click.command()
@click.argument("role", type=click.Choice(["quality", "developer", "architect", "tech-lead"]))
def prompt(role: str) -> None:
    """Print the prompt for an upstream agent: what to write, where, in which shape, with which tools."""
    from guardians.commands.prompt import print_prompt

    _exit(print_prompt(role, _stdout()))


@click.group()
def hook() -> None:
    """Write guards for coding agents (see docs/agents.md)."""


@hook.command("claude-code")
def hook_claude_code() -> None:
    """PreToolUse hook for Write, Edit and MultiEdit: reads the event on stdin.

    Exit 0 allows the write; exit 2 blocks it with the reasons on stderr:
    files the guardians own, and artifacts or messages that would not validate.
    """
    from guardians.commands.hook import claude_code_hook

    _exit(claude_code_hook(sys.stdin.buffer, sys.stderr))


@click.command("check-write")
@click.argument("args", nargs=-1, required=True, metavar="PATH... | PATH -")
@JSON_FORMAT_OPTION
def check_write_cmd(args: tuple[str, ...], fmt: str) -> None:
    """May an agent write PATH? Guardian-owned files are refused; artifacts and messages must validate.

    With `-` the new content of PATH is read from stdin; otherwise each PATH
    is checked as it is on disk. Exit 0 allowed, 1 refused, 2 usage error.
    """
    from guardians.commands.check_write import check_write

    _exit(check_write(list(args), fmt, sys.stdin.buffer, _stdout(), sys.stderr))
