"""The ``ratingnet`` command, on small synthetic tables.

The main paths run the command in a subprocess, as a user would; the many
bad-input cases call ``main`` in this process, since starting Python with
Keras and JAX costs seconds each time.
"""

import json
import os
import shutil
import subprocess
import sys

from ratingnet._engine import loop
from ratingnet.cli import evaluate, main

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

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
        "trailing.csv": "a,b,rating\n"
        + "".join(f"{i},{-i},{i % 5 + 1}," + "\n" for i in range(20)),
        "trailing_header.csv": "a,b,rating,\n"
        + "".join(f"{i},{-i},{i % 5 + 1}," + "\n" for i in range(20)),
        "extra_field.csv": "a,rating\n1,2\n3,4,5\n",
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
    (folder / "latin1.csv").write_bytes("a,name,rating\n1,café,3\n".encode("latin-1"))
    paths["latin1.csv"] = folder / "latin1.csv"
    (folder / "broken.parquet").write_bytes(b"PAR1" + bytes(100))
    paths["binary.csv"] = folder / "binary.csv"
    paths["broken.parquet"] = folder / "broken.parquet"
    paths["tables"] = folder  # a folder that holds no model
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
        (["evaluate", "@binary.csv", "--target", "rating"], "is not UTF-8 text"),
        (["inspect", "@latin1.csv"], "line 2 holds the byte 0xe9"),
        (["evaluate", "@broken.parquet", "--target", "rating"],
         "could not be read as a Parquet table"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--features", "a,bb"],
         "There is no column 'bb' (given to --features). Did you mean 'b'"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--model", "recipy"],
         "There is no model 'recipy'. Did you mean 'recipe'?"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--model",
          "@build.py:buidl"], "has no function 'buidl'. Did you mean 'build'?"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--cv", "500"],
         "--cv must be between 2 and the number of rows (119); got 500."),
        (["evaluate", "@ratings.csv", "--target", "rating", "--report", "@tables"],
         "and no report of ratingnet's, so it is not replaced"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--report", "@new.csv"],
         "is a file, not a folder"),
        (["evaluate", "--target", "rating"], "Give a DATA file or --example NAME"),
        (["inspect", "@extra_field.csv"], "as many fields as the header"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--categorical",
          "rating"], "--categorical names the target column 'rating'"),
        (["predict", "@tables", "--out", "p.csv"],
         "For example: ratingnet predict model wines.csv --out predictions.csv"),
        (["fit", "@ratings.csv", "--target", "rating", "--out", "@new.csv",
          "--force"], "is a file, not a folder"),
        (["fit", "@ratings.csv", "--target", "rating", "--out", "@tables",
          "--force"], "is not a saved ratingnet model, so it is not replaced"),
        (["fit", "@ratings.csv", "--target", "rating", "--out", "@tables"],
         "is not a saved ratingnet model, so it is not replaced"),
        (["evaluate", "@ratings.csv", "--target", "rating", "--levels", "1,2"],
         "--levels orders a target of text levels, but 'rating' holds numbers"),
        (["inspect", "@ratings.csv", "--levels", "low,high"],
         "--levels orders the target's levels; name it with --target"),
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
    printed = json.loads(capsys.readouterr().out)
    assert printed["as_categories"] == ["grade"]
    assert set(printed["training_scores"]) == {"rmse", "mae", "r2"}

    out = tmp_path / "p.csv"
    argv = ["predict", str(tmp_path / "m"), str(files["new.csv"]), "--out", str(out)]
    assert main([*argv, "-q"]) == 0
    assert pd.read_csv(out)["prediction"].between(1, 5).all()


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


@pytest.mark.parametrize("name", ["trailing.csv", "trailing_header.csv"])
def test_a_delimiter_at_the_end_of_rows_shifts_nothing(files, capsys, name):
    argv = ["inspect", str(files[name]), "--target", "rating", "--json"]
    assert main(argv) == 0

    result = json.loads(capsys.readouterr().out)
    assert [column["column"] for column in result["columns"]] == ["a", "b"]
    assert result["target"]["range"] == [1, 5]


