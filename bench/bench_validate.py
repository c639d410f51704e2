"""Throughput of `guardians validate` against check-jsonschema and the read+parse floor.

Generates a tree of EPICS epics (10 files each: 8 JSON artifacts, cicd.yaml, one
YAML message, plus a 3-line decision log), about 1% of the documents invalid,
then times, in the same run, each as a separate process (warm page cache,
one discarded warm-up, median of RUNS):

* guardians validate --root TREE --format json (2 worker processes), and with 1 process;
* check-jsonschema, one call per schema with every file of that schema, same schema files;
* the floor: one Python process reading every file and parsing it (json.loads; the
  YAML files with yaml's C loader; the log line by line).

check-jsonschema cannot read the JSONL decision logs, so its file count excludes
them; guardians checks them as well (plus the cross-file checks) and is still
timed on the full tree. Peak RSS is ru_maxrss of the largest child process.

    .venv/bin/python bench/bench_validate.py [--epics 1000] [--runs 3] [--keep DIR] [--instructions]

``--instructions`` also counts the user-space instructions of one run of each
(valgrind's callgrind, about 50 times slower): a figure other jobs on a shared
machine cannot move, unlike CPU seconds.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STAMP = "2026_11_24_14_30_00"

FLOOR = r"""
import json, os, sys, time, yaml
loader = yaml.CSafeLoader
t = time.perf_counter()
n = 0
for top, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        with open(os.path.join(top, name), "rb") as fh:
            data = fh.read()
        if name.endswith(".jsonl"):
            for line in data.splitlines():
                json.loads(line)
        elif name.endswith(".json"):
            json.loads(data)
        elif name.endswith(".yaml"):
            yaml.load(data, Loader=loader)
        else:
            continue
        n += 1
