"""Model-id resolution: what a logged ``modelId`` bills as.

Bedrock logs whatever identifier the caller used (formats.md §1.4): a base model id, a
foundation-model ARN, a system inference profile id (``us.``/``eu.``/``global.`` ...) or its ARN,
an application inference profile (AIP) ARN, a provisioned/custom/imported model ARN, a prompt or
prompt-router ARN, or a SageMaker endpoint ARN. Pricing needs ``(base_model, routing, mode)``:
the geo prefix changes the price, and an AIP or Provisioned Throughput ARN says nothing about
the model behind it.

* :mod:`reconciler.ingest.resolve.parse` -- :func:`resolve_model_id`, a pure parser that never
  guesses:
  a string it does not recognise is returned with ``resolved=False`` and ``unresolved:<why>``, so
  the usage it carries becomes *unpriced* later (a finding), never $0.
* :mod:`reconciler.ingest.resolve.mapping` -- the user's mapping file (``Settings.model_map``).
* :mod:`reconciler.ingest.resolve.bedrock` -- control-plane lookups for AIPs, Provisioned
  Throughput,
  custom model deployments and custom models that name no base.

The stage :func:`run` tries, for each id the parser cannot settle by itself, the
mapping file first (the user's explicit statement; works offline and for deleted resources), then
the API. Results are cached in ``model_ids``; only unresolved ids are tried again next run.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import duckdb

from reconciler.core.clock import utc_now
from reconciler.db.connect import transaction
from reconciler.db.publish import write_if_changed
from reconciler.db.sql import execute, load
from reconciler.db.stage import StageContext, StageResult
from reconciler.ingest.resolve.bedrock import (
    BedrockClientFactory,
    BedrockLookups,
    lookup_application_profile,
    lookup_custom_deployment,
    lookup_custom_model,
    lookup_provisioned_model,
)
from reconciler.ingest.resolve.mapping import (
    MapEntry,
    apply_map,
    load_model_map,
    map_path,
    mappable,
)
from reconciler.ingest.resolve.parse import (
    GEO_PREFIXES,
    Resolution,
    geo_of_regions,
    resolve_model_id,
)

__all__ = [
    "GEO_PREFIXES",
    "READS",
    "WRITES",
    "BedrockClientFactory",
    "MapEntry",
    "Resolution",
    "geo_of_regions",
    "load_model_map",
    "lookup_application_profile",
    "lookup_custom_deployment",
    "lookup_custom_model",
    "lookup_provisioned_model",
    "resolve_model_id",
    "resolve_offline",
    "run",
]

READS = ("invocation_records", "model_ids")
WRITES = ("model_ids", "invocation_records")


def run(ctx: StageContext, *, refresh: bool = False) -> StageResult:
    """Resolve every distinct logged model id not yet resolved into ``model_ids``.

    Unresolved ids are retried on every run (the API may be back, the mapping file may have a
    row now); resolved ones are cached (``refresh=True`` looks everything up again, e.g. after
    AIP tags or a Provisioned Throughput's model units changed). ``findings`` is the number of
    ids still unresolved: their usage is unpriced later, never $0. API failures are not
    exceptions: they leave the id unresolved with ``unresolved:<kind>_lookup_failed``. Bedrock
    clients (one per Region of the ARNs) come from ``ctx.aws``.

    An id the API was asked about less than ``settings.model_id_retry_minutes`` ago and that is
    still unresolved is not asked again yet (counted as ``retry_later``, still a finding): a
    backfill of many windows asks once, and a re-run that finds nothing new writes nothing and
    needs no AWS SDK. The mapping file is still applied to it on every run.
    """
    con, settings = ctx.con, ctx.settings
    started = time.perf_counter()
    mapping = {}
    path = map_path(settings)
    if path is not None:
        mapping = load_model_map(path)
    pending = [
        r[0] for r in execute(con, "stages/resolve_pending", {"refresh": refresh}).fetchall()
    ]
    now = utc_now()
    waiting = _recently_tried(con, now, settings.model_id_retry_minutes, refresh)
    api = BedrockLookups(lambda region: ctx.client("bedrock", region))
    results: list[Resolution] = []
    asked: list[str] = []
    not_yet = 0
    for model_id in pending:
        found = resolve_model_id(model_id)
        if model_id in mapping and mappable(found):
            found = apply_map(found, mapping[model_id])
        elif found.needs_api:
            if model_id in waiting:  # failed lately: its stored row stands until the retry time
                not_yet += 1
                continue
            found = api.resolve(found)
            asked.append(model_id)
        results.append(found)
    if results:
        _upsert(con, results, now)
    if asked:
        with transaction(con):
            execute(con, "stages/resolve_tried", {"model_ids": asked, "now": now})
    counts: dict[str, int] = {}
    for r in results:
        counts[r.resolution] = counts.get(r.resolution, 0) + 1
    if not_yet:
        counts["retry_later"] = not_yet
    unresolved = sum(1 for r in results if not r.resolved) + not_yet
    return StageResult(
        stage="resolve",
        rows_in=len(pending),
        rows_out=sum(1 for r in results if r.resolved),
        counts=dict(sorted(counts.items())),
        findings=unresolved,
        seconds=time.perf_counter() - started,
    )


def _recently_tried(
    con: duckdb.DuckDBPyConnection, now: datetime, retry_minutes: int, refresh: bool
) -> set[str]:
    """Unresolved ids whose API lookup failed less than ``retry_minutes`` ago (none on refresh)."""
    if refresh or retry_minutes <= 0:
        return set()
    since = now - timedelta(minutes=retry_minutes)
    rows = execute(con, "stages/resolve_recently_tried", {"since": since}).fetchall()
    return {str(r[0]) for r in rows}


def resolve_offline(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """At ingest: settle every logged id whose string alone fixes what it bills as.

    Base ids, ``us.``/``eu.``/``apac.``/``global.`` ... profile ids and their ARNs, and
    foundation-model ARNs resolve here, so ``invocations.base_model`` and ``routing`` are filled
    as soon as a record loads. Everything a mapping row or the control plane may decide (AIPs,
    provisioned, custom, imported, unrecognised) is left to :func:`run`, which
    would write the very same row for the ids settled here (the mapping file never overrides
    them: ``mappable``). Returns (ids settled now, ids left for the resolve stage).
    """
    pending = [r[0] for r in execute(con, "stages/resolve_pending", {"refresh": False}).fetchall()]
    found = [resolve_model_id(model_id) for model_id in pending]
    settled = [r for r in found if r.resolved and not mappable(r)]
    if settled:
        now = utc_now()
        with transaction(con):
            for r in settled:
                execute(con, "stages/resolve_upsert", _row(r, now))
    return len(settled), len(pending) - len(settled)


def _upsert(con: duckdb.DuckDBPyConnection, results: list[Resolution], now: datetime) -> None:
    """Write the resolutions, or roll back when they only repeat what is stored (an id still
    unresolved the same way): then the run writes nothing, and a nightly run with nothing new
    publishes nothing (reconciler.db.publish)."""
    with write_if_changed(con, load("ingest/resolve_digest")):
        for r in results:
            execute(con, "stages/resolve_upsert", _row(r, now))


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
        "model_units": r.model_units,
        "commitment_duration": r.commitment_duration,
        "commitment_expires_at": r.commitment_expires_at,
        "source_model_arn": r.source_model_arn,
    }