def test_tables_as_other_tools_write_them(tmp_path, capsys):
    frame = _table(40).drop(columns="id")
    semicolons = tmp_path / "semicolons.csv"
    frame.to_csv(semicolons, sep=";", decimal=",", index=False)
    spaced = tmp_path / "spaced.csv"
    spaced.write_text(frame.to_csv(index=False).replace(",", ", "))

    for path in (semicolons, spaced):
        argv = ["inspect", str(path), "--target", "rating", "--features", "a,color"]
        assert main([*argv, "--json"]) == 0
        kinds = {
            c["column"]: c["kind"]
            for c in json.loads(capsys.readouterr().out)["columns"]
        }
        assert kinds == {"a": "numeric", "color": "categorical"}


def test_brackets_in_the_data_are_shown_as_they_are(tmp_path, capsys):
    frame = _table(40).assign(id=lambda f: [f"[/b]{i}" for i in f["id"]])
    path = tmp_path / "brackets.csv"
    frame.to_csv(path, index=False)
    model, out = tmp_path / "m", tmp_path / "p.csv"

    fit = ["fit", str(path), "--target", "rating", "--drop", "id", "--out", str(model)]
    assert main([*fit, "-q", *RECIPE]) == 0
    assert (
        main(["predict", str(model), str(path), "--id", "id", "--out", str(out)]) == 0
    )

    assert "[/b]1000" in capsys.readouterr().out
    assert pd.read_csv(out)["id"][0] == "[/b]1000"


def test_levels_come_from_the_whole_scale(tmp_path, capsys):
    # No rating 3 in training: predictions near 3 still round to 3.
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    rating = np.clip(np.round(3 + 1.5 * a), 1, 5)
    rating[rating == 3] = 2
    train = tmp_path / "train.csv"
    pd.DataFrame({"a": a, "rating": rating}).to_csv(train, index=False)
    model, out = tmp_path / "m", tmp_path / "p.csv"

    assert main(["fit", str(train), "--target", "rating", "--out", str(model), "-q",
                 "--model", "recipe", "--epochs", "30"]) == 0  # fmt: skip
    assert main(["predict", str(model), str(train), "--out", str(out), "-q"]) == 0

    written = pd.read_csv(out)
    near_three = (written["prediction"] - 3).abs() < 0.5
    assert near_three.any()
    assert (written["level"][near_three] == 3).all()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda m: (m / "arrays.npz").unlink(), "arrays.npz is missing"),
        (lambda m: (m / "arrays.npz").write_bytes(bytes(50)), "not a readable NumPy"),
        (lambda m: (m / "model.keras").write_text("text"), "model.keras is not a"),
        (lambda m: (m / "ratingnet.json").write_text('{"format": "ratingnet-model"}'),
         "in ratingnet.json, format_version is missing; class is missing"),
        (lambda m: _edit_manifest(m, estimator=None), "estimator is not an object"),
        (lambda m: _edit_manifest(m, format_version="2"),
         "format_version is not a whole number"),
        (lambda m: _edit_manifest(m, files={"arrays": None}),
         "files does not name the arrays and model files"),
    ],
)  # fmt: skip
def test_a_damaged_model_folder_says_so(
    files, model_dir, tmp_path, capsys, damage, message
):
    damaged = tmp_path / "damaged"
    shutil.copytree(model_dir, damaged)
    if not (damaged / "arrays.npz").exists() and "arrays" in message:
        pytest.skip("this model keeps no arrays")
    damage(damaged)

    argv = ["predict", damaged, files["new.csv"], "--out", tmp_path / "p.csv"]
    text = _error(capsys, argv)

    assert f"The saved model at {damaged} is damaged" in text
    assert message in text


def _edit_manifest(folder, **changes):
    manifest = json.loads((folder / "ratingnet.json").read_text())
    (folder / "ratingnet.json").write_text(json.dumps({**manifest, **changes}))


