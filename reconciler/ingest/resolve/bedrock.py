"""Bedrock control-plane lookups for ids whose model is not in the string.

* Application inference profiles: ``GetInferenceProfile`` (model ARNs) + ``ListTagsForResource``.
* Provisioned Throughput: ``GetProvisionedModelThroughput`` (base model, model units,
  commitment); when it serves a custom model whose base it does not name, ``GetCustomModel``.
* Custom model deployments (on-demand custom models): ``GetCustomModelDeployment`` -> the custom
  model ARN -> its base (ARN path, else ``GetCustomModel``).
* Custom models built from an imported model (``custom-model/imported/<id>``): ``GetCustomModel``.

The ``lookup_*`` functions raise botocore errors; :class:`BedrockLookups` classifies them into
``unresolved:<prefix>_not_found`` / ``unresolved:<prefix>_lookup_failed`` so a failure is a
finding retried next run, never an exception that stops the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from reconciler.ingest.resolve.parse import (
    GLOBAL,
    Resolution,
    base_of_custom_model_arn,
    base_of_foundation_arn,
    geo_of_regions,
    resolve_model_id,
)

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient

__all__ = [
    "BedrockClientFactory",
    "BedrockLookups",
    "lookup_application_profile",
    "lookup_custom_deployment",
    "lookup_custom_model",
    "lookup_provisioned_model",
]

logger = logging.getLogger(__name__)

BedrockClientFactory = Callable[[str], "BedrockClient"]
"""Makes a ``bedrock`` control-plane client for a Region (these ARNs are regional)."""

_NO_COMMITMENT = "NoCommitment"


def lookup_application_profile(client: BedrockClient, found: Resolution) -> Resolution:
    """Resolve an AIP through ``GetInferenceProfile`` (its model ARNs) and
    ``ListTagsForResource`` (its tags). Raises botocore errors for the caller to classify.

    One foundation-model ARN means the profile copies a base model (in-Region). Several ARNs in
    several Regions mean it copies a geo system profile: ``geo`` is that profile's prefix when
    the response names the system profile (its id or ARN), else it is inferred from the Regions
    only when unambiguous (:func:`geo_of_regions`). A Region-less ARN
    (``arn:aws:bedrock:::foundation-model/...``) is what global profiles list: routing global.
    """
    arn = found.model_id
    profile = client.get_inference_profile(inferenceProfileIdentifier=arn)
    unusable = replace(found, resolution="unresolved:aip_unusable_models")
    bases: set[str] = set()
    regions: set[str] = set()
    prefixes: set[str] = set()
    for model in profile.get("models", []):
        text = model.get("modelArn", "")
        foundation = base_of_foundation_arn(text)
        if foundation is not None:
            bases.add(foundation[0])
            regions.add(foundation[1])
            continue
        system = resolve_model_id(text)  # the copied system profile, by id or ARN
        if system.kind != "system_profile" or system.geo is None or system.base_model is None:
            return unusable
        bases.add(system.base_model)
        prefixes.add(system.geo)
    if len(bases) != 1 or len(prefixes) > 1:
        return unusable
    geo: str | None
    if prefixes:
        geo = prefixes.pop()
        routing = "global" if geo == GLOBAL else "geo"
    elif "" in regions:
        routing, geo = "global", GLOBAL
    elif len(regions) > 1:
        routing, geo = "geo", geo_of_regions(regions)
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


def _base_of_custom(client: BedrockClient, custom_arn: str) -> str | None:
    """The base model of a custom model: from its ARN path, else ``GetCustomModel``'s
    ``baseModelArn`` (a foundation model, or a custom model whose path names one)."""
    base = base_of_custom_model_arn(custom_arn)
    if base is not None:
        return base
    described = client.get_custom_model(modelIdentifier=custom_arn).get("baseModelArn", "")
    foundation = base_of_foundation_arn(described)
    return foundation[0] if foundation is not None else base_of_custom_model_arn(described)


def _naive_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def lookup_provisioned_model(client: BedrockClient, found: Resolution) -> Resolution:
    """Resolve a Provisioned Throughput ARN through ``GetProvisionedModelThroughput``.

    The base model is ``modelArn`` when that is a foundation model, else ``foundationModelArn``
    (AWS: the base model of the custom model the throughput serves), else the custom model's
    base (:func:`_base_of_custom`). Model units and commitment are kept for the hourly charge:
    ``commitmentDuration`` absent means no commitment (``NoCommitment``). Routing is in-Region:
    inference profiles do not support Provisioned Throughput (formats.md §5.8).
    """
    pt = client.get_provisioned_model_throughput(provisionedModelId=found.model_id)
    model_arn = pt.get("modelArn", "")
    custom = model_arn if resolve_model_id(model_arn).kind == "custom" else None
    foundation = base_of_foundation_arn(model_arn) or base_of_foundation_arn(
        pt.get("foundationModelArn")
    )
    base = foundation[0] if foundation is not None else None
    if base is None and custom is not None:
        base = _base_of_custom(client, custom)
    if base is None:
        return replace(found, resolution="unresolved:provisioned_unusable_model")
    return _in_region(
        found,
        base,
        mode="provisioned",
        model_units=pt.get("modelUnits"),
        commitment_duration=pt.get("commitmentDuration") or _NO_COMMITMENT,
        commitment_expires_at=_naive_utc(pt.get("commitmentExpirationTime")),
        source_model_arn=custom,
    )


def lookup_custom_deployment(client: BedrockClient, found: Resolution) -> Resolution:
    """Resolve an on-demand custom model deployment through ``GetCustomModelDeployment``:
    its ``modelArn`` is the custom model, whose base model is the price key (on-demand)."""
    deployment = client.get_custom_model_deployment(customModelDeploymentIdentifier=found.model_id)
    custom = deployment.get("modelArn", "")
    base = _base_of_custom(client, custom) if resolve_model_id(custom).kind == "custom" else None
    if base is None:
        return replace(found, resolution="unresolved:custom_deployment_unusable_model")
    return _in_region(found, base, mode="on_demand", source_model_arn=custom)


def lookup_custom_model(client: BedrockClient, found: Resolution) -> Resolution:
    """Resolve a custom model whose ARN names no base (``custom-model/imported/<id>``) through
    ``GetCustomModel``'s ``baseModelArn``; it bills as Provisioned Throughput of that base."""
    base = _base_of_custom(client, found.model_id)
    if base is None:
        return replace(found, resolution="unresolved:custom_model_unusable_base")
    return _in_region(found, base)


