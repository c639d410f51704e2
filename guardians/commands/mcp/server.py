"""``guardians mcp``: the tools of ``tools`` served over stdio with the official MCP SDK.

This is the only module that imports the SDK, and only ``guardians mcp``
imports it, so the rest of the CLI never pays for it. A refusal
(:class:`ToolFailure`) and a usage error become ``isError`` results carrying
the findings as ``structuredContent``; any other fault becomes an
``isError`` result naming the exception, never a stack trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import mcp.types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from guardians import __version__
from guardians.commands.mcp.tools import Tool, ToolFailure, Tools

INSTRUCTIONS = (
    "Deterministic guardians judge what coding agents write under docs/specs/epic_<N>/consensus/. "
    "Use `schema` to learn a document's shape (example: true gives a complete valid one), `check` before "
    "writing anything there, `write_artifact` to write artifacts, `send` to deliver messages, `run` to "
    "decide pending messages, `status` and `log` to follow the epic, `explain` for a rule code."
)


def build_server(root: Path) -> Server[Any, Any]:
    tools = Tools(root)
    catalog: dict[str, Tool] = {tool.name: tool for tool in tools.catalog()}
    server: Server[Any, Any] = Server("guardians", version=__version__, instructions=INSTRUCTIONS)

    @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
    async def list_tools() -> list[types.Tool]:
        return [
            types.Tool(
                name=tool.name,
                description=tool.description,
                inputSchema=tool.input_schema,
                outputSchema=tool.output_schema,
            )
            for tool in catalog.values()
        ]

    @server.call_tool()  # type: ignore[untyped-decorator]
    async def call_tool(name: str, arguments: dict[str, Any]) -> dict[str, Any] | types.CallToolResult:
        tool = catalog.get(name)
        if tool is None:
            return _error({"ok": False, "error": f"unknown tool {name!r}", "findings": []})
        return call(tool, arguments)

    return server


def call(tool: Tool, arguments: dict[str, Any]) -> dict[str, Any] | types.CallToolResult:
    """Run one tool; every failure is an isError result with structured findings."""
    from guardians.errors import GuardianError

    try:
        return tool.handler(**arguments)
    except ToolFailure as exc:
        return _error(exc.payload)
    except GuardianError as exc:
        return _error({"ok": False, "error": str(exc), "findings": []})
    except Exception as exc:  # a fault: say what, never a traceback
        return _error({"ok": False, "error": f"internal error: {type(exc).__name__}: {exc}", "findings": []})


def _error(payload: dict[str, Any]) -> types.CallToolResult:
    lines = [payload["error"], *(_finding_line(f) for f in payload.get("findings", []))]
    return types.CallToolResult(
        content=[types.TextContent(type="text", text="\n".join(lines))],
        structuredContent=payload,
        isError=True,
    )


def _finding_line(finding: dict[str, Any]) -> str:
    where = finding.get("file") or ""
    if finding.get("line") is not None:
        where += f":{finding['line']}"
    fix = f" (fix: {finding['fix']})" if finding.get("fix") else ""
    return f"{where} {finding.get('json_path') or '$'}: {finding.get('code')} {finding.get('message')}{fix}"


def serve(root: Path) -> int:
    server = build_server(root)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)
    return 0
