"""`make demo-real`: the real-backup example runs end to end against local servers."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import EXAMPLES


def test_real_backup_demo_end_to_end(postgres, redis_server):
    # The fixtures only make sure the servers are installed (or fail under CI); the demo starts its own.
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / "real-backup" / "run_demo.py")], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "restore-tested=yes" in out
    assert "canary analysis: successful over 3 sample(s)" in out
    assert "backup    APPROVE" in out and "re-verified and restore-tested" in out
    assert "operational" in out
    assert "recovered: 5000 orders" in out
