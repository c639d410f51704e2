"""The only module that finds shipped data files (schemas/ and templates/).

In a wheel they live in ``guardians/_data/`` (hatch force-include); in a
source checkout (editable install) they are the repository's top-level
``schemas/`` and ``templates/`` folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

# guardians/protocol/resources.py -> the guardians package directory
_PKG = Path(__file__).resolve().parents[1]


def _data_dir(name: str) -> Path:
    packaged = _PKG / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PKG.parent / name


def templates_dir() -> Path:
    return _data_dir("templates")


def schemas_dir() -> Path:
    return _data_dir("schemas")


@cache
def template_env() -> Any:
    """Jinja2 environment over our own templates only; agent text is data, never a template."""
    import jinja2

    from guardians.views.textsafe import finalize

    return jinja2.Environment(
        finalize=finalize,  # no control or bidi characters in any output
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "htm", "xml", "html.j2"), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
