"""Which column type changes rewrite the table, and the Django names and types the state uses."""

from __future__ import annotations

import ast

import pytest

from guardians.migrations.coltypes import needs_rewrite
from guardians.migrations.django_state import FieldDef, ProjectState, field_def, index_name


@pytest.mark.parametrize(
    ("old", "new", "rewrite"),
    [
        ("varchar(50)", "varchar(200)", False),
        ("varchar(200)", "varchar(50)", True),
        ("varchar(50)", "text", False),
        ("character varying(50)", "varchar", False),
        ("text", "varchar", False),
        ("text", "varchar(10)", True),
        ("numeric(10, 2)", "numeric(12, 2)", False),
        ("numeric(12, 2)", "numeric(12, 4)", True),
        ("numeric(10,2)", "numeric", False),
        ("integer", "bigint", True),
        ("int4", "integer", False),
        ("timestamp", "timestamptz", True),
        ("timestamp without time zone", "timestamp", False),
        ("text[]", "text", True),
        ('"EncryptedField"', '"EncryptedField"', False),
        ('"EncryptedField"', "text", True),
    ],
)
def test_needs_rewrite(old: str, new: str, rewrite: bool) -> None:
    assert needs_rewrite(old, new) is rewrite


def _field(source: str, name: str = "f") -> FieldDef:
    return field_def(name, ast.parse(source, mode="eval").body, ProjectState(), "shop")


def test_field_types_follow_djangos_postgresql_backend() -> None:
    assert _field("models.CharField(max_length=30)").db_type == "varchar(30)"
    assert _field("models.EmailField()").db_type == "varchar(254)"
    assert _field("models.DecimalField(max_digits=8, decimal_places=3)").db_type == "numeric(8, 3)"
    assert _field("ArrayField(models.IntegerField())").db_type == "integer[]"
    fk = _field("models.ForeignKey('shop.team', on_delete=models.CASCADE)", "team")
    assert (fk.column, fk.db_type, fk.db_index, fk.target) == ("team_id", "bigint", True, "shop.team")
    assert _field("models.ManyToManyField('shop.team')").column is None
    assert _field("TaggableManager()").column is None
    blank = _field("models.CharField(max_length=5, blank=True)")
    assert blank.has_default and not blank.null
    assert not _field("models.IntegerField(blank=True)").has_default


def test_index_names_are_djangos() -> None:
    # the values BaseDatabaseSchemaEditor._create_index_name of Django 5.2 returns for PostgreSQL (63 characters)
    assert index_name("catalog_book", ["isbn"]) == "catalog_book_isbn_30805834"
    assert index_name("catalog_book", ["isbn"], "_uniq") == "catalog_book_isbn_30805834_uniq"
    assert index_name("shop_order", ["customer_id"], "_fk_shop_customer_id") == (
        "shop_order_customer_id_f638df20_fk_shop_customer_id"
    )
    long = index_name("a_really_long_application_label_with_a_long_model_name", ["and_a_long_column_name_too"])
    assert long == "a_really_long_application__and_a_long_column_name_too_1d63643d"
