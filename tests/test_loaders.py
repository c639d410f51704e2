"""Hostile input for the JSON/YAML loaders: every failure is a clean InputError
that names the file (and line/column when the parser knows it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from guardians.errors import InputError
from guardians.store.loaders import MAX_BYTES, MAX_DEPTH, check_depth, load_document, load_file, read_bounded

NAME = "docs/specs/epic_1/consensus/messages/inbox/deploy/007_msg"


def reject(data: bytes | str, ext: str = ".yaml") -> InputError:
    """Load ``data`` and return the InputError it must raise; checks the file is named."""
    if isinstance(data, str):
        data = data.encode()
    name = NAME + ext
    with pytest.raises(InputError) as info:
        load_document(data, name)
    err = info.value
    assert err.location.file == name
    assert str(err).startswith(name)
    return err


# --- billion laughs ------------------------------------------------------------


def laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_document_is_a_real_bomb():
    # Plain safe_load builds it in no time because aliases share objects; any
    # later traversal (json.dumps, templates) would expand 9**9 strings.
    doc = yaml.safe_load(laughs(9))
    assert doc["a8"][0] is doc["a8"][1]
    assert doc["a8"][0] is doc["a7"]
    assert doc["a7"][0] is doc["a6"]


# An expanding parser would take hours on 9**9 strings: the timeout only bounds that hang.
@pytest.mark.timeout(120)
@pytest.mark.parametrize("levels", [9, 10])
def test_billion_laughs_rejected_without_expanding(levels):
    err = reject(laughs(levels))
    assert "anchor" in err.message or "alias" in err.message
    assert err.location.line == 1


def test_billion_laughs_does_not_grow_memory():
    script = textwrap.dedent(
        """
        import resource, sys
        from guardians.errors import InputError
        from guardians.store.loaders import load_document
        bomb = sys.stdin.read().encode()
        load_document(b"warm: [1, 2]", "w.yaml")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for _ in range(50):
            try:
                load_document(bomb, "bomb.yaml")
            except InputError:
                pass
            else:
                sys.exit("bomb accepted")
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(after - before)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], input=laughs(10), capture_output=True, text=True, timeout=240, check=True
    )
    grown_kib = int(proc.stdout.strip())
    assert grown_kib < 50 * 1024


def test_aliases_without_anchor_declaration_are_rejected():
    err = reject("a: 1\nb: *missing\n")
    assert err.location.line == 2


def test_merge_key_with_alias_rejected():
    err = reject("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n")
    assert "anchor" in err.message


# --- nesting -------------------------------------------------------------------


def yaml_flow(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def yaml_block_seq(depth: int) -> str:
    return "- " * depth + "x\n"


def yaml_block_map(depth: int) -> str:
    return "".join("  " * i + "k:\n" for i in range(depth - 1)) + "  " * (depth - 1) + "k: leaf\n"


def json_arrays(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def json_objects(depth: int) -> str:
    return '{"k":' * depth + '"leaf"' + "}" * depth


NESTERS = [
    (yaml_flow, ".yaml"),
    (yaml_block_seq, ".yaml"),
    (yaml_block_map, ".yaml"),
    (json_arrays, ".json"),
    (json_objects, ".json"),
]


def _depth(value) -> int:
    depth = 0
    while isinstance(value, list | dict):
        value = value[0] if isinstance(value, list) else value["k"]
        depth += 1
    return depth


@pytest.mark.parametrize(("make", "ext"), NESTERS, ids=[m.__name__ for m, _ in NESTERS])
def test_nesting_at_the_limit_is_accepted(make, ext):
    value = load_document(make(MAX_DEPTH).encode(), "x" + ext)
    assert _depth(value) == MAX_DEPTH == 64


# Indented block maps grow quadratically with depth, so 100k levels of YAML
# are covered by the flow and compact block-sequence forms.
TOO_DEEP = [
    pytest.param(make, ext, depth, id=f"{make.__name__}-{depth}")
    for make, ext in NESTERS
    for depth in (MAX_DEPTH + 1, 100_000)
    if not (make is yaml_block_map and depth > 1000)
]


@pytest.mark.timeout(120)  # bounds a quadratic or recursive regression, never reached otherwise
@pytest.mark.parametrize(("make", "ext", "depth"), TOO_DEEP)
def test_nesting_above_the_limit_is_rejected(make, ext, depth):
    err = reject(make(depth), ext)
    assert "nesting" in err.message or "depth" in err.message


def test_yaml_nesting_error_points_at_the_deep_node():
    err = reject(yaml_block_map(MAX_DEPTH + 1))
    assert err.location.line == MAX_DEPTH + 1


def test_check_depth_counts_collections_only():
    check_depth([[[1]]], "x.json", limit=3)
    check_depth({"a": {"b": {"c": "d"}}}, "x.json", limit=3)
    with pytest.raises(InputError):
        check_depth([[[[]]]], "x.json", limit=3)
    with pytest.raises(InputError):
        check_depth({"a": [1, [2, [3, {}]]]}, "x.json", limit=3)


# --- values JSON cannot carry --------------------------------------------------


@pytest.mark.parametrize("ext", [".yaml", ".json"])
def test_5000_digit_integer_rejected(ext):
    digits = "9" * 5000
    err = reject(f"a: {digits}\n" if ext == ".yaml" else f'{{"a": {digits}}}', ext)
    assert "digit" in err.message or "range" in err.message


@pytest.mark.parametrize("ext", [".yaml", ".json"])
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**100])
def test_integers_outside_64_bits_rejected(ext, value):
    err = reject(f"a: {value}\n" if ext == ".yaml" else f'{{"a": {value}}}', ext)
    assert "range" in err.message
    assert err.location.json_path == "$.a"


