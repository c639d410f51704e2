"""The fast paths of SQL linting give exactly what the plain ones give.

* ``pgquery.parse`` (libpg_query called directly, its JSON decoded by orjson)
  returns the same trees and raises the same errors as ``pgparse.parse``;
* ``parallel.ordered_map`` (this process and a forked worker) returns the
  same results in the same order as ``map``.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pgparse
import pytest

from guardians.migrations import parallel, pgquery
from guardians.migrations.analyze import analyze_text
from guardians.migrations.lint import _FindingEncoder
from guardians.migrations.sql import split_statements
from guardians.rules.base import Finding, Severity, make_finding

CORPUS = Path(__file__).parent / "migrations_corpus"

TEXTS = [
    "",
    "-- only a comment",
    ";;",
    "SELECT 1",
    "ALTER TABLE users ADD COLUMN c text NOT NULL DEFAULT 'é'; CREATE INDEX CONCURRENTLY i ON users (c);",
    "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql",
    "SELECT '\U0001f600', 1.5e300, 99999999999999999999999, -2147483648",
    "SELECT FROM WHERE x;",  # syntax error
    "SELECT 'unterminated",
    "UPDATE t SET c = 'ü' WHERE bad ééé syntax",  # error position after multi-byte characters
    "SELECT 1;\x00 DROP TABLE t;",  # libpg_query reads up to the NUL in both paths
]


def outcome(parse: Any, text: str) -> tuple[str, Any]:
    try:
        return "tree", parse(text)
    except pgparse.PGQueryError as exc:
        return "error", (type(exc), exc.args, exc.message, exc.position, str(exc))
    except (RecursionError, UnicodeEncodeError) as exc:
        return "exception", (type(exc), str(exc))


def corpus_texts() -> list[str]:
    texts = []
    for path in sorted(CORPUS.rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        texts.append(text)
        texts.extend(text[a:b] for a, b in split_statements(text))
    return texts


def test_fast_parser_is_in_use() -> None:
    pgquery.parse("SELECT 1")
    assert pgquery._parse is not pgparse.parse, "orjson and libpg_query's symbols are installed: the fast path runs"


@pytest.mark.parametrize("text", TEXTS)
def test_same_tree_or_error_as_pgparse(text: str) -> None:
    assert outcome(pgquery.parse, text) == outcome(pgparse.parse, text)


def test_same_trees_on_the_regression_corpus() -> None:
    texts = corpus_texts()
    assert len(texts) > 100
    for text in texts:
        assert outcome(pgquery.parse, text) == outcome(pgparse.parse, text), text[:200]


def test_tree_deeper_than_orjson_accepts_falls_back_to_json() -> None:
    # 600 chained additions nest the JSON tree about 1,200 levels deep: past
    # orjson's limit (1,024), so json decides, exactly as in pgparse.parse.
    text = "SELECT " + " + ".join(["1"] * 600)
    assert outcome(pgquery.parse, text) == outcome(pgparse.parse, text)
    shallow = "SELECT " + " + ".join(["1"] * 100)
    assert outcome(pgquery.parse, shallow) == outcome(pgparse.parse, shallow)
    assert outcome(pgquery.parse, shallow)[0] == "tree"


def test_lone_surrogate_fails_as_in_pgparse() -> None:
    assert outcome(pgquery.parse, "SELECT '\ud800'") == outcome(pgparse.parse, "SELECT '\ud800'")


def test_without_the_fast_path_pgparse_runs() -> None:
    assert pgquery._checked(None) is pgparse.parse

    def wrong(text: str) -> list[dict[str, Any]]:
        return []

    assert pgquery._checked(wrong) is pgparse.parse, "a fast path that disagrees on the sample is not used"


def square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@pytest.mark.parametrize("count", [0, 1, 7, 64, 333])
def test_ordered_map_keeps_order(count: int) -> None:
    items = list(range(count))
    got = list(parallel.ordered_map(square_and_pid, items, 2))
    assert [value for value, _pid in got] == [x * x for x in items]


def test_ordered_map_with_one_worker_stays_in_this_process() -> None:
    got = list(parallel.ordered_map(square_and_pid, list(range(100)), 1))
    assert {pid for _value, pid in got} == {os.getpid()}


def test_ordered_map_worker_takes_the_front_this_process_the_back() -> None:
    items = list(range(400))
    got = list(parallel.ordered_map(square_and_pid, items, 2))
    assert [value for value, _pid in got] == [x * x for x in items]
    me = os.getpid()
    pids = [pid for _value, pid in got]
    mine = [pid == me for pid in pids]
    # however the work was shared, the worker's chunks form a prefix and this process's the rest
    assert mine == sorted(mine)
    assert len({pid for pid in pids if pid != me}) <= 1


# --------------------------------------------------------------------------- findings


def test_make_finding_equals_the_constructor() -> None:
    names = [field.name for field in dataclasses.fields(Finding)]
    values = ["MIG101", "m", Severity.WARNING, False, "f.sql", 3, 4, None, "ALTER", "fix", "t.c", 2, {"rule": "r"}]
    assert len(names) == len(values), "make_finding takes every field of Finding, in order"
    made, built = make_finding(*values), Finding(*values)
    assert made == built
    assert made.__dict__ == built.__dict__
    assert made.to_dict() == built.to_dict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.code = "X"  # type: ignore[misc]


def test_one_encoder_for_many_findings_equals_json_dumps() -> None:
    # the encoder keeps the parts shared by a rule's findings: findings that
    # differ only in the types of those parts must not share them
    base = Finding("MIG1", "m", Severity.ERROR, True, "f.sql", 1, 1, None, "s", "fix", None, 1, {"rule": "r"})
    variants = [
        base,
        dataclasses.replace(base, blocking=1),  # type: ignore[arg-type]
        dataclasses.replace(base, risk=True),
        dataclasses.replace(base, severity=30),  # type: ignore[arg-type]
        dataclasses.replace(base, subject="t.c", message='q " é'),
        dataclasses.replace(base, extra={}),
        dataclasses.replace(base, extra={"rule": None}),
        dataclasses.replace(base, extra={"rule": ["x"]}),
        dataclasses.replace(base, extra={"rule": "r", "n": 1}),
        dataclasses.replace(base, suggestion=None, risk=0),
        dataclasses.replace(base, line=None),
        dataclasses.replace(base, file="g.sql", line=7, column=9),
        base,
    ]
    report = analyze_text(CORPUS_SQL, "c.sql")
    assert len(report.findings) >= 5
    findings = [*variants, *report.findings, *variants]
    encode = _FindingEncoder().encode
    assert [encode(f) for f in findings] == [json.dumps(f.to_dict(), ensure_ascii=False) for f in findings]


CORPUS_SQL = """
ALTER TABLE users DROP COLUMN email;
ALTER TABLE users ADD COLUMN c int NOT NULL;
CREATE INDEX users_c ON users (c);
ALTER TABLE users ALTER COLUMN c TYPE bigint;
UPDATE users SET c = 1;
"""


def test_reports_packed_by_a_worker_read_back_equal() -> None:
    from guardians.migrations.analyze import _pack, _unpack

    reports = [
        analyze_text(CORPUS_SQL, "a.sql"),
        analyze_text("-- guardians: ignore MIG101 dropped on purpose\nALTER TABLE t DROP COLUMN c;\n", "b.sql"),
        analyze_text("SELECT 1;\n", "c.sql", has_rollback=True),
    ]
    assert reports[1].suppressed, "the round trip covers suppressed findings too"
    assert _unpack(_pack(reports)) == reports
    assert [r.findings for r in _unpack(_pack(reports))] == [r.findings for r in reports]


def test_made_findings_share_dict_keys_like_constructed_ones() -> None:
    import sys

    values = ["MIG101", "m", Severity.ERROR, True, "f.sql", 3, 4, None, "s", "fix", None, 0, {"rule": "r"}]
    Finding(*values)  # the class's shared keys exist once an instance was built
    assert sys.getsizeof(make_finding(*values).__dict__) <= sys.getsizeof(Finding(*values).__dict__)


def test_a_run_leaves_the_collector_as_it_found_it(tmp_path: Path) -> None:
    import gc

    from guardians.migrations.analyze import analyze_paths

    (tmp_path / "001.sql").write_text(CORPUS_SQL)
    assert gc.isenabled()
    report = analyze_paths([tmp_path], jobs=1)
    assert report.findings() and gc.isenabled() and gc.get_freeze_count() == 0
    gc.freeze()  # a program that froze its own objects keeps them frozen
    try:
        frozen = gc.get_freeze_count()
        analyze_paths([tmp_path], jobs=1)
        # not unfrozen (a few frozen objects may have been freed meanwhile)
        assert gc.get_freeze_count() > frozen // 2 > 0
    finally:
        gc.unfreeze()
    gc.disable()  # and one that paused the collector finds it paused
    try:
        analyze_paths([tmp_path], jobs=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_discover_sorts_like_sorted_paths(tmp_path: Path) -> None:
    from guardians.migrations.analyze import discover

    names = ["b/001.sql", "a/002.sql", "a.b/003.sql", "a/b/004.sql", "A/005.sql", "a-b/006.sql", "a/0010.sql"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("SELECT 1;\n")
    found = discover([tmp_path])
    assert len(found) == len(names)
    assert found == sorted(found)
    assert [p.relative_to(tmp_path).as_posix() for p in found][:2] == ["A/005.sql", "a/0010.sql"]


def fails_on_seven(x: int) -> int:
    if x == 7:
        raise ValueError("seven")
    return x


_PARENT = os.getpid()
_MARK: list[Path] = []  # set by a test before the fork: the worker touches it, this process waits for it


def _worker_started_or_wait() -> bool:
    """True in the worker (after marking); in this process, wait until a worker has taken a chunk."""
    if os.getpid() != _PARENT:
        if not _MARK[0].exists():  # the worker's pid, written whole (renamed into place)
            _MARK[0].with_suffix(".tmp").write_text(str(os.getpid()))
            os.replace(_MARK[0].with_suffix(".tmp"), _MARK[0])
        return True
    deadline = time.monotonic() + 120
    while not _MARK[0].exists():  # a condition, not a duration: the worker has started
        assert time.monotonic() < deadline, "the worker never took a chunk"
        time.sleep(0.01)
    return False


def dies_in_the_worker(x: int) -> int:
    if _worker_started_or_wait():
        os.kill(os.getpid(), signal.SIGKILL)
    return x


@pytest.fixture
def mark(tmp_path: Path) -> Iterator[Path]:
    _MARK[:] = [tmp_path / "worker-started"]
    yield _MARK[0]
    _MARK.clear()


def test_a_worker_that_dies_raises_broken_process_pool_and_leaves_no_child(mark: Path) -> None:
    with pytest.raises(BrokenProcessPool, match="killed by signal 9"):
        list(parallel.ordered_map(dies_in_the_worker, list(range(400)), 2))
    with pytest.raises(ChildProcessError):
        os.waitpid(int(mark.read_text()), os.WNOHANG)  # the worker was reaped


def test_a_worker_killed_while_it_holds_the_lock_does_not_block_this_process() -> None:
    shared = parallel._Shared(3)
    pid = os.fork()
    if pid == 0:  # the worker: takes the lock and dies holding it
        fcntl.lockf(shared._lock_fd, fcntl.LOCK_EX)
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    assert [shared.take(front=False), shared.take(front=True), shared.take(front=True)] == [2, 0, 1]
    assert shared.take(front=False) is None


def fails_here_once_the_worker_runs(x: int) -> int:
    if not _worker_started_or_wait() and x == 7:
        raise ValueError("seven")
    return x


def test_a_failure_here_kills_and_reaps_the_worker(mark: Path) -> None:
    with pytest.raises(ValueError, match="seven"):
        list(parallel.ordered_map(fails_here_once_the_worker_runs, [*range(8, 5000), 7], 2))
    with pytest.raises(ChildProcessError):
        os.waitpid(int(mark.read_text()), os.WNOHANG)  # killed and reaped, not left running


class Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("not picklable")


def raises_unpicklable_in_the_worker(x: int) -> int:
    if _worker_started_or_wait():
        raise Unpicklable("from the worker")
    return x


def test_an_exception_from_the_worker_that_does_not_pickle_comes_back_as_its_text(mark: Path) -> None:
    with pytest.raises(RuntimeError, match="Unpicklable: from the worker"):
        list(parallel.ordered_map(raises_unpicklable_in_the_worker, list(range(400)), 2))


def fails_in_the_worker(x: int) -> int:
    if _worker_started_or_wait():
        raise ValueError(f"worker item {x}")
    return x


def test_what_fn_raises_in_the_worker_is_raised_here(mark: Path) -> None:
    with pytest.raises(ValueError, match="worker item 0"):
        list(parallel.ordered_map(fails_in_the_worker, list(range(400)), 2))


def test_ordered_map_raises_what_fn_raises() -> None:
    with pytest.raises(ValueError, match="seven"):
        list(parallel.ordered_map(fails_on_seven, list(range(300)), 2))
    with pytest.raises(ValueError, match="seven"):
        list(parallel.ordered_map(fails_on_seven, [*range(8, 300), 7], 2))
