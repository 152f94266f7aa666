"""Settings: ``reconciler.toml``, validated once at start-up, before any I/O.

Precedence: defaults < TOML file (``--config`` / ``RECONCILER_CONFIG`` / ``./reconciler.toml``)
< CLI flags. Unknown keys are errors (``extra="forbid"``): a typo in a tolerance must not silently
fall back to a default in a nightly job. A failure is a :class:`~reconciler.core.errors.ConfigError`
naming the file, the dotted key and the fix. No credentials live here: boto3's standard chain
supplies them and ``AWS_ENDPOINT_URL`` points boto3 at another endpoint.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reconciler.core.attribution_rules import AttributionConfig
from reconciler.core.errors import ConfigError

__all__ = ["Settings", "load_settings"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CloudWatchSource(_Model):
    log_group: str
    """Log group that Bedrock delivers invocation records to."""
    region: str | None = None
    """Region of the log group (default: boto3's configured Region)."""


class SourcesConfig(_Model):
    logs: list[str] = Field(default_factory=list)
    """Invocation-log sources for `run`: paths, globs or s3:// prefixes (relative paths are
    relative to the config file's directory)."""
    cloudwatch: list[CloudWatchSource] = Field(default_factory=list)
    """CloudWatch Logs groups to pull for `run`."""
    invoices: list[str] = Field(default_factory=list)
    """CUR 2.0 / FOCUS sources for `run`: paths, globs or s3:// prefixes (relative to the config
    file's directory)."""
    cost_explorer: bool = False
    """Pull the run's window from Cost Explorer (GetCostAndUsage) as an invoice source; CUR
    lines win over Cost Explorer lines for the same billing period and account."""
    workers: int = Field(default=2, ge=1, le=64)
    """Worker processes for log ingest (decompress + parse)."""


class IngestConfig(_Model):
    """Per-file and per-record limits of the log ingest (docs/ingest.md, "Limits"); a file or
    record over a limit is quarantined with a reason, never a crash. Raise one when real data
    needs it."""

    max_decompressed_bytes: int = Field(default=256 << 20, ge=1 << 20, le=4 << 30)
    """Per file: bytes once decompressed (256 MiB); a bigger file is file_too_large."""
    max_quarantine_rows_per_file: int = Field(default=1_000, ge=1, le=1_000_000)
    """Per file: rejected lines listed one by one; the rest are counted in one row."""
    max_tokens_per_count: int = Field(default=100_000_000, ge=1, le=2**63 - 1)
    """Per record: the plausibility ceiling of each token count (100 M)."""
    max_field_chars: int = Field(default=2_048, ge=64, le=1 << 20)
    """Per record: characters of each id, ARN, Region and requestMetadata key or value."""
    max_metadata_entries: int = Field(default=64, ge=1, le=100_000)
    """Per record: entries of requestMetadata."""


class ReportsConfig(_Model):
    """What `reconciler run` writes after the stages (docs/report.md)."""

    dir: str | None = "reports"
    """Directory for the run's report files (relative to the config file's directory when the
    file sets it; the default `reports` is in the working directory); empty string or
    `--no-reports` writes none."""
    by: list[str] = Field(default_factory=lambda: ["team", "application"])
    """Grouping of the spend report files."""


class TolerancesConfig(_Model):
    absolute_usd: Decimal = Decimal("0.01")
    """A bucket whose |invoiced - rated| is at most this many dollars is matched."""
    percent: Decimal = Decimal("1")
    """... or at most this percentage of the invoiced cost."""


class DiscountConfig(_Model):
    """One negotiated discount (``[[pricing.discounts]]``): percent off list, effective-dated."""

    scope: Literal["all", "account", "model", "provider"]
    """What it applies to: all usage, one account, one base model, or one provider."""
    value: str = "*"
    """Account id, base model id or provider (``anthropic``); ``*`` for scope all."""
    percent: Decimal = Field(gt=0, le=100)
    """Percent off list price, e.g. 7.5."""
    effective_from: date
    """First UTC date the discount applies."""
    effective_to: date | None = None
    """First UTC date it no longer applies (exclusive); omit for open-ended."""
    source: str | None = None
    """Where it comes from (contract reference); default: the config file."""


class PricingConfig(_Model):
    discounts: list[DiscountConfig] = Field(default_factory=list)
    """Negotiated discounts; rating applies the most specific one per usage row."""


class InvoicesConfig(_Model):
    billing_names: str | None = None
    """Your CSV of extra billing-name / product-name -> base-model rows (same header as
    reconciler/data/billing_names.csv); your rows win over the bundled ones."""
    amazon_bedrock_tokens_per_unit: int = Field(default=1_000, gt=0, le=1_000_000)
    """Tokens per billed unit of AmazonBedrock token usage types when the row has no pricing unit
    (AWS bills these per 1K tokens; UNCONFIRMED, see docs/invoices.md)."""
    marketplace_tokens_per_unit: int = Field(default=1_000_000, gt=0, le=1_000_000)
    """Tokens per billed unit of Marketplace ``-Units`` token meters without a pricing unit
    (per 1M tokens; UNCONFIRMED)."""
    currency_rates: dict[str, Decimal] = Field(default_factory=dict)
    """USD per unit of a billing currency, e.g. ``{ EUR = "1.08" }`` (a string keeps the rate
    exact; above 0, below 1000, at most 11 decimal places): a bill in that currency is loaded
    with every amount multiplied by it. Without a rate a non-USD bill is refused (quarantined as
    non_usd_currency, exit 1)."""

    @model_validator(mode="after")
    def _rates_positive(self) -> InvoicesConfig:
        for code, rate in self.currency_rates.items():
            if not (len(code) == 3 and code.isascii() and code.isalpha()):
                raise ValueError(f"currency_rates: {code!r} is not a 3-letter ISO currency code")
            exponent = rate.as_tuple().exponent if rate.is_finite() else 0
            if not rate.is_finite() or not 0 < rate < 1000 or int(exponent) < -11:
                raise ValueError(
                    f"currency_rates.{code}: the rate must be a positive number of USD per "
                    "unit below 1000 with at most 11 decimal places"
                )
        return self


AllocationPolicy = Literal["usage_share", "even", "owner"]


class AllocationConfig(_Model):
    """How invoiced cost that no logged token explains is split to teams (allocate stage)."""

    non_token: AllocationPolicy = "usage_share"
    """Charges with nothing logged (guardrails, provisioned hours, storage, training, images):
    usage_share = by the teams' rated cost of the related model (else of the account that day),
    even = equal parts to every team active in the charge's account that day (neither crosses
    accounts), owner = all to owner_team."""
    charges: dict[str, AllocationPolicy] = Field(default_factory=dict)
    """Per-charge override of non_token, e.g. guardrail_text_units = "even"."""
    owner_team: str | None = None
    """Team that owns shared charges (policy owner) and idle capacity (idle = owner)."""
    idle: Literal["separate", "owner"] = "separate"
    """Idle provisioned capacity: its own line for team "idle", or charged to owner_team."""

    @model_validator(mode="after")
    def _owner_named(self) -> AllocationConfig:
        wants_owner = self.idle == "owner" or "owner" in {self.non_token, *self.charges.values()}
        if wants_owner and not self.owner_team:
            raise ValueError("an 'owner' allocation policy needs allocation.owner_team")
        return self


class WhatifConfig(_Model):
    """What-if re-rating (``reconciler whatif``, docs/whatif.md): the assumptions it states."""

    batch_applications: list[str] = Field(default_factory=list)
    """Applications whose calls can wait for a batch job: the batch scenario's opportunities
    (every other application is a ranked candidate)."""
    cache_hit_rate: Decimal = Field(default=Decimal("0.5"), gt=0, le=1)
    """Caching candidates: share of the uncached input assumed to be read from the cache."""
    cache_min_input_tokens: int = Field(default=1024, ge=1)
    """Caching candidates: least average uncached input tokens per request."""
    moves: list[str] = Field(default_factory=list)
    """Model switches as FROM=TO base model ids (added to --move)."""
    model_unit_tokens_per_minute: dict[str, int] = Field(default_factory=dict)
    """Provisioned throughput: tokens per minute one model unit serves, per base model or '*'
    (an assumption, not an AWS figure; none = the scenario is unpriced)."""
    top: int = Field(default=10, ge=1)
    """How many opportunities per scenario the table, markdown and HTML show."""


class Settings(_Model):
    """Everything a run needs besides data. Passed explicitly; there is no global."""

    sources: SourcesConfig = Field(default_factory=SourcesConfig)
    tolerances: TolerancesConfig = Field(default_factory=TolerancesConfig)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    pricing: PricingConfig = Field(default_factory=PricingConfig)
    invoices: InvoicesConfig = Field(default_factory=InvoicesConfig)
    allocation: AllocationConfig = Field(default_factory=AllocationConfig)
    whatif: WhatifConfig = Field(default_factory=WhatifConfig)
    regions: list[str] = Field(default_factory=list)
    """Regions Bedrock is used in: the default for `ingest metrics` and `doctor` --region."""
    model_map: str | None = None
    """CSV mapping application-inference-profile ARNs to base models and tags, for offline use."""
    model_id_retry_minutes: int = Field(default=60, ge=0)
    """Minutes before a model id whose Bedrock API lookup failed is looked up again (0: every
    run). A backfill of many windows or a re-run then asks once, not once per run."""
    attribution: AttributionConfig = Field(default_factory=AttributionConfig)
    """Ordered team/application attribution rules (docs/attribution.md)."""
    config_path: str | None = None
    """Where these settings were read from (set by load_settings)."""


def load_settings(path: str | None = None, *, required: bool = False) -> Settings:
    """Read and validate settings; ``path`` None means env ``RECONCILER_CONFIG`` or
    ``./reconciler.toml`` if it exists, else defaults."""
    chosen = path or os.environ.get("RECONCILER_CONFIG")
    if chosen is None and Path("reconciler.toml").is_file():
        chosen = "reconciler.toml"
    if chosen is None:
        return Settings()
    file = Path(chosen)
    if not file.is_file():
        raise ConfigError(f"config file {chosen} not found: pass an existing --config file")
    try:
        data: dict[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"config file {chosen}: cannot read it ({exc.strerror or exc}); "
            "give this user read access or pass another --config"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {chosen}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML ({exc}); fix the syntax") from exc
    base = file.resolve().parent
    try:
        settings = Settings.model_validate(data | {"config_path": str(file)})
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{chosen}: key '{key}': {err['msg']}") from exc
    return _resolve_paths(settings, base, data)


def _local(value: str, base: Path) -> str:
    """A path written in a config file, relative to that file's directory (like ``model_map``
    always was), so a config works from any working directory; URIs (``s3://``) and absolute
    paths stay as they are, ``~`` is expanded."""
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base / path)


def _resolve_paths(settings: Settings, base: Path, data: dict[str, Any]) -> Settings:
    """Every file or directory path of a config file resolved against the file's directory:
    ``[sources] logs, invoices``, ``model_map``, ``[invoices] billing_names`` and, when the file
    sets it, ``[reports] dir`` (docs/scheduling.md)."""
    src = settings.sources
    update: dict[str, Any] = {
        "sources": src.model_copy(
            update={
                "logs": [_local(p, base) for p in src.logs],
                "invoices": [_local(p, base) for p in src.invoices],
            }
        )
    }
    if settings.model_map:
        update["model_map"] = _local(settings.model_map, base)
    if settings.invoices.billing_names:
        update["invoices"] = settings.invoices.model_copy(
            update={"billing_names": _local(settings.invoices.billing_names, base)}
        )
    reports = data.get("reports")
    if settings.reports.dir and isinstance(reports, dict) and "dir" in reports:
        update["reports"] = settings.reports.model_copy(
            update={"dir": _local(settings.reports.dir, base)}
        )
    return settings.model_copy(update=update)
