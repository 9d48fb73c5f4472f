"""The ``ratingnet`` command, on small synthetic tables.

The main paths run the command in a subprocess, as a user would; the many
bad-input cases call ``main`` in this process, since starting Python with
Keras and JAX costs seconds each time.
"""

import json
import os
import subprocess
import sys

from ratingnet._base import BaseKerasEstimator
from ratingnet.cli import main
from ratingnet.cli.docs import parameter

import numpy as np
import pandas as pd
import pytest

FAST = ["--epochs", "2", "--batch-size", "16"]
RECIPE = ["--model", "recipe", *FAST]


def _table(n=120, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": np.arange(1000, 1000 + n),
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "color": rng.choice(["red", "white", "rose"], n),
            "grade": rng.integers(1, 4, n),
        }
    )
    score = 3 + frame["a"] - 0.5 * frame["b"] + (frame["color"] == "red")
    frame["rating"] = np.clip(np.round(score), 1, 5).astype(float)
    frame.loc[[3, 7], "a"] = np.nan
    frame.loc[5, "color"] = None
    frame.loc[9, "rating"] = np.nan
    return frame


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Tables on disk, good and bad, by short name."""
    folder = tmp_path_factory.mktemp("tables")
    frame = _table()
    paths = {name: folder / name for name in ("ratings.csv", "ratings.parquet")}
    frame.to_csv(paths["ratings.csv"], index=False)
    frame.to_parquet(paths["ratings.parquet"])

    new = frame.drop(columns="rating").head(15)
    writes = {
        "new.csv": new.to_csv(index=False),
        "lacks.csv": new.drop(columns="b").to_csv(index=False),
        "unseen.csv": new.assign(color=["purple"] + list(new["color"][1:])).to_csv(
            index=False
        ),
        "empty.csv": "",
        "header.csv": "a,b,rating\n",
        "all_missing.csv": "a,rating\n1,\n2,\n3,\n",
        "text_target.csv": "a,rating\n1,good\n2,bad\n3,good\n",
        "prose.txt": "This is a letter\nand not a table.\n",
        "build.py": (
            "import keras\n\n"
            "def build(n_features_in_):\n"
            "    return keras.Sequential([keras.Input((n_features_in_,)),\n"
            "                             keras.layers.Dense(1)])\n"
        ),
    }
    for name, text in writes.items():
        (folder / name).write_text(text)
        paths[name] = folder / name
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (folder / "broken.parquet").write_bytes(b"PAR1" + bytes(100))
    paths["binary.csv"] = folder / "binary.csv"
    paths["broken.parquet"] = folder / "broken.parquet"
    return paths


def run_cli(*args, cwd):
    """Run ``python -m ratingnet.cli`` and check it never shows a traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "ratingnet.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


# In a subprocess ----------------------------------------------------------------


