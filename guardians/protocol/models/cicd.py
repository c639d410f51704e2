"""cicd.yaml: the subset of a GitHub Actions workflow the deploy guardian writes."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from guardians.protocol.models.common import Strict


class Step(Strict):
    name: str = Field(description="Step title shown in the Actions UI.")
    if_: str | None = Field(default=None, alias="if", description="Condition, e.g. failure().")
    run: str | None = Field(default=None, description="Shell commands.")
    uses: str | None = Field(default=None, description="Action reference, owner/repo@ref.")
    with_: dict[str, str | int | bool] | None = Field(default=None, alias="with", description="Action inputs.")
    env: dict[str, str] | None = Field(default=None, description="Step environment.")


class Job(Strict):
    name: str = Field(description="Job title.")
    runs_on: str = Field(alias="runs-on", description="Runner label, e.g. ubuntu-latest.")
    needs: list[str] | None = Field(default=None, description="Jobs that must finish first.")
    environment: str | None = Field(default=None, description="GitHub environment (gates approvals).")
    timeout_minutes: int | None = Field(default=None, alias="timeout-minutes", ge=1)
    steps: list[Step] = Field(min_length=1, description="Ordered steps.")


class Workflow(Strict):
    """cicd.yaml, a GitHub Actions workflow written by the deploy guardian."""

    name: str = Field(description="Workflow name.")
    on: dict[str, Any] = Field(description="Trigger events (push, workflow_dispatch...).")
    permissions: dict[str, str] | None = Field(default=None, description="GITHUB_TOKEN permissions.")
    concurrency: dict[str, Any] | None = Field(default=None, description="Concurrency group.")
    jobs: dict[str, Job] = Field(min_length=1, description="Jobs by id.")
