"""Hardened reading of JSON and YAML written by agents.

Every failure becomes an :class:`InputError` naming the file, the JSON path
and, where the parser knows it, the line. Nothing here lets RecursionError,
ValueError or MemoryError escape. The defences, and why:

* files are opened with O_NOFOLLOW|O_NONBLOCK and must be regular files, so a
  symlink to /etc/passwd or a FIFO is refused without blocking;
* reads are capped (MAX+1 bytes) so a huge or sparse file is never read whole;
* YAML that contains ``&``, ``*`` or ``!`` is scanned as events first:
  aliases/anchors (billion laughs) and explicit tags are rejected before
  anything is built, so the node tree that is built is a tree, walked without
  recursion; nesting depth is checked on the loaded value;
* YAML timestamps stay strings, so the data is always JSON-compatible;
* duplicate keys, NaN/Infinity and huge integers are rejected in both formats.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from guardians.errors import InputError, Location

MAX_BYTES = 1_000_000
MAX_DEPTH = 64


def read_bounded(path: str | Path, *, display: str | None = None, max_bytes: int = MAX_BYTES) -> bytes:
    """Read a regular file, refusing symlinks, FIFOs, devices and oversize files."""
    return read_bounded_id(path, display=display, max_bytes=max_bytes)[0]


def read_bounded_id(
    path: str | Path, *, display: str | None = None, max_bytes: int = MAX_BYTES
) -> tuple[bytes, tuple[int, int]]:
    """:func:`read_bounded`, plus the (device, inode) of the file that was read.

    The identity lets a caller move exactly the file it decided on, not one
    renamed over the same name in the meantime.
    """
    name = display or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise InputError(Location(name), "file not found") from None
    except OSError as exc:
        reason = "is a symbolic link (refused)" if exc.errno == errno.ELOOP else exc.strerror
        raise InputError(Location(name), f"cannot open: {reason}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(Location(name), "not a regular file (refused)")
        if info.st_size > max_bytes:
            raise InputError(Location(name), f"file is {info.st_size} bytes; the limit is {max_bytes}")
        chunks: list[bytes] = []
        remaining = max_bytes + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(Location(name), f"file is larger than the limit of {max_bytes} bytes")
    return data, (info.st_dev, info.st_ino)


def load_document(data: bytes, name: str) -> Any:
    """Parse JSON or YAML by extension (``.json`` vs ``.yaml``/``.yml``)."""
    text = _decode(data, name)
    if name.endswith(".json") or name.endswith(".jsonl"):
        return load_json_text(text, name)
    return load_yaml_text(text, name)


def load_file(path: Path, *, display: str | None = None, max_bytes: int = MAX_BYTES) -> tuple[Any, bytes]:
    name = display or str(path)
    data = read_bounded(path, display=name, max_bytes=max_bytes)
    return load_document(data, name), data


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(Location(name, line=line), f"not valid UTF-8 at byte {exc.start}") from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputError(Location(name, line=line), "contains a NUL byte (file truncated or corrupted?)")
    return text.removeprefix("\ufeff")


# --- JSON ------------------------------------------------------------------------


class _JsonReject(ValueError):
    pass


def _no_dupes(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JsonReject(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise _JsonReject(f"{name} is not valid JSON")


def load_json_text(text: str, name: str) -> Any:
    try:
        value = json.loads(text, object_pairs_hook=_no_dupes, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise InputError(Location(name, line=exc.lineno, column=exc.colno), f"invalid JSON: {exc.msg}") from None
    except _JsonReject as exc:
        raise InputError(Location(name), f"invalid JSON: {exc}") from None
    except RecursionError:
        raise InputError(Location(name), f"nesting deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. integer string conversion limit
        raise InputError(Location(name), f"invalid JSON: {exc}") from None
    check_depth(value, name)
    # json turns out-of-range floats such as 1e400 into inf without calling
    # parse_constant, and accepts integers of up to 4300 digits.
    _check_plain(value, name)
    if _SURROGATE_ESCAPE.search(text):
        _check_surrogates(value, name)
    return value


# JSON may spell a lone UTF-16 surrogate as an escape (YAML and raw UTF-8 cannot):
# such a string cannot be written back out as UTF-8, so it is refused on the way in.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_surrogates(value: Any, name: str) -> None:
    from guardians.protocol.jsonpath import json_path

    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        node, parts = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if not _encodable(k):
                    raise InputError(
                        Location(name, json_path(parts)), "key contains a lone UTF-16 surrogate (\\ud800-\\udfff)"
                    )
                stack.append((v, (*parts, k)))
        elif isinstance(node, list):
            stack.extend((v, (*parts, i)) for i, v in enumerate(node))
        elif isinstance(node, str) and not _encodable(node):
            raise InputError(
                Location(name, json_path(parts)), "string contains a lone UTF-16 surrogate (\\ud800-\\udfff)"
            )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_depth(value: Any, name: str, limit: int = MAX_DEPTH) -> None:
    """Reject more than ``limit`` nested objects/arrays (scalars add no level).

    Counts the same way as the YAML event scan, so both formats accept
    exactly ``limit`` levels of collections.
    """
    # Iterative, so a deep document cannot blow the Python stack here.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > limit:
            raise InputError(Location(name), f"nesting deeper than {limit} levels")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((v, depth + 1) for v in children)


# --- YAML ------------------------------------------------------------------------


def _yaml_mod() -> Any:
    import yaml

    return yaml


def _safe_loader() -> Any:
    yaml = _yaml_mod()
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[misc,valid-type]
        pass

    # Keep timestamps as strings: the data must stay JSON-compatible.
    _Loader.yaml_implicit_resolvers = {
        key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in base.yaml_implicit_resolvers.items()
    }

    def construct_mapping(loader: Any, node: Any) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise _YamlReject(f"mapping key {key!r} is not a string", key_node.start_mark)
            if key in out:
                raise _YamlReject(f"duplicate key {key!r}", key_node.start_mark)
            out[key] = loader.construct_object(value_node, deep=True)
        return out

    _Loader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    _Loader.construct_document = _construct_document

    # Which tag a scalar gets depends only on (node kind, text, implicit flags):
    # this loader has no path resolvers. The same short scalars (keys, names,
    # enum values) recur in every file, so their answers are kept, in bounded memory.
    resolved: dict[tuple[Any, Any, Any], str] = {}

    def resolve(loader: Any, kind: Any, value: Any, implicit: Any) -> str:
        key = (kind, value, implicit)
        tag = resolved.get(key)
        if tag is None:
            tag = base.resolve(loader, kind, value, implicit)
            if len(resolved) < _RESOLVED_MAX and (value is None or len(value) <= _RESOLVED_TEXT):
                resolved[key] = tag
        return tag

    if not _Loader.yaml_path_resolvers:  # with path resolvers the answer would depend on the position
        _Loader.resolve = resolve

    # YAML 1.1 reads ``1:0`` as 60 and ``12:30`` as 750 (base 60); nobody means
    # that in a message. Such plain scalars are refused, with their line.
    for first in "+-0123456789":
        _Loader.yaml_implicit_resolvers.setdefault(first, []).insert(0, (_SEXAGESIMAL_TAG, _SEXAGESIMAL))

    def construct_sexagesimal(loader: Any, node: Any) -> Any:
        raise _YamlReject(
            f"{node.value!r} is a YAML 1.1 base-60 number (read as {_base60(node.value)}); "
            "quote it if it is text, or write the number",
            node.start_mark,
        )

    _Loader.add_constructor(_SEXAGESIMAL_TAG, construct_sexagesimal)
    return _Loader


_RESOLVED_MAX = 8192  # remembered scalar tags per process
_RESOLVED_TEXT = 64  # longer scalars are rarely repeated: not remembered

# A leaner walk of the composed node tree than PyYAML's generic one, which
# bookkeeps every node for anchors and recursive structures: the nodes form a
# tree here (anchors and aliases never reach construction, see
# load_yaml_text). Strings, sequences and mappings are built directly, with
# the rules of ``construct_mapping`` above; every other node (numbers,
# booleans, null, refused base-60 numbers, unusual tags) goes to PyYAML's
# own constructors, so the values are the same.
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_FLATTEN_TAGS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _construct_document(loader: Any, node: Any) -> Any:
    try:
        return _construct(loader, node, _yaml_mod().nodes)
    finally:
        loader.constructed_objects = {}
        loader.recursive_objects = {}
        loader.state_generators = []
        loader.deep_construct = False


def _construct(loader: Any, root: Any, nodes: Any) -> Any:
    """Depth first, in document order (so the first problem found is the same), without recursion."""
    value = _start(loader, root, nodes)
    if not _filled_here(root, nodes):
        return value
    stack: list[tuple[Any, Any, Any]] = [(value, root, iter(root.value))]
    while stack:
        container, node, items = stack[-1]
        for item in items:
            if container.__class__ is list:
                child = item
                child_value = _start(loader, child, nodes)
                container.append(child_value)
            else:
                key_node, child = item
                if key_node.tag in _FLATTEN_TAGS:  # merge keys (<<) or value keys (=): PyYAML's rules
                    loader.flatten_mapping(node)  # leaves neither tag behind, so this restarts once
                    container.clear()
                    stack[-1] = (container, node, iter(node.value))
                    break
                key = _key(loader, key_node, nodes)
                if key in container:
                    raise _YamlReject(f"duplicate key {key!r}", key_node.start_mark)
                child_value = container[key] = _start(loader, child, nodes)
            if _filled_here(child, nodes):
                stack.append((child_value, child, iter(child.value)))
                break
        else:
            stack.pop()
    return value


def _start(loader: Any, node: Any, nodes: Any) -> Any:
    """A string, an empty list or dict to fill, or what PyYAML builds for any other node."""
    kind = node.__class__
    if kind is nodes.ScalarNode:
        return node.value if node.tag == _STR_TAG else loader.construct_object(node, deep=True)
    if kind is nodes.SequenceNode and node.tag == _SEQ_TAG:
        return []
    if kind is nodes.MappingNode and node.tag == _MAP_TAG:
        return {}
    return loader.construct_object(node, deep=True)


def _filled_here(node: Any, nodes: Any) -> bool:
    """True for the nodes :func:`_start` answers with an empty list or dict."""
    kind = node.__class__
    return (kind is nodes.MappingNode and node.tag == _MAP_TAG) or (kind is nodes.SequenceNode and node.tag == _SEQ_TAG)


def _key(loader: Any, node: Any, nodes: Any) -> Any:
    if node.__class__ is nodes.ScalarNode and node.tag == _STR_TAG:
        return node.value
    key = loader.construct_object(node, deep=True)
    if not isinstance(key, str):
        raise _YamlReject(f"mapping key {key!r} is not a string", node.start_mark)
    return key


_SEXAGESIMAL_TAG = "tag:guardians,2026:sexagesimal"
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")


def _base60(text: str) -> str:
    sign = -1 if text.startswith("-") else 1
    whole, _, frac = text.lstrip("+-").replace("_", "").partition(".")
    value = 0
    for part in whole.split(":"):
        value = value * 60 + int(part)
    return str(sign * value) + (f".{frac}" if frac else "")


class _YamlReject(Exception):
    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


_LOADER: Any = None


def _loader() -> Any:
    global _LOADER
    if _LOADER is None:
        _LOADER = _safe_loader()
    return _LOADER


_STD_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))


def _scan_events(text: str, name: str) -> None:
    """Reject aliases, anchors, non-standard explicit tags and deep nesting."""
    yaml = _yaml_mod()
    depth = 0
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for event in yaml.parse(text, Loader=loader_cls):
        mark = getattr(event, "start_mark", None)
        if isinstance(event, yaml.AliasEvent):
            raise _YamlReject("YAML aliases are not allowed", mark)
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _YamlReject(f"YAML anchors are not allowed (&{anchor})", mark)
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        explicit = tag is not None and (implicit is False or implicit == (False, False))
        if explicit and tag not in _STD_TAGS and tag != "!":
            raise _YamlReject(f"explicit YAML tag {tag} is not allowed", mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _YamlReject(f"nesting deeper than {MAX_DEPTH} levels", mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


# Anchors (&), aliases (*) and tags (!, also in %TAG directives) cannot occur in a
# document without these characters, so the event scan is only needed when one of
# them is present (quoted text included: then the scan decides). Depth is checked
# on the loaded value instead, and the scan then runs only to name the line.
_SCAN_TRIGGERS = ("&", "*", "!")


def _needs_scan(text: str) -> bool:
    return any(c in text for c in _SCAN_TRIGGERS)


def load_yaml_text(text: str, name: str) -> Any:
    yaml = _yaml_mod()
    scanned = _needs_scan(text)
    try:
        if scanned:
            _scan_events(text, name)
        docs = list(yaml.load_all(text, Loader=_loader()))
        usual = len(docs) == 1 and _usual(docs[0])
        if not scanned and len(docs) == 1 and not usual and _too_deep(docs[0]):
            _scan_events(text, name)  # raises, with the line where the nesting gets too deep
    except _YamlReject as exc:
        raise InputError(_mark_location(name, exc.mark), exc.message) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(_mark_location(name, mark), f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InputError(Location(name), f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(Location(name), f"nesting deeper than {MAX_DEPTH} levels") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise InputError(Location(name), f"invalid YAML value: {exc}") from None
    if len(docs) != 1:
        raise InputError(Location(name), f"expected exactly one YAML document, found {len(docs)}")
    value = docs[0]
    if not usual:
        _check_plain(value, name)
    return value


_INT_MIN, _INT_END = -(2**63), 2**63


def _usual(value: Any) -> bool:
    """One pass over a loaded document: True when it is plain and within the depth limit.

    The common case is decided here, without building the JSON path of every
    node; anything else (a value JSON cannot carry, nesting deeper than
    MAX_DEPTH, a type not built by the loader) goes to :func:`_too_deep` and
    :func:`_check_plain`, which decide and word it.
    """
    kind = type(value)
    if kind is not dict and kind is not list:
        return kind is str or kind is bool or value is None or (kind is int and _INT_MIN <= value < _INT_END)
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        for child in node.values() if type(node) is dict else node:
            kind = type(child)
            if kind is str or kind is bool or child is None:
                continue
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
            elif kind is int:
                if not _INT_MIN <= child < _INT_END:
                    return False
            elif kind is not float or child - child != 0:  # NaN and infinities: x - x is NaN
                return False
    return True


def _too_deep(value: Any) -> bool:
    """True when mappings and sequences nest deeper than MAX_DEPTH (as the event scan counts them)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _check_plain(value: Any, name: str) -> None:
    """Reject values JSON cannot carry (binary, sets, NaN, huge ints)."""
    from guardians.protocol.jsonpath import json_path

    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        node, parts = stack.pop()
        problem = _not_plain(node)
        if problem:
            raise InputError(Location(name, json_path(parts)), problem)
        if isinstance(node, dict):
            stack.extend((v, (*parts, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*parts, i)) for i, v in enumerate(node))


def _not_plain(node: Any) -> str:
    """Why ``node`` (not its children) cannot be carried by JSON; "" when it can."""
    if isinstance(node, str | bool | dict | list | type(None)):
        return ""
    if isinstance(node, float) and (node != node or node in (float("inf"), float("-inf"))):
        return "NaN and Infinity are not allowed"
    if isinstance(node, int) and not -(2**63) <= node < 2**63:
        return "integer out of range (must fit in 64 bits)"
    if not isinstance(node, int | float):
        return f"value of type {type(node).__name__} is not allowed"
    return ""


def _mark_location(name: str, mark: Any) -> Location:
    if mark is None:
        return Location(name)
    return Location(name, line=int(mark.line) + 1, column=int(mark.column) + 1)


def sha256_bytes(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
