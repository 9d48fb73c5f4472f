"""Reading CSV and Parquet tables: delimiters, row indexes, numbers as text.

Every mistake here is a `CLIError` that names the file or column and says
what to do, so that bad input never ends in a traceback.
"""

import csv
import itertools
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import CLIError, did_you_mean, shorten
from .file_kinds import (
    DECOMPRESSION_ERRORS,
    PARQUET_SUFFIXES,
    check_compressed,
    decompression_failure,
    first_line,
    is_decompression_error,
    not_text,
    open_file,
    refuse_other_formats,
    text_encoding,
)
from .written_numbers import (
    decimal_separator,
    infinities_as_missing,
    numbers_in_text,
)

_DELIMITERS = ",;\t|"


def read_table(path, text_columns=(), note=None):
    """Read a CSV (any of , ; tab | as delimiter; .gz, .bz2, .xz) or Parquet file.

    Column names lose the spaces around them; a name given twice is
    refused. A CSV separated by ";" is read with decimal commas when some
    column holds only numbers written so ("0,78"); its numbers with a point
    must then be whole numbers with thousands separators ("4.282"). A CSV
    column of numbers that some rows write with thousands separators
    ("12,400", not in a file of decimal commas) or mark missing with "?",
    "-" or "." is read as numbers, with a note; so is one with a few words
    where numbers are missing ("unknown", "#DIV/0!"; see `written_numbers`).
    Infinite numbers ("inf") are read as missing, with a note. Text columns
    hold NaN where a value is missing, as a CSV reads them, also from
    Parquet's nullable strings.

    A first CSV column without a name that counts the rows (pandas' index,
    as ``to_csv`` writes it) is left out, with a note. UTF-16 text (with
    its byte order mark) is read as such. JSON and spreadsheet files, a
    compressed file that is damaged or not compressed as its name says, and
    a header split by another delimiter than its rows are refused.

    Parameters
    ----------
    path : str or path-like
    text_columns : sequence of str
        CSV columns to read as text, such as codes like "007".
    note : callable or None
        Called with a line of text for each column read as numbers, and for
        each other way the file was read that the user did not ask for.

    Returns
    -------
    pandas.DataFrame
        At least one row. Its ``attrs["row_index"]`` names a column left out
        as the row index.
    """
    path = Path(path)
    note = note or (lambda text: None)
    _check_file(path)
    if _is_parquet(path):
        frame = _read_parquet(path, note)
    else:
        refuse_other_formats(path)
        frame = _read_csv(path, text_columns, note)

    frame.columns = [str(column).strip() for column in frame.columns]
    _refuse_repeated_names(path, frame.columns)
    for name in frame.columns:
        frame[name] = infinities_as_missing(_plain_text(frame[name]), note)
    if frame.empty:
        raise CLIError(
            f"{path} has no rows (columns: {shorten(frame.columns) or 'none'}). "
            "Give a table with a header row and at least one row of data."
        )
    return frame


def _refuse_repeated_names(path, names):
    repeated = names[names.duplicated()].unique().tolist()
    if repeated:
        raise CLIError(
            f"{path} names these columns twice (spaces around names aside): "
            f"{shorten([repr(name) for name in repeated], 5)}. Give every "
            "column a name of its own."
        )


def _check_file(path):
    if path.is_dir():
        raise CLIError(f"{path} is a folder; give the path of a CSV or Parquet file.")
    if not path.exists():
        siblings = os.listdir(path.parent) if path.parent.is_dir() else []
        raise CLIError(
            f"There is no file {path}.{did_you_mean(path.name, siblings)} "
            "Check the path, or give a CSV or Parquet file."
        )


# Parquet ---------------------------------------------------------------------


def _is_parquet(path):
    with open(path, "rb") as handle:
        magic = handle.read(4)
    return magic == b"PAR1" or path.suffix.lower() in PARQUET_SUFFIXES


# The column a Parquet file holds pandas' row index in, when the file lost
# the metadata that makes pandas read it back as the index.
_PARQUET_INDEX = "__index_level_0__"


def _read_parquet(path, note):
    """The Parquet table, its rows numbered from 0 whatever index it stored.

    pandas stores a row index that is not 0, 1, 2, ... (rows sampled or
    sorted) and reads it back as the index, which is no column; rows are
    numbered again so that messages count them from the first. An index
    with a name (``df.set_index("user_id")``) holds data, and becomes a
    column again.
    """
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for one problem
        raise CLIError(
            f"{path} could not be read as a Parquet table ({first_line(error)}). "
            "Check that the file is complete, or save it again as CSV or Parquet."
        ) from None

    # A named index that counts the rows (a RangeIndex) tells the row's
    # position only, and one that is also a column is there already.
    named = [n for n in frame.index.names if n is not None and n not in frame.columns]
    if named and not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index(level=named)
    frame = frame.reset_index(drop=True)
    if _PARQUET_INDEX not in frame.columns:
        return frame
    described = f"column {_PARQUET_INDEX!r} has the name pandas gives its row index"
    return _drop_row_index(frame, _PARQUET_INDEX, described, note)


# The row index ---------------------------------------------------------------


def _drop_row_index(frame, name, described, note):
    """The table without the column ``name`` if it only numbers the rows.

    pandas writes its row index as a first column without a name
    (``to_csv`` keeps it unless told not to). As a feature it would tell a
    model each row's position, which in a table sorted by the target gives
    the target away. A column that counts the rows 0 to n-1 or 1 to n in
    order is that index and is left out; any other stays, with a note on
    how to leave it out.
    """
    start = _count_start(frame[name])
    if start is None:
        note(
            f"note: {described}; it is read as a column of its own. If it is "
            f"a row index, leave it out with --drop {name!r}."
        )
        return frame

    note(
        f"note: {described} and counts the rows {start} to "
        f"{start + len(frame) - 1}; read as the row index and left out."
    )
    frame = frame.drop(columns=name)
    frame.attrs["row_index"] = name
    return frame


