"""RawStatement and Statement write their __init__ out (so it compiles to native code):
it must take every field, by its name, with the field's default."""

from __future__ import annotations

import dataclasses

import pytest

from guardians.migrations.statement import RawStatement, Statement

REQUIRED = {
    RawStatement: {"node_type": "AlterTableStmt", "node": {"a": 1}, "text": "ALTER TABLE t", "line": 3},
    Statement: {"node_type": "AlterTableStmt", "node": {"a": 1}, "text": "ALTER TABLE t", "file": "f.sql", "line": 3},
}


@pytest.mark.parametrize("cls", [RawStatement, Statement])
def test_defaults_are_the_fields_defaults(cls: type) -> None:
    made = cls(**REQUIRED[cls])
    for f in dataclasses.fields(cls):
        value = getattr(made, f.name)
        if f.name in REQUIRED[cls]:
            assert value == REQUIRED[cls][f.name]
        elif f.default_factory is not dataclasses.MISSING:
            assert value == f.default_factory()
        else:
            assert value == f.default, f.name


# a value of the field's type that differs from its default (compiled classes check types)
ALL_FIELDS = {
    RawStatement: {
        **REQUIRED[RawStatement],
        "column": 7,
        "anchor_line": 9,
        "autocommit": True,
        "origin": "op.x",
        "exact": False,
    },
    Statement: {
        **REQUIRED[Statement],
        "column": 7,
        "dialect": "django",
        "origin": "op.x",
        "in_transaction": True,
        "timeout_set": True,
        "table": "t",
        "new_tables": frozenset({"a"}),
        "new_indexes": frozenset({"i"}),
        "proven_not_null": frozenset({("a", "b")}),
        "tx_locks_existing": True,
        "anchor_line": 9,
        "tx_id": 4,
        "exact": False,
        "extra": {"k": 2},
        "_short_text": "short",
    },
}


@pytest.mark.parametrize("cls", [RawStatement, Statement])
def test_every_field_is_set_by_its_name(cls: type) -> None:
    values = ALL_FIELDS[cls]
    assert set(values) == {f.name for f in dataclasses.fields(cls)}
    made = cls(**values)
    for name, value in values.items():
        assert getattr(made, name) is value, name


def test_extra_is_not_shared() -> None:
    a, b = Statement(**REQUIRED[Statement]), Statement(**REQUIRED[Statement])
    a.extra["k"] = 1
    assert b.extra == {}
