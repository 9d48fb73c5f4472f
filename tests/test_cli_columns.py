"""How the command line chooses a table's features: columns that name each row."""

import json

from ratingnet.cli import main
from ratingnet.cli.columns import choose_columns, date_columns
from ratingnet.cli.errors import CLIError

import numpy as np
import pandas as pd
import pytest


def _wines(n=40):
    """Numbers, a region, a name per wine and an integer rating."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "name": [f"wine {i}" for i in range(n)],
            "alcohol": np.round(rng.uniform(8, 14, n), 1),
            "region": rng.choice(["Alsace", "Rhône", "Loire"], n),
            "quality": np.arange(n) % 5 + 3,
        }
    )


def test_a_text_column_that_names_each_row_is_left_out_with_a_note():
    columns = choose_columns(_wines(), target="quality")

    assert list(columns.X.columns) == ["alcohol", "region"]
    assert columns.ids == ("name",)
    assert "column 'name' left out of the features" in columns.ids_note()
    assert "Name it in --categorical (or --features) to keep it." in columns.ids_note()


@pytest.mark.parametrize("dtype", ["string", "category"])
def test_names_as_strings_or_categories_are_ids_too(dtype):
    wines = _wines().astype({"name": dtype})

    assert choose_columns(wines, target="quality").ids == ("name",)


@pytest.mark.parametrize(
    "change",
    [
        lambda frame: frame.head(19),  # too few rows to tell
        lambda frame: frame.assign(name=frame["name"].where(frame.index != 3)),
        lambda frame: frame.assign(name=frame["name"].replace("wine 5", "wine 4")),
        lambda frame: frame.assign(name=np.arange(len(frame))),  # numbers
    ],
)
def test_columns_that_do_not_name_each_row_in_text_stay(change):
    columns = choose_columns(change(_wines()), target="quality")

    assert "name" in columns.X.columns
    assert columns.ids == ()


def test_features_keep_a_named_id_column_and_a_lone_one_stays():
    chosen = choose_columns(_wines(), target="quality", features=["name", "alcohol"])
    categorical = choose_columns(_wines(), target="quality", categorical=["name"])
    alone = choose_columns(_wines()[["name", "quality"]], target="quality")

    assert list(chosen.X.columns) == ["name", "alcohol"]
    assert "name" in categorical.X.columns
    assert list(alone.X.columns) == ["name"]
    assert chosen.ids == categorical.ids == alone.ids == ()


def test_fit_then_predict_by_id_on_new_rows(tmp_path, capsys):
    wines = _wines(60)
    wines.iloc[:40].to_csv(tmp_path / "wines.csv", index=False)
    wines.iloc[40:].drop(columns="quality").to_csv(tmp_path / "new.csv", index=False)
    fast = ["--model", "recipe", "--epochs", "2"]

    fit = ["fit", str(tmp_path / "wines.csv"), "--target", "quality"]
    assert main([*fit, "--out", str(tmp_path / "model"), *fast]) == 0
    assert "column 'name' left out" in capsys.readouterr().err
    predict = ["predict", str(tmp_path / "model"), str(tmp_path / "new.csv")]
    assert main([*predict, "--out", str(tmp_path / "p.csv"), "--id", "name"]) == 0

    predictions = pd.read_csv(tmp_path / "p.csv")
    assert predictions["name"].tolist() == [f"wine {i}" for i in range(40, 60)]


def test_uniqueness_is_judged_on_the_rows_that_train():
    wines = _wines()
    wines.loc[5, "name"] = "wine 4"  # a repeat, in a row without a target
    wines.loc[5, "quality"] = np.nan

    assert choose_columns(wines, target="quality").ids == ("name",)


def _dated(n=40):
    dates = pd.date_range("2020-01-01", periods=n)
    return _wines(n).assign(sold=dates.strftime("%Y-%m-%d"), at=dates)


def test_dates_as_iso_text_are_dates_not_ids_or_categories():
    wines = _dated().drop(columns="at")

    with pytest.raises(CLIError, match=r"Column\(s\) 'sold' hold dates or times"):
        choose_columns(wines, target="quality")
    assert date_columns(wines) == ["sold"]
    assert date_columns(wines.assign(sold="2020-01-01 or so")) == []


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_inspect_describes_dates_and_says_fit_refuses_them(tmp_path, capsys, suffix):
    path = tmp_path / f"dated{suffix}"
    table = _dated()
    if suffix == ".csv":
        table.to_csv(path, index=False)
    else:
        table.to_parquet(path)

    assert main(["inspect", str(path), "--target", "quality", "--json"]) == 0

    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    kinds = {c["column"]: c["kind"] for c in printed["columns"]}
    assert kinds["sold"] == kinds["at"] == "date"
    assert printed["left_out_as_ids"] == ["name"]
    alcohol = next(c for c in printed["columns"] if c["column"] == "alcohol")
    assert alcohol["min"] == _dated()["alcohol"].min()
    assert "hold dates or times, which fit and evaluate refuse" in captured.err
