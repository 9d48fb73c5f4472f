"""How the command line reads tables that were saved in ways it must not misread."""

import gzip
import lzma
import zipfile

from ratingnet.cli.columns import choose_columns
from ratingnet.cli.errors import CLIError
from ratingnet.cli.tables import read_table

import numpy as np
import pandas as pd
import pytest


def _wines(n=40):
    """A small table of numbers, a text column and an integer rating."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "alcohol": np.round(rng.uniform(8, 14, n), 1),
            "acidity": np.round(rng.uniform(0.1, 1.2, n), 2),
            "region": rng.choice(["Alsace", "Rhône", "Loire"], n),
            "quality": np.arange(n) % 5 + 3,
        }
    )


def _read(path):
    """The table read from path, and the notes written while reading it."""
    notes = []
    return read_table(path, note=notes.append), notes


# The row index ---------------------------------------------------------------


@pytest.mark.parametrize("start", [0, 1])
def test_a_first_column_that_counts_the_rows_is_left_out(tmp_path, start):
    frame = _wines().sort_values("quality", ignore_index=True)
    frame.index += start
    path = tmp_path / "indexed.csv"
    frame.to_csv(path)

    read, notes = _read(path)

    assert list(read.columns) == ["alcohol", "acidity", "region", "quality"]
    assert notes == [
        f"note: the first column has no name ('Unnamed: 0') and counts the rows "
        f"{start} to {start + 39}; read as the row index and left out."
    ]


def test_a_first_column_without_a_name_that_is_no_count_stays(tmp_path):
    frame = _wines().sample(frac=1, random_state=0)
    path = tmp_path / "shuffled.csv"
    frame.to_csv(path)

    read, notes = _read(path)

    assert list(read.columns) == ["Unnamed: 0", *frame.columns]
    assert read["Unnamed: 0"].tolist() == frame.index.tolist()
    assert len(notes) == 1
    assert "the first column has no name ('Unnamed: 0')" in notes[0]
    assert "leave it out with --drop 'Unnamed: 0'" in notes[0]


def test_drop_may_still_name_the_index_that_was_left_out(tmp_path):
    path = tmp_path / "indexed.csv"
    _wines().to_csv(path)
    frame = read_table(path)

    columns = choose_columns(frame, target="quality", drop=["Unnamed: 0", "region"])

    assert list(columns.X.columns) == ["alcohol", "acidity"]
    with pytest.raises(CLIError, match="There is no column 'Unnamed: 1'"):
        choose_columns(frame, target="quality", drop=["Unnamed: 1"])


def test_a_named_first_column_is_never_the_index(tmp_path):
    path = tmp_path / "ids.csv"
    _wines().rename_axis("id").to_csv(path)

    read, notes = _read(path)

    assert read["id"].tolist() == list(range(40))
    assert notes == []


def test_parquet_brings_no_index_column(tmp_path):
    sampled = _wines().sample(frac=1, random_state=0)
    paths = {"default": tmp_path / "default.parquet", "sampled": tmp_path / "s.pq"}
    _wines().to_parquet(paths["default"])
    sampled.to_parquet(paths["sampled"])

    for path in paths.values():
        read, notes = _read(path)
        assert list(read.columns) == list(sampled.columns)
        assert read.index.equals(pd.RangeIndex(40))
        assert notes == []
    assert read["alcohol"].tolist() == sampled["alcohol"].tolist()


def test_a_named_parquet_index_is_read_as_a_column(tmp_path):
    path = tmp_path / "by_wine.parquet"
    wines = _wines().assign(wine_id=np.arange(100, 140))
    wines.sample(frac=1, random_state=0).set_index("wine_id").to_parquet(path)

    read, notes = _read(path)

    assert list(read.columns) == ["wine_id", *_wines().columns]
    assert read.index.equals(pd.RangeIndex(40))
    assert sorted(read["wine_id"]) == list(range(100, 140))
    assert notes == []


@pytest.mark.parametrize(
    "indexed",
    [
        lambda wines: wines.set_index("alcohol", drop=False),  # also a column
        lambda wines: wines.rename_axis("row"),  # counts the rows
    ],
)
def test_a_named_parquet_index_that_adds_nothing_is_left_out(tmp_path, indexed):
    path = tmp_path / "indexed.parquet"
    indexed(_wines()).to_parquet(path)

    read, notes = _read(path)

    assert list(read.columns) == list(_wines().columns)
    assert read.index.equals(pd.RangeIndex(40))


def test_a_parquet_index_stored_as_a_column_is_left_out(tmp_path):
    path = tmp_path / "stripped.parquet"
    _wines().assign(__index_level_0__=np.arange(40)).to_parquet(path, index=False)

    read, notes = _read(path)

    assert "__index_level_0__" not in read.columns
    assert notes == [
        "note: column '__index_level_0__' has the name pandas gives its row "
        "index and counts the rows 0 to 39; read as the row index and left out."
    ]


# Words among numbers -----------------------------------------------------------


@pytest.mark.parametrize("word", ["unknown", "#DIV/0!", "n.a.", "missing", "Err:502"])
def test_a_word_among_numbers_is_read_as_missing(tmp_path, word):
    frame = _wines().astype({"alcohol": object})
    frame.loc[5, "alcohol"] = word
    path = tmp_path / "word.csv"
    frame.to_csv(path, index=False)

    read, notes = _read(path)

    assert read["alcohol"].dtype == float
    assert read["alcohol"].isna().tolist() == [i == 5 for i in range(40)]
    assert read["alcohol"].drop(index=5).tolist() == (
        _wines()["alcohol"].drop(index=5).tolist()
    )
    assert notes == [
        f"note: column 'alcohol': read {word!r}, which is not a number, as "
        "missing (row 6)."
    ]


def test_markers_and_words_are_noted_together(tmp_path):
    frame = _wines(60).astype({"acidity": object})
    frame.loc[[2, 7], "acidity"] = ["unknown", "n/k"]
    frame.loc[30, "acidity"] = "?"
    path = tmp_path / "words.csv"
    frame.to_csv(path, index=False)

    read, notes = _read(path)

    assert read["acidity"].isna().sum() == 3
    assert notes == [
        "note: column 'acidity': read '?' as missing (1 row) and 'unknown' and "
        "'n/k', which are not numbers, as missing (rows 3, 8)."
    ]


def test_blank_fields_among_numbers_are_read_as_missing(tmp_path):
    path = tmp_path / "spaced.csv"
    path.write_text("alcohol, quality\n9.5, 5\n10.1, \n11.0, 6\n")

    read, notes = _read(path)

    assert read["quality"].tolist()[::2] == [5, 6]
    assert np.isnan(read["quality"][1])
    assert notes == ["note: column 'quality': read blanks as missing (1 row)."]


def test_a_word_among_decimal_commas_is_read_as_missing(tmp_path):
    frame = _wines()
    frame["alcohol"] = [f"{v:.1f}".replace(".", ",") for v in frame["alcohol"]]
    frame.loc[0, "alcohol"] = "unknown"
    path = tmp_path / "eu.csv"
    frame.to_csv(path, index=False, sep=";", decimal=",")

    read, notes = _read(path)

    assert np.isnan(read["alcohol"][0])
    assert read["alcohol"][1:].tolist() == _wines()["alcohol"][1:].tolist()
    assert read["acidity"].tolist() == _wines()["acidity"].tolist()
    assert notes == [
        "note: column 'alcohol': read numbers with decimal commas ('9,6') and "
        "'unknown', which is not a number, as missing (row 1)."
    ]


@pytest.mark.parametrize(
    "values",
    [
        # Categories some of which are numbers.
        ["red", "white", "1", "2", "rose"] * 8,
        # A value with digits may be a level of its own.
        [str(i % 3) for i in range(39)] + ["3+"],
        # More than one word in twenty.
        [str(i) for i in range(36)] + ["unknown"] * 4,
        # More than three distinct words.
        [str(i) for i in range(96)] + ["a", "b", "c", "d"],
        # One word among too few values to tell.
        ["1", "2", "3", "4", "unknown"],
    ],
)
def test_text_columns_stay_text(tmp_path, values):
    path = tmp_path / "text.csv"
    pd.DataFrame({"kind": values, "quality": 5}).to_csv(path, index=False)

    read, notes = _read(path)

    assert read["kind"].tolist() == values
    assert notes == []


# Files that are not what their name says ---------------------------------------


@pytest.mark.parametrize(
    ("suffix", "compress", "name"), [(".gz", gzip.compress, "gzip"),
                                     (".xz", lzma.compress, "xz")]
)  # fmt: skip
def test_a_truncated_compressed_file_is_refused(tmp_path, suffix, compress, name):
    text = _wines(400).to_csv(index=False).encode()
    path = tmp_path / f"cut.csv{suffix}"
    compressed = compress(text)
    path.write_bytes(compressed[: len(compressed) // 2])

    with pytest.raises(CLIError) as error:
        read_table(path)

    message = str(error.value)
    assert message.startswith(
        f"{path} could not be read as {name}-compressed CSV: the file ends early."
    )
    assert "decompress it first" in message and "bug" not in message


def test_plain_text_named_as_compressed_is_refused(tmp_path):
    path = tmp_path / "preds.csv.gz"
    path.write_text("prediction,level\n5.2,5\n")

    with pytest.raises(
        CLIError,
        match="preds.csv.gz is named as a gzip-compressed file .* it is not gzip "
        "data: it starts with 'prediction,level', as a text file does. If it is "
        "a plain CSV file, rename it to preds.csv",
    ):
        read_table(path)


def _zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return path


@pytest.mark.parametrize(
    ("name", "write", "kind"),
    [
        ("table.json", lambda p: _wines().to_json(p, orient="records"), "a JSON file"),
        ("table.csv", lambda p: _wines().to_json(p, orient="records"), "JSON text"),
        ("table.txt", lambda p: _wines().to_json(p), "JSON text"),
        ("table.xlsx", _zip, "an Excel workbook"),
        ("table.csv", _zip, "a ZIP archive"),
    ],
)
def test_json_and_excel_files_are_refused(tmp_path, name, write, kind):
    path = tmp_path / name
    write(path)

    with pytest.raises(CLIError) as error:
        read_table(path)

    assert str(error.value).startswith(
        f"{path} is {kind}"
    ) and "Save the table as CSV (UTF-8) or Parquet" in str(error.value)


def test_a_header_that_starts_with_a_bracket_is_no_json(tmp_path):
    path = tmp_path / "brackets.csv"
    path.write_text("[g/l] alcohol,quality\n9.5,5\n10.1,6\n")

    assert list(read_table(path).columns) == ["[g/l] alcohol", "quality"]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_text_is_read(tmp_path, encoding):
    frame = _wines()
    path = tmp_path / "unicode.txt"
    text = frame.to_csv(index=False, sep="\t")
    bom = "\ufeff" if encoding == "utf-16-be" else ""
    path.write_bytes((bom + text).encode(encoding))

    read, notes = _read(path)

    pd.testing.assert_frame_equal(read, frame, check_dtype=False)
    assert notes == [
        "note: unicode.txt is UTF-16 text (as Excel saves 'Unicode Text')."
    ]


def test_a_header_split_by_another_delimiter_than_its_rows_is_refused(tmp_path):
    frame = _wines()
    path = tmp_path / "mixed.csv"
    rows = frame.to_csv(index=False).splitlines()[1:]
    path.write_text(";".join(frame.columns) + "\n" + "\n".join(rows) + "\n")

    with pytest.raises(
        CLIError,
        match="separates the names in its header by semicolons \\(4 columns\\), "
        "but the values in its rows by commas",
    ):
        read_table(path)


def test_rows_short_of_fields_are_still_read(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("alcohol;quality;note\n9.5;5\n10.1;6;good\n")

    read = read_table(path)

    assert read["quality"].tolist() == [5, 6]
    assert read["note"].isna().tolist() == [True, False]
