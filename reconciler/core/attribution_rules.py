"""Attribution rules: the ``[attribution]`` section of ``reconciler.toml`` (docs/attribution.md).

Rules are data, validated once at start-up by these pydantic models (``extra="forbid"``: a typo
in a key is an error, not a silently ignored rule). The stage that applies them is
``reconciler.stages.attribute``;
it turns each rule into set-based SQL, so nothing here runs per record.

Team and application are decided independently: for each of them, the first rule (in file order)
that yields a value wins. A rule yields nothing outside its ``effective_from``/``effective_to``
dates (``effective_to`` exclusive), which is how a principal owned by team A until a date and by
team B after it is written. ``renames`` then rewrite results from a date on (team ``search``
becomes ``discovery`` from 2025-11-04), whichever rule produced them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AccountDefault",
    "AccountRule",
    "AttributionConfig",
    "PrincipalRule",
    "ProfileTagRule",
    "Rename",
    "RequestMetadataRule",
    "Rule",
    "glob_to_regex",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _nonempty(values: list[str]) -> list[str]:
    if not values or any(not v for v in values):
        raise ValueError("must be a non-empty list of non-empty strings")
    return values


class _Dated(_Model):
    effective_from: dt.date | None = None
    """First day (UTC) the rule applies; empty = since always."""
    effective_to: dt.date | None = None
    """First day (UTC) it no longer applies (exclusive); empty = open."""

    @model_validator(mode="after")
    def _ordered(self) -> _Dated:
        if self.effective_from and self.effective_to and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from (it is exclusive)")
        return self


class _KeyedRule(_Dated):
    """Team/application read from keys (first present, non-empty one wins), each value
    translated through an optional map (values not in the map pass through unchanged)."""

    team_keys: list[str] = Field(default_factory=lambda: ["team"])
    application_keys: list[str]
    team_map: dict[str, str] = Field(default_factory=dict)
    """Value -> team (e.g. cost-centre codes)."""
    application_map: dict[str, str] = Field(default_factory=dict)

    _keys = field_validator("team_keys", "application_keys")(_nonempty)


class RequestMetadataRule(_KeyedRule):
    """Team/application from the caller's ``requestMetadata`` (Converse only)."""

    kind: Literal["request_metadata"]
    application_keys: list[str] = Field(default_factory=lambda: ["app", "application"])


class ProfileTagRule(_KeyedRule):
    """Team/application from the tags of the application inference profile in ``modelId``
    (tag keys are case-sensitive, as in AWS)."""

    kind: Literal["profile_tag"]
    application_keys: list[str] = Field(default_factory=lambda: ["application", "app"])


def glob_to_regex(pattern: str) -> str:
    """``*`` any run of characters, ``?`` one character, everything else literal."""
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return "".join(parts)


class PrincipalRule(_Dated):
    """A fixed team/application for callers whose IAM principal matches.

    ``role`` matches the role of ``arn:aws:sts::<acct>:assumed-role/<role>/<session>``,
    ``session`` its session name, ``user`` the user name of ``arn:aws:iam::<acct>:user/<user>``,
    ``arn`` the whole ARN. Every pattern given must match (the whole value, case-sensitive).
    """

    kind: Literal["principal"]
    syntax: Literal["glob", "regex"] = "glob"
    role: str | None = None
    session: str | None = None
    user: str | None = None
    arn: str | None = None
    team: str | None = None
    application: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> PrincipalRule:
        if not any((self.role, self.session, self.user, self.arn)):
            raise ValueError("give at least one of role, session, user, arn")
        if not (self.team or self.application):
            raise ValueError("give team and/or application")
        for name, regex in self.regexes().items():
            _check_regex(name, regex)
        return self

    def regexes(self) -> dict[str, str]:
        """Pattern per principal part, as RE2 regexes for DuckDB's regexp_full_match."""
        out = {}
        for name in ("role", "session", "user", "arn"):
            value = getattr(self, name)
            if value:
                out[name] = glob_to_regex(value) if self.syntax == "glob" else value
        return out


def _check_regex(name: str, regex: str) -> None:
    """DuckDB uses RE2 (no look-around, no back-references): check with the engine itself.
    DuckDB is imported here, not with the module: every command validates its settings first."""
    import duckdb

    try:
        duckdb.connect().execute("SELECT regexp_full_match('', $r)", {"r": regex})
    except duckdb.Error as exc:
        raise ValueError(f"{name}: {regex!r} is not a valid RE2 regular expression") from exc


class AccountDefault(_Model):
    team: str | None = None
    application: str | None = None

    @model_validator(mode="after")
    def _something(self) -> AccountDefault:
        if not (self.team or self.application):
            raise ValueError("give team and/or application")
        return self


class AccountRule(_Dated):
    """A default team/application per AWS account id (12 digits)."""

    kind: Literal["account"]
    accounts: dict[str, AccountDefault]

    @field_validator("accounts")
    @classmethod
    def _ids(cls, value: dict[str, AccountDefault]) -> dict[str, AccountDefault]:
        bad = [k for k in value if not re.fullmatch(r"[0-9]{12}", k)]
        if bad:
            raise ValueError(f"account ids must be 12 digits (quote them in TOML): {bad}")
        if not value:
            raise ValueError("list at least one account")
        return value


Rule = Annotated[
    RequestMetadataRule | ProfileTagRule | PrincipalRule | AccountRule,
    Field(discriminator="kind"),
]


class Rename(_Dated):
    """Rewrite a team (or application) name from a date on, after the rules ran."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    field: Literal["team", "application"] = "team"
    old: str = Field(alias="from", min_length=1)
    new: str = Field(alias="to", min_length=1)


class AttributionConfig(_Model):
    """Ordered rules (first match wins, per field) and effective-dated renames. No rules: the
    contract default (request-metadata ``team``; ``app`` or ``application``)."""

    rules: list[Rule] = Field(default_factory=list)
    renames: list[Rename] = Field(default_factory=list)
