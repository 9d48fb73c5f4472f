"""Writing a folder whole: into a staging folder beside it, then swapped in.

A model or a report is several files. Written in place, a failure halfway
(a full disk, Ctrl-C) would leave a mix of old and new files; written
beside the old folder and renamed over it, the old folder stays whole
until the new one is.
"""

import contextlib
import os
import shutil
import uuid
from pathlib import Path


@contextlib.contextmanager
def replacing(path):
    """Yield an empty staging folder beside ``path``; on success it becomes ``path``.

    An exception leaves the old folder as it was and removes the staging
    folder. The working folder, or one that holds it, is never replaced:
    the shell would be left in a folder that no longer exists.
    """
    if holds_working_folder(path):
        raise ValueError(
            f"{path} is the current folder, or holds it, and replacing it would "
            "pull it from under the running shell. Give a new folder inside it, "
            "such as ./model or ./report."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    # A plain mkdir, unlike mkdtemp, gives the folder the user's usual
    # permissions (umask), so others can read it as they read files.
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    staging.mkdir()
    try:
        yield staging
        _swap(staging, path)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging, path):
    """Rename ``staging`` to ``path``; an old ``path`` goes only afterwards."""
    if not path.exists():
        os.rename(staging, path)
        return

    # A folder cannot be renamed over a full one, so the old folder steps
    # aside first; if the process dies right here, it is still on disk.
    old = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.old")
    os.rename(path, old)
    os.rename(staging, path)
    shutil.rmtree(old, ignore_errors=True)


def holds_working_folder(path):
    """Whether ``path`` is the current working folder or one of its parents."""
    try:
        working = Path.cwd().resolve()
    except FileNotFoundError:  # the working folder was removed
        return False
    path = Path(path).resolve()
    return path == working or path in working.parents


def blocking_file(path):
    """The file among ``path``'s parents that keeps it from being made, or None."""
    return next((p for p in path.parents if p.exists() and not p.is_dir()), None)


def listed(names, keep=5):
    """Names joined by commas, the first ``keep`` of them: "a, b and 3 more"."""
    shown = ", ".join(names[:keep])
    return shown + (f" and {len(names) - keep} more" if len(names) > keep else "")
