"""``reconciler prices ...``: exit codes, stderr lines, output formats."""

from __future__ import annotations

import csv
import io
import json

import pytest

from reconciler.cli import main

NOVA = "amazon.nova-micro-v1:0"


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def test_load_then_show_json_and_csv(tmp_path, write_csv, capsys):
    db = str(tmp_path / "r.duckdb")
    path = write_csv(
        "o.csv",
        f"{NOVA},us-east-1,*,standard,on_demand,input_tokens,1K tokens,0.00003,2025-11-02,,=cmd()\n",
    )
    code, _, err = run_cli(["--db", db, "prices", "load", str(path)], capsys)
    assert code == 0
    assert "prices.overlay: 1 in, 1 out; files 1; replaced 0" in err
    code, out, _ = run_cli(
        [
            "--db",
            db,
            "prices",
            "show",
            "--model",
            NOVA,
            "--region",
            "us-east-1",
            "--date",
            "2025-11-03",
            "--json",
        ],
        capsys,
    )
    assert code == 0
    rows = json.loads(out)
    (inp,) = [
        r
        for r in rows
        if r["charge"] == "input_tokens" and r["mode"] == "on_demand" and r["tier"] == "standard"
    ]
    assert (inp["price_usd"], inp["unit"], inp["layer"]) == ("0.00003", "1K tokens", "overlay")
    assert len(
        {(r["routing"], r["tier"], r["mode"], r["charge"], r["context_tier"]) for r in rows}
    ) == len(rows)
    code, out, _ = run_cli(
        ["--db", db, "prices", "show", "--model", NOVA, "--date", "2025-11-03", "--format", "csv"],
        capsys,
    )
    table = list(csv.DictReader(io.StringIO(out)))
    overlay = [r for r in table if r["layer"] == "overlay"]
    assert overlay[0]["source"] == "'=cmd()"  # formula neutralised
    # '*': the bundled $0 rows for tokens sent through provisioned throughput or to an imported
    # model (both billed by capacity, not per token) apply to any model
    assert {r["region"] for r in table} == {
        "us-east-1",
        "us-west-2",
        "eu-west-1",
        "eu-central-1",  # generated rows (public-sources.csv): eu. and apac./jp. profile keys
        "ap-northeast-1",
        "*",
    }
    assert {r["mode"] for r in table if r["region"] == "*"} == {"provisioned", "custom_import"}


def test_validate_ok_and_bad(tmp_path, write_csv, capsys):
    good = write_csv("g.csv", f"{NOVA},*,*,*,on_demand,input_tokens,1M tokens,0.03,2025-01-01,,x\n")
    code, _, err = run_cli(["prices", "validate", str(good)], capsys)
    assert (code, err) == (0, "ok: 1 prices in 1 file(s)\n")
    bad = write_csv("b.csv", f"{NOVA},*,*,*,on_demand,input_tokens,,0.03,2025-01-01,,x\n")
    code, _, err = run_cli(["prices", "validate", str(bad)], capsys)
    assert code == 2
    assert err == (
        f"reconciler: error: {bad}:2: unit is empty; use one of: token, 1K tokens, 1M tokens, "
        "image, hour, minute, month, 1K units\n"
    )


def test_bad_overlay_load_exits_2_and_writes_nothing(tmp_path, write_csv, capsys):
    db = str(tmp_path / "r.duckdb")
    bad = write_csv("b.csv", f"{NOVA},*,*,*,on_demand,input,1M tokens,0.03,2025-01-01,,x\n")
    code, _, err = run_cli(["--db", db, "prices", "load", str(bad)], capsys)
    assert code == 2
    assert err.startswith(f"reconciler: error: {bad}:2: unknown charge 'input'")


def test_discounts_load_and_validate(tmp_path, capsys):
    db = str(tmp_path / "r.duckdb")
    path = tmp_path / "d.csv"
    path.write_text(
        "scope,value,percent,effective_from,effective_to,source\nall,*,3,2025-01-01,,EDP\n"
    )
    code, _, err = run_cli(["prices", "validate", "--discounts", str(path)], capsys)
    assert (code, err) == (0, "ok: 1 discounts in 1 file(s)\n")
    code, _, err = run_cli(["--db", db, "prices", "discounts", "load", str(path)], capsys)
    assert code == 0
    assert "prices.discounts: 1 in, 1 out" in err


def test_import_offer_lists_unmapped_skus(tmp_path, capsys):
    from pathlib import Path

    data = Path(__file__).parent / "data"
    db = str(tmp_path / "r.duckdb")
    code, _, err = run_cli(
        [
            "--db",
            db,
            "prices",
            "import",
            "--offer",
            str(data / "offer_bedrock_us-east-1.json"),
            "--offer",
            f"file://{data / 'offer_foundation_models_us-east-1.json'}",
        ],
        capsys,
    )
    assert code == 0
    assert (
        "unmapped SKU GIZMOINPUT000001 (AmazonBedrock USE1-Gizmo9000-input-tokens, us-east-1): "
        "billing name Gizmo9000 not in the billing-name table"
    ) in err
    assert "prices.price_list: 7 in, 5 out; unmapped 2" in err
    assert "prices.price_list: 4 in, 3 out; unmapped 1" in err


def test_import_needs_exactly_one_source(capsys):
    code, _, err = run_cli(["prices", "import"], capsys)
    assert code == 2
    assert "give either --offer FILE_OR_URL or --api --region R" in err
