"""Shared field types and base classes for the protocol models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from guardians.protocol.stamps import STAMP_FORMAT_NAME, TIME_FORMAT_NAME, real_stamp, real_time

STAMP_PATTERN = r"^[0-9]{4}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}$"
# Agents already write ISO 8601 in some artifacts; inputs accept both forms.
LOOSE_TIME_PATTERN = (
    r"^([0-9]{4}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}_[0-9]{2}"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?)?)$"
)
EPIC_PATTERN = r"^epic_[0-9]{1,9}$"
AGENT_PATTERN = r"^[a-z][a-z0-9_-]{0,39}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

Stamp = Annotated[
    str,
    Field(
        pattern=STAMP_PATTERN,
        description="UTC time as YYYY_MM_DD_HH_MM_SS.",
        examples=["2026_11_24_14_30_00"],
        json_schema_extra={"format": STAMP_FORMAT_NAME},
    ),
    AfterValidator(real_stamp),
]
LooseTime = Annotated[
    str,
    Field(
        pattern=LOOSE_TIME_PATTERN,
        description="UTC time as YYYY_MM_DD_HH_MM_SS (preferred) or ISO 8601.",
        examples=["2026_11_24_14_30_00"],
        json_schema_extra={"format": TIME_FORMAT_NAME},
    ),
    AfterValidator(real_time),
]
EpicId = Annotated[
    str, Field(pattern=EPIC_PATTERN, description="Epic id: 'epic_' followed by digits.", examples=["epic_7"])
]
AgentName = Annotated[
    str,
    Field(
        pattern=AGENT_PATTERN,
        description="Agent or person name, lower-case (migration, deploy, backup, process, quality, tech-lead...).",
    ),
]
Iteration = Annotated[int, Field(ge=1, le=1000, description="Consensus iteration, starting at 1.")]
Sha256 = Annotated[str, Field(pattern=SHA256_PATTERN, description="Lower-case hex sha256.")]
ShortText = Annotated[str, Field(max_length=2000)]
LongText = Annotated[str, Field(max_length=20000)]


class Strict(BaseModel):
    """Outputs the guardians write: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Open(BaseModel):
    """Inputs written by upstream agents: known keys are typed, extra keys are kept."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
