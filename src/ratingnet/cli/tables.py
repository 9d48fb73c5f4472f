"""Reading CSV and Parquet tables, choosing their columns, writing results.

Every mistake here is a `CLIError` that names the file or column and says
what to do, so that bad input never ends in a traceback.
"""

import bz2
import codecs
import csv
import gzip
import itertools
import lzma
import os
import re
import warnings
import zlib
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
    "-" or "." is read as numbers, with a note; so is one with a few words
    where numbers are missing ("unknown", "#DIV/0!"; see `_missing_values`).
    Text columns hold NaN where a value is missing, as a CSV reads them,
    also from Parquet's nullable strings.

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
        _refuse_other_formats(path)
        frame = _read_csv(path, text_columns, note)

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


# Other formats ---------------------------------------------------------------

# Files given for a table that are neither CSV nor Parquet, by suffix.
_OTHER_FORMATS = {
    ".json": "a JSON file",
    ".jsonl": "a JSON lines file",
    ".ndjson": "a JSON lines file",
    ".xlsx": "an Excel workbook",
    ".xlsm": "an Excel workbook",
    ".xlsb": "an Excel workbook",
    ".xls": "an Excel workbook",
    ".ods": "an OpenDocument spreadsheet",
    ".feather": "a Feather file",
    ".arrow": "an Arrow file",
    ".pkl": "a pickle file",
    ".pickle": "a pickle file",
}
# ... and by their first bytes.
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook, or a zipped file)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97-2003 workbook",
}
# A JSON array of records or arrays, or an object of named values.
_JSON_START = re.compile(rb'(\xef\xbb\xbf)?\s*(\[\s*[\[{\]"]|\{\s*["}])')


def _refuse_other_formats(path):
    """Refuse JSON, spreadsheet and other files, by suffix or first bytes.

    Read as CSV they fail on something else: a JSON file splits at its
    commas into a header of repeated names, a workbook (zipped XML) stops
    at its first byte that is not text. A JSON file is known by its start,
    "[" before a record, array or string, or "{" before a name, which no
    header row of a CSV table begins with.
    """
    kind = _OTHER_FORMATS.get(_table_suffix(path))
    if kind is None:
        with open(path, "rb") as handle:
            start = handle.read(64)
        kind = next(
            (kind for magic, kind in _SIGNATURES.items() if start.startswith(magic)),
            "JSON text" if _JSON_START.match(start) else None,
        )
    if kind is not None:
        raise CLIError(
            f"{path} is {kind}, which ratingnet does not read. Save the table "
            f"as CSV (UTF-8) or Parquet{_how_to_save(kind)}."
        )


def _how_to_save(kind):
    """Where a user of such a file finds the way to save it as CSV."""
    if "Excel" in kind or "spreadsheet" in kind:
        return "; in Excel or LibreOffice, save the sheet as 'CSV UTF-8'"
    if "JSON" in kind:
        return " (with pandas: pd.read_json(...).to_csv('table.csv', index=False))"
    return ""


def _table_suffix(path):
    """The suffix that names the format: ".json" for table.json.gz."""
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


# Compression -----------------------------------------------------------------


@dataclass(frozen=True)
class _Compression:
    open: object
    name: str
    magic: bytes


# Compressed CSV files, by their last suffix, as pandas reads them.
_COMPRESSED = {
    ".gz": _Compression(gzip.open, "gzip", b"\x1f\x8b"),
    ".bz2": _Compression(bz2.open, "bzip2", b"BZh"),
    ".xz": _Compression(lzma.open, "xz", b"\xfd7zXZ\x00"),
}
# What reading a damaged compressed file raises (gzip's and bz2's are
# OSErrors).
_DECOMPRESSION_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError)


def _open(path, mode="rt", **options):
    """Open a file, decompressing a .gz, .bz2 or .xz one."""
    compression = _COMPRESSED.get(path.suffix.lower())
    opener = compression.open if compression else open
    return opener(path, mode, **options)


