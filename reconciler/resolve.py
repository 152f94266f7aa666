"""Model-id resolution: what a logged ``modelId`` bills as.

Bedrock logs whatever identifier the caller used (formats.md §1.4): a base model id, a
foundation-model ARN, a system inference profile id (``us.``/``eu.``/``global.`` ...) or its ARN,
an application inference profile (AIP) ARN, a provisioned/custom/imported model ARN, a prompt or
prompt-router ARN, or a SageMaker endpoint ARN. Pricing needs ``(base_model, routing)``:
the geo prefix changes the price, and an AIP ARN says nothing about the model behind it.

:func:`resolve_model_id` is a pure parser. It never guesses: a string it does not recognise is
returned with ``resolved=False`` and a reason (``unresolved:<why>``), so the usage it carries
becomes *unpriced* later (a finding), never $0. Forms whose model cannot be read from the string
(AIPs, provisioned and custom models ...) are returned unresolved too; the stage
:func:`resolve_model_ids` then consults, in order, the user's mapping file
(``Settings.model_map``, docs/model-ids.md) and, for AIPs, the Bedrock control-plane API
(``GetInferenceProfile`` + ``ListTagsForResource``). Results are cached in ``model_ids``; only
unresolved ids are tried again on the next run, so each AIP is looked up once.

Why the mapping file wins over the API: it is the user's explicit statement (and works offline
and for profiles that have since been deleted); delete a row to let the API decide.
"""

from __future__ import annotations

import csv
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from reconciler.config import Settings
from reconciler.db.connect import transaction
from reconciler.db.sql import execute
from reconciler.errors import ConfigError
from reconciler.runs import StageResult

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient

__all__ = [
    "GEO_PREFIXES",
    "BedrockClientFactory",
    "MapEntry",
    "Resolution",
    "load_model_map",
    "lookup_application_profile",
    "resolve_model_id",
    "resolve_model_ids",
]

logger = logging.getLogger(__name__)

GEO_PREFIXES: frozenset[str] = frozenset({"us", "eu", "apac", "jp", "au", "ca", "in", "us-gov"})
"""System inference profile prefixes that route within a geography (formats.md §1.4)."""
_GLOBAL = "global"
_ROUTINGS = ("in_region", "geo", "global")

BedrockClientFactory = Callable[[str], "BedrockClient"]
"""Makes a ``bedrock`` control-plane client for a Region (AIP ARNs are regional)."""

# Shapes from botocore's bedrock / bedrock-runtime models (InvokeModelIdentifier,
# FoundationModelArn). A base id is ``provider.model`` with up to two ``:suffix`` parts
# (``:0``, ``:0:200k``). Ids with more dots are accepted only behind a known profile prefix:
# ``xx.anthropic.claude...`` could be a profile with a prefix we do not know, so it is not guessed.
_SEG = r"[a-z0-9-]{1,63}"
_BASE_ID = re.compile(rf"{_SEG}\.{_SEG}(?::{_SEG}){{0,2}}")
_PROFILE_ID = re.compile(rf"(?P<prefix>{_SEG})\.(?P<base>{_SEG}\.{_SEG}(?::{_SEG}){{0,2}})")
_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z-]+)?):(?P<service>bedrock|sagemaker):"
    r"(?P<region>[a-z0-9-]{0,20}):(?P<account>[0-9]{12})?:(?P<type>[a-z-]+)/(?P<rest>.+)"
)
_ID12 = r"[a-z0-9]{12}"
_CUSTOM = re.compile(rf"(?P<base>imported|{_BASE_ID.pattern})/{_ID12}")
_PROMPT = re.compile(r"[0-9a-zA-Z]{10}(?::[0-9]{1,5})?")
_NAME = re.compile(r"[a-zA-Z0-9-:.]+")
_RESOURCE_ID = re.compile(_ID12)

# ARN resource types whose model cannot be read from the ARN:
# type -> (resource-id shape, kind, unresolved reason, billing mode).
# AIPs are looked up through the API; the others need a row in the mapping file.
_RESOURCES: dict[str, tuple[re.Pattern[str], str, str, str | None]] = {
    "application-inference-profile": (
        _NAME, "application_profile", "aip_lookup_pending", "on_demand",
    ),
    "provisioned-model": (_RESOURCE_ID, "provisioned", "provisioned_model", "provisioned"),
    "custom-model": (_CUSTOM, "custom", "custom_model", "provisioned"),
    "custom-model-deployment": (
        _RESOURCE_ID, "custom_deployment", "custom_model_deployment", "on_demand",
    ),
    "imported-model": (_RESOURCE_ID, "imported", "imported_model", "custom_import"),
    "prompt": (_PROMPT, "prompt", "prompt", None),
    "prompt-router": (_NAME, "prompt_router", "prompt_router", None),
    "default-prompt-router": (_NAME, "prompt_router", "prompt_router", None),
}  # fmt: skip


