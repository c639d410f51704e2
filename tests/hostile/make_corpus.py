"""Write the hostile corpus (tests/hostile/{messages,migrations,trees}/).

Run from the repository root: ``python tests/hostile/make_corpus.py``. The
files are committed; this script documents how each was made and rebuilds
them. Every file is one case for tests/test_hostile_corpus.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

HANDOFF = {
    "from": "quality",
    "to": "migration",
    "timestamp": "2026_11_22_10_05_00",
    "epic_id": "epic_1",
    "iteration": 1,
    "type": "handoff",
    "subject": "ready_for_guardians",
    "content": {"summary": "go", "artifacts": ["plan.json", "implementation.json", "review.json"]},
}


def y(obj: object) -> str:
    return yaml.safe_dump(obj, sort_keys=False)


def handoff(**changes: object) -> dict[str, object]:
    out = dict(HANDOFF)
    out.update(changes)
    return out


def laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        refs = ",".join([f"*a{n - 1}"] * 9)
        lines.append(f"a{n}: &a{n} [{refs}]")
    return "\n".join(lines) + "\n"


def messages() -> dict[str, bytes | str]:
    good = y(HANDOFF)
    deep_yaml = "x: " + "[" * 65 + "1" + "]" * 65 + "\n"
    return {
        "billion_laughs_9.yaml": laughs(9),
        "billion_laughs_10.yaml": laughs(10),
        "merge_key.yaml": "base: &b {from: quality}\nmsg:\n  <<: *b\n",
        "alias_without_anchor.yaml": "from: *nothing\n",
        "deep_yaml_65.yaml": deep_yaml,
        "deep_yaml_100k.yaml": "x: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "deep_json_65.json": '{"x": ' + "[" * 65 + "1" + "]" * 65 + "}",
        "deep_json_100k.json": "[" * 100_000 + "]" * 100_000,
        "deep_content_64.json": json.dumps(handoff(content={"summary": "x", "n": _nest(62)})),
        "dup_keys.yaml": good + "iteration: 2\n",
        "dup_keys.json": json.dumps(HANDOFF)[:-1] + ', "iteration": 2}',
        "dup_keys_nested.json": '{"content": {"a": 1, "a": 2}}',
        "bool_and_int_keys.yaml": "1: one\ntrue: yes\n",
        "non_string_key.yaml": "? [a, b]\n: value\n",
        "nan.json": json.dumps(HANDOFF)[:-1] + ', "score": NaN}',
        "infinity.yaml": good + "score: .inf\n",
        "float_overflow.json": json.dumps(HANDOFF)[:-1] + ', "score": 1e400}',
        "huge_int.json": json.dumps(HANDOFF)[:-1] + ', "n": ' + "9" * 5000 + "}",
        "huge_int.yaml": good + "n: " + "9" * 5000 + "\n",
        "hex_int_overflow.yaml": good + "n: 0xFFFFFFFFFFFFFFFFFFFF\n",
        "tag_python_object.yaml": "!!python/object/apply:os.system ['touch /tmp/pwned']\n",
        "tag_python_name.yaml": "x: !!python/name:os.system\n",
        "tag_binary.yaml": good + "blob: !!binary aGVsbG8=\n",
        "tag_set.yaml": good + "s: !!set {a, b}\n",
        "tag_custom.yaml": "!custom\nfrom: quality\n",
        "yaml_directive.yaml": "%YAML 1.1\n%TAG ! tag:evil.example,2026:\n---\n" + good,
        "bare_timestamp.yaml": good.replace('"2026_11_22_10_05_00"', "2026-11-22 10:05:00").replace(
            "'2026_11_22_10_05_00'", "2026-11-22 10:05:00"
        ),
        "sexagesimal_iteration.yaml": good.replace("iteration: 1", "iteration: 1:0"),
        "sexagesimal_float.yaml": good + "window: 12:30.5\n",
        "octal_iteration.yaml": good.replace("iteration: 1", "iteration: 010"),
        "calendar_feb30.yaml": good.replace("2026_11_22_10_05_00", "2026_02_30_10_05_00"),
        "calendar_hour25.yaml": good.replace("2026_11_22_10_05_00", "2026_11_22_25_05_00"),
        "calendar_iso.json": json.dumps(handoff(content={"summary": "x", "at": "2026-13-01T00:00:00Z"})),
        "lone_surrogate.json": json.dumps(HANDOFF).replace("ready_for_guardians", "ready\\ud800"),
        "surrogate_key.json": json.dumps(HANDOFF)[:-1] + ', "\\udc00": 1}',
        "surrogate_pair_ok.json": json.dumps(handoff(content={"summary": "\\ud83d\\ude00"})).replace("\\\\", "\\"),
        "nul_byte.yaml": good.replace("summary: go", "summary: g\0o"),
        "nul_escape.json": json.dumps(handoff(subject="a\u0000b")),
        "invalid_utf8.yaml": good.encode().replace(b"summary: go", b"summary: \xff\xfe"),
        "utf16.json": json.dumps(HANDOFF).encode("utf-16"),
        "bom.yaml": "\ufeff" + good,
        "crlf.yaml": good.replace("\n", "\r\n"),
        "empty.yaml": "",
        "only_comment.yaml": "# nothing here\n",
        "two_documents.yaml": good + "---\n" + good,
        "list_top.json": "[]",
        "scalar_top.yaml": "hello\n",
        "null_top.yaml": "~\n",
        "tab_indent.yaml": "from: quality\ncontent:\n\tsummary: x\n",
        "unterminated.json": '{"from": "quality", "to": ',
        "trailing_garbage.json": json.dumps(HANDOFF) + " trailing",
        "json_comment.json": "// comment\n" + json.dumps(HANDOFF),
        "control_chars_subject.yaml": y(handoff(subject="ready\x1b[31m\u202e")),
        "ansi_in_key.json": json.dumps(HANDOFF)[:-1] + ', "\\u001b[2J": 1}',
        "long_subject.yaml": y(handoff(subject="s" * 10_000)),
        "huge_string.json": json.dumps(handoff(content={"summary": "x" * 900_000})),
        "oversize.json": json.dumps(handoff(content={"summary": "x" * 1_100_000})),
        "many_keys.json": json.dumps(handoff(content={f"k{i}": i for i in range(50_000)})),
        "long_line.yaml": "content: " + "a" * 500_000 + "\n",
        "wrong_to.yaml": y(handoff(to="deploy")),
        "wrong_epic.yaml": y(handoff(epic_id="epic_9")),
        "lookalike_epic.yaml": y(handoff(epic_id="epic_\uff11")),
        "traversal_from.yaml": y(handoff(**{"from": "../../etc/passwd"})),
        "reserved_name_from.yaml": y(handoff(**{"from": "CON"})),
        "null_from.yaml": y(handoff(**{"from": None})),
        "iteration_zero.yaml": y(handoff(iteration=0)),
        "iteration_bool.yaml": y(handoff(iteration=True)),
        "iteration_float.yaml": y(handoff(iteration=1.0)),
        "iteration_huge.json": json.dumps(handoff(iteration=10**18)),
        "iteration_negative.json": json.dumps(handoff(iteration=-1)),
        "type_unknown.yaml": y(handoff(type="exploit")),
        "content_text.yaml": y(handoff(content="plain text body")),
        "escalation_from_quality.yaml": y(handoff(type="escalation", subject="help")),
        "approval_not_from_tech_lead.yaml": y(
            handoff(type="approval", content={"review_digest": "0" * 64, "reason": "trust me"})
        ),
        "message_id_traversal.yaml": y(handoff(message_id="../../x")),
        "stale_iteration_handoff.yaml": y(handoff(iteration=1, subject="again")),
        # Guardian-to-guardian traffic that used to bounce between inboxes forever.
        "veto_from_deploy.yaml": y(
            handoff(
                **{"from": "deploy"},
                type="veto",
                subject="unsafe_migration",
                content={
                    "violation": "x",
                    "location": "y",
                    "impact": "z",
                    "requirement": "MIG403",
                    "suggestion": "s",
                    "blocking": True,
                },
                action_needed="fix it",
                in_reply_to="0" * 64,
            )
        ),
        "escalation_from_backup.yaml": y(handoff(**{"from": "backup"}, type="escalation", subject="help")),
        "approval_from_process.yaml": y(
            handoff(**{"from": "process"}, type="approval", content={"review_digest": "0" * 64, "reason": "r"})
        ),
        "handoff_origin_guardian.yaml": y(handoff(content={"summary": "go", "origin": "deploy"})),
    }


def _nest(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = {"n": value}
    return value


def migrations() -> dict[str, str | bytes]:
    alembic_head = 'revision = "a1"\ndown_revision = None\nfrom alembic import op\n\n\ndef upgrade():\n'
    alembic_tail = "\n\ndef downgrade():\n    pass\n"
    return {
        "segfault_plus_100k.sql": "SELECT " + "+".join(["1"] * 100_000) + ";\n",
        "deep_concat.sql": "SELECT " + "||".join(["'a'"] * 60_000) + ";\n",
        "deep_parens.sql": "SELECT " + "(" * 10_001 + "1" + ")" * 10_001 + ";\n",
        "deep_not.sql": "SELECT " + "NOT " * 10_000 + "true;\n",
        "deep_cast.sql": "SELECT 1" + "::int" * 5_000 + ";\n",
        "drop_20k_tables.sql": "".join(f"DROP TABLE t{i};\n" for i in range(20_000)),
        "big_insert_values.sql": "INSERT INTO t VALUES " + ",".join(f"({i},'x')" for i in range(12_000)) + ";\n",
        "unterminated_dollar.sql": "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1;\n",
        "unterminated_comment.sql": "/* never closed\nDROP TABLE x;\n",
        "nul_byte.sql": "SELECT 1;\0DROP TABLE x;\n",
        "invalid_utf8.sql": b"SELECT '\xff';\n",
        "alembic_deep_1k.py": alembic_head + "    op.execute(" + "+".join(['"x"'] * 1000) + ")" + alembic_tail,
        "alembic_deep_100k.py": alembic_head + "    op.execute(" + "+".join(['"x"'] * 100_000) + ")" + alembic_tail,
        "alembic_syntax_error.py": alembic_head + "    op.drop_table(\n" + alembic_tail,
        "django_deep.py": (
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [migrations.RunSQL(" + "+".join(['"x"'] * 2000) + ")]\n"
        ),
    }


# Trees: operations applied to epic_1 (paths relative to its folder; {outside}
# is a folder outside the repository that must stay untouched).
def trees() -> dict[str, dict[str, object]]:
    c = "consensus"
    return {
        "log_symlink_to_git_head": {
            "ops": [
                {"write": "{outside}/HEAD", "text": "ref: refs/heads/main"},
                {"symlink": f"{c}/decision_log.jsonl", "to": "{outside}/HEAD"},
            ]
        },
        "log_is_directory": {"ops": [{"mkdir": f"{c}/decision_log.jsonl"}]},
        "log_is_fifo": {"ops": [{"fifo": f"{c}/decision_log.jsonl"}]},
        "log_damaged_middle": {"ops": [{"log": 3}, {"damage_log_line": 2}]},
        "log_non_entry_tail": {"ops": [{"log": 2}, {"append": f"{c}/decision_log.jsonl", "text": '{"a": 1}\n'}]},
        "log_nul_tail": {"ops": [{"log": 2}, {"append": f"{c}/decision_log.jsonl", "text": "\0" * 64}]},
        "log_torn_tail": {"ops": [{"log": 2}, {"append": f"{c}/decision_log.jsonl", "text": '{"seq": 3, "ag'}]},
        "log_edited_last_entry": {"ops": [{"log": 2}, {"edit_last_entry": True}]},
        "log_lock_symlink": {
            "ops": [
                {"write": "{outside}/victim", "text": "keep me"},
                {"symlink": f"{c}/decision_log.jsonl.lock", "to": "{outside}/victim"},
            ]
        },
        "inbox_symlink": {
            "ops": [
                {"remove": f"{c}/messages/inbox/deploy"},
                {"symlink": f"{c}/messages/inbox/deploy", "to": "{outside}"},
            ]
        },
        "inbox_root_symlink": {
            "ops": [
                {"move": f"{c}/messages/inbox", "to": "{outside}/inbox"},
                {"symlink": f"{c}/messages/inbox", "to": "{outside}/inbox"},
            ]
        },
        "inbox_is_file": {
            "ops": [{"remove": f"{c}/messages/inbox/backup"}, {"write": f"{c}/messages/inbox/backup", "text": "x"}]
        },
        "processed_symlink": {"ops": [{"symlink": f"{c}/messages/inbox/migration/processed", "to": "{outside}"}]},
        "rejected_is_file": {"ops": [{"write": f"{c}/messages/inbox/migration/rejected", "text": "x"}]},
        "lock_is_directory": {"ops": [{"mkdir": f"{c}/.guardians.lock"}]},
        "lock_symlink": {
            "ops": [
                {"write": "{outside}/victim", "text": "keep me"},
                {"symlink": f"{c}/.guardians.lock", "to": "{outside}/victim"},
            ]
        },
        "journal_symlink": {
            "ops": [
                {"write": "{outside}/journal", "text": '{"files": []}'},
                {"symlink": f"{c}/.guardians.journal.json", "to": "{outside}/journal"},
            ]
        },
        "journal_is_directory": {"ops": [{"mkdir": f"{c}/.guardians.journal.json"}]},
        "journal_torn": {"ops": [{"write": f"{c}/.guardians.journal.json", "text": '{"message": "x", "fi'}]},
        "quarantine_symlink_with_torn_log": {
            "ops": [
                {"symlink": f"{c}/quarantine", "to": "{outside}"},
                {"write": f"{c}/decision_log.jsonl", "text": '{"torn'},
            ]
        },
        "artifacts_symlink": {
            "ops": [
                {"move": f"{c}/artifacts", "to": "{outside}/artifacts"},
                {"symlink": f"{c}/artifacts", "to": "{outside}/artifacts"},
            ]
        },
        "checkpoints_symlink": {"ops": [{"symlink": f"{c}/checkpoints", "to": "{outside}"}]},
        "message_symlink_to_secret": {
            "ops": [
                {"write": "{outside}/secret.yaml", "text": y(HANDOFF)},
                {"symlink": f"{c}/messages/inbox/migration/zz_link.yaml", "to": "{outside}/secret.yaml"},
            ]
        },
        "message_is_fifo": {"ops": [{"fifo": f"{c}/messages/inbox/migration/zz_fifo.yaml"}]},
        "message_is_directory": {"ops": [{"mkdir": f"{c}/messages/inbox/migration/zz_dir.yaml"}]},
        "message_hardlink_outside": {
            "ops": [
                {"write": "{outside}/hard.yaml", "text": y(HANDOFF)},
                {"hardlink": f"{c}/messages/inbox/migration/zz_hard.yaml", "to": "{outside}/hard.yaml"},
            ]
        },
        "impossible_checkpoint_date": {
            "ops": [
                {
                    "write": f"{c}/checkpoints/cp.json",
                    "text": json.dumps(
                        {
                            "name": "cp",
                            "epic_id": "epic_1",
                            "created_at": "2026_02_30_09_00_00",
                            "database": {
                                "location": "s3://b/x",
                                "sha256": "0" * 64,
                                "verified": True,
                                "restore_tested": True,
                            },
                        }
                    ),
                }
            ]
        },
        "plan_control_chars": {
            "ops": [
                {
                    "json_set": f"{c}/artifacts/plan.json",
                    "key": ["rollback_plan", "procedure", 0],
                    "value": "a\x1b[31m\u202eb",
                }
            ]
        },
        "plan_deep_json": {"ops": [{"write": f"{c}/artifacts/plan.json", "text": "[" * 100_000 + "]" * 100_000}]},
        "plan_is_symlink": {
            "ops": [
                {"move": f"{c}/artifacts/plan.json", "to": "{outside}/plan.json"},
                {"symlink": f"{c}/artifacts/plan.json", "to": "{outside}/plan.json"},
            ]
        },
        "implementation_migration_outside_root": {
            "ops": [
                {
                    "json_set": f"{c}/artifacts/implementation.json",
                    "key": ["migrations"],
                    "value": ["../../../../../../etc/passwd"],
                }
            ]
        },
        "implementation_twenty_spellings": {
            "ops": [
                {
                    "json_set": f"{c}/artifacts/implementation.json",
                    "key": ["migrations"],
                    "value": [f"migrations/{'../migrations/' * n}001_order_note.sql" for n in range(20)],
                }
            ]
        },
        "migration_symlink": {
            "ops": [
                {"write": "{outside}/evil.sql", "text": "DROP TABLE users;\n"},
                {"remove": f"{c}/artifacts/migrations/001_order_note.sql"},
                {"symlink": f"{c}/artifacts/migrations/001_order_note.sql", "to": "{outside}/evil.sql"},
            ]
        },
        "health_report_calendar_invalid": {
            "ops": [
                {"json_set": f"{c}/artifacts/health_report.json", "key": ["timestamp"], "value": "2026_04_31_00_00_00"}
            ]
        },
    }


def main() -> None:
    for sub, cases in (("messages", messages()), ("migrations", migrations())):
        folder = HERE / sub
        folder.mkdir(exist_ok=True)
        for name, data in cases.items():
            (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    folder = HERE / "trees"
    folder.mkdir(exist_ok=True)
    for name, spec in trees().items():
        (folder / f"{name}.json").write_text(json.dumps(spec, indent=1, ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