def _check_compressed(path):
    """Refuse a file named as compressed whose first bytes are not so.

    Decompressing it would fail with a message about the format's magic
    number, which does not say that the file is plain text under a
    compressed name.
    """
    compression = _COMPRESSED.get(path.suffix.lower())
    if compression is None:
        return
    with open(path, "rb") as handle:
        start = handle.read(16)
    if not start or start.startswith(compression.magic):
        return
    raise CLIError(
        f"{path} is named as a {compression.name}-compressed file "
        f"({path.suffix}), but it is not {compression.name} data: "
        f"{_what_it_starts_with(start)}. If it is a plain CSV file, rename "
        f"it to {path.with_suffix('').name}; otherwise compress it again "
        f"with {compression.name}."
    )


def _what_it_starts_with(start):
    """The file's first bytes in words: its first text, or the bytes in hex."""
    text = start.decode("utf-8", errors="ignore")
    if len(text) >= len(start) - 3 and all(
        c.isprintable() or c in "\t\r\n" for c in text
    ):
        first = (text.strip().splitlines() or [""])[0]
        return f"it starts with {first!r}, as a text file does"
    return f"it starts with the bytes {start[:4].hex(' ')}"


def _decompression_failure(path, error):
    """The message for a compressed file that ends early or is damaged."""
    compression = _COMPRESSED[path.suffix.lower()]
    problem = (
        "the file ends early"
        if isinstance(error, EOFError)
        else f"the compressed data is damaged ({_first_line(error)})"
    )
    return (
        f"{path} could not be read as {compression.name}-compressed CSV: "
        f"{problem}. Check that the file is complete (copy or download it "
        "again), or decompress it first and give the CSV file."
    )