@dataclass(frozen=True)
class Resolution:
    """One logged model id, resolved (or not) to what it bills as; fields match ``model_ids``."""

    model_id: str
    kind: str
    """foundation_model | system_profile | application_profile | provisioned | custom |
    custom_deployment | imported | prompt | prompt_router | sagemaker | unknown"""
    resolved: bool
    resolution: str
    """parsed | bedrock_api | mapping_file | unresolved:<why>"""
    base_model: str | None = None
    routing: str | None = None
    mode: str | None = None
    geo: str | None = None
    profile_arn: str | None = None
    tags: Mapping[str, str] | None = field(default=None, compare=True, hash=False)
    region: str | None = None
    """Region in the ARN (where a lookup must be made); None for bare ids."""

    @property
    def needs_api(self) -> bool:
        """True for an AIP the parser alone cannot resolve."""
        return self.kind == "application_profile" and not self.resolved


def _unresolved(model_id: str, kind: str, why: str, **kw: Any) -> Resolution:
    return Resolution(model_id, kind, False, f"unresolved:{why}", **kw)


def _bare(
    model_id: str, text: str, *, arn: str | None = None, region: str | None = None
) -> Resolution | None:
    """A base id or a system profile id (``us.anthropic...``, ``global.amazon...``)."""
    if _BASE_ID.fullmatch(text):
        provider = text.split(".", 1)[0]
        if provider in GEO_PREFIXES or provider == _GLOBAL:
            return None  # "us.nova" is a truncated profile id, not provider "us"
        return Resolution(
            model_id, "foundation_model", True, "parsed", base_model=text,
            routing="in_region", mode="on_demand", region=region,
        )  # fmt: skip
    m = _PROFILE_ID.fullmatch(text)
    if m is None:
        return None
    prefix, base = m.group("prefix"), m.group("base")
    if base.split(".", 1)[0] in GEO_PREFIXES | {_GLOBAL}:
        return None
    if prefix == _GLOBAL:
        routing = "global"
    elif prefix in GEO_PREFIXES:
        routing = "geo"
    else:
        return _unresolved(
            model_id, "unknown", "unknown_profile_prefix", profile_arn=arn, region=region
        )
    return Resolution(
        model_id, "system_profile", True, "parsed", base_model=base, routing=routing,
        mode="on_demand", geo=prefix, profile_arn=arn, region=region,
    )  # fmt: skip


def resolve_model_id(model_id: str) -> Resolution:
    """Parse one logged ``modelId`` without any I/O. Never raises and never guesses."""
    m = _ARN.fullmatch(model_id)
    if m is None:
        if model_id.startswith("arn:"):
            return _unresolved(model_id, "unknown", "unrecognised")
        return _bare(model_id, model_id) or _unresolved(model_id, "unknown", "unrecognised")
    service, region, account = m.group("service"), m.group("region"), m.group("account")
    rtype, rest = m.group("type"), m.group("rest")
    where = {"region": region or None}
    if service == "sagemaker":
        if rtype == "endpoint" and account and region:
            return _unresolved(model_id, "sagemaker", "sagemaker_endpoint", **where)
        return _unresolved(model_id, "unknown", "unrecognised", **where)
    if rtype == "foundation-model" and account is None and region:
        if _BASE_ID.fullmatch(rest):
            found = _bare(model_id, rest, region=region)
            if found is not None and found.kind == "foundation_model":
                return found
        return _unresolved(model_id, "unknown", "unrecognised", **where)
    if account is None or not region:
        return _unresolved(model_id, "unknown", "unrecognised", **where)
    arn = {"profile_arn": model_id, **where}
    if rtype == "inference-profile":
        found = _bare(model_id, rest, arn=model_id, region=region)
        if found is not None and found.kind != "foundation_model":
            return found  # a system profile, or one with a prefix we do not know
        return _unresolved(model_id, "unknown", "unrecognised", **where)
    shape = _RESOURCES.get(rtype)
    if shape is not None and shape[0].fullmatch(rest):
        _, kind, why, mode = shape
        return _unresolved(model_id, kind, why, mode=mode, **arn)
    return _unresolved(model_id, "unknown", "unrecognised", **where)