@pytest.mark.parametrize("ext", [".yaml", ".json"])
@pytest.mark.parametrize("value", [2**63 - 1, -(2**63), 0])
def test_integers_inside_64_bits_accepted(ext, value):
    data = f"a: {value}\n" if ext == ".yaml" else f'{{"a": {value}}}'
    assert load_document(data.encode(), "x" + ext) == {"a": value}


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
def test_json_nan_and_infinity_rejected(token):
    err = reject(f'{{"nested": [1, {token}]}}', ".json")
    assert "NaN" in err.message or "Infinity" in err.message or token in err.message


@pytest.mark.parametrize("token", [".nan", ".NaN", ".inf", "-.Inf", "+.INF", "1.0e+400", "!!float 1e400"])
def test_yaml_nan_and_infinity_rejected(token):
    err = reject(f"outer:\n  x: {token}\n")
    assert "NaN" in err.message
    assert err.location.json_path == "$.outer.x"


def test_json_duplicate_keys_rejected():
    err = reject('{"a": 1, "b": {"c": 1, "c": 2}}', ".json")
    assert "duplicate key 'c'" in err.message


def test_yaml_duplicate_keys_rejected_with_line():
    err = reject("a: 1\nb:\n  c: 1\n  c: 2\n")
    assert "duplicate key 'c'" in err.message
    assert (err.location.line, err.location.column) == (4, 3)


@pytest.mark.parametrize(
    "doc",
    ["1: a\ntrue: b\n", "true: a\n", "1: a\n", "~: a\n", "1.5: a\n", "? [a, b]\n: c\n", "no: a\n"],
)
def test_yaml_non_string_keys_rejected(doc):
    # 1 == True, so keys 1 and true would silently merge in a dict.
    err = reject(doc)
    assert "is not a string" in err.message
    assert err.location.line == 1


def test_quoted_keys_stay_distinct():
    assert load_document(b"'1': a\n'true': b\n", "x.yaml") == {"1": "a", "true": "b"}
    assert load_document(b'{"1": "a", "true": "b"}', "x.json") == {"1": "a", "true": "b"}


def test_yaml_dates_stay_strings():
    doc = load_document(
        b"day: 2024-01-02\nwhen: 2001-12-14t21:59:43.10-05:00\nspaced: 2001-12-14 21:59:43.10 -5\n2024-03-04: key\n",
        "x.yaml",
    )
    assert doc == {
        "day": "2024-01-02",
        "when": "2001-12-14t21:59:43.10-05:00",
        "spaced": "2001-12-14 21:59:43.10 -5",
        "2024-03-04": "key",
    }
    json.dumps(doc)  # stays JSON-compatible


@pytest.mark.parametrize(
    ("doc", "tag"),
    [
        ("b: !!binary aGVsbG8=\n", "binary"),
        ("o: !!python/object:os.system {}\n", "python/object"),
        ("o: !!python/object/apply:os.system ['true']\n", "python/object/apply"),
        ("o: !!python/name:os.system ''\n", "python/name"),
        ("s: !!set {a, b}\n", "set"),
        ("m: !!omap [a: 1]\n", "omap"),
        ("t: !!timestamp 2024-01-01\n", "timestamp"),
        ("c: !custom x\n", "!custom"),
    ],
)
def test_explicit_tags_rejected_with_position(doc, tag):
    err = reject(doc)
    assert tag in err.message
    assert (err.location.line, err.location.column) == (1, 4)


@pytest.mark.parametrize("doc", ["a: 1\n---\nb: 2\n", "---\n---\n", "a: 1\n...\n---\nb: 2\n"])
def test_multi_document_yaml_rejected(doc):
    err = reject(doc)
    assert "exactly one YAML document" in err.message


def test_empty_yaml_rejected():
    assert "found 0" in reject("").message


