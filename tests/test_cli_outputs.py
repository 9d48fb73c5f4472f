"""Where the commands write: checked before any work, and nothing of the user's lost."""

import errno
import gzip
import shutil

from ratingnet.cli import evaluate, fit, main, training

import numpy as np
import pandas as pd
import pytest

QUICK = ["--model", "recipe", "--epochs", "2", "--batch-size", "16", "-q"]


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    frame["rating"] = np.clip(np.round(3 + frame["a"]), 1, 5)
    path = tmp_path_factory.mktemp("outputs") / "ratings.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_dir(table, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fitted") / "model"
    assert (
        main(["fit", str(table), "--target", "rating", "--out", str(folder), *QUICK])
        == 0
    )
    return folder


def _fit(table, out, *extra):
    return main(
        ["fit", str(table), "--target", "rating", "--out", str(out), *QUICK, *extra]
    )


def _error(capsys):
    _, marker, message = capsys.readouterr().err.partition("ratingnet: error: ")
    assert marker
    return " ".join(message.split())


def test_a_model_folder_holding_the_users_files_is_not_replaced(
    table, model_dir, tmp_path, capsys
):
    folder = tmp_path / "model"
    shutil.copytree(model_dir, folder)
    (folder / "NOTES.md").write_text("my notes")

    assert _fit(table, folder, "--force") == 1

    assert "also files of its own (NOTES.md)" in _error(capsys)
    assert (folder / "NOTES.md").read_text() == "my notes"


def test_a_folder_whose_ratingnet_json_is_not_a_model_is_not_replaced(
    table, tmp_path, capsys
):
    project = tmp_path / "project"
    project.mkdir()
    (project / "ratingnet.json").write_text('{"my": "settings"}')
    shutil.copy(table, project / "data.csv")

    assert _fit(table, project, "--force") == 1

    assert "is not a saved ratingnet model" in _error(capsys)
    assert sorted(p.name for p in project.iterdir()) == ["data.csv", "ratingnet.json"]


def test_an_empty_folder_is_written_into_without_force(table, tmp_path):
    (tmp_path / "model").mkdir()

    assert _fit(table, tmp_path / "model") == 0
    assert (tmp_path / "model" / "ratingnet.json").is_file()


def test_an_unwritable_place_is_refused_before_the_table_is_read(
    table, tmp_path, capsys, monkeypatch
):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    def never(*args, **kwargs):
        raise AssertionError("the table was read before the output was checked")

    monkeypatch.setattr("tempfile.TemporaryFile", read_only)
    monkeypatch.setattr(training, "read_table", never)

    assert _fit(table, tmp_path / "new" / "model") == 1

    message = _error(capsys)
    assert f"--out {tmp_path / 'new' / 'model'} cannot be written" in message
    assert "Read-only file system" in message


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "Free some space"),
        (PermissionError(errno.EACCES, "Permission denied"), "you may write to"),
        (OSError(errno.ENAMETOOLONG, "File name too long"), "a shorter name"),
        (OSError(errno.EIO, "Input/output error"), "Choose another path"),
    ],
)
def test_a_failed_save_names_the_option_the_path_and_the_fix(
    table, tmp_path, capsys, monkeypatch, error, advice
):
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(fit, "save", failing)

    assert _fit(table, tmp_path / "model") == 1

    message = _error(capsys)
    reason = error.strerror.split()[0]
    assert f"--out {tmp_path / 'model'} could not be written: {reason}" in message
    assert advice in message
    assert ".partial" not in message


def test_evaluate_shows_its_results_when_the_report_cannot_be_written(
    table, tmp_path, capsys, monkeypatch
):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evaluate, "_report", full)
    argv = ["evaluate", str(table), "--target", "rating", "--cv", "2", *QUICK]

    assert main([*argv, "--report", str(tmp_path / "report")]) == 1

    captured = capsys.readouterr()
    assert "cross-validation" in captured.out
    assert "--report" in captured.err and "No space left" in captured.err


def _predict(model_dir, table, out, *extra):
    return main(
        ["predict", str(model_dir), str(table), "--out", str(out), "-q", *extra]
    )


def test_predictions_are_compressed_and_separated_as_their_name_says(
    table, model_dir, tmp_path
):
    assert _predict(model_dir, table, tmp_path / "p.csv.gz") == 0
    assert _predict(model_dir, table, tmp_path / "p.tsv") == 0

    with gzip.open(tmp_path / "p.csv.gz", "rt") as handle:
        compressed = pd.read_csv(handle)
    tabbed = pd.read_csv(tmp_path / "p.tsv", sep="\t")
    assert list(compressed.columns) == list(tabbed.columns)
    assert "prediction" in compressed.columns
    np.testing.assert_allclose(compressed["prediction"], tabbed["prediction"])


@pytest.mark.parametrize(
    ("name", "kind"), [("p.xlsx", "an Excel workbook"), ("p.json", "a JSON file")]
)
def test_formats_that_are_not_written_are_refused(
    table, model_dir, tmp_path, capsys, name, kind
):
    assert _predict(model_dir, table, tmp_path / name) == 1

    assert f"names {kind}, which ratingnet does not write" in _error(capsys)
    assert not (tmp_path / name).exists()


def test_predictions_never_replace_the_table_they_read(
    table, model_dir, tmp_path, capsys
):
    data = tmp_path / "data.csv"
    shutil.copy(table, data)

    assert _predict(model_dir, data, data, "--force") == 1

    assert "is the table being read" in _error(capsys)
    assert data.read_bytes() == table.read_bytes()


def test_an_error_in_the_users_build_function_is_blamed_on_it(table, tmp_path, capsys):
    (tmp_path / "mine.py").write_text(
        "def broken(n_features_in_):\n    raise RuntimeError('boom in my code')\n"
    )
    spec = f"{tmp_path / 'mine.py'}:broken"
    argv = ["fit", str(table), "--target", "rating", "--out", str(tmp_path / "m")]

    assert main([*argv, "--model", spec, "-q"]) == 1

    message = _error(capsys)
    assert f"{spec} failed to fit: RuntimeError: boom in my code" in message
    assert "bug in ratingnet" not in message


@pytest.mark.parametrize("out", [".", "WORKING"])
def test_the_working_folder_is_never_an_output_folder(
    table, tmp_path, capsys, monkeypatch, out
):
    working = tmp_path / "work" / "here"
    working.mkdir(parents=True)
    monkeypatch.chdir(working)
    out = str(working) if out == "WORKING" else out

    assert _fit(table, out, "--force") == 1

    assert "is the current folder, or holds it" in _error(capsys)
    assert working.is_dir()
