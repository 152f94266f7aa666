"""A small what-if fixture: known traffic and overlay prices, every figure in the tests by hand.

Window 2025-11-03..2025-11-05, us-east-1, prices per 1M tokens (layer overlay, so nothing
depends on the bundled book):

* Sonnet 4.5 (S) Regional input $3.30 until 11-05, then $3.00; output $16.50; global input $3.00
  until 11-05, then $2.70; output $15.00; Regional cache read $0.33, 5-minute write $4.125;
  batch Regional $1.65 / $8.25, batch global $1.50 / $7.50; model-unit hour $50.00 with no
  commitment, $40.00 with a 1-month commitment, no 6-month price.
* Haiku 4.5 (H) global input $1.00, output $5.00, cache read $0.10, 5-minute write $1.25,
  1-hour write $2.00; Regional input $1.10, output $5.50.
* Nova Micro (N) Regional only (no global price): input $0.035, output $0.14; flex $0.0175 /
  $0.07; priority input $0.0625; batch $0.0175 / $0.07.

Traffic (team/application):

* search/ranker, S via ``us.`` (geo): 11-03 20 requests of 100,000 input + 5,000 output;
  11-05 10 requests of 100,000 input + 10,000 output (requests stay under Sonnet's long-context
  threshold). Current: 11-03 2 x 3.30 + 0.1 x 16.50
  = 8.25; 11-05 1 x 3.00 + 0.1 x 16.50 = 4.65; total 12.90.
* search/chat, S via ``global.``: 11-04 10 requests of 100,000 input + 20,000 output
  = 3.00 + 3.00 = 6.00.
* ops/tagger, N in-Region: 11-04 4,000,000 input + 1,000,000 output = 0.14 + 0.14 = 0.28.
* ops/urgent, N in-Region, priority tier: 11-05 1,000,000 input = 0.0625.
* support/bot, H global, a cache that loses money: 11-03 100,000 input, 100,000 cache read,
  400,000 cache writes of which 100,000 1-hour, 10,000 output: 0.10 + 0.01 + 0.375 + 0.20 + 0.05
  = 0.735.
* support/faq, H global, a cache that pays: 11-03 10,000 input, 1,000,000 cache read, 100,000
  5-minute writes, 10,000 output: 0.01 + 0.10 + 0.125 + 0.05 = 0.285.

Spend total: 12.90 + 6.00 + 0.28 + 0.0625 + 0.735 + 0.285 = 20.2625.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.stages import aggregate, rate
from support import rating_data
from support.rating_data import (
    HAIKU_45,
    NOVA_MICRO,
    SONNET_45,
    add_model,
    add_price,
    add_request,
    at,
)

START, END = date(2025, 11, 3), date(2025, 11, 5)
CHANGE = date(2025, 11, 5)
SPEND_TOTAL = Decimal("20.2625")


rating_data._FACTORS.setdefault("hour", "1")  # model-unit hours are priced per hour


def _p(con, pid, model, charge, price, **kw):
    add_price(con, pid, model, charge, price, layer="overlay", **kw)


def load_fixture(con) -> None:
    add_model(con, "us." + SONNET_45, SONNET_45, "geo")
    add_model(con, "global." + SONNET_45, SONNET_45, "global")
    add_model(con, "global." + HAIKU_45, HAIKU_45, "global")
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")

    s = SONNET_45
    _p(con, "s-in-r1", s, "input_tokens", "3.30", routing="regional", effective_to=CHANGE)
    _p(con, "s-in-r2", s, "input_tokens", "3.00", routing="regional", effective_from=CHANGE)
    _p(con, "s-out-r", s, "output_tokens", "16.50", routing="regional")
    _p(con, "s-in-g1", s, "input_tokens", "3.00", routing="global", effective_to=CHANGE)
    _p(con, "s-in-g2", s, "input_tokens", "2.70", routing="global", effective_from=CHANGE)
    _p(con, "s-out-g", s, "output_tokens", "15.00", routing="global")
    _p(con, "s-cr-r", s, "cache_read_input_tokens", "0.33", routing="regional")
    _p(con, "s-cw-r", s, "cache_write_input_tokens", "4.125", routing="regional")
    _p(con, "s-bin-r", s, "input_tokens", "1.65", routing="regional", mode="batch")
    _p(con, "s-bout-r", s, "output_tokens", "8.25", routing="regional", mode="batch")
    _p(con, "s-bin-g", s, "input_tokens", "1.50", routing="global", mode="batch")
    _p(con, "s-bout-g", s, "output_tokens", "7.50", routing="global", mode="batch")
    _p(con, "s-mu", s, "model_unit_hours", "50.00", unit="hour", tier="*", mode="provisioned")
    _p(con, "s-mu-1m", s, "model_unit_hours_1_month", "40.00", unit="hour", tier="*",
       mode="provisioned")  # fmt: skip

    h = HAIKU_45
    _p(con, "h-in-g", h, "input_tokens", "1.00", routing="global")
    _p(con, "h-out-g", h, "output_tokens", "5.00", routing="global")
    _p(con, "h-cr-g", h, "cache_read_input_tokens", "0.10", routing="global")
    _p(con, "h-cw-g", h, "cache_write_input_tokens", "1.25", routing="global")
    _p(con, "h-cw1h-g", h, "cache_write_1h_input_tokens", "2.00", routing="global")
    _p(con, "h-in-r", h, "input_tokens", "1.10", routing="regional")
    _p(con, "h-out-r", h, "output_tokens", "5.50", routing="regional")

    n = NOVA_MICRO
    _p(con, "n-in", n, "input_tokens", "0.035", routing="regional")
    _p(con, "n-out", n, "output_tokens", "0.14", routing="regional")
    _p(con, "n-in-flex", n, "input_tokens", "0.0175", routing="regional", tier="flex")
    _p(con, "n-out-flex", n, "output_tokens", "0.07", routing="regional", tier="flex")
    _p(con, "n-in-prio", n, "input_tokens", "0.0625", routing="regional", tier="priority")
    _p(con, "n-bin", n, "input_tokens", "0.0175", routing="regional", mode="batch")
    _p(con, "n-bout", n, "output_tokens", "0.07", routing="regional", mode="batch")

    def req(model, day, team, app, **kw):
        add_request(con, model, at(day), team=team, application=app, **kw)

    # Sonnet requests stay under its 200,000-token long-context threshold (docs/rating.md)
    for _ in range(20):
        req("us." + s, 3, "search", "ranker", input_tokens=100_000, output_tokens=5_000)
    for _ in range(10):
        req("us." + s, 5, "search", "ranker", input_tokens=100_000, output_tokens=10_000)
        req("global." + s, 4, "search", "chat", input_tokens=100_000, output_tokens=20_000)
    req(n, 4, "ops", "tagger", input_tokens=4_000_000, output_tokens=1_000_000)
    req(n, 5, "ops", "urgent", input_tokens=1_000_000, service_tier="priority")
    req("global." + h, 3, "support", "bot", input_tokens=100_000, cache_read=100_000,
        cache_write=400_000, cache_write_1h=100_000, output_tokens=10_000)  # fmt: skip
    req("global." + h, 3, "support", "faq", input_tokens=10_000, cache_read=1_000_000,
        cache_write=100_000, output_tokens=10_000)  # fmt: skip

    aggregate.run(StageContext(con, Settings(), "test", START, END))
    rate.run(StageContext(con, Settings(), "test", START, END))
