"""`guardians mcp` end to end: a real server process, driven with the MCP SDK's own stdio client.

An epic goes from nothing to operational through the tools alone, with a deploy veto and its fix
on the way. Every result, including the failures, must match the tool's declared outputSchema.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from jsonschema import Draft202012Validator

from tests.conftest import EXAMPLES

ART = EXAMPLES / "clean" / "docs" / "specs" / "epic_1" / "consensus" / "artifacts"
BASE = "docs/specs/epic_1/consensus"
EXPECTED_TOOLS = {
    "schema",
    "check",
    "write_artifact",
    "send",
    "run",
    "init",
    "status",
    "log",
    "explain",
    "lint_migration",
}


def handoff(iteration: int) -> str:
    return (
        f'from: quality\nto: migration\ntimestamp: "2026_11_22_10_05_00"\nepic_id: epic_1\n'
        f"iteration: {iteration}\ntype: handoff\nsubject: ready_for_guardians\ncontent: {{summary: approved}}\n"
    )


class Client:
    """Calls tools and checks every result against the outputSchema the server declared."""

    def __init__(self, session: Any, schemas: dict[str, dict[str, Any]]) -> None:
        self.session = session
        self.schemas = schemas

    async def ok(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        result = await self.session.call_tool(tool, arguments)
        assert not result.isError, result.content
        return self._checked(tool, result)

    async def fails(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        result = await self.session.call_tool(tool, arguments)
        assert result.isError, result.structuredContent
        assert "Traceback" not in result.content[0].text
        return self._checked(tool, result)

    def _checked(self, name: str, result: Any) -> dict[str, Any]:
        data = result.structuredContent
        assert isinstance(data, dict)
        Draft202012Validator(self.schemas[name]).validate(data)
        assert json.loads(result.content[0].text) == data if not result.isError else True
        return data


async def drive(root: Path) -> None:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "guardians", "mcp", "--root", str(root)])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        init = await session.initialize()
        assert init.serverInfo.name == "guardians"
        listed = (await session.list_tools()).tools
        assert {t.name for t in listed} == EXPECTED_TOOLS
        for tool in listed:
            assert tool.outputSchema is not None, tool.name
            Draft202012Validator.check_schema(tool.outputSchema)
            assert tool.outputSchema["type"] == "object" and "ok" in tool.outputSchema["required"]
            assert tool.description
        client = Client(session, {t.name: t.outputSchema for t in listed})
        await epic_from_nothing_to_operational(client)


async def epic_from_nothing_to_operational(c: Client) -> None:
    created = await c.ok("init", epic="epic_1")
    assert f"{BASE}/messages/inbox/migration" in created["created"]

    # Learn the shapes.
    shape = await c.ok("schema", name="plan")
    assert shape["schema"]["$id"].endswith("plan.schema.json")
    example = await c.ok("schema", name="implementation", example=True)
    assert example["example"]["epic_id"] == "epic_7"
    assert (await c.fails("schema", name="nope"))["error"].startswith("unknown schema")

    # A draft is checked before it is written: same findings as check-write.
    bad = await c.fails("check", path=f"{BASE}/artifacts/plan.json", content='{"epic_id": "epic_1"}')
    assert bad["findings"][0]["code"] == "VAL001"
    assert "stages" in bad["findings"][0]["message"]
    owned = await c.fails("check", path=f"{BASE}/decision_log.jsonl", content="{}")
    assert owned["findings"][0]["code"] == "GRD030"
    assert (await c.fails("write_artifact", path=f"{BASE}/artifacts/deployment.json", content="{}"))["kind"] == "owned"
    assert (await c.fails("check", path="../outside.json", content="{}"))["error"].startswith("path")

    # Write the artifacts; the plan has no health checks yet.
    plan = json.loads((ART / "plan.json").read_text())
    health_checks = plan["operations"].pop("health_checks")
    await c.ok("check", path=f"{BASE}/artifacts/plan.json", content=json.dumps(plan))
    await c.ok("write_artifact", path=f"{BASE}/artifacts/plan.json", content=json.dumps(plan))
    for name in ("implementation.json", "review.json", "health_report.json"):
        written = await c.ok("write_artifact", path=f"{BASE}/artifacts/{name}", content=(ART / name).read_text())
        assert written["written"] is True and written["kind"] == "artifact"
    for name in ("001_order_note.sql", "001_order_note.down.sql"):
        text = (ART / "migrations" / name).read_text()
        await c.ok("write_artifact", path=f"{BASE}/artifacts/migrations/{name}", content=text)
    lint = await c.ok("lint_migration", path=f"{BASE}/artifacts/migrations/001_order_note.sql")
    assert lint["risk"] == "low"
    risky = await c.ok("lint_migration", snippet="ALTER TABLE orders DROP COLUMN note;")
    assert risky["ok"] is False and "MIG101" in {f["code"] for f in risky["findings"]}

    # A message that would be refused is not delivered.
    refused = await c.fails("send", epic="epic_1", to="migration", content=handoff(1).replace("quality", "migration"))
    assert refused["findings"][0]["code"] == "GRD006"
    assert (await c.ok("status"))["epics"][0]["pending"] == {}

    # First run: deploy vetoes.
    sent = await c.ok("send", epic="epic_1", to="migration", content=handoff(1))
    assert sent["delivered"].startswith(f"{BASE}/messages/inbox/migration/")
    decisions = (await c.ok("run"))["decisions"]
    veto = next(d for d in decisions if d["decision"] == "veto")
    assert veto["agent"] == "deploy" and "DEP101" in {f["code"] for f in veto["findings"]}
    assert all(set(f) >= {"code", "message", "fix"} for f in veto["findings"])
    board = (await c.ok("status"))["epics"][0]
    assert board["operational"] is False and board["open_vetoes"]
    vetoes = (await c.ok("log", epic="epic_1", decision="veto"))["entries"]
    assert [e["agent"] for e in vetoes] == ["deploy"]
    assert "DEP101" in {f["code"] for f in vetoes[0]["findings"]}
    why = await c.ok("explain", code="DEP101")
    assert "health" in why["doc"].lower()

    # The fix: health checks back in, next iteration.
    plan["operations"]["health_checks"] = health_checks
    plan["iteration"] = 2
    await c.ok("write_artifact", path=f"{BASE}/artifacts/plan.json", content=json.dumps(plan, indent=2))
    await c.ok("send", epic="epic_1", to="migration", content=handoff(2))
    decisions = (await c.ok("run"))["decisions"]
    assert [d["agent"] for d in decisions] == ["migration", "deploy", "backup", "process"]
    assert all(d["decision"] == "approve" for d in decisions), decisions
    board = (await c.ok("status"))["epics"][0]
    assert board["operational"] is True and board["open_vetoes"] == []
    entries = (await c.ok("log", epic="epic_1", iteration=2))["entries"]
    assert [e["decision"] for e in entries][-1] == "operational"
    assert (await c.fails("log", epic="epic_x"))["error"]


@pytest.mark.slow
def test_an_epic_from_nothing_to_operational_through_the_mcp_tools(tmp_path):
    anyio.run(drive, tmp_path)


def test_help_and_the_hook_never_import_the_sdk_or_pydantic(tmp_path):
    probe = (
        "import sys, runpy; sys.argv = ['guardians'] + sys.argv[1:]\n"
        "try:\n    runpy.run_module('guardians', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('mcp', 'pydantic', 'anyio') if m in sys.modules), file=sys.stderr)\n"
    )
    for args, stdin in ((["--help"], ""), (["hook", "claude-code"], '{"tool_name": "Read", "tool_input": {}}')):
        result = subprocess.run(
            [sys.executable, "-c", probe, *args], input=stdin, capture_output=True, text=True, cwd=tmp_path
        )
        assert result.stderr.strip().splitlines()[-1] == "[]", (args, result.stderr)


def test_list_tools_prints_both_schemas(run_cli, tmp_path):
    result = run_cli("mcp", "--root", str(tmp_path), "--list-tools")
    assert result.exit_code == 0
    tools = {t["name"]: t for t in json.loads(result.output)}
    assert set(tools) == EXPECTED_TOOLS
    assert tools["check"]["inputSchema"]["required"] == ["path", "content"]


def test_a_fault_in_a_tool_is_an_error_result_without_a_traceback(tmp_path):
    from guardians.commands.mcp.server import call
    from guardians.commands.mcp.tools import Tool

    def boom() -> dict[str, Any]:
        raise KeyError("lost")

    result = call(Tool("boom", "", {}, {}, boom), {})
    assert result.isError is True
    assert result.structuredContent == {"ok": False, "error": "internal error: KeyError: 'lost'", "findings": []}