# --- the user's mapping file ----------------------------------------------------------------


@dataclass(frozen=True)
class MapEntry:
    """One row of the mapping CSV: what a model id bills as, and (for AIPs) its tags."""

    base_model: str
    routing: str
    tags: Mapping[str, str] | None


_MAP_COLUMNS = ("model_id", "base_model", "routing", "tags")


def _map_path(settings: Settings) -> Path | None:
    if settings.model_map is None:
        return None
    path = Path(settings.model_map)
    if not path.is_absolute() and settings.config_path:
        path = Path(settings.config_path).resolve().parent / path
    return path


def load_model_map(path: Path) -> dict[str, MapEntry]:
    """Read and validate the mapping CSV (docs/model-ids.md); a bad file is a ConfigError
    naming the file, the line and the column, because a nightly job must not half-apply it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(
            f"model_map {path}: cannot read it ({exc.strerror}); fix the path in model_map"
        ) from exc
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in _MAP_COLUMNS[:3] if c not in header]
    extra = [c for c in header if c not in _MAP_COLUMNS]
    if missing or extra:
        raise ConfigError(
            f"model_map {path}: header must be {','.join(_MAP_COLUMNS)} (tags optional); "
            f"missing {missing or 'none'}, unknown {extra or 'none'}"
        )
    out: dict[str, MapEntry] = {}
    for line, row in enumerate(reader, start=2):
        where = f"model_map {path}:{line}"
        if None in row:
            raise ConfigError(f"{where}: more fields than the header; quote values with commas")
        model_id = (row.get("model_id") or "").strip()
        base = (row.get("base_model") or "").strip()
        routing = (row.get("routing") or "").strip()
        if not model_id:
            raise ConfigError(f"{where}: column model_id is empty")
        if model_id in out:
            raise ConfigError(f"{where}: model_id {model_id} is mapped twice; keep one row")
        if resolve_model_id(base).kind != "foundation_model":
            raise ConfigError(
                f"{where}: column base_model {base!r} is not a base model id "
                "(like anthropic.claude-haiku-4-5-20251001-v1:0, without us./global. prefix)"
            )
        if routing not in _ROUTINGS:
            raise ConfigError(
                f"{where}: column routing {routing!r} must be one of {', '.join(_ROUTINGS)}"
            )
        out[model_id] = MapEntry(base, routing, _parse_tags(row.get("tags") or "", where))
    return out


def _parse_tags(text: str, where: str) -> dict[str, str] | None:
    if not text.strip():
        return None
    tags: dict[str, str] = {}
    for pair in text.split(";"):
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{where}: column tags: {pair!r} is not key=value")
        tags[key.strip()] = value.strip()
    return tags


def _apply_map(found: Resolution, entry: MapEntry) -> Resolution:
    geo = _GLOBAL if entry.routing == "global" else None
    return replace(
        found,
        base_model=entry.base_model,
        routing=entry.routing,
        mode=found.mode or "on_demand",
        geo=geo,
        tags=entry.tags,
        resolved=True,
        resolution="mapping_file",
    )


# --- the Bedrock control-plane API -----------------------------------------------------------


def _default_factory(region: str) -> BedrockClient:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=10
    )
    return boto3.client("bedrock", region_name=region, config=config)


def lookup_application_profile(client: BedrockClient, found: Resolution) -> Resolution:
    """Resolve an AIP through ``GetInferenceProfile`` (its model ARNs) and
    ``ListTagsForResource`` (its tags). Raises botocore errors for the caller to classify.

    One foundation-model ARN means the profile copies a base model (in-Region). Several ARNs in
    several Regions mean it copies a geo system profile. A Region-less ARN
    (``arn:aws:bedrock:::foundation-model/...``) is what global profiles list: routing global.
    """
    arn = found.model_id
    profile = client.get_inference_profile(inferenceProfileIdentifier=arn)
    bases: set[str] = set()
    regions: set[str] = set()
    for model in profile.get("models", []):
        m = _ARN.fullmatch(model.get("modelArn", ""))
        if m is None or m.group("type") != "foundation-model" or m.group("account"):
            return replace(found, resolution="unresolved:aip_unusable_models")
        if not _BASE_ID.fullmatch(m.group("rest")):
            return replace(found, resolution="unresolved:aip_unusable_models")
        bases.add(m.group("rest"))
        regions.add(m.group("region"))
    if len(bases) != 1:
        return replace(found, resolution="unresolved:aip_unusable_models")
    if "" in regions:
        routing, geo = "global", _GLOBAL
    elif len(regions) > 1:
        routing, geo = "geo", None
    else:
        routing, geo = "in_region", None
    tag_list = client.list_tags_for_resource(resourceARN=arn).get("tags", [])
    tags = {t["key"]: t["value"] for t in tag_list}
    return replace(
        found,
        base_model=bases.pop(),
        routing=routing,
        geo=geo,
        tags=tags,
        resolved=True,
        resolution="bedrock_api",
    )


@dataclass
class _Api:
    """Clients per Region; a Region whose endpoint or credentials failed is not tried again in
    this run (one timeout, not one per profile)."""

    factory: BedrockClientFactory
    clients: dict[str, BedrockClient] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)

    def resolve(self, found: Resolution) -> Resolution:
        from botocore.exceptions import BotoCoreError, ClientError

        region = found.region or ""
        if region in self.down:
            return replace(found, resolution="unresolved:aip_lookup_failed")
        try:
            if region not in self.clients:
                self.clients[region] = self.factory(region)
            return lookup_application_profile(self.clients[region], found)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            logger.warning("GetInferenceProfile failed for %s: %s", found.model_id, code)
            if code == "ResourceNotFoundException":
                return replace(found, resolution="unresolved:aip_not_found")
            if code in ("AccessDeniedException", "UnrecognizedClientException"):
                self.down.add(region)
            return replace(found, resolution="unresolved:aip_lookup_failed")
        except BotoCoreError as exc:  # endpoint unreachable, no credentials, timeouts
            logger.warning("Bedrock API unreachable in %s: %s", region, type(exc).__name__)
            self.down.add(region)
            return replace(found, resolution="unresolved:aip_lookup_failed")


# --- the stage ------------------------------------------------------------------------------


def resolve_model_ids(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    bedrock_client_factory: BedrockClientFactory | None = None,
    refresh: bool = False,
) -> StageResult:
    """Resolve every distinct logged model id not yet resolved into ``model_ids``.

    Unresolved ids are retried on every run (the API may be back, the mapping file may have a
    row now); resolved ones are cached (``refresh=True`` looks everything up again, e.g. after
    AIP tags changed). ``findings`` is the number of ids still unresolved: their usage is
    unpriced later, never $0. API failures are not exceptions: they leave the id unresolved with
    ``unresolved:aip_lookup_failed``.
    """
    started = time.perf_counter()
    mapping = {}
    path = _map_path(settings)
    if path is not None:
        mapping = load_model_map(path)
    pending = [
        r[0] for r in execute(con, "stages/resolve_pending", {"refresh": refresh}).fetchall()
    ]
    api = _Api(bedrock_client_factory or _default_factory)
    results: list[Resolution] = []
    for model_id in pending:
        found = resolve_model_id(model_id)
        if not found.resolved and model_id in mapping:
            found = _apply_map(found, mapping[model_id])
        elif found.needs_api:
            found = api.resolve(found)
        results.append(found)
    now = datetime.now(UTC).replace(tzinfo=None)
    with transaction(con):
        for r in results:
            execute(con, "stages/resolve_upsert", _row(r, now))
    counts: dict[str, int] = {}
    for r in results:
        counts[r.resolution] = counts.get(r.resolution, 0) + 1
    unresolved = sum(1 for r in results if not r.resolved)
    return StageResult(
        stage="resolve",
        rows_in=len(pending),
        rows_out=len(results) - unresolved,
        counts=dict(sorted(counts.items())),
        findings=unresolved,
        seconds=time.perf_counter() - started,
    )


def _row(r: Resolution, now: datetime) -> dict[str, Any]:
    return {
        "model_id": r.model_id,
        "base_model": r.base_model if r.resolved else None,
        "routing": r.routing if r.resolved else None,
        "kind": r.kind,
        "mode": r.mode,
        "geo": r.geo,
        "profile_arn": r.profile_arn,
        "tags": dict(r.tags) if r.tags is not None else None,
        "resolved": r.resolved,
        "resolution": r.resolution,
        "resolved_at": now,
    }
