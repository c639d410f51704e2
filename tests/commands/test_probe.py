"""guardians probe against real services: a fake HTTP service, the session's
PostgreSQL and Redis, raw TCP; timeouts, port conflicts, missing data, and the
canary analysis with services stopped mid-run."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from guardians.commands.probe import probe_epic
from tests.conftest import consensus, log_entries
from tests.localservers import toml_text
from tests.realservers import Postgres, Redis, free_port, start_redis, stop_redis


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/drip":
            # Answers one byte at a time, slower than any sane timeout: a hanging dependency.
            self.send_response(200)
            self.end_headers()
            while not self.server.stopping.is_set():  # type: ignore[attr-defined]
                self.wfile.write(b".")
                self.wfile.flush()
                self.server.stopping.wait(0.2)  # type: ignore[attr-defined]
            return
        body = b"ready" if self.path == "/health" else b"nope"
        self.send_response(200 if self.path == "/health" else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class FakeService:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.stopping = threading.Event()  # type: ignore[attr-defined]
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.stopping.set()  # type: ignore[attr-defined]
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_http():
    svc = FakeService()
    yield svc
    svc.stop()


@pytest.fixture
def repo(example) -> Path:
    """The clean example: a full pipeline whose last guardian is the process guardian."""
    return example("clean")


def _config(root: Path, services: list[dict], **extra) -> Path:
    path = root / "probe.yaml"
    path.write_text(yaml.safe_dump({"host": False, "timeout_seconds": 2, **extra, "services": services}))
    return path


def _report(root: Path) -> dict:
    return json.loads((consensus(root, "epic_1") / "artifacts" / "health_report.json").read_text())


def test_probe_measures_real_services(repo, tmp_path, run_cli, fake_http, postgres: Postgres, redis_server: Redis):
    root = repo
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        cfg = _config(root, [
            {"name": "api", "http": {"url": f"http://127.0.0.1:{fake_http.port}/health", "body_contains": "ready"}},
            {"name": "db", "postgres": {"url": postgres.url()}},
            {"name": "cache", "redis": {"url": redis_server.url}},
            {"name": "smtp", "tcp": {"host": "127.0.0.1", "port": listener.getsockname()[1]}},
        ])  # fmt: skip
        res = run_cli("probe", "epic_1", "--root", str(root), "--config", str(cfg))
    finally:
        listener.close()
    assert res.exit_code == 0, res.output
    assert "health: healthy" in res.output
    by_name = {s["name"]: s for s in _report(root)["services"]}
    assert {n: s["status"] for n, s in by_name.items()} == {"api": "up", "db": "up", "cache": "up", "smtp": "up"}
    assert by_name["api"]["metrics"]["error_rate_percent"] == 0 and by_name["api"]["metrics"]["p95_latency_ms"] > 0
    assert 0 < by_name["db"]["metrics"]["db_connections_percent"] < 100
    assert by_name["db"]["details"]["max"] == 40  # the test server's max_connections
    assert by_name["cache"]["metrics"]["memory_percent"] > 0
    assert by_name["api"]["thresholds"]["p95_latency_ms"] == [200.0, 500.0]
    assert postgres.password not in (consensus(root, "epic_1") / "artifacts" / "health_report.json").read_text()
    # What the probe writes is a valid health report for every reader.
    checked = run_cli("validate", "--root", str(root))
    assert checked.exit_code == 0, checked.output


def test_host_metrics_and_per_service_thresholds(repo, tmp_path, run_cli, fake_http):
    root = repo
    url = f"http://127.0.0.1:{fake_http.port}/health"
    cfg = _config(root, [{"name": "api", "http": {"url": url}, "thresholds": {"p95_latency_ms": [0, 0]}}], host=True)
    res = run_cli("probe", "epic_1", "--root", str(root), "--config", str(cfg))
    by_name = {s["name"]: s for s in _report(root)["services"]}
    assert set(by_name["host"]["metrics"]) == {"cpu_percent", "memory_percent", "disk_percent"}
    # a latency bound of 0 ms makes any answer critical: thresholds are per service
    assert res.exit_code == 1 and "PRC101 api: p95_latency_ms" in res.output
    assert by_name["api"]["thresholds"]["p95_latency_ms"] == [0.0, 0.0]


def test_down_and_hanging_services_do_not_hang_the_probe(repo, tmp_path, run_cli, fake_http, postgres: Postgres):
    root = repo
    closed = free_port()
    cfg = _config(root, [
        {"name": "slow", "http": {"url": f"http://127.0.0.1:{fake_http.port}/drip", "requests": 1}},
        {"name": "db", "postgres": {"url": f"postgresql://guardians:{postgres.password}@127.0.0.1:{closed}/x"}},
        {"name": "bad", "http": {"url": f"http://127.0.0.1:{fake_http.port}/other", "requests": 2}},
    ], timeout_seconds=0.5)  # fmt: skip
    res = run_cli("probe", "epic_1", "--root", str(root), "--config", str(cfg))
    assert res.exit_code == 1
    by_name = {s["name"]: s for s in _report(root)["services"]}
    assert by_name["slow"]["status"] == "unknown" and "did not answer within" in by_name["slow"]["error"]
    assert by_name["db"]["status"] == "down" and "guardians:***@" in by_name["db"]["error"]
    assert by_name["bad"]["status"] == "down" and by_name["bad"]["metrics"]["error_rate_percent"] == 100
    assert "HTTP 503, expected 200" in by_name["bad"]["error"]
    assert postgres.password not in res.output


def test_port_conflicts(repo, tmp_path, run_cli, fake_http):
    root = repo
    url = f"http://127.0.0.1:{fake_http.port}/health"
    cfg = _config(root, [
        {"name": "api", "http": {"url": url}, "port": fake_http.port, "expect_process": "nginx"},
        {"name": "admin", "tcp": {"host": "127.0.0.1", "port": fake_http.port}, "port": fake_http.port},
    ])  # fmt: skip
    res = run_cli("probe", "epic_1", "--root", str(root), "--config", str(cfg))
    assert res.exit_code == 1
    reasons = [c["reason"] for c in _report(root)["port_conflicts"]]
    assert f"port {fake_http.port} is wanted by api, admin" in reasons
    held = [r for r in reasons if "held by" in r]
    assert held and "expected 'nginx'" in held[0]
    assert "PRC104" in res.output


def test_invalid_config_names_file_and_path(repo, tmp_path, run_cli):
    root = repo
    cfg = root / "probe.yaml"
    cfg.write_text("services:\n  - name: api\n    thresholds: {cpu_percent: [90, 10]}\n    tcp: {host: h, port: 1}\n")
    res = run_cli("probe", "epic_1", "--root", str(root), "--config", str(cfg))
    assert res.exit_code == 2
    assert "probe.yaml" in res.output and "$.services[0]" in res.output and "Traceback" not in res.output


def test_canary_fails_when_services_stop_mid_analysis(repo, tmp_path, run_cli, fake_http):
    root = repo
    cache = start_redis(tmp_path / "canary-redis")
    try:
        cfg = _config(root, [
            {"name": "api", "http": {"url": f"http://127.0.0.1:{fake_http.port}/health"}},
            {"name": "cache", "redis": {"url": cache.url}},
        ], timeout_seconds=1)  # fmt: skip
        rounds: list[int] = []

        def between(_interval: float) -> None:
            rounds.append(1)
            if len(rounds) == 2:  # after two healthy samples, both services die
                stop_redis(cache)
                fake_http.stop()

        out = _Out()
        code = probe_epic(root, "epic_1", cfg, out, watch=True, interval=0, count=5, sleep=between)
    finally:
        if cache.proc.poll() is None:
            stop_redis(cache)
    assert code == 1
    assert "canary analysis: failed over 5 sample(s)" in out.text
    series = (consensus(root, "epic_1") / "artifacts" / "health_series.jsonl").read_text().splitlines()
    assert [json.loads(line)["sample"] for line in series] == [1, 2, 3, 4, 5]
    # The process guardian reaches the same verdict and vetoes with the failing samples.
    (root / "guardians.toml").write_text(toml_text({"probe": yaml.safe_load(cfg.read_text())}))
    assert run_cli("run", "--root", str(root)).exit_code == 0
    entry = log_entries(root, "epic_1")[-1]
    assert (entry["agent"], entry["decision"]) == ("process", "veto"), entry
    messages = [f["message"] for f in entry["details"]["findings"] if f["code"] == "PRC106"]
    assert any(m.startswith("canary api.up failed") and "#3 failed (down)" in m for m in messages)
    assert any(m.startswith("canary cache.up failed") for m in messages)


class _Out:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)


def test_canary_successful_is_operational(repo, tmp_path, run_cli, fake_http, redis_server: Redis):
    root = repo
    probe = {"host": False, "services": [
        {"name": "api", "http": {"url": f"http://127.0.0.1:{fake_http.port}/health"},
         "thresholds": {"p95_latency_ms": [5000, 10000]}},
        {"name": "cache", "redis": {"url": redis_server.url}},
    ]}  # fmt: skip
    (root / "guardians.toml").write_text(toml_text({"probe": probe}))
    res = run_cli("probe", "epic_1", "--root", str(root), "--watch", "--interval", "0", "--count", "3")
    assert res.exit_code == 0, res.output
    assert "canary analysis: successful over 3 sample(s)" in res.output
    run_cli("run", "--root", str(root))
    entries = log_entries(root, "epic_1")
    assert [(e["agent"], e["decision"]) for e in entries][-2:] == [("process", "approve"), ("process", "operational")]
    canary = json.loads((consensus(root, "epic_1") / "artifacts" / "process_report.json").read_text())["canary"]
    assert canary["phase"] == "successful" and canary["samples"] == 3


def test_canary_inconclusive_waits_and_tells_the_tech_lead(repo, tmp_path, run_cli):
    root = repo
    art = consensus(root, "epic_1") / "artifacts"
    sample = {"services": [{"name": "api", "status": "up", "metrics": {"p95_latency_ms": 300}}]}
    (art / "health_series.jsonl").write_text(json.dumps({**sample, "sample": 1}) + "\n")
    run_cli("run", "--root", str(root))
    entry = log_entries(root, "epic_1")[-1]
    assert (entry["agent"], entry["decision"]) == ("process", "waiting")
    notes = list((consensus(root, "epic_1") / "messages" / "inbox" / "tech-lead").glob("inconclusive_*.yaml"))
    assert len(notes) == 1 and yaml.safe_load(notes[0].read_text())["subject"] == "health_inconclusive"


def test_empty_metrics_are_inconclusive_not_healthy(example, run_cli):
    root = example("clean")
    path = consensus(root, "epic_1") / "artifacts" / "health_report.json"
    report = json.loads(path.read_text())
    for svc in report["services"]:
        svc["metrics"] = {}
    path.write_text(json.dumps(report))
    run_cli("run", "--root", str(root))
    entries = log_entries(root, "epic_1")
    assert [(e["agent"], e["decision"]) for e in entries][-1] == ("process", "waiting")
    assert "operational" not in [e["decision"] for e in entries]
    assert {f["code"] for f in entries[-1]["details"]["findings"]} == {"PRC105"}
    assert list((consensus(root, "epic_1") / "messages" / "inbox" / "tech-lead").glob("inconclusive_*.yaml"))


def test_a_hanging_probe_returns_within_its_deadline(fake_http):
    """The runner abandons a probe stuck past its deadline (the drip never ends on its own)."""
    from guardians.probe import runner
    from guardians.probe.config import parse

    slow = {"name": "slow", "http": {"url": f"http://127.0.0.1:{fake_http.port}/drip", "requests": 1}}
    cfg = parse({"host": False, "timeout_seconds": 0.3, "services": [slow]}, "cfg")
    started = time.monotonic()
    run = runner.run(cfg)
    assert run.results[0].status == "unknown"
    assert time.monotonic() - started < 60  # generous: only proves it did not wait for the drip to end


def test_under_a_trust_anchor_only_signed_health_evidence_counts(repo, tmp_path, run_cli, fake_http, monkeypatch):
    from tests.trust_keys import SSH_KEYGEN, make_keys, ssh_verify

    if SSH_KEYGEN is None:
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    keys = make_keys(tmp_path / "keys")
    keys.env(monkeypatch)
    root = repo
    artifacts = consensus(root, "epic_1") / "artifacts"
    # the example's hand-written health report is a claim: process vetoes it under the anchor
    assert run_cli("run", "--root", str(root)).exit_code == 0
    last = log_entries(root, "epic_1")[-1]
    assert (last["agent"], last["decision"]) == ("process", "veto")
    assert {f["code"] for f in last["details"]["findings"]} == {"PRC108"}

    # the probe measures and signs; stock OpenSSH agrees; a fixed resend is operational
    cfg = _config(root, [{"name": "api", "http": {"url": f"http://127.0.0.1:{fake_http.port}/health"}}])
    assert run_cli("probe", "epic_1", "--root", str(root), "--config", str(cfg)).exit_code == 0
    report = (artifacts / "health_report.json").read_bytes()
    signature = (artifacts / "health_report.json.sig").read_text()
    assert ssh_verify(keys.allowed, "guardians", "guardians-decision", signature, report, tmp_path)
    inbox = consensus(root, "epic_1") / "messages" / "inbox" / "migration"
    (inbox / "002_handoff.yaml").write_text(
        "from: quality\nto: migration\ntimestamp: '2026_11_30_10_00_00'\nepic_id: epic_1\niteration: 2\n"
        "type: handoff\nsubject: ready_for_guardians\ncontent: {}\n"
    )
    os.utime(inbox / "002_handoff.yaml", (1, 1))
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert log_entries(root, "epic_1")[-1]["decision"] == "operational"

    # an agent "improves" the signed report afterwards: vetoed again, naming the file
    (artifacts / "health_report.json").write_bytes(report.replace(b'"status"', b'"status" ', 1))
    (inbox / "003_handoff.yaml").write_text(
        "from: quality\nto: migration\ntimestamp: '2026_11_30_11_00_00'\nepic_id: epic_1\niteration: 3\n"
        "type: handoff\nsubject: ready_for_guardians\ncontent: {}\n"
    )
    os.utime(inbox / "003_handoff.yaml", (1, 1))
    run_cli("run", "--root", str(root))
    last = log_entries(root, "epic_1")[-1]
    assert last["decision"] == "veto" and last["details"]["findings"][0]["code"] == "PRC108"
    assert "signature does not verify" in last["details"]["findings"][0]["message"]