def _is_decompression_error(path, error):
    """Whether an error in reading a compressed file comes from its data."""
    return path.suffix.lower() in _COMPRESSED and not isinstance(
        error, (PermissionError, FileNotFoundError, IsADirectoryError)
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
    numbered again so that messages count them from the first.
    """
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow raises several types for one problem
        raise CLIError(
            f"{path} could not be read as a Parquet table ({_first_line(error)}). "
            "Check that the file is complete, or save it again as CSV or Parquet."
        ) from None

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
    _check_compressed(path)
    encoding = "utf-8-sig"
    try:
        encoding = _encoding(path, note)
        return _read_text_table(path, encoding, text_columns, note)
    except UnicodeDecodeError as error:
        raise CLIError(_not_text(path, error, encoding)) from None
    except pd.errors.EmptyDataError:
        raise CLIError(
            f"{path} is empty. Give a table with a header row and data rows."
        ) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error) as error:
        raise CLIError(
            f"{path} could not be read as a CSV table ({_first_line(error)}). "
            "Check that every row has as many fields as the header."
        ) from None
    except _DECOMPRESSION_ERRORS as error:
        if not _is_decompression_error(path, error):
            raise
        raise CLIError(_decompression_failure(path, error)) from None


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
        _decimals(path, frame, encoding) if delimiter == ";" else (".", {})
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
            frame[name] = _numbers_in_text(frame[name], decimal, note)
    return frame


def _encoding(path, note):
    """UTF-16 for a file that starts with its byte order mark, else UTF-8.

    Excel saves "Unicode Text" as UTF-16 with a mark, which pandas reads
    as "utf-16"; UTF-8 may start with its own mark.
    """
    with _open(path, "rb") as handle:
        start = handle.read(2)
    if start not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-8-sig"
    note(f"note: {path.name} is UTF-16 text (as Excel saves 'Unicode Text').")
    return "utf-16"


def _first_lines(path, encoding, rows=20):
    """The header line and the first few data lines that are not blank."""
    with _open(path, encoding=encoding, newline="") as handle:
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


# Numbers written as text -------------------------------------------------------

# Written for a missing number in otherwise numeric columns; "" is a field
# of spaces, which pandas does not read as missing.
_MISSING_MARKERS = ("?", "-", ".", "")
# Numbers as people write them: with thousands separators where the decimal
# separator is a point, with a decimal comma in a file of decimal commas.
_INFINITY = r"|[-+]?(?i:inf|infinity)"
_NUMBERS = {
    ".": r"[-+]?(\d+|[1-9]\d{0,2}(,\d{3})+)(\.\d*)?([eE][-+]?\d+)?" + _INFINITY,
    ",": r"[-+]?\d+(,\d*)?([eE][-+]?\d+)?" + _INFINITY,
}
# Other words read as missing among numbers: so many distinct ones at
# most, in at most this share of the values (but one in a column of so
# many values).
_MAX_WORDS = 3
_MAX_WORD_SHARE = 0.05
_MIN_VALUES_FOR_ONE_WORD = 10
# What spreadsheets write in a cell whose formula fails ("#DIV/0!",
# "#VALUE!", "#N/A"; LibreOffice's "Err:502").
_SPREADSHEET_ERROR = re.compile(r"#[A-Z][A-Z_/0]*[!?]?|Err:\d{3}")


def _numbers_in_text(column, decimal, note):
    """A text column of numbers as written for people, as numbers.

    Its values are numbers (see `_NUMBERS`) or stand for missing ones (see
    `_missing_values`), and some show why pandas kept it as text: a comma
    in a number, a marker or a word.
    """
    text = _text_values(column)
    if text is None:
        return column
    numbers = text.str.fullmatch(_NUMBERS[decimal])
    missing = _missing_values(text, numbers)
    if missing is None or not numbers.any():
        return column
    commas = text[numbers].str.contains(",")
    if not (commas.any() or missing.any()):
        return column

    plain = text[numbers].str.replace(",", "" if decimal == "." else ".", regex=False)
    note(_numbers_note(column.name, text[numbers][commas], text[missing], decimal))
    return pd.to_numeric(plain).reindex(column.index)


def _missing_values(text, numbers):
    """Which of a text column's values stand for a missing number, or None.

    "?", "-", "." and blanks do wherever they are. Another value that is not a
    number does only in a column of numbers but for a few such values: at
    most 3 distinct ones, in at most 5% of the values that are not markers
    (or one value among 10 to 19), and none with a digit but a
    spreadsheet's error ("#DIV/0!"). Such a word ("unknown", "n.a.",
    "#VALUE!") fills a cell where a number was not known. A value with
    digits ("3+", "<0.5", "10-20") may be a level of its own, and a column
    with more words is text, such as categories some of which are numbers:
    either stays text (None).

    Parameters
    ----------
    text : pandas.Series of str
        The values that are not missing, stripped.
    numbers : pandas.Series of bool
        Which values are numbers.
    """
    markers = text.isin(_MISSING_MARKERS)
    words = text[~(numbers | markers)]
    if words.empty:
        return markers
    if _few_words(words, int((~markers).sum())) and all(
        _stands_for_missing(word) for word in words.unique()
    ):
        return ~numbers
    return None


def _few_words(words, n_values):
    """Whether the words are few enough among the values to be missing ones."""
    if words.nunique() > _MAX_WORDS:
        return False
    if len(words) == 1 and n_values >= _MIN_VALUES_FOR_ONE_WORD:
        return True
    return len(words) <= _MAX_WORD_SHARE * n_values


def _stands_for_missing(word):
    """Whether a word could not be a value of its own: no digit, or an error."""
    return not re.search(r"\d", word) or bool(_SPREADSHEET_ERROR.fullmatch(word))


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


def _numbers_note(name, with_commas, missing, decimal):
    found = []
    if len(with_commas) and decimal == ".":
        found.append(f"numbers with thousands separators ({with_commas.iloc[0]!r})")
    elif len(with_commas):
        found.append(f"numbers with decimal commas ({with_commas.iloc[0]!r})")
    markers = missing[missing.isin(_MISSING_MARKERS)]
    if len(markers):
        rows = "row" if len(markers) == 1 else "rows"
        found.append(f"{_listed(markers)} as missing ({len(markers)} {rows})")
    words = missing[~missing.isin(_MISSING_MARKERS)]
    if len(words):
        which = (
            "which is not a number" if words.nunique() == 1 else "which are not numbers"
        )
        found.append(f"{_listed(words)}, {which}, as missing ({_rows(words)})")
    return f"note: column {str(name).strip()!r}: read {' and '.join(found)}."


def _listed(values):
    """The distinct values, quoted: "'a'", "'a' and 'b'", "'a', 'b' and 'c'"."""
    quoted = [repr(value) if value else "blanks" for value in dict.fromkeys(values)]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _rows(values):
    """The rows of these values, counted from 1 as the first row of data."""
    numbers = [str(position + 1) for position in values.index]
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    return f"rows {shorten(numbers, 5)}"


def _decimals(path, frame, encoding):
    """The decimal separator of a ";" table, and its columns of thousands dots.

    The separator is a comma when some text column holds only numbers
    written so ("0,78"). A column read as numbers with a decimal point must
    then be writing thousands separators ("4.282"), given as name ->
    example; otherwise the file mixes two ways of writing decimals, which is
    refused: either reading would turn some column's numbers into others.
    """
    commas = [c for c in frame.columns if _comma_numbers(frame[c])]
    if not commas:
        return ".", {}
    dotted = {}
    for name, points in _point_columns(path, frame, encoding).items():
        if not _thousands_dots(points):
            raise CLIError(
                f"{path} writes decimals with a comma in column {commas[0]!r} "
                f"({_first_comma(frame[commas[0]])!r}) and with a point in "
                f"column {name!r} ({_first_point(points)!r}). Save the file "
                "with one decimal separator (or as Parquet)."
            )
        dotted[name] = _first_point(points)
    return ",", dotted


def _point_columns(path, frame, encoding):
    """The text of each column that pandas read as numbers with a point."""
    floats = frame.select_dtypes(include="float")
    pointed = [c for c in floats if ((floats[c] % 1).fillna(0) != 0).any()]
    if not pointed:
        return {}
    text = pd.read_csv(path, sep=";", dtype=str, usecols=pointed, encoding=encoding)
    return {name: text[name].dropna().str.strip() for name in pointed}


def _thousands_dots(values):
    """Whether numbers with a point are whole numbers in groups of three."""
    return bool(values.str.fullmatch(r"[-+]?(\d{1,3}(\.\d{3})+|\d+)").all())


def _first_comma(column):
    return column.dropna().astype(str)[lambda v: v.str.contains(",")].iloc[0]


def _first_point(values):
    return values[values.str.contains(".", regex=False)].iloc[0]


def _comma_numbers(column):
    """Whether a text column holds numbers with decimal commas, and missing ones."""
    text = _text_values(column)
    if text is None:
        return False
    numbers = text.str.fullmatch(r"[-+]?\d*,\d+|[-+]?\d+")
    missing = _missing_values(text, numbers)
    return bool(missing is not None and text[numbers].str.contains(",").any())


# Text that is not UTF-8 --------------------------------------------------------


def _not_text(path, error, encoding):
    """Why a CSV could not be decoded, and how to save it as UTF-8."""
    if encoding == "utf-16":
        return (
            f"{path} starts as UTF-16 text (with a byte order mark), but "
            f"could not be read as such ({error.reason}). Save the table as "
            "CSV (UTF-8) or Parquet, or convert it with "
            f"`iconv -f UTF-16 -t UTF-8 {path.name} > utf8-{path.name}`."
        )
    return _not_utf8(path, error)


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
    # The row index read_table left out is gone already, as --drop asks.
    drop = [name for name in drop if name != frame.attrs.get("row_index")]
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
