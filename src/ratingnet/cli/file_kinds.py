"""What a table file is: its format, its compression and its text encoding.

A file that is not a CSV or Parquet table, a compressed file that is
damaged or not compressed as its name says, and text that is not UTF-8 are
refused here with what the file is and how to save it as a table.
"""

import bz2
import codecs
import gzip
import lzma
import re
import zlib
from dataclasses import dataclass

from .errors import CLIError

PARQUET_SUFFIXES = (".parquet", ".pq")

# Other formats ---------------------------------------------------------------

# Files given for a table that are neither CSV nor Parquet, by suffix.
OTHER_FORMATS = {
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
    ".h5": "an HDF5 file",
    ".hdf5": "an HDF5 file",
}
# ... and by their first bytes.
_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook, or a zipped file)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97-2003 workbook",
}
# A JSON array of records or arrays, or an object of named values.
_JSON_START = re.compile(rb'(\xef\xbb\xbf)?\s*(\[\s*[\[{\]"]|\{\s*["}])')


def refuse_other_formats(path):
    """Refuse JSON, spreadsheet and other files, by suffix or first bytes.

    Read as CSV they fail on something else: a JSON file splits at its
    commas into a header of repeated names, a workbook (zipped XML) stops
    at its first byte that is not text. A JSON file is known by its start,
    "[" before a record, array or string, or "{" before a name, which no
    header row of a CSV table begins with.
    """
    kind = OTHER_FORMATS.get(format_and_compression(path)[0])
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


def format_and_compression(path):
    """The suffix that names the format, and pandas' name of the compression.

    (".csv", "gzip") for table.csv.gz, (".json", None) for table.json.
    """
    suffixes = [suffix.lower() for suffix in path.suffixes]
    compression = _COMPRESSED.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes.pop()
    return (suffixes[-1] if suffixes else ""), compression and compression.pandas


# Compression -----------------------------------------------------------------


@dataclass(frozen=True)
class _Compression:
    open: object
    name: str
    magic: bytes
    pandas: str


# Compressed CSV files, by their last suffix, as pandas reads them.
_COMPRESSED = {
    ".gz": _Compression(gzip.open, "gzip", b"\x1f\x8b", "gzip"),
    ".bz2": _Compression(bz2.open, "bzip2", b"BZh", "bz2"),
    ".xz": _Compression(lzma.open, "xz", b"\xfd7zXZ\x00", "xz"),
}
# What reading a damaged compressed file raises (gzip's and bz2's are
# OSErrors).
DECOMPRESSION_ERRORS = (EOFError, OSError, zlib.error, lzma.LZMAError)


def open_file(path, mode="rt", **options):
    """Open a file, decompressing a .gz, .bz2 or .xz one."""
    compression = _COMPRESSED.get(path.suffix.lower())
    opener = compression.open if compression else open
    return opener(path, mode, **options)


def check_compressed(path):
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


def decompression_failure(path, error):
    """The message for a compressed file that ends early or is damaged."""
    compression = _COMPRESSED[path.suffix.lower()]
    problem = (
        "the file ends early"
        if isinstance(error, EOFError)
        else f"the compressed data is damaged ({first_line(error)})"
    )
    return (
        f"{path} could not be read as {compression.name}-compressed CSV: "
        f"{problem}. Check that the file is complete (copy or download it "
        "again), or decompress it first and give the CSV file."
    )


def is_decompression_error(path, error):
    """Whether an error in reading a compressed file comes from its data."""
    return path.suffix.lower() in _COMPRESSED and not isinstance(
        error, (PermissionError, FileNotFoundError, IsADirectoryError)
    )


# Text encodings ----------------------------------------------------------------


def text_encoding(path, note):
    """UTF-16 for a file that starts with its byte order mark, else UTF-8.

    Excel saves "Unicode Text" as UTF-16 with a mark, which pandas reads
    as "utf-16"; UTF-8 may start with its own mark.
    """
    with open_file(path, "rb") as handle:
        start = handle.read(2)
    if start not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-8-sig"
    note(f"note: {path.name} is UTF-16 text (as Excel saves 'Unicode Text').")
    return "utf-16"


def not_text(path, error, encoding):
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
    with open_file(path, "rb") as handle:
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


def first_line(error):
    """The first line of an error's message, or its type's name."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
