"""``reconciler doctor``: is Bedrock invocation logging set up so that this tool can trust it?

Invocation logging is per account and Region and off by default (formats.md §1.1), so a Region
without it is spend the reconciler can never see, and a Region delivering prompt and response
bodies stores private text (a privacy risk) and pays for storing it (a cost risk), when billing
needs none of it. For each Region we read ``GetModelInvocationLoggingConfiguration`` (§1.10) and
judge it with :func:`evaluate`, a pure function so every rule is testable without AWS.

Flags (``code``: severity):

* ``logging_off`` (warning): no configuration at all; nothing is logged in this Region.
* ``no_destination`` (warning): a configuration with neither an S3 bucket nor a CloudWatch group.
* ``bodies_delivered`` (warning): one or more of ``text``/``image``/``embedding``/``video``/
  ``audio`` ``DataDeliveryEnabled`` is true.
* ``no_large_data_s3`` (CloudWatch-only, no ``largeDataDeliveryS3Config``): bodies over 100 KB and
  binary media are dropped (§1.7). A *warning* when bodies are delivered (the audit trail has
  holes); *info* when they are not, because then there is nothing to offload and token counts are
  complete, and the configuration we recommend must not fail the check.

Only warnings make the command exit 1. An unreachable API raises
:class:`~reconciler.core.errors.SourceUnavailable` (exit 3); a permission error on one Region is a
``cannot_read`` warning for that Region so the other Regions are still checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from reconciler.core import aws
from reconciler.core.aws import from_boto
from reconciler.core.errors import SourceUnavailable

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient

__all__ = ["BODY_FLAGS", "Flag", "RegionCheck", "check_regions", "evaluate", "render_table"]

BODY_FLAGS: tuple[tuple[str, str], ...] = (
    ("textDataDeliveryEnabled", "text"),
    ("imageDataDeliveryEnabled", "image"),
    ("embeddingDataDeliveryEnabled", "embedding"),
    ("videoDataDeliveryEnabled", "video"),
    ("audioDataDeliveryEnabled", "audio"),
)
"""LoggingConfig switches that put request/response bodies in the logs, and their short names."""

BedrockFactory = Callable[[str], "BedrockClient"]


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str  # warning | info
    message: str


@dataclass(frozen=True)
class RegionCheck:
    """What one Region's logging configuration says, and what is wrong with it."""

    region: str
    logging_enabled: bool
    s3_destination: str | None = None
    cloudwatch_destination: str | None = None
    large_data_s3: str | None = None
    bodies: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = field(default_factory=tuple)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.flags if f.severity == "warning")

    def asdict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bodies"] = list(self.bodies)
        d["flags"] = [asdict(f) for f in self.flags]
        return d


def _s3(cfg: Mapping[str, Any] | None) -> str | None:
    if not cfg or not cfg.get("bucketName"):
        return None
    prefix = str(cfg.get("keyPrefix") or "").strip("/")
    return f"s3://{cfg['bucketName']}/{prefix}" if prefix else f"s3://{cfg['bucketName']}"


def evaluate(region: str, config: Mapping[str, Any] | None) -> RegionCheck:
    """Judge one Region's ``loggingConfig`` (None: logging is off)."""
    if not config:
        return RegionCheck(
            region,
            logging_enabled=False,
            flags=(
                Flag(
                    "logging_off",
                    "warning",
                    "model invocation logging is off: usage in this Region is invisible; "
                    "enable it with an S3 or CloudWatch destination and no body delivery",
                ),
            ),
        )
    s3 = _s3(config.get("s3Config"))
    cw_cfg = config.get("cloudWatchConfig") or {}
    cw = str(cw_cfg["logGroupName"]) if cw_cfg.get("logGroupName") else None
    large = _s3(cw_cfg.get("largeDataDeliveryS3Config")) if cw else None
    bodies = tuple(short for key, short in BODY_FLAGS if config.get(key) is True)
    flags: list[Flag] = []
    if not s3 and not cw:
        flags.append(
            Flag(
                "no_destination",
                "warning",
                "logging is configured without an S3 bucket or CloudWatch log group: "
                "nothing is delivered",
            )
        )
    if bodies:
        flags.append(
            Flag(
                "bodies_delivered",
                "warning",
                f"request/response bodies are delivered ({', '.join(bodies)}): prompts and "
                "responses are stored (privacy risk) and paid for (cost); billing needs none",
            )
        )
    if cw and not s3 and not large:
        flags.append(
            Flag(
                "no_large_data_s3",
                "warning" if bodies else "info",
                "CloudWatch-only delivery without largeDataDeliveryS3Config: bodies over 100 KB "
                "and binary media are dropped"
                + ("" if bodies else " (harmless while no bodies are delivered)"),
            )
        )
    return RegionCheck(region, True, s3, cw, large, bodies, tuple(flags))


def _default_bedrock(region: str) -> BedrockClient:
    client: BedrockClient = aws.client("bedrock", region)
    return client


def check_regions(
    regions: Sequence[str], *, bedrock: BedrockFactory | None = None
) -> list[RegionCheck]:
    """Read and judge the logging configuration of every Region, in the order given.

    Raises :class:`~reconciler.core.errors.SourceUnavailable` when the API cannot be reached
    (network,
    throttling, AWS errors): a half-checked account must not read as healthy."""
    make = bedrock or _default_bedrock
    checks = []
    for region in regions:
        try:
            response = make(region).get_model_invocation_logging_configuration()
        except (ClientError, BotoCoreError) as exc:
            err = from_boto(exc, "bedrock:GetModelInvocationLoggingConfiguration", region)
            if isinstance(err, SourceUnavailable):
                raise err from exc
            checks.append(
                RegionCheck(
                    region,
                    logging_enabled=False,
                    flags=(Flag("cannot_read", "warning", str(err)),),
                )
            )
            continue
        config = response.get("loggingConfig")
        checks.append(evaluate(region, dict(config) if config else None))
    return checks


def render_table(checks: Sequence[RegionCheck]) -> str:
    """A plain-text table, one line per flag (or ``ok``) per Region, for stdout."""
    header = ("region", "logging", "destinations", "bodies", "status", "detail")
    lines: list[tuple[str, ...]] = []
    for c in checks:
        dests = ", ".join(
            x
            for x in (
                c.s3_destination,
                f"cloudwatch:{c.cloudwatch_destination}" if c.cloudwatch_destination else None,
                f"large-data {c.large_data_s3}" if c.large_data_s3 else None,
            )
            if x
        )
        base = (
            c.region,
            "on" if c.logging_enabled else "off",
            dests or "-",
            ", ".join(c.bodies) or "none",
        )
        if not c.flags:
            lines.append((*base, "ok", ""))
        for i, f in enumerate(c.flags):
            row = base if i == 0 else ("", "", "", "")
            lines.append((*row, f"{f.severity}:{f.code}", f.message))
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header) - 1)]
    out = []
    for r in [header, *lines]:
        cells = [r[i].ljust(widths[i]) for i in range(len(widths))] + [r[-1]]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
