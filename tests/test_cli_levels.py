"""Text ratings on the command line: --levels orders them."""

import json

from ratingnet.cli import main

import numpy as np
import pandas as pd
import pytest
from test_cli import FAST, RECIPE, _error, _table


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The ratings table with its rating as text levels."""
    frame = _table().drop(columns="id").dropna(subset=["rating"])
    names = np.array(["poor", "fair", "good", "very good", "excellent"])
    frame["rating"] = names[frame["rating"].astype(int) - 1]
    path = tmp_path_factory.mktemp("graded") / "graded.csv"
    frame.to_csv(path, index=False)
    return path


def test_text_levels_in_their_order(graded, tmp_path, capsys):
    levels = ["--levels", "poor,fair,good,very good", "--levels", "excellent"]
    model = tmp_path / "model"
    fit = ["fit", graded, "--target", "rating", *levels, "--model", "ordinal"]
    assert main([str(a) for a in [*fit, "--out", model, *FAST]]) == 0
    assert "poor=1, fair=2, good=3, very good=4, excellent=5" in capsys.readouterr().err

    out = tmp_path / "p.csv"
    assert main([str(a) for a in ["predict", model, graded, "--out", out, "-q"]]) == 0
    capsys.readouterr()
    predicted = pd.read_csv(out)
    names = ["poor", "fair", "good", "very good", "excellent"]
    assert set(predicted["level"]) <= set(names)
    expected = [names[position - 1] for position in predicted["prediction"]]
    assert predicted["level"].tolist() == expected

    evaluate = ["evaluate", graded, "--target", "rating", *levels, "--json", *RECIPE]
    assert main([str(a) for a in [*evaluate, "--cv", "2"]]) == 0
    assert json.loads(capsys.readouterr().out)["target"]["kind"] == "rating"


def test_levels_must_name_every_level(graded, capsys):
    argv = ["evaluate", graded, "--target", "rating", "--levels", "poor,fair,good"]

    message = _error(capsys, argv)

    assert "holds levels that --levels does not name: 'excellent', 'very good'" in (
        message
    )


def test_evaluate_asks_text_levels_for_their_order(graded, capsys):
    argv = ["evaluate", graded, "--target", "rating", "--model", "ordinal"]

    assert "Give the order of its levels with --levels" in _error(capsys, argv)


def test_text_levels_without_an_order_get_a_note(graded, tmp_path, capsys):
    argv = ["fit", graded, "--target", "rating", "--model", "ordinal"]

    assert main([str(a) for a in [*argv, "--out", tmp_path / "m", *FAST]]) == 0

    assert "give their order with --levels" in capsys.readouterr().err


def test_named_levels_the_data_lacks_still_count_in_scores(tmp_path, capsys):
    frame = _table().drop(columns="id").dropna(subset=["rating"])
    skipping = np.array(["poor", "good", "excellent"])  # positions 1, 3 and 5
    frame["rating"] = skipping[np.arange(len(frame)) % 3]
    path = tmp_path / "skipping.csv"
    frame.to_csv(path, index=False)
    levels = ["--levels", "poor,fair,good,very good,excellent"]

    argv = ["evaluate", path, "--target", "rating", *levels, "--json", *RECIPE]
    assert main([str(a) for a in [*argv, "--cv", "2"]]) == 0

    printed = json.loads(capsys.readouterr().out)
    mean = printed["overall"]["mean"]
    # The mean, near "good", is within one level of "good" only: a third of
    # the rows, where on the scale poor < good < excellent it would be all.
    assert mean["within_one"] == pytest.approx(1 / 3, abs=0.02)
    assert printed["target"]["names"] == levels[1].split(",")
