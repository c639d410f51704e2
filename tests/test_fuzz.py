"""Property tests over the readers of agent-written bytes.

* the loaders: any bytes parse, or give an InputError (never another exception);
* the log reader: any bytes in decision_log.jsonl are read, or refused with a
  LogCorruptError / GuardianError;
* repair: write entries, tear the file anywhere after them, repair, read:
  no complete entry is lost and the chain verifies.

``make fuzz`` runs each property again and again for GUARDIANS_FUZZ_SECONDS
(default 60 s each); in the normal test run each runs once.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guardians.errors import GuardianError, InputError
from guardians.store.decision_log import DecisionLog, verify_file
from guardians.store.loaders import load_document

FUZZ_SECONDS = float(os.environ.get("GUARDIANS_FUZZ_SECONDS", "0"))
FUZZ = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _for_budget(prop: Callable[[], None]) -> None:
    """Run a property once, then (under `make fuzz`) with fresh random examples until the budget is spent."""
    prop()
    deadline = time.monotonic() + FUZZ_SECONDS
    while time.monotonic() < deadline:
        prop()


# Bytes that look like our documents are more interesting than uniform noise.
FRAGMENTS = [
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b":",
    b",",
    b"\n",
    b"- ",
    b"&a ",
    b"*a",
    b"!!binary ",
    b"!!python/object:x ",
    b"<<: ",
    b"1:0",
    b"NaN",
    b"1e400",
    b"\\ud800",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"2026_02_30_00_00_00",
    b"iteration",
    b"from",
    b"9" * 30,
    b"---\n",
    b"%YAML 1.1\n",
    b"\t",
    b"'",
]
documents = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(FRAGMENTS), max_size=60).map(b"".join),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
        max_leaves=20,
    ).map(lambda v: repr(v).encode("utf-8", "surrogatepass")),
)


def test_loaders_parse_any_bytes_or_give_a_clean_error():
    @FUZZ
    @given(data=documents, name=st.sampled_from(["m.yaml", "m.json", "m.yml"]))
    def prop(data: bytes, name: str) -> None:
        try:
            value = load_document(data, name)
        except InputError as exc:
            assert exc.location.file == name
            return
        import json

        json.dumps(value, allow_nan=False)  # whatever loads is plain, JSON-compatible data

    _for_budget(prop)


def _entry(n: int) -> dict[str, Any]:
    return {"agent": "migration", "decision": "reject", "epic_id": "epic_1", "iteration": 1, "n": n, "s": "x" * n}


def test_log_reader_reads_any_bytes_or_refuses_cleanly():
    @FUZZ
    @given(data=st.one_of(st.binary(max_size=600), st.lists(st.sampled_from(FRAGMENTS), max_size=80).map(b"".join)))
    def prop(data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "decision_log.jsonl"
            path.write_bytes(data)
            log = DecisionLog(path, "epic_1")
            try:
                list(log.entries())
                log.has_key("k")
            except GuardianError:
                pass
            result = verify_file(path, "epic_1")
            assert result.ok or result.problem
            try:
                log.startup_repair()
            except GuardianError:
                return
            # After a repair that did not refuse, the file ends at a line break.
            text = path.read_bytes()
            assert text == b"" or text.endswith(b"\n")

    _for_budget(prop)


def test_write_tear_repair_read_loses_no_complete_entry():
    @FUZZ
    @given(
        count=st.integers(min_value=1, max_value=8),
        cut=st.integers(min_value=0, max_value=10_000),
        junk=st.one_of(st.just(b""), st.binary(max_size=80), st.just(b"\x00" * 64), st.just(b'{"a": 1}\n')),
    )
    def prop(count: int, cut: int, junk: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "decision_log.jsonl"
            log = DecisionLog(path, "epic_1")
            for n in range(count):
                log.append(_entry(n))
            data = path.read_bytes()
            lines = data.splitlines(keepends=True)
            # Tear inside the last entry (a crash mid-append), then add junk.
            last_start = len(data) - len(lines[-1])
            torn_at = last_start + cut % (len(lines[-1]) + 1)
            path.write_bytes(data[:torn_at] + junk)
            complete = data[:torn_at].count(b"\n")
            fresh = DecisionLog(path, "epic_1")
            try:
                fresh.startup_repair()
            except GuardianError:
                # Refusing is allowed only when junk is itself an unbroken foreign line.
                assert junk and b"\n" in junk
                return
            kept = list(fresh.entries())
            assert [e["n"] for e in kept][:complete] == list(range(complete))
            assert verify_file(path, "epic_1").ok
            fresh.append(_entry(99))
            assert verify_file(path, "epic_1").ok

    _for_budget(prop)
