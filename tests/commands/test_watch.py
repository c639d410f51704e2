"""`guardians watch` (guardians/commands/watch.py): a real process on a copy of the clean example.

The multi-process crash and concurrency tests are in tests/test_watch_procs.py;
the service loop itself is tested in tests/test_watch.py.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from tests.conftest import REPO, log_entries


def _events(path):
    lines = path.read_text().splitlines() if path.exists() else []
    return [json.loads(line) for line in lines if line.startswith("{") and line.endswith("}")]


def test_watch_drains_the_example_then_stops_on_sigterm_with_exit_0(example, tmp_path):
    root = example("clean")
    err = tmp_path / "watch.log"
    with open(err, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "guardians", "watch", "--root", str(root), "--log-format", "json"],
            stdout=subprocess.DEVNULL,
            stderr=fh,
            cwd=REPO,
        )
    try:
        deadline = time.monotonic() + 120  # bounds a hang only
        while not (log_entries(root, "epic_1") and log_entries(root, "epic_1")[-1]["decision"] == "operational"):
            assert proc.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "the watcher never reached operational"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(120)
    assert code == 0
    events = _events(err)
    assert events[0]["event"] == "watch_started" and events[-1]["event"] == "watch_stopped"
    decisions = [e for e in events if e["event"] == "decision"]
    assert [e["agent"] for e in decisions] == ["migration", "deploy", "backup", "process"]


def test_watch_without_an_epic_folder_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("watch", "--root", str(tmp_path), "--log-format", "json")
    assert result.exit_code == 2
    assert "guardians init" in result.output


def test_watch_refuses_a_remote_http_address_unless_allowed(run_cli, example):
    root = example("clean")
    result = run_cli("watch", "--root", str(root), "--log-format", "json", "--http", "0.0.0.0:0")
    assert result.exit_code == 2
    assert "http-allow-remote" in result.output


def test_watch_help_lists_its_exit_codes(run_cli):
    result = run_cli("watch", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "exit 3" in text and "exit 4" in text


# Run in a child so that a regression hangs the child, not the test session.
_SIGNAL_DURING_LOG_WRITE = """
import io, os, signal, sys, threading
from pathlib import Path
from guardians.commands.watch import _signals
from guardians.watch.service import Watcher
from guardians.watch.service_log import make_logger

class Stream(io.StringIO):
    fired = False
    def write(self, text):
        # The signal lands while the logger holds its (non re-entrant) write lock.
        if not Stream.fired:
            Stream.fired = True
            os.kill(os.getpid(), signal.SIGTERM)
        return super().write(text)

class Source:
    woken = False
    def wake(self):
        Source.woken = True

stream = Stream()
log = make_logger("json", stream)
stop = threading.Event()
watcher = Watcher(Path(sys.argv[1]), Source(), stop, logger=log)
with _signals(stop, Source(), watcher):
    log.info("decision", agent="deploy")
assert stop.is_set() and Source.woken and watcher.stop_reason == "SIGTERM"
assert stream.getvalue().count("\\n") == 1, stream.getvalue()
print("survived")
"""


def test_a_stop_signal_during_a_log_write_does_not_deadlock_the_watcher(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", _SIGNAL_DURING_LOG_WRITE, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,  # bounds the deadlock this test exists for
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "survived"
