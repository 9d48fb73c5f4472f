"""The command line's options: parsed values, help text, and model settings."""

from ratingnet._base import BaseKerasEstimator
from ratingnet.cli import main
from ratingnet.cli.docs import parameter

import pytest
import test_cli
from test_cli import _error

# The tables of the command's other tests.
files = test_cli.files


def test_help_is_taken_from_the_docstrings(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert parameter(BaseKerasEstimator, "epochs") in text
    assert "Quadratic weighted kappa" in text
    assert "recipe" in text and "classifier" in text


def test_fewer_than_two_folds_are_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--example", "wine", "--cv", "1"])

    assert exit_info.value.code == 2
    assert "--cv: must be at least 2; got 1" in capsys.readouterr().err


def test_seeds_out_of_range_are_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        main(["fit", "--example", "wine", "--out", "m", "--seed", "-1"])

    assert "--seed: must be between 0 and 2**32 - 1" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "text"), [("--epochs", "1.5"), ("--seed", "abc")])
def test_numbers_that_are_not_whole_are_refused_by_the_parser(capsys, option, text):
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "--example", "wine", "--out", "m", option, text])

    assert exit_info.value.code == 2
    assert f"{option}: must be a whole number; got '{text}'" in capsys.readouterr().err


def test_target_scaling_fits_a_sigmoid_head_of_ones_own(files, tmp_path, capsys):
    (tmp_path / "sigmoid.py").write_text(
        "import keras\n\n"
        "def build(n_features_in_):\n"
        "    return keras.Sequential([keras.Input((n_features_in_,)),\n"
        "        keras.layers.Dense(1, activation='sigmoid')])\n"
    )
    model = ["--model", f"{tmp_path / 'sigmoid.py'}:build", "--epochs", "2"]
    argv = ["fit", str(files["ratings.csv"]), "--target", "rating", *model]

    refused = _error(capsys, [*argv, "--out", str(tmp_path / "a")])
    assert (
        main([*argv, "--out", str(tmp_path / "b"), "--target-scaling", "minmax"]) == 0
    )

    assert "The model ends in sigmoid" in refused
    assert "target_scaling='minmax'" in refused


def test_target_scaling_is_refused_for_models_that_scale_their_own(files, capsys):
    argv = ["evaluate", str(files["ratings.csv"]), "--target", "rating"]

    message = _error(capsys, [*argv, "--model", "ordinal", "--target-scaling", "none"])

    assert "--target-scaling is a setting of --model recipe, default" in message
    assert "learns levels, not a number to scale" in message
    assert "--model ordinal" in message
