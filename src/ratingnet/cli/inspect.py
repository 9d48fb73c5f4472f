"""``ratingnet inspect``: a table's columns and its target's kind, with advice."""

from .. import target as target_module
from ..evaluation.columns import NUMERIC
from ..target import inspect_target
from . import options
from .columns import choose_columns, date_columns
from .docs import bullets
from .errors import CLIError, shorten
from .output import Output, table
from .tables import read_table
from .targets import level_positions


def add_parser(commands):
    limit = str(target_module.MAX_RATING_LEVELS)
    kinds = "\n".join(
        f"  {term:<11} {text.replace('MAX_RATING_LEVELS', limit)}"
        for term, text in bullets(target_module)
    )
    parser = commands.add_parser(
        "inspect",
        help="describe a table and its target column",
        description=(
            "Describe a table (rows, column kinds, missing values) and, with "
            "--target, the target column: its kind, levels and range, and "
            "which estimator suits it.\n\nkinds of target:\n" + kinds
        ),
        formatter_class=options.Formatter,
    )
    options.add_data(parser)
    options.add_columns(parser)
    options.add_output(parser)
    parser.set_defaults(run=run)


def run(args):
    out = Output(quiet=args.quiet, as_json=args.json)
    path, target = options.data_and_target(args, target=False)
    frame = read_table(path, note=out.note)
    chosen = options.column_options(args)
    columns = choose_columns(frame, target=target, dates=True, **chosen)
    if columns.ids:
        out.note(columns.ids_note())
    dates = date_columns(columns.X)
    if dates:
        out.note(
            f"note: column(s) {shorten(map(repr, dates))} hold dates or times, "
            "which fit and evaluate refuse as features: leave them out with "
            "--drop, or add numbers made from them (the year, the day of the "
            "week)."
        )
    kinds = {**columns.kinds, **dict.fromkeys(dates, "date")}
    rows = [_describe_column(frame[name], kind) for name, kind in kinds.items()]
    profile, problem = _profile(frame, target, options.levels_option(args))

    out.show(
        f"{path}: {len(frame)} rows, {frame.shape[1]} columns",
        table(
            "Feature columns",
            ["column", "kind", "type", "missing", "distinct", "values"],
            [_cells(row) for row in rows],
        ),
    )
    if profile is not None:
        out.show(f"\nTarget column {target!r}", _summary(profile))
    if problem is not None:
        out.show(f"\nTarget column {target!r} cannot be used: {problem}")
    out.json(
        {
            "data": str(path),
            "rows": len(frame),
            "columns": rows,
            "left_out_as_ids": list(columns.ids),
            "target": _target_json(target, profile, problem),
        }
    )
    return 0


# Which --model suits each kind of target, as the library's advice names
# its classes.
_ADVICE = {
    "rating": (
        "Use --model rating (the default), recipe or default for a number on "
        "the scale, or --model ordinal for a level that knows their order; "
        "--model classifier ignores the order of ratings."
    ),
    "binary": "Use --model classifier; with two levels there is no order to lose.",
    "nominal": (
        "Use --model classifier: the levels have no order. If they have one, "
        "give it with --levels, lowest first."
    ),
    "count": "Use --model rating (the default), recipe or default.",
    "continuous": "Use --model rating (the default), recipe or default.",
}


def _advice(profile):
    if profile.long_tailed:
        return (
            f"{_ADVICE['count']} These counts have a long right tail: predicting "
            "log(1 + count), a column you add to the table, often fits better."
        )
    if profile.beyond_exact_floats:
        return (
            f"{_ADVICE[profile.kind]} These whole numbers lie beyond +-2**53, "
            "where the models' float64 keeps about 16 significant digits, so "
            "nearby values become one: for ratings or counts, subtract a "
            "baseline first (a column you add to the table)."
        )
    return _ADVICE[profile.kind]


def _summary(profile):
    """The profile's lines, with advice in --model names."""
    lines = str(profile).splitlines()
    return "\n".join(
        f"advice: {_advice(profile)}" if line.startswith("advice: ") else line
        for line in lines
    )


def _target_json(target, profile, problem):
    if profile is None and problem is None:
        return None
    if profile is None:
        return {"column": target, "problem": problem}
    return {"column": target, **_as_dict(profile)}


def _profile(frame, target, levels):
    """The target's profile, or why it has none (constant, all missing).

    A target no model can learn from is described, not refused: inspect is
    where a user finds out what a table holds.
    """
    if target is None and levels is not None:
        raise CLIError("--levels orders the target's levels; name it with --target.")
    if target is None:
        return None, None
    values = frame[target]
    if levels is not None:
        values = level_positions(values.dropna(), levels, target).reindex(values.index)
    try:
        return inspect_target(values), None
    except ValueError as error:
        return None, str(error)


def _describe_column(values, kind):
    described = {
        "column": values.name,
        "kind": kind,
        "type": str(values.dtype),
        "missing": int(values.isna().sum()),
        "distinct": int(values.nunique()),
    }
    present = values.dropna()
    if kind == NUMERIC and len(present) and values.dtype != bool:
        described["values"] = f"{present.min():.4g} to {present.max():.4g}"
        described["min"], described["max"] = float(present.min()), float(present.max())
    else:
        common = present.astype(str).value_counts().index[:4].tolist()
        more = ", ..." if described["distinct"] > 4 else ""
        described["values"] = ", ".join(common) + more
    return described


def _cells(row):
    return [
        row["column"],
        row["kind"],
        row["type"],
        row["missing"],
        row["distinct"],
        row["values"],
    ]


def _as_dict(profile):
    return {
        "kind": profile.kind,
        "levels": None if profile.levels is None else list(profile.levels),
        "level_counts": None
        if profile.level_counts is None
        else {str(k): v for k, v in profile.level_counts.items()},
        "range": None if profile.range is None else list(profile.range),
        "step": profile.step,
        "n": profile.n,
        "n_missing": profile.n_missing,
        "advice": _advice(profile),
        "suspect_codes": list(profile.suspect_codes),
    }