@pytest.mark.parametrize(
    ("command", "option"), [("fit", "--out"), ("evaluate", "--report")]
)
def test_ctrl_c_in_training_writes_nothing(
    files, tmp_path, capsys, monkeypatch, command, option
):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(loop, "chunk_program", lambda *args, **kwargs: interrupted)
    out = tmp_path / "written"
    argv = [command, files["ratings.csv"], "--target", "rating", option, out, *RECIPE]

    assert main([str(a) for a in argv]) == 130

    captured = capsys.readouterr()
    assert "ratingnet: error: interrupted." in captured.err
    assert captured.out == "" and not out.exists()


def test_numbers_written_for_people_are_read_as_numbers(tmp_path, capsys):
    frame = _table(40).drop(columns="id")
    frame["votes"] = [f"{1000 * (i + 1):,}" for i in range(40)]
    frame["a"] = frame["a"].round(3).astype(str).where(frame["a"].notna(), "?")
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)

    assert main(["inspect", str(path), "--target", "rating", "--json"]) == 0

    captured = capsys.readouterr()
    kinds = {c["column"]: c["kind"] for c in json.loads(captured.out)["columns"]}
    assert kinds["votes"] == kinds["a"] == "numeric"
    assert "read numbers with thousands separators ('1,000')" in captured.err
    assert "note: column 'a': read '?' as missing (2 rows)" in captured.err


