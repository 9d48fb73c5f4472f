"""What kind of target `y` is, and which estimator suits it.

`inspect_target` sorts a target into one of five kinds, by these rules,
applied to the non-missing values:

- **binary**: numbers with exactly 2 distinct values, e.g. 0/1.
- **nominal**: text, booleans or an unordered categorical, e.g.
  ``["red", "white"]``. A pandas *ordered* categorical is a **rating**
  instead, with its categories, in their order, as the levels.
- **rating**: numbers with 3 to `MAX_RATING_LEVELS` distinct values that lie
  on a regular grid, with at most `MAX_RATING_LEVELS` grid points from the
  smallest to the largest. On a grid means every gap between two values is a
  whole multiple of the step: the greatest common divisor of the gaps for
  whole numbers, the smallest gap otherwise (within float tolerance). So
  1..5, 3..8 (wine quality), 0.5..5 by 0.5 (movie stars) and 0, 2, ..., 10
  are ratings, and so is 1, 2, 4, 5 (a scale with an unused level).
- **count**: whole numbers >= 0 that are not a rating because they have
  more than `MAX_RATING_LEVELS` distinct values, or a right tail so long
  that the grid from the smallest to the largest is wider than that, e.g.
  0, 1, 2, 3, 250.
- **continuous**: every other numeric target, e.g. 2.31, 0.07, 5.9, or
  whole numbers that go below 0 with many distinct values.

Missing values (NaN, None, pd.NA) are counted in ``n_missing`` and left out;
an empty or all-missing target, or one with a single value, is an error.

Bytes (``b"good"``) are text: nominal, like str values. They are kept as
bytes, not decoded, so that the levels are the labels that a model fitted
on y predicts. Complex numbers, and values that are not one plain value
per row (lists, tuples, dicts), are refused with an error: no estimator
here takes them as a target.

The grid rules need exact arithmetic on whole numbers, which float64 (the
numbers every model here learns on) has only within +-2**53 (about 9.0e15):
beyond it, neighbouring whole numbers share one float, and every float is
whole. A numeric target with a value beyond +-2**53 is therefore
**continuous** (or **binary** with two values), without a step. Integers
beyond it (int64 IDs or nanosecond times such as 10**18 and 10**18 + 1,
which are one float64) are read exactly, not as floats, so that their
levels, counts and range stay true; the advice says that a model sees them
rounded.

A numeric target may hold a code for a missing answer, such as 99 or -1 on
a 1-5 scale. Values that look like one are listed in ``suspect_codes``: rare
(at most 2% of the values), apart from the others (not next to them on
their grid), and negative below values that are not, or written with nines
only (9, 99, -999), or farther from the others than they span.

Examples
--------
>>> inspect_target([3, 4, 5, 5, 6, 8]).kind
'rating'
>>> inspect_target([0.5, 1.0, 4.5, 5.0]).step
0.5
>>> inspect_target([0, 1, 1, 0]).kind
'binary'
>>> inspect_target(["red", "white", "red"]).kind
'nominal'
>>> inspect_target([0, 1, 2, 3, 250]).kind
'count'
>>> inspect_target([2.31, 0.07, 5.9]).kind
'continuous'
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._target_values import as_series, check_plain_values
from ._validation import preview

__all__ = ["MAX_RATING_LEVELS", "TargetProfile", "inspect_target", "is_rating"]

# The most grid points a rating scale may span. The longest scale in common
# use, 0 to 20 in half points (French school grades), has 41; a finer or
# wider scale is better modeled as a continuous score or a count.
MAX_RATING_LEVELS = 41

# How far (in steps) a value may sit from the grid and still be on it.
_GRID_TOLERANCE = 1e-6

# Within +-2**53 float64 holds every whole number; beyond it, gaps between
# whole numbers are not exact, so no grid is looked for there. A Python int,
# so that int64 values compare with it exactly.
EXACT_LIMIT = 2**53

_ADVICE = {
    "rating": (
        "Use KerasRegressor or KerasOrdinalRegressor; KerasClassifier "
        "ignores the order of ratings."
    ),
    "ordered": (
        "Use KerasOrdinalRegressor, or KerasRegressor on the category codes "
        "(y.cat.codes); KerasClassifier ignores the order of ratings."
    ),
    "binary": "Use KerasClassifier; with two levels there is no order to lose.",
    "nominal": (
        "Use KerasClassifier; the levels have no order, so a regressor "
        "would invent one."
    ),
    "count": "Use KerasRegressor.",
    "long-tailed count": (
        "Use KerasRegressor; these counts have a long right tail, so a log "
        "transform of y, or a Poisson loss, often fits better."
    ),
    "continuous": "Use KerasRegressor.",
    "huge whole": (
        "Use KerasRegressor, or KerasClassifier if these are IDs or labels. "
        "They lie beyond +-2**53, where float64, the type every model here "
        "learns on, keeps only about 16 significant digits, so a regressor "
        "sees nearby values as one; for ratings or counts, subtract a "
        "baseline first (y - y.min())."
    ),
}


@dataclass(frozen=True)
class TargetProfile:
    """A summary of a target, as `inspect_target` returns it.

    Attributes
    ----------
    kind : {"continuous", "rating", "binary", "nominal", "count"}
        What the target is; see the module docstring for the rules.
    levels : tuple or None
        The distinct values, sorted (an ordered categorical keeps its own
        order, unused categories included). None when a numeric target has
        more than `MAX_RATING_LEVELS` distinct values.
    range : tuple of (min, max) or None
        The smallest and largest value; None unless the target is numeric.
    step : float or None
        The regular step between levels; only set for a numeric rating or
        binary target.
    level_counts : dict or None
        How often each level occurs; None when `levels` is None.
    n_missing : int
        How many values were missing (NaN, None, pd.NA).
    n : int
        How many values there were, missing ones included.
    advice : str
        Which estimator to use, in plain words.
    suspect_codes : tuple
        Values that look like codes for a missing answer (99 on a 1-5
        scale), lowest first; see the module docstring.
    long_tailed : bool
        A count with a long right tail (skewness above 1), which a log
        transform often fits better.
    beyond_exact_floats : bool
        Whole numbers beyond +-2**53, which float64 (what models learn on)
        rounds: nearby values become one.

    Examples
    --------
    >>> profile = inspect_target([1, 2, 2, 3, None])
    >>> profile.kind, profile.levels, profile.n_missing
    ('rating', (1, 2, 3), 1)
    """

    kind: str
    levels: tuple | None
    range: tuple | None
    step: float | None
    level_counts: dict | None
    n_missing: int
    n: int
    advice: str
    suspect_codes: tuple = ()
    long_tailed: bool = False
    beyond_exact_floats: bool = False

    @property
    def scale(self):
        """Every level of the scale, a step apart from the lowest to the highest.

        The levels themselves when there is no regular step. Scoring with
        the whole scale counts a level the data lacks as a level between its
        neighbours.
        """
        return scale_levels(self.levels, self.range, self.step)

    def __str__(self):
        lines = [f"target: {self.kind}, {self.n} values ({self.n_missing} missing)"]
        if self.level_counts is None:
            lines.append(f"levels: more than {MAX_RATING_LEVELS} distinct values")
        else:
            counts = [f"{_show(k)} ({v})" for k, v in self.level_counts.items()]
            lines.append(f"levels (count): {_shorten(counts)}")
        if self.range is not None:
            low, high = self.range
            step = "" if self.step is None else f" by {_show(self.step)}"
            lines.append(f"range: {_show(low)} to {_show(high)}{step}")
        lines.append(f"advice: {self.advice}")
        if self.suspect_codes:
            lines.append(f"note: {self.codes_note()}")
        return "\n".join(lines)

    def codes_note(self):
        """What ``suspect_codes`` means for the user, in one sentence; "" if none."""
        if not self.suspect_codes:
            return ""
        codes = " and ".join(_show(code) for code in self.suspect_codes)
        learned = "rating" if self.kind == "rating" else "value"
        if len(self.suspect_codes) == 1:
            return (
                f"{codes} lies apart from the other values and is rare: a code "
                "for a missing answer? Set it to NaN (those rows are then left "
                f"out), or a model learns it as a {learned}."
            )
        return (
            f"{codes} lie apart from the other values and are rare: codes for "
            "a missing answer? Set them to NaN (those rows are then left out), "
            f"or a model learns them as {learned}s."
        )


def _show(value):
    """A number in at most 6 significant digits; anything else as str does."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _shorten(items, keep=12):
    """Join items with commas, eliding the middle of a long list."""
    if len(items) > keep:
        items = [*items[: keep // 2], "...", *items[-keep // 2 :]]
    return ", ".join(items)


def _numeric_values(values):
    """The values as floats when they are all numbers, else None."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return None
    if not pd.api.types.is_numeric_dtype(values.dtype):
        # Object columns (e.g. from a list of mixed ints and floats).
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred not in {"integer", "floating", "mixed-integer-float", "decimal"}:
            return None
    return _as_floats(values)


def _as_floats(values):
    """Numbers (of any dtype, or as objects) as float64."""
    try:
        if not pd.api.types.is_numeric_dtype(values.dtype):
            values = pd.to_numeric(values)
        return values.to_numpy(dtype=np.float64)
    except OverflowError:
        raise ValueError(
            "y holds numbers too large for float64 (at most about 1.8e308), "
            f"such as {preview(max(values, key=abs))}. Rescale y, e.g. to "
            "another unit, before modeling it."
        ) from None


def _is_huge_whole(values):
    """Whether `values` are integers, some beyond +-2**53, that floats would round.

    int64 values such as 10**18 and 10**18 + 1 are one float64.
    """
    integers = values.dtype.kind in "iu" or (
        values.dtype == object and pd.api.types.infer_dtype(values) == "integer"
    )
    if not integers:
        return False
    return bool(values.max() > EXACT_LIMIT or values.min() < -EXACT_LIMIT)


def _sorted_levels(values):
    """Distinct values, sorted; by their text when they cannot be compared."""
    distinct = pd.unique(values).tolist()
    try:
        return tuple(sorted(distinct))
    except TypeError:
        return tuple(sorted(distinct, key=str))


# --- the grid -------------------------------------------------------------------


def _within_exact_range(values):
    """Whether all values lie within +-2**53, where floats hold every whole number."""
    return bool(np.all(np.abs(values) <= EXACT_LIMIT))


def _grid_step(distinct):
    """The step of the regular grid that holds `distinct`, or None.

    `distinct` is sorted, with at least two values. Beyond +-2**53 the gaps
    are not exact, so there is no grid to find (None).
    """
    if not _within_exact_range(distinct):
        return None

    gaps = np.diff(distinct)
    if np.all(distinct == np.round(distinct)):
        step = float(np.gcd.reduce(gaps.astype(np.int64)))
    else:
        step = float(gaps.min())

    multiples = (distinct - distinct[0]) / step
    on_grid = np.all(np.abs(multiples - np.round(multiples)) <= _GRID_TOLERANCE)
    # Round off float noise, so 0.1, 0.2, 0.3 has a step of 0.1.
    return float(f"{step:.12g}") if on_grid else None


def _grid_points(distinct, step):
    """How many grid points lie from the smallest to the largest value."""
    return int(round((distinct[-1] - distinct[0]) / step)) + 1


def _numeric_kind(distinct):
    """Kind and step of a numeric target with these sorted distinct values."""
    exact = _within_exact_range(distinct)
    if len(distinct) == 2:
        return "binary", float(distinct[1] - distinct[0]) if exact else None
    if not exact:
        return "continuous", None

    step = _grid_step(distinct) if len(distinct) <= MAX_RATING_LEVELS else None
    if step is not None and _grid_points(distinct, step) <= MAX_RATING_LEVELS:
        return "rating", step

    whole = np.all(distinct == np.round(distinct))
    return ("count" if whole and distinct[0] >= 0 else "continuous"), None


# --- profiles -------------------------------------------------------------------


def _check_not_degenerate(present, n):
    """Raise if nothing, or a single value, is left to learn from."""
    if n == 0:
        raise ValueError("y is empty. Pass at least two distinct target values.")
    if len(present) == 0:
        raise ValueError(
            f"All {n} values of y are missing. Check that the right column "
            "was chosen as the target."
        )
    if present.nunique() == 1:
        raise ValueError(
            f"y has a single distinct value ({present.iloc[0]}) in its "
            f"{len(present)} non-missing entries, so there is nothing to "
            "learn. Check that the right column was chosen as the target."
        )


def _counts(present, levels):
    """How often each level occurs, in the order of `levels`."""
    counts = present.value_counts()
    return {level: int(counts.get(level, 0)) for level in levels}


def _categorical_profile(present, n, n_missing):
    """Profile of a pandas categorical target."""
    dtype = present.dtype
    if dtype.ordered:
        levels = tuple(dtype.categories.tolist())
        kind, advice = "rating", _ADVICE["ordered"]
    else:
        levels = _sorted_levels(present)
        kind, advice = "nominal", _ADVICE["nominal"]

    counts = _counts(present, levels)
    return TargetProfile(kind, levels, None, None, counts, n_missing, n, advice)


def _as_python(values):
    """Values as Python ints when all are whole numbers within +-2**53, else floats.

    Beyond +-2**53 every float is whole, and an int would show digits that
    float64 does not hold.
    """
    if _within_exact_range(values) and np.all(values == np.round(values)):
        return [int(value) for value in values]
    return [float(value) for value in values]


def _numeric_profile(numbers, n, n_missing):
    """Profile of a numeric target (missing values already dropped)."""
    if not np.all(np.isfinite(numbers)):
        raise ValueError(
            f"y contains {np.isinf(numbers).sum()} infinite values. Replace "
            "them with NaN (to leave those rows out) or with a finite value."
        )

    distinct = np.unique(numbers)
    kind, step = _numeric_kind(distinct)
    low, high = _as_python(distinct[[0, -1]])
    if len(distinct) > MAX_RATING_LEVELS:
        levels = counts = None
    else:
        levels = tuple(_as_python(distinct))
        counts = _counts(pd.Series(numbers), levels)
    long_tailed = kind == "count" and _skewness(numbers) > _LONG_TAIL
    advice = _ADVICE["long-tailed count" if long_tailed else kind]
    codes = tuple(_as_python(_suspect_codes(numbers, distinct)))
    return TargetProfile(
        kind,
        levels,
        (low, high),
        step,
        counts,
        n_missing,
        n,
        advice,
        codes,
        long_tailed=long_tailed,
    )


def _huge_whole_profile(present, n, n_missing):
    """Profile of whole numbers beyond +-2**53, read exactly, not as floats.

    As floats they would round (10**18 + 1 to 10**18), merging levels and
    shifting the range; read exactly, the levels, counts and range stay
    true. There is no grid to find out there, so the kind is continuous
    (binary with two values: labels a classifier takes exactly).
    """
    distinct = _sorted_levels(present)
    kind = "binary" if len(distinct) == 2 else "continuous"
    if len(distinct) > MAX_RATING_LEVELS:
        levels = counts = None
    else:
        levels, counts = distinct, _counts(present, distinct)
    value_range = (distinct[0], distinct[-1])
    advice = _ADVICE["binary" if kind == "binary" else "huge whole"]
    return TargetProfile(
        kind,
        levels,
        value_range,
        None,
        counts,
        n_missing,
        n,
        advice,
        beyond_exact_floats=True,
    )


# A code for a missing answer is at most this share of the values.
_RARE = 0.02


def _suspect_codes(numbers, distinct):
    """Rare values at either end that stand apart from the rest (99 on 1-5)."""
    counts = dict(zip(*np.unique(numbers, return_counts=True), strict=True))
    rare = len(numbers) * _RARE
    codes = []
    for end in (distinct[0], distinct[-1]):
        rest = distinct[distinct != end]
        if len(rest) < 3 or counts[end] > rare or end in codes:
            continue
        if _stands_apart(end, rest):
            codes.append(end)
    return np.array(sorted(codes))


def _stands_apart(value, rest):
    """Whether ``value`` is off the others' scale and written like a code.

    On a scale (ratings, counts), a value next to the others (9 beside 3-8)
    is a level; one farther away is a code when it lies farther from the
    rest than their span, is written in nines (99) or is negative where the
    rest is not (-1). Measurements have no scale, and a long tail puts
    their top value far from the rest: there a code must be written in
    nines or be negative, and also be whole or far (-1, 999, -99.9 beside
    0-10; not -0.01 or 9.99).
    Distances between values near the float64 limit overflow to inf, which
    still compares right.
    """
    step = _scale_step(rest)
    with np.errstate(over="ignore"):
        nearest = np.abs(rest - value).min()
        span = rest[-1] - rest[0]
    if step is not None and nearest <= step * (1 + _GRID_TOLERANCE):
        return False

    far = nearest > span
    digits = f"{abs(value):.12g}".replace(".", "")
    nines = len(digits) >= 2 and set(digits) == {"9"}
    below_zero = value < 0 <= rest.min()
    if step is not None:
        return bool(far or nines or below_zero)
    whole = value == np.round(value)
    return bool((nines or below_zero) and (whole or far))


def _scale_step(values):
    """The step of the scale that sorted `values` lie on, or None.

    A scale is a rating scale (at most ``MAX_RATING_LEVELS`` points) or
    whole numbers (counts); measurements to three decimals lie on a grid of
    0.001, which is no scale.
    """
    step = _grid_step(values)
    if step is None:
        return None
    if _grid_points(values, step) <= MAX_RATING_LEVELS:
        return step
    return step if np.all(values == np.round(values)) else None


# A skewness above this marks a long right tail (an exponential's is 2).
_LONG_TAIL = 1.0


def _skewness(values):
    spread = values.std()
    if spread == 0:
        return 0.0
    return float(np.mean((values - values.mean()) ** 3) / spread**3)


def scale_levels(levels, value_range, step):
    """Every level from ``value_range``'s low to its high, ``step`` apart.

    ``levels`` when there is no regular step (``step`` or ``value_range``
    None).
    """
    if step is None or value_range is None:
        return levels
    low, high = value_range
    n = int(round((high - low) / step)) + 1
    return tuple(float(f"{low + i * step:.12g}") for i in range(n))


def inspect_target(y) -> TargetProfile:
    """Tell what kind of target `y` is, and which estimator suits it.

    The rules are in this module's docstring.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The target: a list, a NumPy array, a pandas Series, or a table with
        a single column. Missing values are counted and left out.

    Returns
    -------
    TargetProfile
        The kind, levels, range, step, counts and advice. ``str(profile)``
        gives a few lines for a terminal.

    Raises
    ------
    ValueError
        If `y` is empty, all missing, constant, not 1-D, or has infinite
        values, complex numbers, or values that are not one per row (lists,
        dicts).

    Examples
    --------
    >>> print(inspect_target([3, 4, 5, 5, 6, 8, None]))
    ... # doctest: +NORMALIZE_WHITESPACE
    target: rating, 7 values (1 missing)
    levels (count): 3 (1), 4 (1), 5 (2), 6 (1), 8 (1)
    range: 3 to 8 by 1
    advice: Use KerasRegressor or KerasOrdinalRegressor;
        KerasClassifier ignores the order of ratings.
    """
    series = as_series(y)
    present = series.dropna()
    n, n_missing = len(series), len(series) - len(present)
    check_plain_values(present)
    _check_not_degenerate(present, n)

    if isinstance(present.dtype, pd.CategoricalDtype):
        return _categorical_profile(present, n, n_missing)

    if _is_huge_whole(present):
        return _huge_whole_profile(present, n, n_missing)
    numbers = _numeric_values(present)
    if numbers is not None:
        return _numeric_profile(numbers, n, n_missing)

    levels = _sorted_levels(present)
    counts = _counts(present, levels)
    advice = _ADVICE["nominal"]
    return TargetProfile("nominal", levels, None, None, counts, n_missing, n, advice)


def is_rating(y) -> bool:
    """Whether `inspect_target` calls `y` a rating; False where it raises.

    Meant for checks such as warning when a classifier is given ratings.

    Examples
    --------
    >>> is_rating([1, 2, 3, 4, 5]), is_rating([0, 1]), is_rating([])
    (True, False, False)
    """
    try:
        return inspect_target(y).kind == "rating"
    except ValueError:
        return False
