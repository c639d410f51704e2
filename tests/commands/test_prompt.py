"""`guardians prompt ROLE` (guardians/commands/prompt.py): every embedded example passes `check-write`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.parametrize("role", ["quality", "developer", "architect", "tech-lead"])
def test_every_prompt_example_passes_check(run_cli, example, role):
    from guardians.commands.prompt import embedded_examples

    result = run_cli("prompt", role)
    assert result.exit_code == 0
    text = result.output
    assert "guardians send" in text or "check-write" in text
    examples = embedded_examples(text)
    assert examples, text
    root = example("clean")
    for path, body in examples:
        target = root / path.replace("epic_7", "epic_1")
        body = body.replace("epic_7", "epic_1")
        checked = subprocess.run(
            [sys.executable, "-m", "guardians", "check-write", "--format", "json", str(target), "-"],
            input=body,
            capture_output=True,
            text=True,
        )
        data = json.loads(checked.stdout)
        assert data["ok"], (role, path, data["results"][0]["findings"])
        assert data["results"][0]["kind"] in ("artifact", "message")


def test_prompts_name_the_rules_from_the_registries(run_cli):
    from guardians.commands.explain import all_rules

    text = run_cli("prompt", "developer").output
    for rule in all_rules():
        if rule.code.startswith("MIG"):
            assert f"`{rule.code}` {rule.name}" in text
