"""`guardians send` (guardians/commands/send.py), through the CLI on a copy of the clean example."""

from __future__ import annotations

import yaml

from tests.conftest import consensus, log_entries


def _handoff(root):
    """Take the example's pending handoff out of the inbox, as the text an agent would send."""
    path = consensus(root, "epic_1") / "messages" / "inbox" / "migration" / "001_handoff.yaml"
    text = path.read_text()
    path.unlink()
    return text


def test_send_delivers_read_only_and_run_decides_it(run_cli, example, tmp_path):
    root = example("clean")
    msg = tmp_path / "handoff.yaml"
    msg.write_text(_handoff(root))
    result = run_cli("send", "--root", str(root), "epic_1", "--to", "migration", str(msg))
    assert result.exit_code == 0, result.output
    box = consensus(root, "epic_1") / "messages" / "inbox" / "migration"
    [delivered] = box.glob("*.yaml")
    assert result.output == f"delivered docs/specs/epic_1/consensus/messages/inbox/migration/{delivered.name}\n"
    assert delivered.stat().st_mode & 0o777 == 0o444
    assert yaml.safe_load(delivered.read_text()) == yaml.safe_load(msg.read_text())
    assert run_cli("run", "--root", str(root)).exit_code == 0
    assert log_entries(root, "epic_1")[0]["source_document"].endswith(delivered.name)


def test_send_refuses_a_misaddressed_message_with_exit_1(run_cli, example, tmp_path):
    root = example("clean")
    msg = tmp_path / "handoff.yaml"
    msg.write_text(_handoff(root))
    result = run_cli("send", "--root", str(root), "epic_1", "--to", "deploy", str(msg))
    assert result.exit_code == 1
    assert str(msg) in result.output and "$.to" in result.output
    assert not list((consensus(root, "epic_1") / "messages" / "inbox" / "deploy").glob("*.yaml"))


def test_send_unparseable_file_names_file_and_line(run_cli, example, tmp_path):
    root = example("clean")
    msg = tmp_path / "broken.json"
    msg.write_text('{"from": "quality",\n  "to": }\n')
    result = run_cli("send", "--root", str(root), "epic_1", "--to", "migration", str(msg))
    assert result.exit_code == 1
    assert "broken.json:2" in result.output


def test_send_to_an_epic_that_was_never_initialised(run_cli, tmp_path):
    msg = tmp_path / "m.yaml"
    msg.write_text("from: quality\n")
    result = run_cli("send", "--root", str(tmp_path), "epic_3", "--to", "migration", str(msg))
    assert result.exit_code == 2
    assert "guardians init epic_3" in result.output
