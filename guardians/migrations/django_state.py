"""What Django knows about each model while migrations run: its table and fields.

A migration file alone does not say what an ``AlterField`` changes: the
previous definition lives in earlier migrations of the same app. The Django
front end keeps a :class:`ProjectState` (tables and field definitions, by
app and model), replays earlier migrations into it, and compares each
``AlterField`` with the field it replaces. Field definitions are reduced to
what reaches the database (:class:`FieldDef`): column name, PostgreSQL type,
nullability, index, uniqueness and foreign key.

Types and names follow Django's PostgreSQL backend: ``CharField(max_length=n)``
is ``varchar(n)``, ``DateTimeField`` is ``timestamptz``, a foreign key
``team`` is the column ``team_id`` of the target's key type, and index and
constraint names are built as ``BaseDatabaseSchemaEditor._create_index_name``
builds them (``<table>_<columns>_<8 hex digits of md5><suffix>``).
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field, replace

from guardians.migrations.pyast import arg, const, flag, kwarg, last, name_of

#: Field classes with a fixed PostgreSQL type.
_FIXED_TYPES = {
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "SmallAutoField": "smallint",
    "IntegerField": "integer",
    "PositiveIntegerField": "integer",
    "BigIntegerField": "bigint",
    "PositiveBigIntegerField": "bigint",
    "SmallIntegerField": "smallint",
    "PositiveSmallIntegerField": "smallint",
    "TextField": "text",
    "BooleanField": "boolean",
    "NullBooleanField": "boolean",
    "DateTimeField": "timestamptz",
    "DateField": "date",
    "TimeField": "time",
    "DurationField": "interval",
    "FloatField": "double precision",
    "UUIDField": "uuid",
    "JSONField": "jsonb",
    "BinaryField": "bytea",
    "GenericIPAddressField": "inet",
    "IPAddressField": "inet",
    "HStoreField": "hstore",
    "CICharField": "citext",
    "CIEmailField": "citext",
    "CITextField": "citext",
    "SearchVectorField": "tsvector",
}
#: ``varchar(max_length)`` fields and their default max_length (None: required).
_VARCHAR_TYPES: dict[str, int | None] = {
    "CharField": None,
    "SlugField": 50,
    "EmailField": 254,
    "URLField": 200,
    "FileField": 100,
    "ImageField": 100,
    "FilePathField": 100,
    "AutoSlugField": 50,
    "PhoneNumberField": 128,
}
#: Fields that accept '' (Django's ``empty_strings_allowed``): blank=True gives them a '' default.
_EMPTY_STRING_FIELDS = frozenset({*_VARCHAR_TYPES, "TextField", "CICharField", "CIEmailField", "CITextField"})
#: Fields that are not a column of the model's table.
NO_COLUMN_FIELDS = frozenset({"ManyToManyField", "TaggableManager", "GenericRelation", "GenericForeignKey"})
FK_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey", "TreeForeignKey"})
_AUTO_TIME_FIELDS = frozenset({"DateTimeField", "DateField", "TimeField"})
#: Primary key type of a model whose key is not known (Django's DEFAULT_AUTO_FIELD since 3.2).
DEFAULT_KEY_TYPE = "bigint"
#: PostgreSQL's identifier length limit (NAMEDATALEN - 1).
MAX_NAME = 63


@dataclass(frozen=True, slots=True)
class FieldDef:
    """The database side of one model field."""

    kind: str
    #: Column name; None for fields without a column (ManyToMany, TaggableManager).
    column: str | None
    #: PostgreSQL type (``varchar(50)``); for an unknown field class, the class name quoted.
    db_type: str
    null: bool = False
    db_index: bool = False
    unique: bool = False
    primary_key: bool = False
    #: ``app.model`` (lower case) of a foreign key's target.
    target: str | None = None
    db_constraint: bool = True
    #: Django fills existing rows with one value (``default``, ``auto_now``, or '' for blank text fields).
    has_default: bool = False
    #: SQL of ``db_default``, if any.
    db_default: str | None = None
    #: The column name was given with ``db_column`` (a RenameField does not rename it).
    pinned: bool = False


@dataclass(slots=True)
class ModelState:
    table: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    unique_together: set[tuple[str, ...]] = field(default_factory=set)
    index_together: set[tuple[str, ...]] = field(default_factory=set)

    def key_type(self) -> str:
        for f in self.fields.values():
            if f.primary_key:
                return f.db_type
        return DEFAULT_KEY_TYPE

    def column(self, name: str) -> str:
        """Column of field ``name`` (``team`` -> ``team_id``), the name itself if unknown."""
        known = self.fields.get(name)
        if known is not None and known.column:
            return known.column
        return name


@dataclass(slots=True)
class ProjectState:
    """Models by ``app.model`` (lower case), as earlier migrations left them."""

    models: dict[str, ModelState] = field(default_factory=dict)

    def get(self, app: str | None, model: str) -> ModelState | None:
        return self.models.get(model_key(app, model))


def model_key(app: str | None, model: str) -> str:
    model = model.lower()
    if "." in model:
        return model
    return f"{app}.{model}" if app else model


def default_table(app: str | None, model: str) -> str:
    model = model.lower().rsplit(".", 1)[-1]
    return f"{app}_{model}" if app else model


def names_digest(*args: str, length: int) -> str:
    """Django's ``names_digest``: md5 of the names, as identifier material (not security)."""
    h = hashlib.md5(usedforsecurity=False)
    for value in args:
        h.update(value.encode())
    return h.hexdigest()[:length]