print(n, time.perf_counter() - t)
"""

MEASURE = r"""
import resource, subprocess, sys, time
t = time.perf_counter()
proc = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], "wb"), stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(proc.returncode, wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
"""

# CPU seconds (user + system, all processes) of the last measured command.
LAST_CPU: list[float] = []


def documents(epic: str) -> dict[str, Any]:
    head = {"epic_id": epic, "iteration": 1, "timestamp": STAMP}
    probe = {"endpoint": "/health", "interval": 10, "timeout": 3, "thresholds": {"failure": 3, "success": 1}}
    return {
        "plan.json": {
            **head,
            "stages": [
                {
                    "stage_id": i,
                    "name": f"stage {i}",
                    "duration_hours": 2.5,
                    "tasks": [{"id": f"T{i}{j}", "title": "task", "owner": "dev"} for j in range(3)],
                }
                for i in range(3)
            ],
            "rollback_plan": {
                "trigger_conditions": ["error rate > 5%", "p95 > 800ms"],
                "procedure": ["flip traffic back", "scale down green"],
                "time_to_rollback": "5m",
            },
            "risks": [{"risk": "lock contention", "likelihood": "low", "impact": "medium", "mitigation": "batch"}],
            "operations": {
                "service": "orders",
                "health_checks": {"readiness": {"endpoint": "/ready"}, "liveness": {"endpoint": "/live"}},
                "monitoring": {
                    "metrics": ["http_requests_total", "latency"],
                    "dashboards": ["orders"],
                    "alerts": ["HighErrorRate"],
                },
                "resources": {
                    "cpu": "500m",
                    "memory": "512Mi",
                    "replicas": 3,
                    "scaling": {"min": 3, "max": 10, "target_cpu": 70},
                },
                "staging_validation": {"passed": True, "tests": ["smoke", "e2e"]},
                "environment": "production",
            },
        },
        "implementation.json": {
            **head,
            "tasks_completed": [
                {"id": f"T{i}", "files": [f"src/mod{i}.py", f"tests/test_mod{i}.py"]} for i in range(6)
            ],
            "migrations": [],
            "changes": {"cache": False, "config": ["config/app.yaml"]},
        },
        "review.json": {
            **head,
            "review_status": "approved",
            "security_scan": {
                "passed": True,
                "vulnerabilities_found": 0,
                "findings": [{"severity": "info", "title": "outdated pin"}],
            },
        },
        "health_report.json": {
            "epic_id": epic,
            "timestamp": STAMP,
            "services": [
                {
                    "name": f"svc{i}",
                    "status": "up",
                    "port": 8000 + i,
                    "metrics": {
                        "cpu_percent": 35.5,
                        "memory_percent": 61.0,
                        "error_rate_percent": 0.1,
                        "p95_latency_ms": 180,
                    },
                }
                for i in range(3)
            ],
        },
        "migration_review.json": {
            **head,
            "risk": "low",
            "destructive": False,
            "review_digest": "a" * 64,
            "requires_approval": False,
            "files": [],
            "findings": [],
            "decision": "approve",
        },
        "deployment.json": {
            **head,
            "deployment_strategy": {
                "type": "canary",
                "reason": "DEP201 medium risk",
                "stages": [
                    {
                        "stage": s,
                        "automatic": s != "production",
                        "tests": ["smoke", "synthetic"],
                        "rollback_automatic": True,
                        "soak_time_hours": 1,
                        "approval_required": s == "production",
                    }
                    for s in ("staging", "canary", "production")
                ],
            },
            "infrastructure": {
                "resources_required": {"cpu": "500m", "memory": "512Mi", "replicas": 3},
                "scaling": {"min": 3, "max": 10, "target_cpu": 70},
            },
            "monitoring": {"metrics": ["http_requests_total"], "dashboards": ["orders"], "alerts": ["HighErrors"]},
            "health_checks": {"readiness": probe, "liveness": probe},
            "rollback": {"triggers": ["errors"], "procedure": ["revert"], "time_to_rollback_seconds": 300},
        },
        "backup_plan.json": {
            **head,
            "checkpoint_name": "prod-deploy-20261124-1430",
            "retention": {"class": "production", "days": 30},
            "targets": [
                {
                    "kind": "config",
                    "reason": "config change",
                    "method": "tar",
                    "verification": ["tar -tzf"],
                    "restore_test": ["untar into scratch"],
                }
            ],
            "requires_verified_checkpoint": False,
        },
    }


CICD = """name: deploy {epic}
'on':
  push:
    branches: [main]
jobs:
  deploy:
    name: Deploy
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - name: checkout
        uses: actions/checkout@v4
      - name: deploy
        run: ./deploy.sh
"""

MESSAGE = """content:
  origin: developer
  summary: ready
epic_id: {epic}
from: developer
iteration: 1
subject: ready_for_migration
timestamp: '{stamp}'
to: migration
type: handoff
"""

MUTATIONS = [
    lambda d: d.update(timestamp=12),
    lambda d: d.pop("epic_id"),
    lambda d: d.update(epic_id="EPIC-7"),
    lambda d: d.update(timestamp="yesterday"),
    lambda d: d.update(epic_id=7),
]


def generate(root: Path, epics: int, invalid_every: int = 100) -> dict[str, Any]:
    from guardians.store.decision_log import canonical, entry_hash, genesis_hash

    by_schema: dict[str, list[str]] = {}
    planted: set[str] = set()
    counter = 0
    for n in range(1, epics + 1):
        epic = f"epic_{n}"
        cons = root / "docs" / "specs" / epic / "consensus"
        art = cons / "artifacts"
        art.mkdir(parents=True)
        rel = f"docs/specs/{epic}/consensus"
        for agent in ("migration", "deploy", "backup", "process", "developer", "quality", "tech-lead"):
            (cons / "messages" / "inbox" / agent / "processed").mkdir(parents=True, exist_ok=True)
        shas: dict[str, str] = {}
        for name, doc in documents(epic).items():
            counter += 1
            if counter % invalid_every == 0:
                doc = copy.deepcopy(doc)
                MUTATIONS[(counter // invalid_every) % len(MUTATIONS)](doc)
                planted.add(f"{rel}/artifacts/{name}")
            data = (json.dumps(doc, indent=2) + "\n").encode()
            (art / name).write_bytes(data)
            shas[f"{rel}/artifacts/{name}"] = hashlib.sha256(data).hexdigest()
            by_schema.setdefault(name.removesuffix(".json"), []).append(str(art / name))
        (art / "cicd.yaml").write_text(CICD.format(epic=epic))
        by_schema.setdefault("cicd", []).append(str(art / "cicd.yaml"))
        msg = cons / "messages" / "inbox" / "migration" / "processed" / "handoff.yaml"
        msg.write_text(MESSAGE.format(epic=epic, stamp=STAMP))
        by_schema.setdefault("message", []).append(str(msg))
        head = genesis_hash(epic)
        lines = []
        outs = [["migration_review.json"], ["deployment.json"], ["backup_plan.json"]]
        for seq, (agent, names) in enumerate(zip(("migration", "deploy", "backup"), outs, strict=True), 1):
            entry = {
                "seq": seq,
                "prev_hash": head,
                "timestamp": STAMP,
                "agent": agent,
                "decision": "approve",
                "epic_id": epic,
                "iteration": 1,
                "source_document": f"{rel}/messages/inbox/{agent}/handoff.yaml",
                "previous_artifacts": [f"{rel}/artifacts/plan.json"],
                "details": {"summary": f"{agent} approves", "findings": []},
                "inputs": {f"{rel}/artifacts/plan.json": shas[f"{rel}/artifacts/plan.json"]},
                "outputs": {f"{rel}/artifacts/{x}": shas[f"{rel}/artifacts/{x}"] for x in names},
                "message_key": hashlib.sha256(f"{epic}/{seq}".encode()).hexdigest(),
            }
            entry["hash"] = entry_hash(entry)
            head = entry["hash"]
            lines.append(canonical(entry) + b"\n")
        (cons / "decision_log.jsonl").write_bytes(b"".join(lines))
    files = sum(len(v) for v in by_schema.values())
    return {"by_schema": by_schema, "planted": planted, "schema_files": files, "files": files + epics}


def measure(cmd: list[str], out: Path) -> tuple[int, float, int]:
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(out), *cmd], capture_output=True, text=True, check=True)
    code, wall, rss, cpu = proc.stdout.split()
    LAST_CPU.append(float(cpu))
    return int(code), float(wall), int(rss)


CPU: dict[int, float] = {}  # id of the median_of call's result -> median CPU seconds


def median_of(runs: int, fn: Any) -> tuple[float, int, Any]:
    fn()  # warm-up
    LAST_CPU.clear()
    results = [fn() for _ in range(runs)]
    walls = [r[0] for r in results]
    out = (statistics.median(walls), max(r[1] for r in results), results[-1][2])
    CPU[id(out)] = statistics.median(LAST_CPU) if LAST_CPU else float("nan")
    return out


def schema_dir(tmp: Path) -> Path:
    local = REPO / "schemas"
    if (local / "plan.schema.json").is_file():
        return local
    target = tmp / "schemas"
    subprocess.run([str(BIN / "guardians"), "schema", "export", str(target)], check=True, capture_output=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epics", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the tree here and keep it")
    parser.add_argument("--skip-check-jsonschema", action="store_true")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count user-space instructions (valgrind callgrind) of validate (1 process) and the floor",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="guardians-bench-"))
    root = args.keep or tmp / "tree"
    try:
        t = time.perf_counter()
        info = generate(root, args.epics)
        print(
            f"generated {info['files']} files ({info['schema_files']} documents + {args.epics} logs, "
            f"{len(info['planted'])} invalid) in {time.perf_counter() - t:.1f}s",
            file=sys.stderr,
        )
        schemas = schema_dir(tmp)
        out = tmp / "out.json"
        rows: list[tuple[str, float, int, int]] = []

        def guardians(jobs: int) -> tuple[float, int, Any]:
            env = "import sys; from pathlib import Path; from guardians.commands.validate import validate_command; "
            code = f"{env}sys.exit(validate_command(Path({str(root)!r}), [], 'json', sys.stdout, jobs={jobs}))"
            rc, wall, rss = measure([sys.executable, "-c", code], out)
            return wall, rss, rc

        wall2, rss2, rc = median_of(args.runs, lambda: guardians(2))
        doc = json.loads(out.read_text())
        flagged = {os.path.relpath(p["file"], root) for p in doc["problems"]}
        assert rc == 1, rc
        assert flagged == info["planted"], (len(flagged), len(info["planted"]), sorted(flagged ^ info["planted"])[:5])
        rows.append(("guardians validate (2 processes)", wall2, rss2, info["files"]))
        cli_wall, cli_rss, _ = median_of(args.runs, lambda: measure_cli(root, out))
        rows.append(("`guardians validate` console script", cli_wall, cli_rss, info["files"]))
        one = median_of(args.runs, lambda: guardians(1))
        wall1, rss1, _ = one
        rows.append(("guardians validate (1 process)", wall1, rss1, info["files"]))
        floor_run = median_of(args.runs, lambda: floor(root, out))
        floor_wall, floor_rss, _ = floor_run
        rows.append(("floor: read + json.loads/yaml C loader", floor_wall, floor_rss, info["files"]))
        print(
            f"CPU seconds (user+sys): guardians validate 1 process {CPU[id(one)]:.3f}, "
            f"floor {CPU[id(floor_run)]:.3f}: {CPU[id(one)] / CPU[id(floor_run)]:.2f}x (goal <= 1.6x)"
        )
        if args.instructions:
            print(instruction_ratio(root))
        cj_wall = None
        if not args.skip_check_jsonschema:
            cj_wall, cj_rss, cj_flagged = median_of(
                max(1, args.runs - 2), lambda: check_jsonschema(info["by_schema"], schemas, tmp)
            )
            rows.append(("check-jsonschema (one call per schema)", cj_wall, cj_rss, info["schema_files"]))
            assert cj_flagged == {str(root / p) for p in info["planted"]}, "check-jsonschema disagrees"
        report(rows, wall2, floor_wall, cj_wall, info, args)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


def instructions(cmd: list[str]) -> int:
    """User-space instructions of one run (callgrind's Ir): unlike CPU time, not moved by other load."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in proc.stderr.splitlines():
        if "Collected :" in line:
            return int(line.split(":")[-1])
    raise RuntimeError(f"no instruction count from valgrind: {proc.stderr[-500:]}")


def instruction_ratio(root: Path) -> str:
    code = (
        "import os, sys; from pathlib import Path; from guardians.commands.validate import validate_command; "
        f"sys.exit(validate_command(Path({str(root)!r}), [], 'json', open(os.devnull, 'w'), jobs=1))"
    )
    ours = instructions([sys.executable, "-c", code])
    base = instructions([sys.executable, "-c", FLOOR, str(root)])
    return (
        f"instructions (callgrind Ir): guardians validate 1 process {ours / 1e9:.2f} G, "
        f"floor {base / 1e9:.2f} G: {ours / base:.2f}x"
    )


def measure_cli(root: Path, out: Path) -> tuple[float, int, int]:
    rc, wall, rss = measure([str(BIN / "guardians"), "validate", "--root", str(root), "--format", "json"], out)
    return wall, rss, rc


def floor(root: Path, out: Path) -> tuple[float, int, int]:
    rc, wall, rss = measure([sys.executable, "-c", FLOOR, str(root)], out)
    return wall, rss, rc


def check_jsonschema(by_schema: dict[str, list[str]], schemas: Path, tmp: Path) -> tuple[float, int, set[str]]:
    total, peak, flagged = 0.0, 0, set()
    for name, files in by_schema.items():
        out = tmp / f"cj-{name}.json"
        cmd = [
            str(BIN / "check-jsonschema"),
            "-o",
            "json",
            "--schemafile",
            str(schemas / f"{name}.schema.json"),
            *files,
        ]
        _, wall, rss = measure(cmd, out)
        total += wall
        peak = max(peak, rss)
        result = json.loads(out.read_text() or "{}")
        flagged |= {e["filename"] for e in result.get("errors", [])}
    return total, peak, flagged


def report(
    rows: list[tuple[str, float, int, int]],
    ours: float,
    floor_wall: float,
    cj: float | None,
    info: dict[str, Any],
    args: Any,
) -> None:
    print(
        f"\n{args.epics} epics, {info['files']} files ({info['schema_files']} JSON/YAML documents and "
        f"{args.epics} decision logs of 3 lines), {len(info['planted'])} invalid; median of {args.runs} runs; "
        f"{os.cpu_count()} CPUs\n"
    )
    print("| tool | wall (s) | files/s | peak RSS (MB) |")
    print("|---|---:|---:|---:|")
    for name, wall, rss, files in rows:
        print(f"| {name} | {wall:.3f} | {files / wall:,.0f} | {rss / 1024:.0f} |")
    g_rate = info["files"] / ours
    print(f"\nguardians / floor wall time: {ours / floor_wall:.2f}x (goal <= 2x)")
    if cj:
        print(f"guardians / check-jsonschema throughput: {g_rate / (info['schema_files'] / cj):.1f}x (goal >= 5x)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
