"""`guardians init` (guardians/commands/init.py), through the CLI in temp dirs."""

from __future__ import annotations

from tests.conftest import consensus

INBOXES = ("migration", "deploy", "backup", "process", "quality", "developer", "architect", "tech-lead")


def test_init_creates_the_epic_layout(run_cli, tmp_path):
    result = run_cli("init", "--root", str(tmp_path), "epic_4")
    assert result.exit_code == 0, result.output
    folder = consensus(tmp_path, "epic_4")
    assert (folder / "artifacts").is_dir() and (folder / "checkpoints").is_dir()
    for agent in INBOXES:
        assert (folder / "messages" / "inbox" / agent).is_dir(), agent
        assert f"created docs/specs/epic_4/consensus/messages/inbox/{agent}" in result.output
    md = tmp_path / "docs" / "specs" / "epic_4" / "epic_4.md"
    assert md.read_text().startswith("# epic_4")


def test_init_twice_changes_nothing_and_keeps_edits(run_cli, tmp_path):
    assert run_cli("init", "--root", str(tmp_path), "epic_4").exit_code == 0
    md = tmp_path / "docs" / "specs" / "epic_4" / "epic_4.md"
    md.write_text("# my notes\n")
    again = run_cli("init", "--root", str(tmp_path), "epic_4")
    assert again.exit_code == 0
    assert again.output == "epic_4 already exists; nothing changed\n"
    assert md.read_text() == "# my notes\n"


def test_init_refuses_a_bad_epic_id(run_cli, tmp_path):
    result = run_cli("init", "--root", str(tmp_path), "../escape")
    assert result.exit_code == 2
    assert "epic" in result.output
    assert not (tmp_path / "docs").exists()
    assert not (tmp_path.parent / "escape").exists()
