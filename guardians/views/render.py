"""Rendering of the deploy guardian's outputs from templates/.

Templates come only from our package; agent-written text is passed as
data and escaped for its target format (JSON via ``tojson``, YAML via
``yaml_str``, Markdown via ``md``), never compiled as a template.
"""

from __future__ import annotations

import json
import re
from typing import Any

from guardians.protocol.resources import template_env

# Inline Markdown that agent text could abuse: emphasis, code, links/images,
# HTML, table cells, headings. Agent text always follows a prefix ("- ",
# "1. ", a table cell), so block-level markers at its start stay inert.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def md_escape(value: Any) -> str:
    """Make agent text inert in Markdown: one line, every special char escaped."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)[:2000]


def md_code(value: Any) -> str:
    """Text for an inline code span: no backticks, one line."""
    return " ".join(str(value).replace("`", "'").split())[:500]


def yaml_str(value: Any) -> str:
    """A YAML scalar that always parses back to the same string (JSON subset)."""
    return json.dumps(str(value), ensure_ascii=True)


def _env() -> Any:
    env = template_env()
    env.filters.setdefault("md", md_escape)
    env.filters.setdefault("md_code", md_code)
    env.filters.setdefault("yaml_str", yaml_str)
    return env


def render(template: str, **context: Any) -> str:
    return str(_env().get_template(template).render(**context))


def render_json(template: str, **context: Any) -> Any:
    """Render a JSON template and parse it back, so the output is always valid JSON."""
    return json.loads(render(template, **context))
