"""``ratingnet predict``: predictions of a saved model for the rows of a table."""

import numpy as np
import pandas as pd

from .._preprocessing import level_text
from .._saving import load, read_manifest
from ..evaluation.crossval import nearest_level
from ..target import scale_levels
from . import options
from .columns import as_categories, check_columns, split_names
from .destinations import check_destination, write_table, writing
from .errors import CLIError, did_you_mean, shorten
from .output import Output, table
from .tables import read_table


def add_parser(commands):
    parser = commands.add_parser(
        "predict",
        help="predict with a saved model, writing a CSV or Parquet file",
        description=(
            "Predict with a model saved by `ratingnet fit`; loading it runs no "
            "code from the model folder. "
            "The output has a `prediction` column (and, for a rating target, "
            "`level`: the prediction rounded to the nearest level of the "
            "rating scale, such as 3 to 8 by 1, or named as --levels named "
            "them in fit), "
            "after the --id columns when given."
        ),
        formatter_class=options.Formatter,
    )
    parser.add_argument(
        "model_dir", metavar="MODEL", help="the folder `ratingnet fit --out` wrote"
    )
    options.add_data(parser, target=False)
    parser.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="where to write the predictions: CSV (.csv; .tsv for tabs; .gz, "
        ".bz2 or .xz compress it), or Parquet for .parquet/.pq",
    )
    parser.add_argument(
        "--id",
        action="append",
        metavar="COLS",
        help="copy these columns into the output, before the predictions "
        "(comma-separated, or --id repeated)",
    )
    parser.add_argument(
        "--allow-unseen",
        action="store_true",
        help="predict rows with categories the model never saw in training, "
        "which it encodes as it encodes its rare ones (default: refuse them)",
    )
    options.add_output(parser, force="replace an existing --out file")
    parser.set_defaults(run=run)


def run(args):
    out = Output(quiet=args.quiet, as_json=args.json)
    path, _ = options.data_and_target(args, target=False)
    check_destination(args.out, "--out", force=args.force, source=path)
    manifest = _manifest(args.model_dir)

    frame = read_table(path, text_columns=_text_columns(manifest), note=out.note)
    ids = split_names(args.id)
    _check_ids(frame, ids, manifest)
    X = _features(frame, manifest, ids, out if args.allow_unseen else None)
    if X.isna().any(axis=None):
        out.note(_missing_note(X))
    with out.progress("predicting"):
        estimator = load(args.model_dir)
        predicted = estimator.predict(X)

    result = _result(frame, predicted, manifest, ids)
    with writing(args.out, "--out"):
        write_table(result, args.out)
    out.show(
        f"Wrote {len(result)} predictions to {args.out}",
        table("First rows", list(result.columns), _preview(result)),
    )
    out.json(
        {
            "model": str(args.model_dir),
            "data": str(path),
            "out": str(args.out),
            "rows": len(result),
            "columns": list(result.columns),
        }
    )
    return 0


def _missing_note(X):
    """Which rows and columns miss values, which the model fills as it learned."""
    missing = X.isna()
    rows, empty = int(missing.any(axis=1).sum()), int(missing.all(axis=1).sum())
    columns = shorten([repr(c) for c in X.columns if missing[c].any()], 4)
    note = (
        f"note: {rows} of {len(X)} rows miss values (in {columns}); the model "
        "fills them as it learned to in training"
    )
    if empty:
        note += f", and predicts the {empty} without any value as a typical row"
    return note + "."


def _preview(result, rows=5):
    head = result.head(rows)
    return [
        [f"{v:.4g}" if isinstance(v, float) else v for v in row]
        for row in head.itertuples(index=False)
    ]


def _manifest(folder):
    try:
        return read_manifest(folder)
    except (FileNotFoundError, ValueError) as error:
        raise CLIError(str(error)) from None


def _text_columns(manifest):
    """The category columns whose levels were text in training ("007", "3+")."""
    known = manifest["info"].get("categories") or {}
    return [
        column
        for column, categories in known.items()
        if categories and all(isinstance(c, str) for c in categories)
    ]


def _check_ids(frame, ids, manifest):
    check_columns(frame, ids, "--id")
    written = ["prediction"] + (["level"] if _is_rating(manifest) else [])
    for id_column in ids:
        if id_column in written:
            raise CLIError(
                f"--id {id_column} names a column that predict writes itself "
                f"({', '.join(written)}). Rename that column in the table, or "
                "copy another one with --id."
            )


