"""What an agent pays per call: CPU time, wall time and peak memory of each front door.

Every case runs as a fresh process N times after one discarded warm-up; the
CPU time (user + system) and peak RSS come from ``os.wait4`` of that very
process, so other load on the machine inflates the wall time but not the CPU
figure. Cases: ``python -c pass`` (the floor), ``guardians --help``,
``guardians hook claude-code`` on an allowed and on a blocked write,
``guardians check-write``, ``guardians send`` of one message, and
``guardians mcp`` answering initialize + tools/list (next to the bare import
of the MCP SDK it is built on). Also 200 allowed hook events in a row, and
``--scale 10`` runs the send case on an epic with 10x the log.

Children run with their bytecode cached (a private ``PYTHONPYCACHEPREFIX``
filled by the warm-up run), as an installed command does; ``--no-bytecode``
measures them compiling their sources at every start instead (the
development container sets ``PYTHONDONTWRITEBYTECODE=1``).

    .venv/bin/python bench/bench_agents.py [--runs 21] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GUARDIANS = str(BIN / "guardians")
HOOKS = REPO / "tests" / "data" / "hooks"


def run_once(cmd: list[str], cwd: Path, stdin: bytes = b"") -> tuple[float, float, int, int]:
    """(wall s, cpu s, peak RSS KiB, exit code) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode


MCP_SESSION = b"".join(
    json.dumps(m).encode() + b"\n"
    for m in (
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    )
)


def mcp_once(root: Path) -> tuple[float, float, int, int]:
    """Start `guardians mcp`, initialize, list the tools, close stdin; the server's own CPU and RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [GUARDIANS, "mcp", "--root", str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(MCP_SESSION)
    proc.stdin.flush()
    answers = 0
    while answers < 2:
        line = proc.stdout.readline()
        if not line:
            break
        answers += b'"id":' in line.replace(b" ", b"")
    wall = time.perf_counter() - start
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, 0 if answers == 2 else 1


def measure(runs: int, once: object) -> tuple[float, float, int, int]:
    once()  # type: ignore[operator]
    samples = [once() for _ in range(runs)]  # type: ignore[operator]
    wall = statistics.median(s[0] for s in samples)
    cpu = statistics.median(s[1] for s in samples)
    return wall, cpu, max(s[2] for s in samples), samples[-1][3]


def event(root: Path, name: str) -> bytes:
    return (HOOKS / name).read_text().replace("{ROOT}", str(root)).encode()


HANDOFF = b"""from: quality
to: migration
timestamp: "2026_11_22_10_05_00"
epic_id: epic_1
iteration: 1
type: handoff
subject: ready_for_guardians
content: {summary: review approves}
"""


def grow_log(root: Path, factor: int) -> None:
    """Run the clean example `factor` times so the log holds factor x 5 decisions."""
    for i in range(factor):
        msg = HANDOFF.replace(b"iteration: 1", f"iteration: {i + 1}".encode())
        run_once([GUARDIANS, "send", "epic_1", "--to", "migration", "-"], root, msg)
        run_once([GUARDIANS, "run"], root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--scale", type=int, default=10, help="log growth factor for the 10x send case")
    parser.add_argument("--no-bytecode", action="store_true", help="children compile their sources at every start")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guardians-agents-") as tmp:
        if not args.no_bytecode:
            os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
            os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        root = Path(tmp) / "root"
        shutil.copytree(REPO / "examples" / "clean", root)
        big = Path(tmp) / "big"
        shutil.copytree(REPO / "examples" / "clean", big)
        grow_log(big, args.scale)
        plan = "docs/specs/epic_1/consensus/artifacts/plan.json"
        send = [GUARDIANS, "send", "epic_1", "--to", "migration", "-"]
        cases: list[tuple[str, object, float | None]] = [
            ("python -c pass", lambda: run_once([sys.executable, "-c", "pass"], root), None),
            ("guardians --help", lambda: run_once([GUARDIANS, "--help"], root), 0.150),
            (
                "hook claude-code, allowed write (app/orders.py)",
                lambda: run_once([GUARDIANS, "hook", "claude-code"], root, event(root, "write_source.json")),
                0.050,
            ),
            (
                "hook claude-code, blocked write (invalid plan.json)",
                lambda: run_once([GUARDIANS, "hook", "claude-code"], root, event(root, "write_invalid_plan.json")),
                None,
            ),
            ("check-write plan.json (on disk)", lambda: run_once([GUARDIANS, "check-write", plan], root), None),
            ("send one handoff", lambda: run_once(send, root, HANDOFF), 0.120),
            (
                f"send one handoff, log of {5 * args.scale} decisions",
                lambda: run_once(send, big, HANDOFF.replace(b"iteration: 1", f"iteration: {args.scale + 1}".encode())),
                0.120,
            ),
            (
                "python -c 'import mcp.server.lowlevel, mcp.server.stdio' (the SDK alone)",
                lambda: run_once([sys.executable, "-c", "import mcp.server.lowlevel, mcp.server.stdio"], root),
                None,
            ),
            ("guardians mcp: initialize + tools/list", lambda: mcp_once(root), 0.150),
        ]
        mode = "compiling sources at every start" if args.no_bytecode else "bytecode cached"
        print(f"median of {args.runs} runs, {mode}; CPU = user + system of the process itself\n")
        print("| command | CPU (ms) | wall (ms) | peak RSS (MiB) | CPU goal (ms) | exit |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, once, goal in cases:
            wall, cpu, rss, rc = measure(args.runs, once)
            goal_text = f"{goal * 1000:.0f}" if goal else "-"
            print(f"| {name} | {cpu * 1000:.0f} | {wall * 1000:.0f} | {rss / 1024:.0f} | {goal_text} | {rc} |")
        allowed = event(root, "write_source.json")
        start = time.perf_counter()
        cpu = 0.0
        for _ in range(200):
            _, c, _, rc = run_once([GUARDIANS, "hook", "claude-code"], root, allowed)
            assert rc == 0
            cpu += c
        wall = time.perf_counter() - start
        print(f"\n200 allowed hook events, one process each: {wall:.2f} s wall, {cpu:.2f} s CPU (goal: 10 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
