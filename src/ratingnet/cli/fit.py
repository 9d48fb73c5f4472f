"""``ratingnet fit``: train a model on every row of a table and save it."""

import contextlib
import time
import warnings
from pathlib import Path

from .. import metrics
from .._saving import check_replaceable, save
from ..evaluation.columns import CATEGORICAL
from ..evaluation.crossval import LABELS, recorded_warnings, user_warnings
from ..exceptions import TrainingInterruptedWarning
from . import models, options
from .destinations import check_destination, writing
from .errors import CLIError
from .output import Output, fitting_warnings
from .training import prepare


def add_parser(commands):
    parser = commands.add_parser(
        "fit",
        help="train a model on all rows and save it",
        description=(
            "Train a model on every row of a table whose target is present, and "
            "save it to a folder; an existing model folder is replaced only "
            "once the new one is complete. The folder holds the Keras "
            "model (model.keras), the settings and preprocessing as JSON "
            "(ratingnet.json) and numeric arrays (arrays.npz); loading it runs "
            "no code from the files."
        ),
        epilog=options.models_epilog(),
        formatter_class=options.Formatter,
    )
    options.add_data(parser)
    parser.add_argument(
        "--out", required=True, metavar="DIR", help="the folder to save the model in"
    )
    options.add_columns(parser)
    options.add_model(parser)
    options.add_output(parser, force="replace an existing model folder at --out")
    parser.set_defaults(run=run)


def run(args):
    out = Output(quiet=args.quiet, as_json=args.json)
    if Path(args.out).is_dir():
        # Before training: a folder with more than a model is never replaced.
        with writing(args.out, "--out"):
            check_replaceable(Path(args.out))
    check_destination(args.out, "--out", force=args.force, folder=True)
    setup = prepare(args, out)

    seconds = _train(out, setup)
    info = _info(args, setup)
    with writing(args.out, "--out"):
        save(setup.model, args.out, y=setup.columns.y, info=info)

    scores = _training_scores(setup.model, setup.columns)
    shown = ", ".join(f"{LABELS.get(k, k)} {v:.3f}" for k, v in scores.items())
    out.show(
        f"Saved {setup.name} to {args.out} (trained on {len(setup.columns.y)} "
        f"rows in {seconds:.1f} s).",
        f"On the training rows: {shown} (optimistic; `ratingnet evaluate` "
        "scores held-out rows).",
    )
    out.json(
        {
            "out": str(args.out),
            "rows": len(setup.columns.y),
            "seconds": seconds,
            "training_scores": scores,
            **info,
        }
    )
    return 0


def _train(out, setup):
    start = time.perf_counter()
    rows = len(setup.columns.y)
    with (
        out.progress(f"training {setup.name} on {rows} rows"),
        recorded_warnings() as caught,
        _blamed_on(setup.name),
    ):
        setup.model.fit(setup.columns.X, setup.columns.y)
    for text in fitting_warnings(user_warnings(caught)):
        out.note(text)
    return time.perf_counter() - start


@contextlib.contextmanager
def _blamed_on(name):
    """Name the user's build function when it raises what ratingnet would not.

    ratingnet's own refusals (ValueError, TypeError) pass as they are.
    """
    try:
        yield
    except (CLIError, ValueError, TypeError, OSError, TrainingInterruptedWarning):
        raise
    except Exception as error:
        if not models.is_own_function(name):
            raise
        cause = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CLIError(
            f"{name} failed to fit: {type(error).__name__}: {cause}. Run the "
            "command again with --traceback to see where in your file."
        ) from error


def _info(args, setup):
    """What predict needs to check a new table, and what the model was."""
    X, kinds = setup.columns.X, setup.columns.kinds
    categories = {
        column: sorted(X[column].dropna().unique().tolist(), key=str)
        for column, kind in kinds.items()
        if kind == CATEGORICAL
    }
    return {
        "command": "ratingnet fit",
        "model": setup.name,
        "data": str(setup.path),
        "target_column": setup.target,
        "kinds": kinds,
        "categories": categories,
        "as_categories": setup.as_categories,
        "levels": setup.levels,
        "seed": args.seed,
    }


def _training_scores(model, columns):
    with warnings.catch_warnings():
        # What predicting the training rows warns of, fitting them did.
        warnings.simplefilter("ignore")
        predicted = model.predict(columns.X)
    try:
        return {
            "rmse": metrics.rmse(columns.y, predicted),
            "mae": metrics.mae(columns.y, predicted),
            "r2": metrics.r2(columns.y, predicted),
        }
    except (TypeError, ValueError):
        # Text labels: a classifier's share of right answers instead.
        return {"accuracy": float((predicted == columns.y.to_numpy()).mean())}