def test_a_baseline_that_cannot_take_the_table_is_left_out(
    tmp_path, capsys, monkeypatch
):
    frame = _table(60).drop(columns="id")
    frame.loc[4, "b"] = np.inf
    path = tmp_path / "infinite.csv"
    frame.to_csv(path, index=False)
    argv = ["evaluate", str(path), "--target", "rating", "--model", "rating"]

    class Refusing(Ridge):
        def fit(self, X, y):
            raise ValueError("this baseline cannot take the table")

    monkeypatch.setattr(
        evaluate, "baselines", lambda kinds, seed: {"ridge": Refusing()}
    )

    assert main([*argv, "--cv", "2", "--epochs", "2", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert "rating" in result["overall"] and "ridge" not in result["overall"]
    assert "cannot take the table" in result["left_out"]["ridge"]
    # The infinite number was read as missing, with a note.
    assert "column 'b': read 1 infinite value as missing (row 5)" in captured.err

    # Quiet silences notes, not why a row of the results is missing.
    assert main([*argv, "--cv", "2", "--epochs", "2", "-q"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "ridge is left out of the results: ridge failed to fit" in shown


def test_a_parquet_text_column_with_pandas_missing_values(tmp_path):
    frame = _table(60).drop(columns="id")
    frame["color"] = frame["color"].astype("string")
    path = tmp_path / "nullable.parquet"
    frame.to_parquet(path)
    model, out = tmp_path / "m", tmp_path / "p.csv"
    argv = ["fit", str(path), "--target", "rating", "--out", str(model)]

    assert main([*argv, "-q", *RECIPE]) == 0
    assert main(["predict", str(model), str(path), "--out", str(out), "-q"]) == 0
    assert pd.read_csv(out)["prediction"].notna().sum() == 60


def test_decimal_commas_beside_missing_markers_stay_decimals(tmp_path, capsys):
    path = tmp_path / "commas.csv"
    path.write_text("price;rating\n1,250;3\n0,750;4\n?;2\n1,5;5\n")

    assert main(["inspect", str(path), "--target", "rating", "--json"]) == 0

    captured = capsys.readouterr()
    (price,) = json.loads(captured.out)["columns"]
    assert price["kind"] == "numeric" and price["missing"] == 1
    assert "read numbers with decimal commas ('1,250')" in captured.err


def test_columns_named_twice_and_date_columns(files, tmp_path, capsys):
    argv = ["inspect", str(files["ratings.csv"]), "--target", "rating"]
    assert main([*argv, "--features", "a,b,a", "--json"]) == 0
    columns = json.loads(capsys.readouterr().out)["columns"]
    assert [column["column"] for column in columns] == ["a", "b"]

    dated = tmp_path / "dated.parquet"
    _table(30).assign(when=pd.date_range("2020-01-01", periods=30)).to_parquet(dated)
    fit = ["fit", dated, "--target", "rating", "--out", tmp_path / "m"]
    assert "'when' hold dates or times" in _error(capsys, fit)


def test_a_failing_fold_is_named_with_its_cause(files, tmp_path, capsys):
    (tmp_path / "mine.py").write_text(
        "def broken(n_features_in_):\n    raise RuntimeError('no model today')\n"
    )
    model = f"{tmp_path / 'mine.py'}:broken"

    argv = ["evaluate", files["ratings.csv"], "--target", "rating", "--cv", "2"]
    message = _error(capsys, [*argv, "--model", model, *FAST])

    assert f"{model} failed to fit on a fold of the cross-validation" in message
    assert "RuntimeError: no model today" in message


def test_an_output_under_a_file_is_refused_before_any_work(files, tmp_path, capsys):
    under = files["new.csv"] / "model"
    argv = ["fit", files["ratings.csv"], "--target", "rating", "--out", under]

    assert f"{files['new.csv']} is a file, not a folder" in _error(capsys, argv)


def test_a_code_for_no_answer_in_the_target_is_warned_about(tmp_path, capsys):
    frame = _table(120).drop(columns="id")
    frame.loc[[4, 8], "rating"] = 99
    path = tmp_path / "coded.csv"
    frame.to_csv(path, index=False)
    argv = ["fit", str(path), "--target", "rating", "--out", str(tmp_path / "m")]

    assert main([*argv, *RECIPE]) == 0

    err = " ".join(capsys.readouterr().err.split())
    assert "warning: target 'rating': 99 lies apart from the other values" in err


def test_a_classifier_on_ratings_is_advised_against_in_options(files, capsys):
    argv = ["evaluate", str(files["ratings.csv"]), "--target", "rating", "--cv", "3"]

    assert main([*argv, "--model", "classifier", *FAST]) == 0

    err = " ".join(capsys.readouterr().err.split())
    assert err.count("--model classifier treats its levels as unordered") == 1
    assert "Use --model rating" in err
    assert "KerasRegressor(...)" not in err


def test_text_levels_taken_in_sorted_order_are_noted_once(tmp_path, capsys):
    path = tmp_path / "grades.csv"
    grades = np.array(["low", "mid", "high"])
    _table().assign(grade=lambda t: grades[t["grade"] - 1]).to_csv(path, index=False)
    argv = ["fit", str(path), "--target", "grade", "--out", str(tmp_path / "m")]

    assert main([*argv, "--model", "ordinal", "--epochs", "2"]) == 0

    err = " ".join(capsys.readouterr().err.split())
    assert err.count("sorted order") == 1
    assert "give their order with --levels" in err


def test_evaluate_says_what_it_cross_validated(files, capsys):
    argv = ["evaluate", str(files["ratings.csv"]), "--target", "rating", "--cv", "3"]

    assert main([*argv, "--drop", "id", *FAST]) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith(
        "rating (RatingRegressor) on ratings.csv: 119 rows, 4 feature columns; "
        "predicting 'rating' (rating, 1 to 5)."
    )


def test_evaluate_notes_folds_with_few_held_out_rows(tmp_path, capsys):
    path = tmp_path / "tiny.csv"
    _table(30).to_csv(path, index=False)
    argv = ["evaluate", str(path), "--target", "rating", "--drop", "id"]

    assert main([*argv, "--cv", "5", *FAST]) == 0

    err = " ".join(capsys.readouterr().err.split())
    assert "note: 29 rows in 5 folds leave 5 to 6 held-out rows per fold" in err


def test_a_classifier_on_class_codes_gets_no_advice(tmp_path, capsys):
    path = tmp_path / "codes.csv"
    _table().assign(kind=lambda t: t["grade"] - 1).to_csv(path, index=False)
    argv = ["evaluate", str(path), "--target", "kind", "--cv", "3"]

    assert main([*argv, "--model", "classifier", "--drop", "grade", *FAST]) == 0

    err = " ".join(capsys.readouterr().err.split())
    assert "unordered" not in err