def _count_start(values):
    """0 or 1 when the values count the rows from there in order, else None."""
    if not pd.api.types.is_integer_dtype(values):
        return None
    for start in (0, 1):
        if np.array_equal(values.to_numpy(), np.arange(start, start + len(values))):
            return start
    return None


def _unnamed_first_column(names, frame):
    """The name pandas gives a first column that the header leaves unnamed.

    Also when the header calls it "Unnamed: 0", as a table that was read
    with its index column and saved again does.
    """
    unnamed = "Unnamed: 0"
    if names and names[0] in ("", unnamed) and unnamed in frame.columns:
        return unnamed
    return None


# CSV -------------------------------------------------------------------------


def _read_csv(path, text_columns, note):
    """The CSV table, with what goes wrong in reading it as a CLIError."""
    check_compressed(path)
    encoding = "utf-8-sig"
    try:
        encoding = text_encoding(path, note)
        return _read_text_table(path, encoding, text_columns, note)
    except UnicodeDecodeError as error:
        raise CLIError(not_text(path, error, encoding)) from None
    except pd.errors.EmptyDataError:
        raise CLIError(
            f"{path} is empty. Give a table with a header row and data rows."
        ) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error) as error:
        raise CLIError(
            f"{path} could not be read as a CSV table ({first_line(error)}). "
            "Check that every row has as many fields as the header."
        ) from None
    except DECOMPRESSION_ERRORS as error:
        if not is_decompression_error(path, error):
            raise
        raise CLIError(decompression_failure(path, error)) from None


def _read_text_table(path, encoding, text_columns, note):
    """The CSV table, its delimiter, decimals and numbers as people write them."""
    header, rows = _first_lines(path, encoding)
    delimiter = _delimiter(header)
    names = [name.strip() for name in next(csv.reader([header], delimiter=delimiter))]
    _refuse_repeated_names(path, pd.Index([name for name in names if name]))
    _refuse_rows_split_otherwise(path, names, delimiter, rows)

    options = {"encoding": encoding, "text_columns": text_columns}
    frame = _parse_csv(path, sep=delimiter, **options)
    decimal, dotted = (
        decimal_separator(path, frame, encoding) if delimiter == ";" else (".", {})
    )
    if decimal == ",":
        frame = _parse_csv(path, sep=";", decimal=",", thousands=".", **options)
    for name, example in dotted.items():
        note(
            f"note: column {name!r}: read numbers with thousands separators "
            f"({example!r})."
        )

    frame = _drop_unnamed(frame)
    unnamed = _unnamed_first_column(names, frame)
    if unnamed is not None:
        described = f"the first column has no name ({unnamed!r})"
        frame = _drop_row_index(frame, unnamed, described, note)
    for name in frame.columns:
        if str(name).strip() not in text_columns:
            frame[name] = numbers_in_text(frame[name], decimal, note)
    return frame


def _first_lines(path, encoding, rows=20):
    """The header line and the first few data lines that are not blank."""
    with open_file(path, encoding=encoding, newline="") as handle:
        header = handle.readline()
        lines = [line.rstrip("\r\n") for line in itertools.islice(handle, rows)]
    return header, [line for line in lines if line.strip()]


_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|'"}


def _refuse_rows_split_otherwise(path, names, delimiter, rows):
    """Refuse a header split by one delimiter over rows split by another.

    pandas reads each such row as one value in the first column and the
    others missing, which shows up later as a column of missing values.
    Only rows that hold none of the header's delimiter and all split by
    another one are refused.
    """
    if len(names) < 2 or not rows or any(delimiter in row for row in rows):
        return
    other = _delimiter_of_rows(rows)
    if other is None:
        return
    raise CLIError(
        f"{path} separates the names in its header by "
        f"{_DELIMITER_NAMES[delimiter]} ({len(names)} columns), but the values "
        f"in its rows by {_DELIMITER_NAMES[other]}, so no row splits into the "
        "header's columns. Save the file with one delimiter for the header "
        "and the rows."
    )


def _delimiter_of_rows(rows):
    """The delimiter that splits every one of the rows, or None."""
    for candidate in _DELIMITERS:
        fields = [next(csv.reader([row], delimiter=candidate)) for row in rows]
        if all(len(row) > 1 for row in fields):
            return candidate
    return None


def _parse_csv(path, text_columns=(), encoding="utf-8-sig", **options):
    # Rows with a field more than the header (a delimiter at the end of
    # each line) must not turn the first column into the index; pandas
    # warns when the extra fields hold data, which would be lost.
    header = pd.read_csv(path, nrows=0, encoding=encoding, **options)
    text = {str(c): str for c in header.columns if str(c).strip() in text_columns}
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(
            path, encoding=encoding, index_col=False, dtype=text, **options
        )


def _drop_unnamed(frame):
    """The CSV without empty columns that have no header (a trailing delimiter)."""
    empty = [
        name
        for name in frame.columns
        if str(name).startswith("Unnamed: ") and frame[name].isna().all()
    ]
    return frame.drop(columns=empty)


def _plain_text(column):
    """A nullable string column as text with NaN for missing values.

    scikit-learn's imputers cannot compare pandas's ``NA``.
    """
    if not (
        isinstance(column.dtype, pd.StringDtype) and column.dtype.na_value is pd.NA
    ):
        return column
    return column.astype(object).where(column.notna(), np.nan)


def _delimiter(header):
    """The delimiter that splits the header line into the most fields."""
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","
