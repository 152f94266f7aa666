"""HTML report: escaping, no active content, tie-out of displayed cents, charts, no-data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D
from html.parser import HTMLParser

import support.report_fixture as rf

from reconciler.outputs.html_report import render_html
from reconciler.outputs.report_data import ReportData
from reconciler.stages.allocate import largest_remainder

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "main",
    "section", "table", "thead", "tbody", "tr", "th", "td", "span", "svg", "line", "text",
    "rect", "ul", "li", "div", "b", "br",
}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def _parse(doc: str) -> _Tags:
    p = _Tags()
    p.feed(doc)
    return p


def test_largest_remainder_rows_add_up_to_the_rounded_total():
    # plain rounding would show 0.01 + 0.01 + 0.01 = 0.03 against a total of 0.015 -> 0.02
    assert largest_remainder([D("0.005")] * 3) == [D("0.01"), D("0.01"), D("0.00")]
    assert largest_remainder([D("1.338"), D("2.337")]) == [D("1.34"), D("2.34")]
    # negative parts: floor -2.002 -> -2.01, then the two largest remainders get a cent
    assert largest_remainder([D("5.003"), D("-2.002"), D("0.001")], target=D("3.01")) == [
        D("5.01"),
        D("-2.00"),
        D("0.00"),
    ]
    assert largest_remainder([]) == []


def test_no_active_content_and_only_known_tags():
    doc = render_html(rf.data())
    parsed = _parse(doc)
    assert {t for t, _ in parsed.tags} <= ALLOWED_TAGS
    for tag, attrs in parsed.tags:
        for name, _ in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name not in {"src", "href", "action", "formaction"}, (tag, name)
    csp = [
        dict(a)
        for t, a in parsed.tags
        if t == "meta" and ("http-equiv", "Content-Security-Policy") in a
    ]
    assert csp[0]["content"].startswith("default-src 'none'")


def test_hostile_strings_are_text():
    doc = render_html(rf.data())
    text = "".join(_parse(doc).text)
    for s in (rf.SCRIPT, rf.IMG, rf.FORMULA):
        assert s in text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in doc
    assert "&lt;img src=x onerror=&quot;window.__pwned=2;alert(&#x27;x&#x27;)&quot;&gt;" in doc
    # in attributes too: data-team carries the escaped name
    assert 'data-team="&lt;script&gt;window.__pwned=1&lt;/script&gt;"' in doc


def _table_rows(doc: str, css: str) -> list[list[str]]:
    m = re.search(rf'<table class="{css}">(.*?)</table>', doc)
    assert m, css
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", m.group(1).replace("<br>", " / "))
    return [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
        for r in rows
    ]


def test_team_table_ties_out():
    doc = render_html(rf.data())
    rows = _table_rows(doc, "team-table")
    # search 1.005 + 0.333 = 1.338; script 2.004 + 0.333 = 2.337; formula 0.005; total 3.680
    # floors 1.33 + 2.33 + 0.00 = 3.66, two cents to the largest remainders (0.008, 0.007)
    assert rows[1:] == [
        ["&lt;script&gt;window.__pwned=1&lt;/script&gt;", "2.34", "0"],
        ["search", "1.34", "0"],
        ["=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)", "0.00", "0"],
        ["ml", "unpriced", "2"],
        ["Total", "3.68", "2"],
    ]
    assert "2 rated row(s) have no price" in doc


def test_charts_have_one_shape_per_priced_segment_and_step():
    doc = render_html(rf.data())
    # five positive priced team-days (the unpriced ml day is not drawn as $0)
    assert doc.count('<rect class="seg"') == 5
    assert doc.count('<rect class="step"') == 5
    assert (
        len(re.findall(r'<ul class="legend" id="team-legend">(.*?)</ul>', doc)[0].split("<li>")) - 1
        == 3
    )


def test_bridge_displays_tie_from_rated_to_invoiced():
    rows = _table_rows(render_html(rf.data()), "bridge-table")
    assert [r[2] for r in rows[1:]] == ["100.00", "5.01", "-2.00", "0.00", "103.01"]
    assert [r[3] for r in rows[1:]] == ["100.00", "105.01", "103.01", "103.01", "103.01"]


def test_model_and_attribution_tables():
    doc = render_html(rf.data())
    models = _table_rows(doc, "model-table")
    assert models[1][2:] == ["1,230,000", "token", "1.23"]
    assert models[3][-1] == "unpriced"
    assert models[-1] == ["Total", "", "", "", "5.79"]  # 1.23 + 4.56, unpriced not as $0
    attribution = _table_rows(doc, "attribution-table")
    assert attribution[1] == ["rules[0]:request_metadata", "30", "3.00", "75.00 %"]
    assert attribution[-1] == ["Total", "40", "4.00", ""]
    logging = _table_rows(doc, "logging-table")
    assert logging[1][3:] == ["87.50 %", "3"]
    gaps = _table_rows(doc, "gap-table")
    assert gaps[1][1:7] == [
        "123456789012 / us-east-1",
        f"{rf.HAIKU} / input_tokens",
        "1,000,000 / 1,200,000",
        "1.00",
        "1.20",
        "0.20",
    ]


def test_empty_sections_say_no_data_and_why():
    doc = render_html(
        ReportData(
            date(2025, 11, 1),
            date(2025, 11, 2),
            unavailable={"gaps": "view reconciliation is not in this database"},
        )
    )
    assert doc.count('class="nodata"') == 7
    assert "No data for this period (view reconciliation is not in this database)." in doc
    assert "<svg" not in doc


def test_contents_line_names_the_extra_sections_present():
    """The Savings section (the what-if's) is named in the contents line when it is present,
    and only then."""
    plain = render_html(rf.data())
    line = re.search(r'<p class="contents">Sections: (.*?)</p>', plain).group(1)
    assert line == (
        "Chargeback · Trends · Models · Bill bridge · Gaps · Attribution coverage · "
        "Logging coverage"
    )
    extra = '<section id="savings"><h2>Savings</h2><p>x</p></section>'
    with_savings = render_html(rf.data(), [extra])
    line = re.search(r'<p class="contents">Sections: (.*?)</p>', with_savings).group(1)
    assert line.endswith("Logging coverage · Savings")
