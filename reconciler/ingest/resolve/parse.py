"""The pure model-id parser: what a logged ``modelId`` string says about its billing, no I/O.

Bedrock logs whatever identifier the caller used (formats.md §1.4). :func:`resolve_model_id`
reads every form without guessing: a string it does not recognise is returned with
``resolved=False`` and ``unresolved:<why>``; a form whose model is not in the string (an AIP, a
provisioned throughput, a custom model deployment) comes back unresolved with a
``..._lookup_pending`` reason for the stage to look up (reconciler.ingest.resolve.bedrock).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "GEO_PREFIXES",
    "Resolution",
    "base_of_custom_model_arn",
    "base_of_foundation_arn",
    "geo_of_regions",
    "resolve_model_id",
]

GEO_PREFIXES: frozenset[str] = frozenset({"us", "eu", "apac", "jp", "au", "ca", "in", "us-gov"})
"""System inference profile prefixes that route within a geography (formats.md §1.4)."""
GLOBAL = "global"
ROUTINGS = ("in_region", "geo", "global")

# Shapes from botocore's bedrock / bedrock-runtime models (InvokeModelIdentifier,
# FoundationModelArn). A base id is ``provider.model`` with up to two ``:suffix`` parts
# (``:0``, ``:0:200k``). Ids with more dots are accepted only behind a known profile prefix:
# ``xx.anthropic.claude...`` could be a profile with a prefix we do not know, so it is not guessed.
_SEG = r"[a-z0-9-]{1,63}"
BASE_ID = re.compile(rf"{_SEG}\.{_SEG}(?::{_SEG}){{0,2}}")
_PROFILE_ID = re.compile(rf"(?P<prefix>{_SEG})\.(?P<base>{_SEG}\.{_SEG}(?::{_SEG}){{0,2}})")
ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z-]+)?):(?P<service>bedrock|sagemaker):"
    r"(?P<region>[a-z0-9-]{0,20}):(?P<account>[0-9]{12})?:(?P<type>[a-z-]+)/(?P<rest>.+)"
)
_ID12 = r"[a-z0-9]{12}"
_CUSTOM = re.compile(rf"(?P<base>imported|{BASE_ID.pattern})/{_ID12}")
_PROMPT = re.compile(r"[0-9a-zA-Z]{10}(?::[0-9]{1,5})?")
_NAME = re.compile(r"[a-zA-Z0-9-:.]+")
_RESOURCE_ID = re.compile(_ID12)

# ARN resource types whose model cannot be read from the ARN:
# type -> (resource-id shape, kind, unresolved reason, billing mode).
# The ``*_lookup_pending`` ones are looked up through the Bedrock API; the others need a row in
# the mapping file. Custom and imported model ARNs are handled in resolve_model_id itself.
_RESOURCES: dict[str, tuple[re.Pattern[str], str, str, str | None]] = {
    "application-inference-profile": (
        _NAME, "application_profile", "aip_lookup_pending", "on_demand",
    ),
    "provisioned-model": (
        _RESOURCE_ID, "provisioned", "provisioned_lookup_pending", "provisioned",
    ),
    "custom-model-deployment": (
        _RESOURCE_ID, "custom_deployment", "custom_deployment_lookup_pending", "on_demand",
    ),
    "prompt": (_PROMPT, "prompt", "prompt", None),
    "prompt-router": (_NAME, "prompt_router", "prompt_router", None),
    "default-prompt-router": (_NAME, "prompt_router", "prompt_router", None),
}  # fmt: skip

LOOKUP_KINDS = frozenset({"application_profile", "provisioned", "custom", "custom_deployment"})
"""Kinds whose model the Bedrock control-plane API can tell when the string cannot."""

# Region prefix -> geo profile prefix, only where the Region family names exactly one geography.
# ap-* is left out on purpose: apac, jp, au and in profiles all route among ap-* Regions.
_GEO_OF_REGION = (("us-gov-", "us-gov"), ("us-", "us"), ("eu-", "eu"), ("ca-", "ca"))


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
    model_units: int | None = None
    """Provisioned Throughput: model units purchased (GetProvisionedModelThroughput)."""
    commitment_duration: str | None = None
    """Provisioned Throughput: OneMonth | SixMonths | NoCommitment."""
    commitment_expires_at: datetime | None = None
    """Provisioned Throughput: end of the commitment term (naive UTC), if any."""
    source_model_arn: str | None = None
    """The custom model ARN behind a provisioned throughput or a custom model deployment."""

    @property
    def needs_api(self) -> bool:
        """True for an id the parser cannot resolve but the Bedrock API can (AIP, provisioned
        throughput, custom model deployment, custom model without a base in its ARN)."""
        return self.kind in LOOKUP_KINDS and not self.resolved


def unresolved(model_id: str, kind: str, why: str, **kw: Any) -> Resolution:
    """An unresolved Resolution with reason ``unresolved:<why>``."""
    return Resolution(model_id, kind, False, f"unresolved:{why}", **kw)


def _bare(
    model_id: str, text: str, *, arn: str | None = None, region: str | None = None
) -> Resolution | None:
    """A base id or a system profile id (``us.anthropic...``, ``global.amazon...``)."""
    if BASE_ID.fullmatch(text):
        provider = text.split(".", 1)[0]
        if provider in GEO_PREFIXES or provider == GLOBAL:
            return None  # "us.nova" is a truncated profile id, not provider "us"
        return Resolution(
            model_id, "foundation_model", True, "parsed", base_model=text,
            routing="in_region", mode="on_demand", region=region,
        )  # fmt: skip
    m = _PROFILE_ID.fullmatch(text)
    if m is None:
        return None
    prefix, base = m.group("prefix"), m.group("base")
    if base.split(".", 1)[0] in GEO_PREFIXES | {GLOBAL}:
        return None
    if prefix == GLOBAL:
        routing = "global"
    elif prefix in GEO_PREFIXES:
        routing = "geo"
    else:
        return unresolved(
            model_id, "unknown", "unknown_profile_prefix", profile_arn=arn, region=region
        )
    return Resolution(
        model_id, "system_profile", True, "parsed", base_model=base, routing=routing,
        mode="on_demand", geo=prefix, profile_arn=arn, region=region,
    )  # fmt: skip


def _custom_model(model_id: str, rest: str, region: str) -> Resolution:
    """``custom-model/<base>/<id>``: a custom model bills as Provisioned Throughput of its base
    model (formats.md §5.8), so the base in the ARN path is the price key, in-Region. A custom
    model built from an imported one (``custom-model/imported/<id>``) names no base: looked up."""
    base = rest.rsplit("/", 1)[0]
    if base == "imported":
        return unresolved(
            model_id, "custom", "custom_model_lookup_pending", mode="provisioned",
            profile_arn=model_id, region=region,
        )  # fmt: skip
    return Resolution(
        model_id, "custom", True, "parsed", base_model=base, routing="in_region",
        mode="provisioned", profile_arn=model_id, region=region,
    )  # fmt: skip


def _imported_model(model_id: str, region: str) -> Resolution:
    """``imported-model/<id>`` (Custom Model Import) is billed per Custom Model Unit-minute, not
    per token (formats.md §5.9). It is *known*, so resolved, and the ARN itself is its base model:
    there is no foundation model whose price applies. Its tokens find no token price (mode
    ``custom_import``) and show as unpriced ``no_price``; the CMU-minutes are on the invoice."""
    return Resolution(
        model_id, "imported", True, "parsed", base_model=model_id, routing="in_region",
        mode="custom_import", profile_arn=model_id, region=region,
    )  # fmt: skip


def resolve_model_id(model_id: str) -> Resolution:
    """Parse one logged ``modelId`` without any I/O. Never raises and never guesses."""
    m = ARN.fullmatch(model_id)
    if m is None:
        if model_id.startswith("arn:"):
            return unresolved(model_id, "unknown", "unrecognised")
        return _bare(model_id, model_id) or unresolved(model_id, "unknown", "unrecognised")
    service, region, account = m.group("service"), m.group("region"), m.group("account")
    rtype, rest = m.group("type"), m.group("rest")
    where = {"region": region or None}
    if service == "sagemaker":
        if rtype == "endpoint" and account and region:
            return unresolved(model_id, "sagemaker", "sagemaker_endpoint", **where)
        return unresolved(model_id, "unknown", "unrecognised", **where)
    if rtype == "foundation-model" and account is None and region:
        if BASE_ID.fullmatch(rest):
            found = _bare(model_id, rest, region=region)
            if found is not None and found.kind == "foundation_model":
                return found
        return unresolved(model_id, "unknown", "unrecognised", **where)
    if account is None or not region:
        return unresolved(model_id, "unknown", "unrecognised", **where)
    arn = {"profile_arn": model_id, **where}
    if rtype == "inference-profile":
        found = _bare(model_id, rest, arn=model_id, region=region)
        if found is not None and found.kind != "foundation_model":
            return found  # a system profile, or one with a prefix we do not know
        return unresolved(model_id, "unknown", "unrecognised", **where)
    if rtype == "custom-model" and _CUSTOM.fullmatch(rest):
        return _custom_model(model_id, rest, region)
    if rtype == "imported-model" and _RESOURCE_ID.fullmatch(rest):
        return _imported_model(model_id, region)
    shape = _RESOURCES.get(rtype)
    if shape is not None and shape[0].fullmatch(rest):
        _, kind, why, mode = shape
        return unresolved(model_id, kind, why, mode=mode, **arn)
    return unresolved(model_id, "unknown", "unrecognised", **where)


def base_of_foundation_arn(arn: str | None) -> tuple[str, str] | None:
    """``(base model id, Region)`` of a foundation-model ARN (Region ``""`` for the Region-less
    ARNs global profiles list), else None."""
    m = ARN.fullmatch(arn or "")
    if m is None or m.group("type") != "foundation-model" or m.group("account"):
        return None
    if not BASE_ID.fullmatch(m.group("rest")):
        return None
    return m.group("rest"), m.group("region")


def base_of_custom_model_arn(arn: str | None) -> str | None:
    """The base model id in a ``custom-model/<base>/<id>`` ARN's path, else None (also for
    ``custom-model/imported/<id>``, which names none)."""
    found = resolve_model_id(arn or "")
    return found.base_model if found.kind == "custom" and found.resolved else None


def geo_of_regions(regions: Iterable[str]) -> str | None:
    """The geo profile prefix the Regions unambiguously belong to (all ``us-*`` -> ``us``, all
    ``eu-*`` -> ``eu``, all ``ca-*`` -> ``ca``, all ``us-gov-*`` -> ``us-gov``), else None.
    ``ap-*`` Regions never decide: apac, jp, au and in profiles all route among them."""
    geos: set[str] = set()
    for region in regions:
        geo = next((g for prefix, g in _GEO_OF_REGION if region.startswith(prefix)), None)
        if geo is None:
            return None
        geos.add(geo)
    return geos.pop() if len(geos) == 1 else None
