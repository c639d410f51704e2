"""Allowlists that keep every derived path under the repository root."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from guardians.errors import UsageError
from guardians.store.layout import (
    Epic,
    check_agent,
    check_epic_id,
    discover_epics,
    is_message_name,
    parse_stamp,
    select_epics,
    stamp,
)


@pytest.mark.parametrize("epic", ["epic_7", "epic_0", "epic_123456789"])
def test_valid_epic_ids(epic):
    assert check_epic_id(epic) == epic
    assert Epic.at(Path("/r"), epic).dir == Path("/r/docs/specs") / epic


@pytest.mark.parametrize(
    "epic",
    [
        "epic_../../x",
        "epic_",
        "EPIC_1",
        "Epic_1",
        "epic_1/..",
        "epic_1/../../etc",
        "../epic_1",
        "/epic_1",
        "epic_1\x00",
        "epic_\x001",
        "epic_١",  # ARABIC-INDIC DIGIT ONE: \d would accept it
        "epic_１",  # FULLWIDTH DIGIT ONE
        "epic_1\n",  # re.match with $ would accept a trailing newline
        " epic_1",
        "epic_1 ",
        "epic_-1",
        "epic_1.5",
        "epic_1234567890",  # ten digits
        "epic_7x",
        "",
    ],
)
def test_invalid_epic_ids_are_refused_before_any_path_is_built(epic, tmp_path):
    with pytest.raises(UsageError) as info:
        check_epic_id(epic)
    assert repr(epic) in str(info.value)
    with pytest.raises(UsageError):
        Epic.at(tmp_path, epic)
    with pytest.raises(UsageError):
        select_epics(tmp_path, [epic])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("agent", ["migration", "tech-lead", "a", "agent_2", "x" * 40])
def test_valid_agent_names(agent, tmp_path):
    assert check_agent(agent) == agent
    inbox = Epic(tmp_path, "epic_1").inbox(agent)
    assert inbox.parent == Epic(tmp_path, "epic_1").inbox_root
    assert inbox.name == agent


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Migration",
        "-x",
        "_x",
        "1agent",
        "../deploy",
        "de/ploy",
        ".",
        "..",
        "a b",
        "a\x00",
        "x" * 41,
        "déploy",
        "CON",
    ],
)
def test_invalid_agent_names(agent, tmp_path):
    with pytest.raises(UsageError):
        check_agent(agent)
    with pytest.raises(UsageError):
        Epic(tmp_path, "epic_1").inbox(agent)


@pytest.mark.parametrize(
    "name", ["001_handoff.yaml", "msg.yml", "m.json", "Deploy-2026_01_01.v2.yaml", "a" * 200 + ".json"]
)
def test_message_names_accepted(name):
    assert is_message_name(name)


@pytest.mark.parametrize(
    "name",
    [
        ".#x.yaml",  # emacs lock file
        "#x.yaml#",  # emacs autosave
        "x.yaml~",  # backup file
        ".x.yaml.swp",  # vim swap
        ".x.swp",
        "x.swx",
        "x.tmp",
        "x.yaml.tmp",
        "x.json.part",
        "x.json.crdownload",
        ".hidden.yaml",
        ".x.yaml.abc123.tmp",  # our own atomic-write temp files
        "x.txt",
        "x.yaml.bak",
        "x",
        "../x.yaml",
        "sub/x.yaml",
        "x\x00.yaml",
        "x .yaml",
        "x.YAML",
        "a" * 201 + ".json",  # stem longer than 200
        "",
    ],
)
def test_message_names_ignored(name):
    assert not is_message_name(name)


def test_discover_epics_ignores_lookalikes_and_sorts_numerically(tmp_path):
    specs = tmp_path / "docs" / "specs"
    for name in ["epic_10", "epic_2", "EPIC_3", "epic_x", "epic_4", "epic_١"]:
        (specs / name / "consensus").mkdir(parents=True)
    (specs / "epic_5").mkdir()  # no consensus folder: not an epic yet
    assert [e.epic_id for e in discover_epics(tmp_path)] == ["epic_2", "epic_4", "epic_10"]
    assert [e.epic_id for e in select_epics(tmp_path, [])] == ["epic_2", "epic_4", "epic_10"]
    with pytest.raises(UsageError, match="no consensus folder"):
        select_epics(tmp_path, ["epic_5"])
    with pytest.raises(UsageError, match="not a directory"):
        select_epics(tmp_path / "missing", [])


def test_epic_paths_stay_under_root(tmp_path):
    epic = Epic.at(tmp_path, "epic_7")
    for path in [
        epic.consensus,
        epic.artifacts,
        epic.inbox_root,
        epic.log_path,
        epic.checkpoints,
        epic.inbox("deploy"),
    ]:
        assert path.resolve().is_relative_to(tmp_path.resolve())
    assert epic.rel(epic.log_path) == "docs/specs/epic_7/consensus/decision_log.jsonl"
    assert epic.rel(Path("/elsewhere/x")) == "/elsewhere/x"


def test_stamp_round_trip_is_utc():
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    text = stamp(moment)
    assert text == "2026_01_02_03_04_05"
    assert parse_stamp(text) == moment


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026_02_30_09_00_00", "day is out of range for month"),
        ("2026_99_99_99_99_99", "month must be in 1..12"),
        ("2026_01_01_24_00_00", "hour must be in 0..23"),
        ("2026-01-01", "expected YYYY_MM_DD_HH_MM_SS"),
    ],
)
def test_a_stamp_that_names_no_real_time_gets_one_clear_error(text, why):
    from guardians.protocol.stamps import StampError
    from guardians.views.timeline import parse_since, stamp_time

    with pytest.raises(StampError, match=why):
        parse_stamp(text)
    assert stamp_time(text) is None
    if "_" in text:
        with pytest.raises(UsageError, match="invalid --since"):
            parse_since(text)
