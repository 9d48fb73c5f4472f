"""``ratingnet predict`` on new tables: levels, ids, text and missing values."""

import os

from ratingnet.cli import main

import numpy as np
import pandas as pd
import pytest
import test_cli
from test_cli import FAST, RECIPE, _error, _table

# The tables and the fitted model of the command's other tests.
files = test_cli.files
model_dir = test_cli.model_dir


@pytest.mark.parametrize("model", ["recipe", "default"])
def test_predictions_of_a_rating_stay_on_its_scale(files, tmp_path, model):
    argv = ["fit", str(files["ratings.csv"]), "--target", "rating", "--drop", "id"]
    assert main([*argv, "--out", str(tmp_path / "m"), "--model", model, *FAST]) == 0
    far = _table().drop(columns=["rating", "id"]).head(3).assign(a=[100, -100, 1e9])
    far.to_csv(tmp_path / "far.csv", index=False)

    out = tmp_path / "p.csv"
    assert (
        main(
            [
                "predict",
                str(tmp_path / "m"),
                str(tmp_path / "far.csv"),
                "--out",
                str(out),
            ]
        )
        == 0
    )

    predictions = pd.read_csv(out)["prediction"]
    assert predictions.between(1, 5).all()


@pytest.mark.parametrize("model", ["recipe", "rating"])
def test_predict_names_text_in_a_number_column(files, tmp_path, capsys, model):
    argv = ["fit", str(files["ratings.csv"]), "--target", "rating", "--drop", "id"]
    assert main([*argv, "--out", str(tmp_path / "m"), "--model", model, *FAST]) == 0
    capsys.readouterr()
    new = _table().drop(columns=["rating", "id"]).head(4)
    new.assign(b=["x", "y", "z", "w"]).to_csv(tmp_path / "words.csv", index=False)

    predict = ["predict", tmp_path / "m", tmp_path / "words.csv"]
    message = _error(capsys, [*predict, "--out", tmp_path / "p.csv"])

    assert message.startswith(
        "Column 'b' held numbers (or True/False) in training, but here it holds "
        "'x' (row 1), which is not a number."
    )


def test_predict_copies_several_ids_as_they_were_written(files, tmp_path):
    argv = ["fit", str(files["ratings.csv"]), "--target", "rating", "--drop", "id"]
    assert main([*argv, "--out", str(tmp_path / "m"), *RECIPE]) == 0
    new = _table().drop(columns="rating").head(4).astype({"id": "Int64"})
    new.loc[2, "id"] = pd.NA
    new.to_csv(tmp_path / "new.csv", index=False)

    out = tmp_path / "p.csv"
    predict = ["predict", str(tmp_path / "m"), str(tmp_path / "new.csv")]
    assert main([*predict, "--out", str(out), "--id", "id,color", "--id", "a"]) == 0

    lines = out.read_text().splitlines()
    assert lines[0] == "id,color,a,prediction,level"
    assert [line.split(",")[0] for line in lines[1:]] == ["1000", "1001", "", "1003"]


def test_predict_notes_rows_that_miss_values(files, model_dir, tmp_path, capsys):
    new = pd.read_csv(files["new.csv"])
    new.loc[1, "a"] = np.nan
    new.loc[2, ["a", "b", "color", "grade", "id"]] = np.nan
    new.to_csv(tmp_path / "holes.csv", index=False)

    predict = ["predict", str(model_dir), str(tmp_path / "holes.csv")]
    assert main([*predict, "--out", str(tmp_path / "p.csv")]) == 0

    err = " ".join(capsys.readouterr().err.split())
    assert "note: 5 of 15 rows miss values (in 'a', 'b', 'color', 'grade')" in err
    assert "predicts the 1 without any value as a typical row" in err


