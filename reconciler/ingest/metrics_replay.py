"""Recorded CloudWatch ``AWS/Bedrock`` metrics, replayed offline (``reconciler demo``).

:func:`~reconciler.ingest.metrics.run` takes its CloudWatch client from the context; this module
supplies one that answers ``GetMetricData`` from a JSON recording instead of AWS, so the demo can
show logging coverage without a network or credentials. The recording names the account, Region,
window and, per ModelId value and metric, hourly Sums (``{"<ISO hour>": value}``). A query for a
series the recording lacks answers ``Complete`` with no points, as CloudWatch does for a series
with no data. Nothing here is used on the nightly path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["MetricsRecording", "RecordedCloudWatch", "load_recording"]


@dataclass(frozen=True)
class MetricsRecording:
    """One account and Region's recorded hourly Sums over [start, end)."""

    account_id: str
    region: str
    start: datetime
    end: datetime
    series: dict[str, dict[str, dict[datetime, float]]]

    @property
    def model_ids(self) -> list[str]:
        """The ModelId values recorded, in file order (what ``ingest metrics`` should query)."""
        return list(self.series)


def _utc(text: str) -> datetime:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def load_recording(path: Path) -> MetricsRecording:
    """Read a recording (format in the module docstring)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    series = {
        model: {
            metric: {_utc(ts): float(v) for ts, v in points.items()}
            for metric, points in metrics.items()
        }
        for model, metrics in raw["series"].items()
    }
    return MetricsRecording(
        str(raw["account_id"]), str(raw["region"]), _utc(raw["start"]), _utc(raw["end"]), series
    )


class RecordedCloudWatch:
    """The one CloudWatch call ``ingest metrics`` makes when given model ids: GetMetricData."""

    def __init__(self, recording: MetricsRecording) -> None:
        self.recording = recording

    def get_metric_data(self, **request: Any) -> dict[str, Any]:
        start, end = _utc_dt(request["StartTime"]), _utc_dt(request["EndTime"])
        results = []
        for query in request["MetricDataQueries"]:
            metric = query["MetricStat"]["Metric"]
            value = metric["Dimensions"][0]["Value"]
            points = self.recording.series.get(value, {}).get(metric["MetricName"], {})
            kept = sorted((t, v) for t, v in points.items() if start <= t < end)
            results.append(
                {
                    "Id": query["Id"],
                    "Timestamps": [t for t, _ in kept],
                    "Values": [v for _, v in kept],
                    "StatusCode": "Complete",
                }
            )
        return {"MetricDataResults": results}


def _utc_dt(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)
