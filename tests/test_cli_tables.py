"""How the command line reads CSV files as people save them."""

from ratingnet.cli.errors import CLIError
from ratingnet.cli.tables import read_table

import numpy as np
import pandas as pd
import pytest


def _european(path, points):
    """A ";" file of decimal commas, whose "price" column is written ``points``."""
    rows = [f"{9 + i % 5},{i % 10};{points(i)};{1 + i % 5}" for i in range(40)]
    path.write_text("alcohol;price;rating\n" + "\n".join(rows) + "\n")
    return path


def test_dots_beside_decimal_commas_are_thousands_separators(tmp_path):
    path = _european(tmp_path / "eu.csv", lambda i: f"{1 + i % 4}.{250 + i:03d}")
    notes = []

    frame = read_table(path, note=notes.append)

    assert frame["alcohol"].tolist()[:3] == [9.0, 10.1, 11.2]
    assert frame["price"].tolist()[:2] == [1250, 2251]
    assert notes == [
        "note: column 'price': read numbers with thousands separators ('1.250')."
    ]


def test_decimal_commas_beside_decimal_points_are_refused(tmp_path):
    path = _european(tmp_path / "mixed.csv", lambda i: f"{3 + i % 7 / 10:.2f}")

    with pytest.raises(
        CLIError,
        match="with a comma in column 'alcohol' .* with a "
        "point in column 'price' \\('3.00'\\)",
    ):
        read_table(path)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_compressed_csv_files_are_read(tmp_path, suffix):
    frame = pd.DataFrame({"x": np.arange(10) / 4, "rating": np.arange(10) % 5 + 1})
    path = tmp_path / f"table.csv{suffix}"
    frame.to_csv(path, index=False)

    pd.testing.assert_frame_equal(read_table(path), frame)


def test_a_header_that_names_a_column_twice_is_refused(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("x1,x1,rating\n1,2,3\n4,5,1\n")

    with pytest.raises(CLIError, match="names these columns twice .*'x1'"):
        read_table(path)