def test_invalid_utf8_reports_line():
    err = reject(b"a: 1\nb: 2\nc: caf\xe9\n")
    assert err.location.line == 3
    assert "UTF-8" in err.message


@pytest.mark.parametrize("ext", [".yaml", ".json"])
def test_nul_bytes_report_line(ext):
    body = b'{\n"a": 1,\n"b": 2\n}\n' if ext == ".json" else b"a: 1\nb: 2\n"
    err = reject(body + b"\x00" * 64, ext)
    assert err.location.line == body.count(b"\n") + 1
    assert "NUL" in err.message


def test_yaml_syntax_error_has_line_and_column():
    err = reject("a: 1\nb: [1, 2\nc: 3\n")
    assert err.location.line is not None
    assert err.location.column is not None
    assert err.location.line >= 2


def test_json_syntax_error_has_line_and_column():
    err = reject('{\n  "a": 1,\n  "b": ,\n}', ".json")
    assert (err.location.line, err.location.column) == (3, 8)


def test_yaml_11_booleans_and_octals_are_typed_not_strings():
    # Documented YAML 1.1 behaviour: schemas must catch NO/010 where a string is expected.
    assert load_document(b"a: NO\nb: 010\n", "x.yaml") == {"a": False, "b": 8}


def test_utf8_bom_is_ignored():
    assert load_document(b'\xef\xbb\xbf{"a": 1}', "x.json") == {"a": 1}
    assert load_document(b"\xef\xbb\xbfa: 1\n", "x.yaml") == {"a": 1}


# --- files ---------------------------------------------------------------------


def file_reject(path: Path, **kwargs) -> InputError:
    display = f"inbox/{path.name}"
    with pytest.raises(InputError) as info:
        load_file(path, display=display, **kwargs)
    assert info.value.location.file == display
    assert str(info.value).startswith(display)
    return info.value


def test_load_file_returns_value_and_raw_bytes(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"kind: handoff\n")
    value, raw = load_file(path)
    assert value == {"kind": "handoff"}
    assert raw == b"kind: handoff\n"


def test_file_at_size_limit_accepted_and_one_byte_over_rejected(tmp_path):
    path = tmp_path / "m.json"
    payload = b'{"a": "' + b"x" * 100 + b'"}'
    path.write_bytes(payload)
    assert load_file(path, max_bytes=len(payload))[0] == {"a": "x" * 100}
    err = file_reject(path, max_bytes=len(payload) - 1)
    assert str(len(payload)) in err.message


def test_default_size_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * MAX_BYTES + b"\n")
    assert "limit" in file_reject(path).message


def test_sparse_10_gb_file_rejected_without_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    path.touch()
    os.truncate(path, 10 * 1024**3)
    read_bytes = []
    real_read = os.read

    def counting_read(fd, n):
        data = real_read(fd, n)
        read_bytes.append(len(data))
        return data

    monkeypatch.setattr(os, "read", counting_read)
    err = file_reject(path)
    monkeypatch.undo()
    assert str(10 * 1024**3) in err.message
    assert sum(read_bytes) == 0  # refused from its size alone, not after reading


def test_read_is_capped_when_size_is_not_known_up_front():
    # /proc files report st_size 0 but have content: only the read cap protects us.
    proc_file = Path("/proc/self/maps")
    assert proc_file.stat().st_size == 0
    with pytest.raises(InputError, match="larger than the limit of 64 bytes"):
        read_bounded(proc_file, max_bytes=64)


def test_symlink_to_etc_passwd_refused(tmp_path):
    link = tmp_path / "m.yaml"
    link.symlink_to("/etc/passwd")
    err = file_reject(link)
    assert "symbolic link" in err.message


def test_symlink_to_a_good_file_is_also_refused(tmp_path):
    good = tmp_path / "real.yaml"
    good.write_text("a: 1\n")
    link = tmp_path / "m.yaml"
    link.symlink_to(good)
    assert "symbolic link" in file_reject(link).message


@pytest.mark.timeout(120)  # opening a FIFO for reading blocks forever: the timeout catches that hang
def test_fifo_refused_without_blocking(tmp_path):
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)
    err = file_reject(fifo)
    assert "not a regular file" in err.message


def test_directory_named_like_a_message_refused(tmp_path):
    directory = tmp_path / "x.json"
    directory.mkdir()
    assert "not a regular file" in file_reject(directory).message


def test_device_refused():
    with pytest.raises(InputError, match="not a regular file"):
        read_bounded(Path("/dev/zero"))


def test_missing_file(tmp_path):
    assert "not found" in file_reject(tmp_path / "gone.yaml").message


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "m.yaml"
    path.write_text("a: 1\n")
    path.chmod(0)
    assert "cannot open" in file_reject(path).message


