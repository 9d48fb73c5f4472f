"""What fit and evaluate share: the table, its columns and the model to train."""

from dataclasses import dataclass

from .._guards import misread_levels
from . import models, options
from .columns import Columns, as_categories, choose_columns, forced_categories
from .output import left_out
from .tables import read_table
from .targets import check_target, level_positions


@dataclass
class Setup:
    """A table read and split, and the model chosen for it.

    Attributes
    ----------
    path : str
        The table's file.
    target : str
        The target column.
    columns : Columns
        Features and target, rows with a missing target left out.
    name : str
        The ``--model`` name.
    model : estimator
        The unfitted model.
    profile : ratingnet.target.TargetProfile
    as_categories : list of str
        Numeric columns given to the model as pandas categories (for models
        that encode columns themselves).
    levels : list of str or None
        The --levels names, lowest first, whose positions the target holds.
    """

    path: str
    target: str
    columns: Columns
    name: str
    model: object
    profile: object
    as_categories: list
    levels: list | None = None


def _positions(y, levels, target, out):
    """The target as the positions of its --levels, and a note saying which."""
    positions = level_positions(y, levels, target)
    named = ", ".join(f"{level}={i}" for i, level in enumerate(levels, start=1))
    out.note(f"The target's levels, lowest first: {named}.")
    return positions


def prepare(args, out):
    """Read the table, choose its columns and the model, and check the target."""
    path, target = options.data_and_target(args)
    frame = read_table(path, note=out.note)
    columns = choose_columns(frame, target=target, **options.column_options(args))
    if columns.ids:
        out.note(columns.ids_note())
    levels = options.levels_option(args)
    if levels is not None:
        columns.y = _positions(columns.y, levels, target, out)
    name = args.model or models.default_name()
    model = models.make_model(
        name,
        columns.kinds,
        seed=args.seed,
        epochs=args.epochs,
        batch_size=args.batch_size,
        target_scaling=args.target_scaling,
    )
    profile = check_target(columns, target, model, len(frame))
    if profile.kind == "rating":
        models.keep_on_the_scale(model)
    if profile.suspect_codes:
        out.note(f"warning: target {target!r}: {profile.codes_note()}")
    if name == "classifier" and misread_levels(columns.y) is not None:
        out.note(
            f"warning: target {target!r} is a rating, but --model classifier "
            "treats its levels as unordered classes and predicts whole levels "
            "only. Use --model rating for a number on the scale, or --model "
            "ordinal for a level that knows their order."
        )
    if profile.kind == "nominal" and name == "ordinal" and args.command == "fit":
        out.note(
            "note: the target's levels are text, which the ordinal model takes "
            "in sorted order; give their order with --levels, lowest first."
        )

    cast = [] if models.encodes_columns(name) else forced_categories(columns)
    columns.X = as_categories(columns.X, cast)
    if columns.n_dropped:
        out.note(left_out(columns.n_dropped))
    return Setup(path, target, columns, name, model, profile, cast, levels)
