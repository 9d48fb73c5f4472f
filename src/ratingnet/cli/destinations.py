"""Where commands write: paths checked before any work, files written whole.

A command checks its output path before it reads the table or trains
anything, so that a path it cannot use costs no training: a file in the
way of a folder, an existing output without ``--force``, a folder it cannot
write to, a format it does not write. Writing goes through a temporary
name, so that a failure leaves the old file or folder as it was.
"""

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from .._folders import blocking_file, holds_working_folder
from .errors import CLIError
from .file_kinds import OTHER_FORMATS, PARQUET_SUFFIXES, format_and_compression

_TAB_SUFFIXES = (".tsv", ".tab")
# Formats a user may reach for that are not written: their names would
# hold CSV text.
_NOT_WRITTEN = {**OTHER_FORMATS, ".zip": "a ZIP archive"}


def check_destination(path, option, *, force, folder=False, source=None):
    """Refuse an output path that the command could not or should not write.

    Parameters
    ----------
    path : str or path-like
    option : str
        The option that named it, for the message (``"--out"``).
    force : bool
        Whether an existing file or folder may be replaced. An empty folder
        may be written into without it.
    folder : bool
        The output is a folder (a model, a report), else a table file.
    source : str or path-like, default=None
        The table the command reads, which its output never replaces.
    """
    path = Path(path)
    _refuse_wrong_kind(path, option, folder)
    if folder and holds_working_folder(path):
        raise CLIError(
            f"{option} {path} is the current folder, or holds it; the output "
            "replaces its folder whole. Give a new folder inside it, such as "
            f"{option} ./out."
        )
    if not folder:
        _refuse_format(path, option)
        _refuse_source(path, option, source)
    if path.exists() and not force and not _is_empty_folder(path):
        raise CLIError(
            f"{path} already exists. Give another {option} path, or add --force "
            "to replace it."
        )
    _check_writable(path, option)


@contextlib.contextmanager
def writing(path, option):
    """Say which output failed, and why, when writing it raises OSError."""
    try:
        yield
    except FileExistsError as error:
        raise CLIError(str(error)) from None
    except OSError as error:
        reason = error.strerror or str(error)
        advice = _WRITING_ADVICE.get(error.errno, "Choose another path")
        raise CLIError(
            f"{option} {path} could not be written: {reason}. {advice}, and "
            "run the command again."
        ) from None


# What to do when writing fails, by the system's reason (errno).
_WRITING_ADVICE = {
    errno.ENOSPC: "Free some space, or choose a folder on another disk",
    errno.EDQUOT: "Free some space, or choose a folder on another disk",
    errno.EACCES: "Choose a folder you may write to",
    errno.EPERM: "Choose a folder you may write to",
    errno.EROFS: "Choose a folder on a disk that is not read-only",
    errno.ENAMETOOLONG: "Choose a shorter name",
}


def write_table(frame, path):
    """Write CSV (compressed as its name says) or Parquet, via a temporary file.

    The temporary name hides the suffix pandas reads the compression from,
    so the compression is given explicitly.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    suffix, compression = format_and_compression(path)
    try:
        if suffix in PARQUET_SUFFIXES:
            frame.to_parquet(partial, index=False)
        else:
            separator = "\t" if suffix in _TAB_SUFFIXES else ","
            frame.to_csv(partial, index=False, sep=separator, compression=compression)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _refuse_wrong_kind(path, option, folder):
    """A file is never replaced by a folder, nor a folder by a file."""
    blocking = blocking_file(path)
    if blocking is not None:
        raise CLIError(
            f"{path} cannot be written: {blocking} is a file, not a folder. "
            f"Give another {option} path."
        )
    if path.is_dir() and not folder:
        raise CLIError(f"{path} is a folder. Give the path of a file for {option}.")
    if path.exists() and not path.is_dir() and folder:
        raise CLIError(f"{path} is a file, not a folder. Give another {option} path.")


def _refuse_format(path, option):
    suffix, compression = format_and_compression(path)
    kind = _NOT_WRITTEN.get(suffix)
    if compression and suffix in PARQUET_SUFFIXES:
        kind = "a compressed Parquet file"
    if kind is not None:
        raise CLIError(
            f"{option} {path} names {kind}, which ratingnet does not "
            "write. Give a .csv name (.tsv for tabs; add .gz, .bz2 or .xz to "
            "compress it), or .parquet."
        )


def _refuse_source(path, option, source):
    if source is None or not path.exists() or not Path(source).exists():
        return
    if os.path.samefile(path, source):
        raise CLIError(
            f"{option} {path} is the table being read; writing there would "
            "replace it, --force or not. Give another path for the output."
        )


def _is_empty_folder(path):
    return path.is_dir() and not any(path.iterdir())


def _check_writable(path, option):
    """Create and remove a file where the output will go, before any work.

    Folders that do not exist yet will be made inside the nearest one that
    does; an output folder that exists is written into as well.
    """
    nearest = next(p for p in path.resolve().parents if p.exists())
    places = [nearest, path] if path.is_dir() else [nearest]
    for place in places:
        try:
            with tempfile.TemporaryFile(dir=place):
                pass
        except OSError as error:
            raise CLIError(
                f"{option} {path} cannot be written: {place} does not take new "
                f"files ({error.strerror or error}). Choose a folder you can "
                "write to."
            ) from None
