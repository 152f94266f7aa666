"""``prices check``: the book against a public source, key by key, with precedence resolved."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from reconciler.cli import main
from reconciler.pricebook import load_price_files
from reconciler.pricebook.check import check_book
from reconciler.pricebook.public_sources import PublicSource, litellm_prices

SOURCE = {
    "amazon.nova-lite-v1:0": {  # bare id -> us-east-1 in_region
        "litellm_provider": "bedrock_converse",
        "input_cost_per_token": 6e-08,
        "output_cost_per_token": 2.4e-07,
    },
    "eu.amazon.nova-lite-v1:0": {  # -> geo in eu-west-1 and eu-central-1
        "litellm_provider": "bedrock_converse",
        "input_cost_per_token": 7.8e-08,
    },
    "bedrock/eu-west-1/meta.llama3-70b-instruct-v1:0": {
        "litellm_provider": "bedrock",
        "input_cost_per_token": 2.86e-06,
    },
}

OVERLAY = (
    # agrees with 6e-08 per token = 0.06 per 1M through a '*' routing row
    "amazon.nova-lite-v1:0,us-east-1,*,standard,on_demand,input_tokens,1M tokens,0.06,2025-01-01,,t\n"
    # differs: 0.25 per 1M vs 0.24
    "amazon.nova-lite-v1:0,us-east-1,*,standard,on_demand,output_tokens,1M tokens,0.25,2025-01-01,,t\n"
    # agrees in another unit: 0.00286 per 1K = 2.86 per 1M
    "meta.llama3-70b-instruct-v1:0,eu-west-1,in_region,*,on_demand,input_tokens,1K tokens,0.00286,"
    "2025-01-01,,t\n"
    # eu-west-1 geo: a 'regional' row at 0.08 differs from 0.078; eu-central-1 has no price
    "amazon.nova-lite-v1:0,eu-west-1,regional,standard,on_demand,input_tokens,1M tokens,0.08,"
    "2025-01-01,,t\n"
    # a price that ended before the date checked is not the book's price then
    "amazon.nova-lite-v1:0,eu-west-1,geo,standard,on_demand,input_tokens,1M tokens,0.078,"
    "2025-01-01,2025-06-01,t\n"
)


def _source():
    prices, skipped = litellm_prices(SOURCE)
    return PublicSource("litellm", "9.9.9", "https://x/", tuple(prices), skipped)


def test_check_lists_differences_with_precedence_and_units_resolved(con, write_csv):
    load_price_files(con, [write_csv("o.csv", OVERLAY)], "r")
    result = check_book(con, _source(), date(2025, 11, 3))
    got = {
        (d.key.base_model, d.key.region, d.key.routing, d.key.charge): (
            d.kind,
            d.book_price,
            d.source_price,
        )
        for d in result.disagreements
    }
    assert got == {
        ("amazon.nova-lite-v1:0", "us-east-1", "in_region", "output_tokens"): (
            "differs",
            Decimal("0.25"),
            Decimal("0.24"),
        ),
        ("amazon.nova-lite-v1:0", "eu-west-1", "geo", "input_tokens"): (
            "differs",
            Decimal("0.08"),
            Decimal("0.078"),
        ),
    }
    assert result.agree == 2  # Nova input in us-east-1, Llama in 1K tokens
    # source keys: Nova us-east-1 x2, eu. in eu-west-1 and eu-central-1, Llama eu-west-1
    assert result.compared == 5
    with_missing = check_book(con, _source(), date(2025, 11, 3), include_missing=True)
    missing = [d for d in with_missing.disagreements if d.kind == "missing"]
    assert [(d.key.region, d.key.routing, d.source_price) for d in missing] == [
        ("eu-central-1", "geo", Decimal("0.078"))
    ]
    # On 2025-05-01 the overlay geo row at 0.078 is in effect and beats 'regional': it agrees
    earlier = check_book(con, _source(), date(2025, 5, 1))
    assert ("eu-west-1", "geo") not in {
        (d.key.region, d.key.routing) for d in earlier.disagreements
    }


def test_cli_check_exit_codes_and_json(tmp_path, write_csv, capsys):
    db = str(tmp_path / "r.duckdb")
    src = tmp_path / "model_prices_and_context_window.json"
    src.write_text(json.dumps(SOURCE))
    with pytest.raises(SystemExit) as exc:
        main(["--db", db, "prices", "load", str(write_csv("o.csv", OVERLAY))])
    assert exc.value.code == 0
    capsys.readouterr()
    args = ["--db", db, "prices", "check", "--against", str(src), "--date", "2025-11-03"]
    with pytest.raises(SystemExit) as exc:
        main([*args, "--json", "--source-version", "1.2.3"])
    out, err = capsys.readouterr()
    assert exc.value.code == 1
    rows = json.loads(out)
    # The bundled book (loaded by the check) prices Nova Lite output in us-east-1 at 0.24, and
    # the overlay's 0.25 wins over it; Nova Lite eu. input differs from the 0.08 overlay.
    assert {(r["region"], r["charge"], r["book_price"], r["source_price"]) for r in rows} == {
        ("us-east-1", "output_tokens", "0.25", "0.24"),
        ("eu-west-1", "input_tokens", "0.08", "0.078"),
    }
    assert "litellm 1.2.3: " in err
    good = tmp_path / "agreeing.json"
    good.write_text(json.dumps({"amazon.nova-lite-v1:0": SOURCE["amazon.nova-lite-v1:0"]}))
    with pytest.raises(SystemExit) as exc:
        main(["--db", db, "prices", "load", str(write_csv("o.csv", OVERLAY.split("\n")[0]))])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["--db", db, "prices", "check", "--against", str(good), "--date", "2025-11-03"])
    assert exc.value.code == 0