def _in_region(found: Resolution, base: str, **more: Any) -> Resolution:
    """``found`` resolved by the API to ``base`` in its own Region (provisioned and custom
    models are regional), with what else the call told (mode, model units, source model)."""
    return replace(
        found, base_model=base, routing="in_region", resolved=True, resolution="bedrock_api", **more
    )


_Lookup = Callable[["BedrockClient", Resolution], Resolution]
# kind -> (reason prefix, lookup)
_LOOKUPS: dict[str, tuple[str, _Lookup]] = {
    "application_profile": ("aip", lookup_application_profile),
    "provisioned": ("provisioned", lookup_provisioned_model),
    "custom_deployment": ("custom_deployment", lookup_custom_deployment),
    "custom": ("custom_model", lookup_custom_model),
}


@dataclass
class BedrockLookups:
    """Clients per Region and the failure policy of one resolve run.

    A Region whose endpoint or credentials failed is not tried again in this run (one timeout,
    not one per id). Access denied is remembered per Region *and* kind: the IAM actions differ
    (``bedrock:GetInferenceProfile`` may be allowed where ``GetProvisionedModelThroughput`` is
    not)."""

    factory: BedrockClientFactory
    clients: dict[str, BedrockClient] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    denied: set[tuple[str, str]] = field(default_factory=set)

    def resolve(self, found: Resolution) -> Resolution:
        """Look ``found`` up; on failure return it with ``unresolved:<prefix>_...``."""
        from botocore.exceptions import BotoCoreError, ClientError

        prefix, lookup = _LOOKUPS[found.kind]
        region = found.region or ""
        failed = replace(found, resolution=f"unresolved:{prefix}_lookup_failed")
        if region in self.down or (region, found.kind) in self.denied:
            return failed
        try:
            if region not in self.clients:
                self.clients[region] = self.factory(region)
            return lookup(self.clients[region], found)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            logger.warning("Bedrock %s lookup failed for %s: %s", prefix, found.model_id, code)
            if code == "ResourceNotFoundException":
                return replace(found, resolution=f"unresolved:{prefix}_not_found")
            if code == "UnrecognizedClientException":
                self.down.add(region)
            elif code == "AccessDeniedException":
                self.denied.add((region, found.kind))
            return failed
        except BotoCoreError as exc:  # endpoint unreachable, no credentials, timeouts
            logger.warning("Bedrock API unreachable in %s: %s", region, type(exc).__name__)
            self.down.add(region)
            return failed
