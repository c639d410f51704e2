"""``guardians mcp``: serve the guardians' tools to an agent over stdio (Model Context Protocol)."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from guardians.errors import EXIT_OK, EXIT_USAGE


def mcp_command(root: Path, list_tools: bool, out: IO[str], err: IO[str]) -> int:
    if not root.is_dir():
        err.write(f"error: root {root} is not a directory\n")
        return EXIT_USAGE
    if list_tools:
        import json

        from guardians.commands.mcp.tools import Tools

        tools = [
            {
                "name": t.name,
                "description": t.description,
                "inputSchema": t.input_schema,
                "outputSchema": t.output_schema,
            }
            for t in Tools(root).catalog()
        ]
        out.write(json.dumps(tools, indent=2) + "\n")
        return EXIT_OK
    from guardians.commands.mcp.server import serve

    return serve(root)