def test_evaluate_prints_json_with_baselines(files, tmp_path):
    result = run_cli(
        "evaluate", files["ratings.csv"], "--target", "rating", "--drop", "id",
        "--cv", "2", "--json", *RECIPE, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    report = json.loads(result.stdout)
    assert report["rows"] == 119 and report["rows_left_out"] == 1
    assert report["target"]["kind"] == "rating"
    assert {"recipe", "mean", "ridge"} <= set(report["overall"])
    for scores in report["overall"].values():
        assert {"rmse", "mae", "r2", "qwk", "within_one"} <= set(scores)
    assert len(report["folds"]) == 2 * len(report["overall"])


def test_fit_then_predict_keeps_the_id_column(files, tmp_path):
    fit = run_cli(
        "fit", files["ratings.parquet"], "--target", "rating", "--drop", "id",
        "--categorical", "grade", "--out", "model", "--quiet", *RECIPE, cwd=tmp_path,
    )  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    assert fit.stderr == ""
    assert {"ratingnet.json", "model.keras"} <= set(os.listdir(tmp_path / "model"))

    # In this process: a second subprocess would only add Python's start-up.
    out = tmp_path / "out.csv"
    argv = ["predict", tmp_path / "model", files["new.csv"], "--out", out, "--id", "id"]
    assert main([str(a) for a in argv]) == 0
    written = pd.read_csv(out)
    assert list(written.columns) == ["id", "prediction", "level"]
    assert written["id"].tolist() == list(range(1000, 1015))
    assert set(written["level"]) <= {1, 2, 3, 4, 5}


def test_bad_input_is_one_paragraph_and_exit_status_1(files, tmp_path):
    result = run_cli(
        "evaluate", files["ratings.csv"], "--target", "ratin", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("ratingnet: error: There is no column 'ratin'")
    assert "Did you mean 'rating'?" in " ".join(result.stderr.split())


# In this process ----------------------------------------------------------------


@pytest.fixture(scope="module")
def model_dir(files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fitted") / "model"
    status = main(
        ["fit", str(files["ratings.csv"]), "--target", "rating", "--drop", "id",
         "--out", str(folder), "-q", *RECIPE]
    )  # fmt: skip
    assert status == 0
    return folder


def _error(capsys, argv):
    """Run main, expecting exit status 1; the error message on one line."""
    assert main([str(a) for a in argv]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    _, marker, message = captured.err.partition("ratingnet: error: ")
    assert marker, captured.err
    return " ".join(message.split())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evaluate", "nowhere.csv", "--target", "rating"], "There is no file"),
        (["evaluate", "@empty.csv", "--target", "rating"], "is empty"),
        (["evaluate", "@header.csv", "--target", "rating"], "has no rows"),
        (["evaluate", "@all_missing.csv", "--target", "rating"], "All 3 values"),
        (["fit", "@text_target.csv", "--target", "rating", "--out", "m"],
         "is not numeric"),
        (["evaluate", "@prose.txt", "--target", "rating"], "read as a single column"),
        (["evaluate", "@binary.csv", "--target", "rating"], "is not a text table"),
        (["evaluate", "@broken.parquet", "--target", "rating"],
         "could not be read as a Parquet table"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--features", "a,bb"],
         "There is no column 'bb' (given to --features). Did you mean 'b'"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--model", "recipy"],
         "There is no model 'recipy'. Did you mean 'recipe'?"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--model",
          "@build.py:buidl"], "has no function 'buidl'. Did you mean 'build'?"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--cv", "1"],
         "--cv must be between 2"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--report", "@new.csv"],
         "already exists. Give another --report path, or add --force"),
        (["evaluate", "--target", "rating"], "Give either a DATA file or --example"),
    ],
)  # fmt: skip
def test_bad_input(files, capsys, argv, message):
    assert message in _error(capsys, [_path(files, a) for a in argv])


def _path(files, arg):
    """``@name`` (or ``@name:rest``) as the path of that file of the fixture."""
    if not arg.startswith("@"):
        return arg
    name, colon, rest = arg[1:].partition(":")
    return f"{files[name]}{colon}{rest}"


def test_predict_refuses_missing_columns_and_unseen_categories(
    files, model_dir, tmp_path, capsys
):
    out = tmp_path / "p.csv"
    lacks = _error(capsys, ["predict", model_dir, files["lacks.csv"], "--out", out])
    assert "lacks 1 column(s) the model needs: b" in lacks

    unseen = _error(capsys, ["predict", model_dir, files["unseen.csv"], "--out", out])
    assert "Column 'color' has categories the model never saw" in unseen
    assert "'purple' (first in row 1)" in unseen
    assert not out.exists()


def test_existing_outputs_need_force(files, model_dir, tmp_path, capsys):
    out = tmp_path / "p.parquet"
    out.write_text("old")
    argv = ["predict", str(model_dir), str(files["new.csv"]), "--out", str(out), "-q"]
    assert "add --force" in _error(capsys, argv)

    assert main([*argv, "--force"]) == 0
    assert len(pd.read_parquet(out)) == 15
    capsys.readouterr()
    refit = ["fit", str(files["ratings.csv"]), "--target", "rating", "--out",
             str(model_dir)]  # fmt: skip
    assert "add --force" in _error(capsys, refit)


def test_rating_model_takes_forced_categories(files, tmp_path, capsys):
    common = [str(files["ratings.csv"]), "--drop", "id", "--categorical", "grade"]
    argv = ["fit", *common, "--target", "rating", "--out", str(tmp_path / "m")]
    assert main([*argv, "--model", "rating", "--json", "-q", *FAST]) == 0
    assert json.loads(capsys.readouterr().out)["as_categories"] == ["grade"]

    out = tmp_path / "p.csv"
    argv = ["predict", str(tmp_path / "m"), str(files["new.csv"]), "--out", str(out)]
    assert main([*argv, "-q"]) == 0
    assert pd.read_csv(out)["prediction"].between(1, 5).all()


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


def test_inspect_json(files, capsys):
    argv = ["inspect", str(files["ratings.csv"]), "--target", "rating", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    kinds = {column["column"]: column["kind"] for column in result["columns"]}
    assert kinds["color"] == "categorical" and kinds["a"] == "numeric"
    assert result["target"]["kind"] == "rating"
    assert result["target"]["n_missing"] == 1


def test_users_build_function_and_classifier(files, capsys):
    for model in (f"{files['build.py']}:build", "classifier"):
        argv = ["evaluate", str(files["ratings.csv"]), "--target", "rating",
                "--model", model, "--cv", "2", "--json", "-q", *FAST]  # fmt: skip
        assert main(argv) == 0
        assert model in json.loads(capsys.readouterr().out)["overall"]


def test_help_is_taken_from_the_docstrings(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert parameter(BaseKerasEstimator, "epochs") in text
    assert "Quadratic weighted kappa" in text
    assert "recipe" in text and "classifier" in text
