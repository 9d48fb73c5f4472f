"""Reading CSV and Parquet tables, choosing their columns, writing results.

Every mistake here is a `CLIError` that names the file or column and says
what to do, so that bad input never ends in a traceback.
"""

import bz2
import csv
import gzip
import lzma
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..evaluation import column_kinds
from ..evaluation.columns import CATEGORICAL
from .errors import CLIError, did_you_mean, shorten

PARQUET_SUFFIXES = (".parquet", ".pq")
_DELIMITERS = ",;\t|"


def read_table(path, text_columns=(), note=None):
    """Read a CSV (any of , ; tab | as delimiter; .gz, .bz2, .xz) or Parquet file.

    Column names lose the spaces around them; a name given twice is
    refused. A CSV separated by ";" is read with decimal commas when some
    column holds only numbers written so ("0,78"); its numbers with a point
    must then be whole numbers with thousands separators ("4.282"). A CSV
    column of numbers that some rows write with thousands separators
    ("12,400", not in a file of decimal commas) or mark missing with "?",
    "-" or "." is read as numbers, with a note. Text columns hold NaN where
    a value is missing, as a CSV reads them, also from Parquet's nullable
    strings.

    Parameters
    ----------
    path : str or path-like
    text_columns : sequence of str
        CSV columns to read as text, such as codes like "007".
    note : callable or None
        Called with a line of text for each column read as numbers.

    Returns
    -------
    pandas.DataFrame
        At least one row.
    """
    path = Path(path)
    _check_file(path)
    if _is_parquet(path):
        frame = _read_parquet(path)
    else:
        frame = _read_csv(path, text_columns, note or (lambda text: None))
    frame.columns = [str(column).strip() for column in frame.columns]
    _refuse_repeated_names(path, frame.columns)
    for name in frame.columns:
        frame[name] = _plain_text(frame[name])
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


# Compressed CSV files, by their last suffix, as pandas reads them.
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _open(path, mode="rt", **options):
    """Open a file, decompressing a .gz, .bz2 or .xz one."""
    opener = _COMPRESSED.get(path.suffix.lower(), open)
    return opener(path, mode, **options)


def _is_parquet(path):
    with open(path, "rb") as handle:
        magic = handle.read(4)
    return magic == b"PAR1" or path.suffix.lower() in PARQUET_SUFFIXES


def _read_parquet(path):
    try:
        return pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for one problem
        raise CLIError(
            f"{path} could not be read as a Parquet table ({_first_line(error)}). "
            "Check that the file is complete, or save it again as CSV or Parquet."
        ) from None


def _read_csv(path, text_columns, note):
    try:
        with _open(path, encoding="utf-8-sig", newline="") as handle:
            header = handle.readline()
        delimiter = _delimiter(header)
        names = [
            name.strip() for name in next(csv.reader([header], delimiter=delimiter))
        ]
        _refuse_repeated_names(path, pd.Index([name for name in names if name]))
        frame = _parse_csv(path, sep=delimiter, text_columns=text_columns)
        decimal, dotted = _decimals(path, frame) if delimiter == ";" else (".", {})
        if decimal == ",":
            frame = _parse_csv(
                path, sep=";", decimal=",", thousands=".", text_columns=text_columns
            )
        for name, example in dotted.items():
            note(
                f"note: column {name!r}: read numbers with thousands separators "
                f"({example!r})."
            )
        frame = _drop_unnamed(frame)
        for name in frame.columns:
            if str(name).strip() not in text_columns:
                frame[name] = _numbers_in_text(frame[name], decimal, note)
        return frame
    except UnicodeDecodeError as error:
        raise CLIError(_not_utf8(path, error)) from None
    except pd.errors.EmptyDataError:
        raise CLIError(
            f"{path} is empty. Give a table with a header row and data rows."
        ) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error) as error:
        raise CLIError(
            f"{path} could not be read as a CSV table ({_first_line(error)}). "
            "Check that every row has as many fields as the header."
        ) from None