def index_name(table: str, columns: list[str], suffix: str = "") -> str:
    """The name Django gives an index or constraint on ``table(columns)``."""
    hash_part = f"{names_digest(table, *columns, length=8)}{suffix}"
    name = f"{table}_{'_'.join(columns)}_{hash_part}"
    if len(name) <= MAX_NAME:
        return name
    if len(hash_part) > MAX_NAME / 3:
        hash_part = hash_part[: MAX_NAME // 3]
    other = (MAX_NAME - len(hash_part)) // 2 - 1
    name = f"{table[:other]}_{'_'.join(columns)[:other]}_{hash_part}"
    if name[0] == "_" or name[0].isdigit():
        name = f"D{name[:-1]}"
    return name


def _int(call: ast.Call | None, name: str, index: int = -1) -> int | None:
    if call is None:
        return None
    node = arg(call, index, name) if index >= 0 else kwarg(call, name)
    value = const(node)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _db_type(kind: str, call: ast.Call | None, state: ProjectState, app: str | None) -> str:
    if kind in _FIXED_TYPES:
        return _FIXED_TYPES[kind]
    if kind in _VARCHAR_TYPES:
        length = _int(call, "max_length")
        if length is None:
            length = _VARCHAR_TYPES[kind]
        return f"varchar({length})" if length is not None else "varchar"
    if kind == "DecimalField":
        digits, places = _int(call, "max_digits"), _int(call, "decimal_places")
        if digits is not None and places is not None:
            return f"numeric({digits}, {places})"
        return "numeric"
    if kind == "ArrayField" and call is not None:
        base = arg(call, 0, "base_field")
        if isinstance(base, ast.Call):
            return _db_type(last(base.func), base, state, app) + "[]"
    if kind in FK_FIELDS:
        target = state.models.get(fk_target(call, app) or "")
        return target.key_type() if target is not None else DEFAULT_KEY_TYPE
    return '"' + (kind or "?").replace('"', '""') + '"'


def fk_target(call: ast.Call | None, app: str | None) -> str | None:
    """``app.model`` of a foreign key's ``to`` (``"self"`` and bare names resolve to ``app``)."""
    if call is None:
        return None
    to = arg(call, 0, "to")
    if to is None:
        return None
    name = name_of(to)
    if name.endswith("AUTH_USER_MODEL"):
        return "auth.user"
    if name == "self":
        return None
    return model_key(app, name)


def field_def(name: str, node: ast.AST, state: ProjectState, app: str | None) -> FieldDef:
    """The database side of ``models.X(...)`` for field ``name``."""
    kind = last(node)
    call = node if isinstance(node, ast.Call) else None
    if kind in NO_COLUMN_FIELDS:
        return FieldDef(kind, None, "")
    db_column = const(kwarg(call, "db_column")) if call is not None else None
    is_fk = kind in FK_FIELDS
    column = db_column if isinstance(db_column, str) else (f"{name}_id" if is_fk else name)
    null = call is not None and flag(call, "null")
    pk = call is not None and flag(call, "primary_key")
    has_default = call is not None and kwarg(call, "default") is not None
    if kind in _AUTO_TIME_FIELDS and call is not None and (flag(call, "auto_now") or flag(call, "auto_now_add")):
        has_default = True
    if not has_default and not null and kind in _EMPTY_STRING_FIELDS and call is not None and flag(call, "blank"):
        has_default = True  # Django's effective_default: '' for a blank text field
    db_default = kwarg(call, "db_default") if call is not None else None
    return FieldDef(
        kind=kind,
        column=column,
        db_type=_db_type(kind, call, state, app),
        null=null,
        db_index=call is not None and flag(call, "db_index", default=is_fk),
        unique=call is not None and (flag(call, "unique") or kind == "OneToOneField") and not pk,
        primary_key=pk,
        target=fk_target(call, app) if is_fk else None,
        db_constraint=call is None or flag(call, "db_constraint", default=True),
        has_default=has_default,
        db_default=_DB_FUNCS.get(last(db_default), "0") if db_default is not None else None,
        pinned=isinstance(db_column, str),
    )


_DB_FUNCS = {"Now": "now()", "RandomUUID": "gen_random_uuid()", "Random": "random()"}


def renamed(f: FieldDef, new_name: str, old_name: str) -> FieldDef:
    """``f`` after RenameField: the column follows the name unless ``db_column`` pinned it."""
    if f.column is None or f.pinned:
        return f
    if f.column == old_name:
        return replace(f, column=new_name)
    if f.column == f"{old_name}_id" and f.kind in FK_FIELDS:
        return replace(f, column=f"{new_name}_id")
    return f