def test_hard_link_is_currently_allowed(tmp_path):
    """Documented behaviour: the loaders accept st_nlink > 1.

    That is right for artifacts: a hard link can only name a file on the same
    filesystem that its creator could already read (fs.protected_hardlinks),
    so it discloses nothing a copy would not, and artifacts are read by path,
    not claimed. Exactly-once handling of hard-linked inbox messages (two names,
    one inode) is the inbox's job: it dedupes by content hash.
    """
    original = tmp_path / "artifact.json"
    original.write_text('{"a": 1}')
    alias = tmp_path / "alias.json"
    os.link(original, alias)
    assert alias.stat().st_nlink == 2
    assert load_file(alias)[0] == {"a": 1}


# --- round trip ----------------------------------------------------------------

TRICKY = st.sampled_from(
    ["no", "yes", "NO", "on", "off", "1e3", "~", "null", "true", "0x1A", "010", "12:30", "2024-01-02", "-", ": x", "#"]
)
TEXT = st.one_of(st.text(), TRICKY, st.sampled_from(["\x85", "\u2028", "\u2029", "\ufeff", "a\x85b", " lead", "\t"]))
JSON_VALUES = st.recursive(
    TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.dictionaries(TEXT, JSON_VALUES, max_size=6))
def test_yaml_output_round_trips(doc):
    dumped = yaml.safe_dump(doc, sort_keys=True, allow_unicode=False)
    assert dumped.isascii()
    assert load_document(dumped.encode(), "x.yaml") == doc


@settings(max_examples=200, deadline=None, database=None)
@given(st.dictionaries(TEXT, JSON_VALUES, max_size=6))
def test_json_output_round_trips(doc):
    dumped = json.dumps(doc, sort_keys=True, ensure_ascii=True)
    assert load_document(dumped.encode(), "x.json") == doc


# --- the lean YAML construction agrees with PyYAML's generic one -----------------

SAME_AS_PYYAML = [
    "a: 1\nb: [1, 2.5, {c: d}]\nc: {d: [true, null, ~, 'x: y']}\n",
    "<<: {a: 1}\nb: 2\n",
    "b: 2\n<<: [{a: 1}, {c: 3}]\n",
    "<<: {a: 1}\na: 2\n",
    "a: 1\na: 2\n",
    "1: a\n",
    "[a, b]: c\n",
    "a: 1:30\n",
    "a: .inf\n",
    "a: 99999999999999999999\n",
    "a: 0x10\nb: 0o17\nc: 0b101\nd: 1_000\ne: +12\nf: yes\n",
    "a: 2026-01-01\n",
    "a: !!str 1\nb: ! 12\nc: !!float 1\n",
    "a: !!map {b: 1}\nb: !!seq [1]\n",
    "- a\n- - b\n  - {c: [d]}\n",
    "hello\n",
    "= : x\n",
    "{a: 1, a: 2}\n",
]


def _construct(text: str, generic: bool):
    """Load with the hardened loader; ``generic``: with PyYAML's own construct_document (the reference)."""
    from yaml.constructor import BaseConstructor

    from guardians.store import loaders

    lean = loaders._loader()

    class Generic(lean):  # type: ignore[misc,valid-type]
        construct_document = BaseConstructor.construct_document

    try:
        return "ok", yaml.load(text, Loader=Generic if generic else lean)
    except Exception as exc:  # whatever the reference does, the lean walk must do
        mark = getattr(exc, "mark", None) or getattr(exc, "problem_mark", None)
        where = (mark.line, mark.column) if mark is not None else None
        return "error", type(exc).__name__, str(getattr(exc, "message", exc)), where


@pytest.mark.parametrize("text", SAME_AS_PYYAML)
def test_yaml_lean_construction_matches_pyyaml(text):
    assert _construct(text, generic=False) == _construct(text, generic=True)


def test_yaml_scalar_tags_are_the_same_when_remembered():
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    from guardians.store import loaders

    lean = loaders._loader()
    base = lean.__mro__[1]
    loader = lean("")
    texts = [
        "1",
        "1:30",
        "-1:30",
        "true",
        "yes",
        "No",
        "~",
        "null",
        "",
        "1.5",
        ".inf",
        "-.Inf",
        ".nan",
        "0x1F",
        "0o17",
        "1_000",
        "2026-01-01",
        "abc",
        "=",
        "<<",
        "x" * 100,
    ]
    for _ in range(2):  # the second round answers from what the first remembered
        for text in texts:
            for implicit in ((True, False), (False, True), (False, False)):
                assert loader.resolve(ScalarNode, text, implicit) == base.resolve(loader, ScalarNode, text, implicit)
        for kind in (SequenceNode, MappingNode):
            assert loader.resolve(kind, None, True) == base.resolve(loader, kind, None, True)
    loader.dispose()