@pytest.mark.parametrize("model", ["classifier", "ordinal"])
def test_every_model_of_a_rating_writes_its_level(files, tmp_path, model):
    argv = ["fit", str(files["ratings.csv"]), "--target", "rating", "--drop", "id"]
    assert main([*argv, "--out", str(tmp_path / "m"), "--model", model, *FAST]) == 0

    out = tmp_path / "p.csv"
    predict = ["predict", str(tmp_path / "m"), str(files["new.csv"]), "--out", str(out)]
    assert main([*predict, "-q"]) == 0

    written = pd.read_csv(out)
    assert list(written.columns) == ["prediction", "level"]
    assert (written["prediction"] == written["level"]).all()


def test_predict_refuses_missing_columns_and_unseen_categories(
    files, model_dir, tmp_path, capsys
):
    out = tmp_path / "p.csv"
    lacks = _error(capsys, ["predict", model_dir, files["lacks.csv"], "--out", out])
    assert "lacks 1 column(s) the model needs: b" in lacks
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(files["new.csv"]).rename(columns={"b": "B"}).to_csv(
        renamed, index=False
    )
    misnamed = _error(capsys, ["predict", model_dir, renamed, "--out", out])
    assert "needs: b. Did you mean 'B'?" in misnamed

    unseen = _error(capsys, ["predict", model_dir, files["unseen.csv"], "--out", out])
    assert "Column 'color' has categories the model never saw" in unseen
    assert "'purple' (first in row 1)" in unseen
    assert not out.exists()

    argv = ["predict", model_dir, files["unseen.csv"], "--out", out, "--allow-unseen"]
    assert main([str(a) for a in argv]) == 0
    assert "1 row(s) of column 'color' hold categories" in capsys.readouterr().err
    assert len(pd.read_csv(out)) == 15


def test_text_categories_that_read_as_numbers_at_predict(tmp_path, capsys):
    train = tmp_path / "train.csv"
    pd.DataFrame(
        {"size": ["1", "2", "3+"] * 20, "rating": np.arange(60) % 5 + 1.0}
    ).to_csv(train, index=False)
    new = tmp_path / "new.csv"
    new.write_text("size\n1\n2\n")
    model = tmp_path / "m"

    fit = ["fit", str(train), "--target", "rating", "--out", str(model), "-q"]
    assert main([*fit, "--model", "rating", *FAST]) == 0
    out = tmp_path / "p.csv"
    assert main(["predict", str(model), str(new), "--out", str(out), "-q"]) == 0

    assert len(pd.read_csv(out)) == 2
    assert capsys.readouterr().err == ""


def test_codes_with_leading_zeros_stay_text_at_predict(tmp_path, capsys):
    train = tmp_path / "train.csv"
    codes = ["007", "012", "A10"] * 20
    pd.DataFrame({"code": codes, "rating": np.arange(60) % 5 + 1.0}).to_csv(
        train, index=False
    )
    new = tmp_path / "new.csv"
    new.write_text("code\n007\n012\n")
    model, out = tmp_path / "m", tmp_path / "p.csv"

    assert main(["fit", str(train), "--target", "rating", "--out", str(model), "-q",
                 *RECIPE]) == 0  # fmt: skip
    assert main(["predict", str(model), str(new), "--out", str(out), "-q"]) == 0

    assert len(pd.read_csv(out)) == 2


def test_predict_refuses_what_it_cannot_write(files, model_dir, tmp_path, capsys):
    folder = tmp_path / "folder"
    folder.mkdir()
    argv = ["predict", model_dir, files["new.csv"]]
    assert "is a folder" in _error(capsys, [*argv, "--out", folder, "--force"])

    clash = tmp_path / "clash.csv"
    pd.read_csv(files["new.csv"]).rename(columns={"id": "level"}).to_csv(clash)
    message = _error(capsys, ["predict", model_dir, clash, "--id", "level",
                              "--out", tmp_path / "p.csv"])  # fmt: skip
    assert "names a column that predict writes itself" in message
    assert sorted(os.listdir(tmp_path)) == ["clash.csv", "folder"]
