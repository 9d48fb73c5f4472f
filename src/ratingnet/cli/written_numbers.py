"""Numbers as people write them in CSV text, read as numbers.

Thousands separators, decimal commas in a ";" file, and markers or words
where a number is missing turn a column of numbers into text for pandas;
these read it back as numbers, with a note saying how.
"""

import re

import numpy as np
import pandas as pd

from .errors import CLIError, shorten

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


def numbers_in_text(column, decimal, note):
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


def infinities_as_missing(column, note):
    """A numeric column with its infinite values missing, and a note if any.

    A CSV says "inf" where a spreadsheet divided by zero; Ridge, LightGBM
    and the networks' scalers cannot take it, and a baseline that fails
    would drop out of the comparison.
    """
    if not pd.api.types.is_float_dtype(column.dtype):
        return column
    infinite = column[np.isinf(column.to_numpy(dtype=float, na_value=np.nan))]
    if infinite.empty:
        return column

    which = "value" if len(infinite) == 1 else "values"
    note(
        f"note: column {str(column.name).strip()!r}: read {len(infinite)} "
        f"infinite {which} as missing ({_rows(infinite)})."
    )
    return column.mask(column.index.isin(infinite.index))


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


def decimal_separator(path, frame, encoding):
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
