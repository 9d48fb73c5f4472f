"""``ratingnet inspect``: what a table and its target hold, in the command's terms."""

import json

from ratingnet.cli import main

import pytest


@pytest.fixture
def table(tmp_path):
    def write(text):
        path = tmp_path / "table.csv"
        path.write_text(text)
        return str(path)

    return write


def _inspect(path, capsys, *extra):
    assert main(["inspect", path, "--target", "q", *extra]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_advice_names_the_models_of_the_command(table, capsys):
    path = table("a,q\n" + "".join(f"{i},{i % 5 + 1}\n" for i in range(40)))

    shown = _inspect(path, capsys)

    assert "target: rating" in shown
    assert "advice: Use --model rating (the default)" in shown
    assert "KerasRegressor" not in shown


def test_a_target_no_model_can_learn_is_described(table, capsys):
    path = table("a,q\n1,5\n2,5\n3,5\n")

    shown = _inspect(path, capsys)
    result = json.loads(" ".join(_inspect(path, capsys, "--json").split()))

    assert (
        "Target column 'q' cannot be used: y has a single distinct value (5)" in shown
    )
    assert "Feature columns" in shown
    assert "single distinct value" in result["target"]["problem"]


def test_suspected_codes_are_in_the_json(table, capsys):
    rows = "".join(f"{i},{i % 6 + 3}\n" for i in range(300)) + "1,99\n2,99\n"

    result = json.loads(_inspect(table("a,q\n" + rows), capsys, "--json"))

    assert result["target"]["suspect_codes"] == [99]