def _parse_csv(path, text_columns=(), **options):
    # Rows with a field more than the header (a delimiter at the end of
    # each line) must not turn the first column into the index; pandas
    # warns when the extra fields hold data, which would be lost.
    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig", **options)
    text = {str(c): str for c in header.columns if str(c).strip() in text_columns}
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        return pd.read_csv(
            path, encoding="utf-8-sig", index_col=False, dtype=text, **options
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


# Written for a missing number in otherwise numeric columns.
_MISSING_MARKERS = ("?", "-", ".")
# Numbers as people write them: with thousands separators where the decimal
# separator is a point, with a decimal comma in a file of decimal commas.
_NUMBERS = {
    ".": r"[-+]?(\d+|[1-9]\d{0,2}(,\d{3})+)(\.\d*)?([eE][-+]?\d+)?",
    ",": r"[-+]?\d+(,\d*)?([eE][-+]?\d+)?",
}


def _numbers_in_text(column, decimal, note):
    """A text column of numbers as written for people, as numbers.

    Its values are numbers (see `_NUMBERS`) or missing markers, and some
    show why pandas kept it as text: a comma in a number, or a marker.
    """
    text = _text_values(column)
    if text is None:
        return column
    markers = text.isin(_MISSING_MARKERS)
    numbers = text[~markers]
    if not len(numbers) or not numbers.str.fullmatch(_NUMBERS[decimal]).all():
        return column
    commas = numbers.str.contains(",")
    if not (commas.any() or markers.any()):
        return column

    plain = numbers.str.replace(",", "" if decimal == "." else ".", regex=False)
    note(_numbers_note(column.name, numbers[commas], text[markers], decimal))
    return pd.to_numeric(plain).reindex(column.index)


def _text_values(column):
    """The column's values, stripped, when all that are not missing are text."""
    if not (
        pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
    ):
        return None
    values = column.dropna()
    if not len(values) or not all(isinstance(v, str) for v in values):
        return None
    return values.str.strip()


def _numbers_note(name, with_commas, markers, decimal):
    found = []
    if len(with_commas) and decimal == ".":
        found.append(f"numbers with thousands separators ({with_commas.iloc[0]!r})")
    elif len(with_commas):
        found.append(f"numbers with decimal commas ({with_commas.iloc[0]!r})")
    if len(markers):
        shown = ", ".join(repr(m) for m in dict.fromkeys(markers))
        rows = "row" if len(markers) == 1 else "rows"
        found.append(f"{shown} as missing ({len(markers)} {rows})")
    return f"note: column {name!r}: read {' and '.join(found)}."


def _decimals(path, frame):
    """The decimal separator of a ";" table, and its columns of thousands dots.

    The separator is a comma when some text column holds only numbers
    written so ("0,78"). A column read as numbers with a decimal point must
    then be writing thousands separators ("4.282"), given as name ->
    example; otherwise the file mixes two ways of writing decimals, which is
    refused: either reading would turn some column's numbers into others.
    """
    commas = [c for c in frame.select_dtypes("object") if _comma_numbers(frame[c])]
    if not commas:
        return ".", {}
    dotted = {}
    for name, points in _point_columns(path, frame).items():
        if not _thousands_dots(points):
            raise CLIError(
                f"{path} writes decimals with a comma in column {commas[0]!r} "
                f"({_first_comma(frame[commas[0]])!r}) and with a point in "
                f"column {name!r} ({_first_point(points)!r}). Save the file "
                "with one decimal separator (or as Parquet)."
            )
        dotted[name] = _first_point(points)
    return ",", dotted


def _point_columns(path, frame):
    """The text of each column that pandas read as numbers with a point."""
    floats = frame.select_dtypes(include="float")
    pointed = [c for c in floats if ((floats[c] % 1).fillna(0) != 0).any()]
    if not pointed:
        return {}
    text = pd.read_csv(path, sep=";", dtype=str, usecols=pointed, encoding="utf-8-sig")
    return {name: text[name].dropna().str.strip() for name in pointed}


def _thousands_dots(values):
    """Whether numbers with a point are whole numbers in groups of three."""
    return bool(values.str.fullmatch(r"[-+]?(\d{1,3}(\.\d{3})+|\d+)").all())


def _first_comma(column):
    return column.dropna().astype(str)[lambda v: v.str.contains(",")].iloc[0]


def _first_point(values):
    return values[values.str.contains(".", regex=False)].iloc[0]


def _comma_numbers(column):
    values = column.dropna().astype(str).str.strip()
    values = values[~values.isin(_MISSING_MARKERS)]
    numbers = values.str.fullmatch(r"[-+]?\d*,\d+|[-+]?\d+")
    return bool(len(values) and numbers.all() and values.str.contains(",").any())


def _not_utf8(path, error):
    """Where a CSV stops being UTF-8, and how to save it as UTF-8."""
    line, bad = 1, b""
    with _open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                line, bad = number, raw
                break
    byte = error.object[error.start : error.start + 1]
    if not _windows_text(bad):
        return (
            f"{path} is not a text table: line {line} holds the byte "
            f"0x{byte.hex()}, which is not UTF-8 text. Give a CSV file in UTF-8 "
            "(or a Parquet file, ending in .parquet)."
        )
    return (
        f"{path} is not UTF-8 text: line {line} holds the byte 0x{byte.hex()}, "
        "as Latin-1 or Windows-1252 files write accented letters. Save the "
        "file as UTF-8 (in Excel, as 'CSV UTF-8'), or convert it with "
        f"`iconv -f windows-1252 -t utf-8 {path.name} > utf8-{path.name}`."
    )


def _windows_text(raw):
    """Whether a line reads as Windows-1252 text (no control bytes but tabs)."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\t\r\n" for c in text)


def _delimiter(header):
    """The delimiter that splits the header line into the most fields."""
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _first_line(error):
    return (
        str(error).strip().splitlines()[0]
        if str(error).strip()
        else type(error).__name__
    )


# Choosing columns -----------------------------------------------------------


@dataclass
class Columns:
    """The features and target chosen from a table.

    Attributes
    ----------
    X : pandas.DataFrame
        The feature columns, rows with a missing target left out.
    y : pandas.Series or None
        The target, without missing values; None when no target was named.
    kinds : dict of str to str
        Each feature's kind, "numeric" or "categorical".
    n_dropped : int
        Rows left out because their target was missing.
    """

    X: pd.DataFrame
    y: pd.Series | None
    kinds: dict
    n_dropped: int = 0


def choose_columns(frame, *, target=None, features=(), drop=(), categorical=()):
    """Split a table into features and target by the column options.

    Parameters
    ----------
    frame : pandas.DataFrame
    target : str or None
        The target column.
    features : sequence of str
        The feature columns; empty means every column but the target and
        those in ``drop``.
    drop : sequence of str
        Columns to leave out.
    categorical : sequence of str
        Feature columns to treat as categories even if they hold numbers.

    Returns
    -------
    Columns
    """
    # A column named twice counts once.
    features, drop, categorical = (
        list(dict.fromkeys(names)) for names in (features, drop, categorical)
    )
    if target is not None:
        check_columns(frame, [target], "--target")
    check_columns(frame, features, "--features")
    check_columns(frame, drop, "--drop")

    names = list(features) or [c for c in frame.columns if c not in set(drop)]
    names = [c for c in names if c != target]
    if not names:
        raise CLIError(
            f"No feature columns are left (the table has {shorten(frame.columns)}; "
            f"the target is {target!r}). Keep at least one column besides the target."
        )
    if target is not None and target in categorical:
        raise CLIError(
            f"--categorical names the target column {target!r}; it is for "
            "feature columns. A rating target is read as numbers; "
            "`--model classifier` or `--model ordinal` take its levels as classes."
        )
    check_columns(frame[names], categorical, "--categorical")
    _refuse_dates(frame[names])

    X = frame[names]
    if target is None:
        return Columns(X, None, column_kinds(X, categorical))
    present = frame[target].notna().to_numpy()
    X, y = (
        X[present].reset_index(drop=True),
        frame[target][present].reset_index(drop=True),
    )
    return Columns(X, y, column_kinds(X, categorical), int((~present).sum()))


def _refuse_dates(X):
    dates = [
        name
        for name in X.columns
        if isinstance(X[name].dtype, pd.PeriodDtype)
        or pd.api.types.is_datetime64_any_dtype(X[name])
        or pd.api.types.is_timedelta64_dtype(X[name])
    ]
    if dates:
        raise CLIError(
            f"Column(s) {shorten(map(repr, dates))} hold dates or times, which "
            "the models here do not take as features. Leave them out with "
            "--drop, or add numbers made from them (such as the year or the "
            "day of the week) as columns of their own."
        )


def forced_categories(columns):
    """The numeric columns that ``--categorical`` makes categories."""
    return [
        name
        for name, kind in columns.kinds.items()
        if kind == CATEGORICAL and pd.api.types.is_numeric_dtype(columns.X[name])
    ]


def as_categories(X, names):
    """X with these columns as pandas categories.

    For models that encode columns themselves and tell categories from
    numbers by their type.
    """
    return X.astype(dict.fromkeys(names, "category")) if names else X


def check_columns(frame, names, option):
    """Raise a CLIError naming the first of ``names`` not in the table."""
    columns = [str(c) for c in frame.columns]
    for name in names:
        if name not in columns:
            raise CLIError(
                f"There is no column {name!r} (given to {option})."
                f"{did_you_mean(name, columns)} The columns are: "
                f"{shorten(columns, 12)}." + _one_column_hint(columns)
            )


def _one_column_hint(columns):
    if len(columns) != 1:
        return ""
    return (
        " The file was read as a single column; check that it is a CSV file "
        "with a header row."
    )


def split_names(values):
    """Column names from repeated, comma-separated options."""
    return [
        name.strip()
        for value in values or ()
        for name in value.split(",")
        if name.strip()
    ]


# Writing --------------------------------------------------------------------


def refuse_existing(path, force, option, *, folder=False):
    """Raise unless ``path`` is new or ``--force`` was given.

    A file is never replaced by a folder, nor (unless ``folder``) a folder
    by a file.
    """
    path = Path(path)
    blocking = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise CLIError(
            f"{path} cannot be written: {blocking} is a file, not a folder. "
            f"Give another {option} path."
        )
    if path.is_dir() and not folder:
        raise CLIError(f"{path} is a folder. Give the path of a file for {option}.")
    if path.exists() and not path.is_dir() and folder:
        raise CLIError(f"{path} is a file, not a folder. Give another {option} path.")
    if path.exists() and not force:
        raise CLIError(
            f"{path} already exists. Give another {option} path, or add --force "
            "to replace it."
        )


def write_table(frame, path):
    """Write CSV, or Parquet for a .parquet/.pq name, via a temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            frame.to_parquet(partial, index=False)
        else:
            frame.to_csv(partial, index=False)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
