"""Where a command's output goes: results to stdout, progress and notes to stderr.

``--quiet`` silences progress and notes; ``--json`` replaces the tables on
stdout with one JSON document, so that stdout stays machine-readable.
"""

import contextlib
import json
import math
import re

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from .._guards import CLASSIFIER_ON_RATINGS
from .._ordinal import ASSUMED_ORDER


class Output:
    """The consoles of one command run.

    Parameters
    ----------
    quiet : bool
        No progress and no notes on stderr.
    as_json : bool
        Results as JSON on stdout, instead of tables.
    """

    def __init__(self, *, quiet=False, as_json=False):
        self.quiet = quiet
        self.as_json = as_json
        self.stdout = Console(highlight=False)
        self.stderr = Console(stderr=True, highlight=False)

    def show(self, *renderables):
        """Print tables or text as results, unless JSON was asked for.

        Text is printed as it is: brackets from a table's data or a path
        are not read as rich markup (``table`` escapes its cells).
        """
        if not self.as_json:
            for renderable in renderables:
                text = isinstance(renderable, str)
                self.stdout.print(renderable, markup=not text)

    def note(self, text):
        """A remark on stderr (what was dropped, where a file went)."""
        if not self.quiet:
            self.stderr.print(text, markup=False, soft_wrap=True)

    def json(self, data):
        """Print ``data`` as JSON on stdout, when JSON was asked for."""
        if self.as_json:
            print(json.dumps(_plain(data), indent=2))

    @contextlib.contextmanager
    def progress(self, description, total=None):
        """A progress bar on stderr; yields ``advance(description)``."""
        bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.stderr,
            transient=True,
            disable=self.quiet,
        )
        with bar:
            task = bar.add_task(description, total=total)

            def advance(text=None, steps=1):
                bar.update(task, advance=steps, description=text or description)

            yield advance


def table(title, columns, rows, *, markup=False):
    """A rich table; columns of numbers are right-aligned.

    Cells and column names are shown as they are, unless ``markup`` (the
    caller escaped what came from the data).
    """
    rows = [[str(cell) for cell in row] for row in rows]
    if not markup:
        rows = [[escape(cell) for cell in row] for row in rows]
        columns = [escape(str(column)) for column in columns]
    result = Table(title=escape(title), title_justify="left")
    for i, column in enumerate(columns):
        numbers = all(_is_number(row[i]) for row in rows)
        result.add_column(column, justify="right" if numbers else "left")
    for row in rows:
        result.add_row(*row)
    return result


def fitting_warnings(texts):
    """The notes of warnings raised while fitting, for a command's stderr.

    The library's advice on a classifier for ratings, and on text levels an
    ordinal model takes in sorted order, speaks of its Python classes and
    repeats once per fold; the command gave its own, in options, before
    fitting (see ``training.prepare``).
    """
    return [
        f"warning: {text}"
        for text in dict.fromkeys(texts)
        if not text.startswith(_ADVICE_GIVEN_BEFORE)
    ]


# How the library's advice that the command replaces begins, as logged.
_ADVICE_GIVEN_BEFORE = tuple(
    f"RatingTargetWarning: {start}"
    for start in (CLASSIFIER_ON_RATINGS.split("{")[0], ASSUMED_ORDER)
)


def left_out(n_rows):
    """The note that rows without a target were left out."""
    rows = "row" if n_rows == 1 else "rows"
    return f"note: left out {n_rows} {rows} whose target is missing"


def _is_number(text):
    text = re.sub(r"\[/?bold\]", "", text)
    try:
        float(text)
    except ValueError:
        return text == "-"
    return True


def _plain(value):
    """JSON-able data: NaN as null, tuples as lists, numpy numbers as Python."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