def _is_rating(manifest):
    return (manifest.get("target") or {}).get("kind") == "rating"


def _features(frame, manifest, ids, unseen_notes=None):
    """The model's feature columns of the table, checked against training.

    Categories the model never saw are refused, or with ``unseen_notes``
    (an Output) noted.
    """
    needed = manifest["features"]["columns"]
    if needed is None:
        return frame.drop(columns=ids)

    missing = [c for c in needed if c not in frame.columns]
    if missing:
        others = [c for c in frame.columns if c not in needed]
        raise CLIError(
            f"The table lacks {len(missing)} column(s) the model needs: "
            f"{shorten(missing)}.{did_you_mean(missing[0], others)} The model "
            f"was trained on: {shorten(needed, 12)}. Give a table with those "
            "columns (other columns are ignored)."
        )
    known = manifest["info"].get("categories") or {}
    X = _as_training_text(frame[needed], known)
    _check_numbers(X, [c for c in needed if c not in known])
    _check_categories(X, known, unseen_notes)
    return as_categories(X, manifest["info"].get("as_categories") or [])


def _check_numbers(X, numeric):
    """Refuse text in columns that held numbers in training, naming the first."""
    for column in numeric:
        values = X[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        text = values.notna() & pd.to_numeric(values, errors="coerce").isna()
        if text.any():
            row = int(text.to_numpy().argmax())
            raise CLIError(
                f"Column {column!r} held numbers (or True/False) in training, "
                f"but here it holds {values.iloc[row]!r} (row {row + 1}), which "
                "is not a number. "
                "Correct those values, or leave them empty where one is "
                "missing."
            )


def _as_training_text(X, known):
    """Category columns of text in training that now read as numbers, as text.

    A column of "1", "2" and "3+" in training reads as integers from a
    table that holds only 1 and 2.
    """
    X = X.copy()
    for column, categories in known.items():
        if pd.api.types.is_numeric_dtype(X[column]) and all(
            isinstance(c, str) for c in categories
        ):
            X[column] = X[column].map(level_text, na_action="ignore").astype(object)
    return X


def _check_categories(X, known, out=None):
    """Refuse categories the model never saw; with ``out``, note them instead."""
    for column, categories in known.items():
        values = X[column].dropna()
        unseen = values[~values.isin(categories)]
        if not len(unseen):
            continue
        new = shorten(sorted(map(repr, set(unseen))), 5)
        if out is not None:
            out.note(
                f"note: {len(unseen)} row(s) of column {column!r} hold categories "
                f"the model never saw in training ({new}); it encodes them as "
                "its rare ones."
            )
            continue
        raise CLIError(
            f"Column {column!r} has categories the model never saw in "
            f"training: {new} (first in row {unseen.index[0] + 1}). It "
            f"knows: {shorten(map(repr, categories), 10)}. Correct those "
            "values, fit the model again on data that has them (or with "
            f"--drop {column} if it names each row), or add --allow-unseen to "
            "predict them as the model's rare ones."
        )


def _as_read(ids):
    """An id column as written: whole numbers stay whole where some are missing.

    A blank among integer ids makes pandas read them as floats, which
    would be written 1000.0 and no longer join on 1000.
    """
    ids = ids.reset_index(drop=True)
    present = ids.dropna()
    if ids.dtype.kind == "f" and len(present) and (present == present.round()).all():
        return ids.astype("Int64")
    return ids


def _result(frame, predicted, manifest, ids):
    result = pd.DataFrame({name: _as_read(frame[name]) for name in dict.fromkeys(ids)})
    result["prediction"] = predicted
    names = manifest["info"].get("levels")
    if names is not None:
        # The model learned the positions 1..K of --levels.
        positions = np.arange(1, len(names) + 1)
        result["level"] = np.asarray(names, dtype=object)[
            nearest_level(predicted, positions)
        ]
    elif _is_rating(manifest) and np.asarray(predicted).dtype.kind in "fiu":
        # Levels of the whole scale, as evaluate scores them: a level the
        # training rows lacked is still a level. A classifier's or an
        # ordinal model's prediction is one already.
        target = manifest["target"]
        levels = np.asarray(
            scale_levels(target["levels"], target.get("range"), target.get("step"))
        )
        if all(isinstance(level, int) for level in target["levels"]):
            levels = levels.astype(np.int64)  # whole levels stay whole: 6, not 6.0
        result["level"] = levels[nearest_level(predicted, levels)]
    return result
