"""A small rated database with hostile team/application strings, shared by the report tests."""

from __future__ import annotations

from datetime import date

from reconciler.core.config import Settings
from reconciler.db.stage import StageContext
from reconciler.stages import aggregate, rate
from support.rating_data import NOVA_MICRO, SONNET_45, add_model, add_price, add_request, at

DAY = date(2025, 11, 3)

HOSTILE = {
    "formula": '=HYPERLINK("http://x","y")',
    "script": "<script>alert(1)</script>",
    "unicode": "Ünïcödé 团队 🚀",
    "pipe": "a|b *bold* [x](y)",
    "control": "evil\x1b[31mred\u202e\x07",
    "at": "@SUM(1+1)",
    "minus": "-2+3",
}


def build(con):
    """Tokens and hand-computed costs (Nova Micro 0.035/0.14, Sonnet 4.5 geo 3.30/16.50 per M):

    formula  Nova Micro 1,000,000 in + 500,000 out = 0.035 + 0.07      = 0.105
    script   Sonnet 4.5 geo 10,000 in + 2,000 out  = 0.033 + 0.033     = 0.066
    unicode  Sonnet 4.5 geo 100,000 in             = 0.33
    pipe     Nova Micro 3 in                       = 0.000000105
    control  Nova Micro 2,000,000 in (2 requests)  = 0.07
    at       unknown model 777 in                  = unpriced
    minus    Nova Micro 1,000 in + unknown 5 out   = 0.000035 + unpriced
    total priced = 0.105 + 0.066 + 0.33 + 0.000000105 + 0.07 + 0.000035 = 0.571035105
    """
    add_model(con, NOVA_MICRO, NOVA_MICRO, "in_region")
    add_model(con, "us." + SONNET_45, SONNET_45, "geo")
    add_price(con, "nm-in", NOVA_MICRO, "input_tokens", "0.035")
    add_price(con, "nm-out", NOVA_MICRO, "output_tokens", "0.14")
    add_price(con, "s-in", SONNET_45, "input_tokens", "3.30", routing="regional")
    add_price(con, "s-out", SONNET_45, "output_tokens", "16.50", routing="regional")
    h = HOSTILE
    sonnet = "us." + SONNET_45
    add_request(
        con,
        NOVA_MICRO,
        at(3, 1),
        input_tokens=1_000_000,
        output_tokens=500_000,
        team=h["formula"],
        application=h["script"],
    )
    add_request(
        con,
        sonnet,
        at(3, 2),
        input_tokens=10_000,
        output_tokens=2_000,
        team=h["script"],
        application="app",
    )
    add_request(
        con, sonnet, at(3, 3), input_tokens=100_000, team=h["unicode"], application=h["unicode"]
    )
    add_request(con, NOVA_MICRO, at(3, 4), input_tokens=3, team=h["pipe"], application=h["pipe"])
    for hour in (5, 6):
        add_request(
            con,
            NOVA_MICRO,
            at(3, hour),
            input_tokens=1_000_000,
            team=h["control"],
            application=h["control"],
        )
    add_request(con, "mystery-model", at(3, 7), input_tokens=777, team=h["at"], application="x")
    add_request(con, NOVA_MICRO, at(3, 8), input_tokens=1_000, team=h["minus"], application="y")
    add_request(con, "mystery-model", at(3, 8), output_tokens=5, team=h["minus"], application="y")
    aggregate.run(StageContext(con, Settings(), "test", DAY, DAY))
    rate.run(StageContext(con, Settings(), "test", DAY, DAY))
