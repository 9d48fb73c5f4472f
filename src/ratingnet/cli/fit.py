"""``ratingnet fit``: train a model on every row of a table and save it."""

import time
import warnings

from .. import metrics
from .._saving import save
from ..evaluation.columns import CATEGORICAL
from . import models, options
from .docs import summary
from .output import Output, left_out
from .tables import choose_columns, read_table, refuse_existing
from .targets import check_target


def add_parser(commands):
    parser = commands.add_parser(
        "fit",
        help="train a model on all rows and save it",
        description=(
            "Train a model on every row of a table whose target is present, and "
            f"save it to a folder. {summary(save)} The folder holds the Keras "
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
    path, target = options.data_and_target(args)
    refuse_existing(args.out, args.force, "--out")

    frame = read_table(path)
    columns = choose_columns(frame, target=target, **options.column_options(args))
    name = args.model or models.default_name()
    model = models.make_model(
        name,
        columns.kinds,
        seed=args.seed,
        epochs=args.epochs,
        batch_size=args.batch_size,
    )
    check_target(columns, target, model, len(frame))
    if columns.n_dropped:
        out.note(left_out(columns.n_dropped))

    seconds = _train(out, model, columns, name)
    info = _info(args, name, path, target, columns)
    save(model, args.out, y=columns.y, info=info)

    scores = _training_scores(model, columns)
    shown = ", ".join(f"{k} {v:.3f}" for k, v in scores.items())
    out.show(
        f"Saved {name} to {args.out} (trained on {len(columns.y)} rows in "
        f"{seconds:.1f} s).",
        f"On the training rows: {shown} (optimistic; `ratingnet evaluate` "
        "scores held-out rows).",
    )
    out.json(
        {
            "model": name,
            "out": str(args.out),
            "rows": len(columns.y),
            "seconds": seconds,
            "training_scores": scores,
            **info,
        }
    )
    return 0


def _train(out, model, columns, name):
    start = time.perf_counter()
    with (
        out.progress(f"training {name} on {len(columns.y)} rows"),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        model.fit(columns.X, columns.y)
    for message in dict.fromkeys(
        str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)
    ):
        out.note(f"warning: {message}")
    return time.perf_counter() - start


def _info(args, name, path, target, columns):
    """What predict needs to check a new table, and what the model was."""
    categories = {
        column: sorted(columns.X[column].dropna().unique().tolist(), key=str)
        for column, kind in columns.kinds.items()
        if kind == CATEGORICAL
    }
    return {
        "command": "ratingnet fit",
        "model": name,
        "data": str(path),
        "target_column": target,
        "kinds": columns.kinds,
        "categories": categories,
        "seed": args.seed,
    }


def _training_scores(model, columns):
    predicted = model.predict(columns.X)
    try:
        return {
            "RMSE": metrics.rmse(columns.y, predicted),
            "MAE": metrics.mae(columns.y, predicted),
            "R²": metrics.r2(columns.y, predicted),
        }
    except (TypeError, ValueError):
        # Text labels: a classifier's share of right answers instead.
        return {"accuracy": float((predicted == columns.y.to_numpy()).mean())}
