"""A ReportData with hand-checkable figures and hostile strings in every text field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from reconciler.outputs.report_data import (
    BridgeStep,
    Gap,
    LoggingCoverage,
    ModelSpend,
    ReportData,
    RuleCoverage,
    TeamDaySpend,
)

SCRIPT = "<script>window.__pwned=1</script>"
IMG = "<img src=x onerror=\"window.__pwned=2;alert('x')\">"
FORMULA = '=HYPERLINK("http://x","y")'
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
START, END = date(2025, 11, 3), date(2025, 11, 5)


def data() -> ReportData:
    return ReportData(
        start=START,
        end=END,
        team_daily=(
            TeamDaySpend("search", date(2025, 11, 3), D("1.005")),
            TeamDaySpend(SCRIPT, date(2025, 11, 3), D("2.004")),
            TeamDaySpend("search", date(2025, 11, 4), D("0.333")),
            TeamDaySpend(SCRIPT, date(2025, 11, 4), D("0.333")),
            TeamDaySpend(FORMULA, date(2025, 11, 5), D("0.005")),
            TeamDaySpend("ml", date(2025, 11, 5), None, unpriced_rows=2),
        ),
        models=(
            ModelSpend(HAIKU, "input_tokens", 1_230_000, "token", D("1.23")),
            ModelSpend(IMG, "output_tokens", 912_000, "token", D("4.56")),
            ModelSpend("mystery.model-v1", "input_tokens", 10, "token", None, unpriced_rows=2),
        ),
        bridge=(
            BridgeStep(date(2025, 11, 1), 0, "start", "rated_total", D("100.004")),
            BridgeStep(date(2025, 11, 1), 1, "cause", "unlogged_usage", D("5.003")),
            BridgeStep(date(2025, 11, 1), 2, "cause", "discount_or_credit", D("-2.002")),
            BridgeStep(date(2025, 11, 1), 3, "cause", SCRIPT, D("0.001")),
            BridgeStep(date(2025, 11, 1), 4, "end", "invoiced_total", D("103.006")),
        ),
        gaps=(
            Gap(
                date(2025, 11, 3),
                "123456789012",
                "us-east-1",
                HAIKU,
                "input_tokens",
                D(1_000_000),
                D(1_200_000),
                D("1.00"),
                D("1.20"),
                D("0.20"),
                "unlogged_usage",
                f"explained by {IMG} and {FORMULA}",
            ),
        ),
        attribution=(
            RuleCoverage("rules[0]:request_metadata", 30, D("3.00"), D("0.75")),
            RuleCoverage(FORMULA, 10, D("1.00"), D("0.25")),
        ),
        logging=(LoggingCoverage("123456789012", "us-east-1", IMG, D("87.5"), 3),),
    )
