"""Regressor, classifier and ordinal model side by side on two rating tables.

Five-fold cross-validation on the red wine table (quality 3-8) and on
Chem97 (score 0-10 in steps of 2), numeric features as ``_common.load_table``
gives them, standardized in a Pipeline. The models, in the order they run:

1. ``regressor``: the recipe, Dense(10, relu) -> Dense(1), mse and adam, as
   ``ratingnet.KerasRegressor`` with its default ``target_scaling="standard"``,
2. ``regressor, unscaled``: the same with ``target_scaling=None``,
3. ``classifier``: Dense(10, relu) -> Dense(n_classes_, softmax) as
   ``ratingnet.KerasClassifier`` (its ``RatingTargetWarning`` is silenced
   here and counted in the report),
4. ``ordinal``: ``ratingnet.KerasOrdinalRegressor`` with the body
   Dense(10, relu) and its CORN head; scored on ``predict`` and, as an extra
   row, on ``predict_expected``.

Every model on a table sees the same folds (StratifiedKFold(5, shuffle=True,
random_state=0) on the rating), the same epochs and batch size, and trains
its five folds together through ``ratingnet.cross_validate``, twice (the
first call compiles, the second is timed compiled). The report checks two
goals: the ordinal model's QWK is at least the classifier's
on both tables, and target scaling gives a lower RMSE than no scaling on
Chem97 at the same epochs. For context the two regressors also run on
Chem97 at wine's longer training (``LONG_SETTINGS``).

Run ``python benchmarks/rating_models.py`` (about 1-2 minutes on 2 busy
cores). The table goes to stdout and to
``benchmarks/results/rating_models.md``; progress goes to stderr.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from _common import load_table, machine, markdown_table, write_result
from recipe_speed import recipe_model, report_progress

TABLES = ("wine", "chem97")
MODELS = ("regressor", "regressor, unscaled", "classifier", "ordinal")
N_FOLDS = 5
SEED = 0

# (epochs, batch size) of every model on a table. Chem97 has 19 times the
# rows of wine; a larger batch and fewer epochs keep its run short.
SETTINGS = {"wine": (100, 32), "chem97": (20, 256)}
# The two regressors again on Chem97 with wine's longer training, to show
# whether scaling still matters once both have trained for long.
LONG_SETTINGS = (100, 32)
REGRESSORS = ("regressor", "regressor, unscaled")

METRICS = ("RMSE", "MAE", "QWK", "within one", "exact")


@dataclass
class Run:
    """One model's cross-validation on one table: metric -> fold values."""

    table: str
    model: str
    settings: tuple
    walls: tuple
    scores: dict
    rating_warnings: int = 0


@dataclass
class Found:
    """Everything one invocation measured, for the report."""

    runs: list = field(default_factory=list)
    long_runs: list = field(default_factory=list)
    baselines: dict = field(default_factory=dict)
    load: list = field(default_factory=list)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tables",
        type=table_list,
        default=list(TABLES),
        help=f"comma-separated tables from {','.join(TABLES)} (default: both)",
    )
    parser.add_argument(
        "--out",
        default="rating_models.md",
        help="file name in benchmarks/results/, or a path",
    )
    return parser.parse_args(argv)


def table_list(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(TABLES))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown tables {unknown}; choose from {','.join(TABLES)}"
        )
    return names


def main(argv=None):
    args = parse_args(argv)

    # A fresh compilation cache, so that every model's compilation is timed.
    fresh_cache = tempfile.TemporaryDirectory(prefix="rm_cache_")
    os.environ["RATINGNET_CACHE_DIR"] = fresh_cache.name
    import ratingnet  # noqa: F401

    found = Found(load=[load_average()])
    for name in args.tables:
        table = load_table(name)
        folds = stratified_folds(table)
        report_progress(f"{name}: {table.shape[0]} rows, settings {SETTINGS[name]}")
        for model in MODELS:
            report_progress(f"{name}: {model}")
            found.runs += cross_validation(table, folds, model, SETTINGS[name])
        if name == "chem97":
            for model in REGRESSORS:
                report_progress(f"{name}: {model}, {LONG_SETTINGS}")
                found.long_runs += cross_validation(table, folds, model, LONG_SETTINGS)
        found.baselines[name] = mean_baseline(table, folds)
    found.load.append(load_average())

    text = report(found)
    print(text)
    path = write_result(args.out, text)
    print(f"\nwritten to {path}", file=sys.stderr)


def load_average():
    """The machine's 1-minute load average, or None where the OS has none."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def stratified_folds(table):
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(N_FOLDS, shuffle=True, random_state=SEED)
    return list(splitter.split(table.X, table.y))


# The models ------------------------------------------------------------------


def classifier_model(n_features_in_, n_classes_):
    """Dense(10, relu) then one softmax unit per level."""
    import keras

    return keras.Sequential(
        [
            keras.Input((n_features_in_,)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(n_classes_, activation="softmax"),
        ]
    )


def ordinal_body(n_features_in_):
    """Dense(10, relu); the estimator puts its CORN head on top."""
    import keras

    return keras.Sequential(
        [keras.Input((n_features_in_,)), keras.layers.Dense(10, activation="relu")]
    )


def make_model(model, epochs, batch_size):
    """The model as a Pipeline: StandardScaler, then the estimator."""
    import ratingnet

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    settings = dict(epochs=epochs, batch_size=batch_size, random_state=SEED)
    if model == "regressor":
        estimator = ratingnet.KerasRegressor(model=recipe_model, **settings)
    elif model == "regressor, unscaled":
        estimator = ratingnet.KerasRegressor(
            model=recipe_model, target_scaling=None, **settings
        )
    elif model == "classifier":
        estimator = ratingnet.KerasClassifier(model=classifier_model, **settings)
    elif model == "ordinal":
        estimator = ratingnet.KerasOrdinalRegressor(model=ordinal_body, **settings)
    else:
        raise ValueError(f"No model named {model!r}; choose from {MODELS}.")
    return make_pipeline(StandardScaler(), estimator)


# Cross-validation ------------------------------------------------------------


def cross_validation(table, folds, model, settings):
    """Fit the five folds together and score each fold's predictions.

    The cross-validation runs twice: the first call's wall time includes
    building and compiling, the second's finds the program compiled. The
    ordinal model gives two runs: its median level (``predict``) and its
    expected value (``predict_expected``), from the same fitted folds.
    """
    pipeline = make_model(model, *settings)
    result, first, rating_warnings = timed_cross_validate(pipeline, table, folds)
    _, again, _ = timed_cross_validate(pipeline, table, folds)

    levels = np.unique(table.y)
    fitted = result["estimator"]
    scores = fold_scores(fitted, folds, table, levels, predict)
    runs = [Run(table.name, model, settings, (first, again), scores, rating_warnings)]
    if model == "ordinal":
        scores = fold_scores(fitted, folds, table, levels, predict_expected)
        name = "ordinal, expected value"
        runs.append(Run(table.name, name, settings, (first, again), scores))
    return runs


def timed_cross_validate(pipeline, table, folds):
    """``ratingnet.cross_validate``'s result, wall seconds and rating warnings."""
    import ratingnet

    with warnings.catch_warnings(record=True) as caught:
        # The classifier warns that the target is a rating: that is the
        # point of its row, so the warning is counted, not shown.
        warnings.simplefilter("always", ratingnet.RatingTargetWarning)
        start = time.perf_counter()
        result = ratingnet.cross_validate(
            pipeline, table.X, table.y, cv=folds, return_estimator=True
        )
        wall = time.perf_counter() - start
    return result, wall, pass_on_others(caught)


def pass_on_others(caught):
    """Re-issue recorded warnings other than RatingTargetWarning; count those."""
    import ratingnet

    count = 0
    for record in caught:
        if issubclass(record.category, ratingnet.RatingTargetWarning):
            count += 1
        else:
            warnings.warn_explicit(
                record.message, record.category, record.filename, record.lineno
            )
    return count


def predict(pipeline, X):
    return pipeline.predict(X)


def predict_expected(pipeline, X):
    return pipeline[-1].predict_expected(pipeline[:-1].transform(X))


def fold_scores(fitted, folds, table, levels, predictions):
    """Each metric's value on each fold's test rows."""
    from ratingnet import metrics

    scores = {name: [] for name in METRICS}
    for pipeline, (_, test) in zip(fitted, folds, strict=True):
        y_true = table.y[test]
        y_pred = np.asarray(predictions(pipeline, table.X[test]), dtype=np.float64)
        scores["RMSE"].append(metrics.rmse(y_true, y_pred))
        scores["MAE"].append(metrics.mae(y_true, y_pred))
        scores["QWK"].append(metrics.qwk(y_true, y_pred, levels=levels))
        scores["within one"].append(
            metrics.within_one_accuracy(y_true, y_pred, levels=levels)
        )
        scores["exact"].append(metrics.exact_accuracy(y_true, y_pred, levels=levels))
    return scores


def mean_baseline(table, folds):
    """Mean over folds of the RMSE of predicting the training mean."""
    from ratingnet import metrics

    return statistics.mean(
        metrics.rmse(table.y[test], np.full(len(test), table.y[train].mean()))
        for train, test in folds
    )


# The report ------------------------------------------------------------------

HEADER = [
    "table",
    "model",
    "epochs",
    "batch",
    *METRICS,
    "CV wall (s)",
    "again (s)",
]


def table_rows(runs):
    rows = []
    for run in runs:
        epochs, batch_size = run.settings
        scores = [mean_sd(run.scores[name]) for name in METRICS]
        walls = [f"{wall:.2f}" for wall in run.walls]
        if run.model == "ordinal, expected value":
            walls = ["(same fits)", ""]
        rows.append([run.table, run.model, epochs, batch_size, *scores, *walls])
    return rows


def mean_sd(values):
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def report(found):
    command = " ".join(["python benchmarks/rating_models.py", *sys.argv[1:]])
    lines = [
        "# Rating models side by side: regressor, classifier, ordinal",
        "",
        f"Command: `{command}`  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M')}  ",
        f"Machine: {machine()}  ",
        f"Load: {load_note(found.load)}",
        "",
        "5-fold CV with StratifiedKFold(5, shuffle=True, random_state=0) on the "
        "rating; every model on a table sees the same folds, epochs and batch "
        "size, and random_state=0. Features are standardized in a Pipeline. "
        "Each cell is the mean ± standard deviation over the five test folds. "
        "RMSE and MAE are of the predictions as they come (the regressors' "
        "are continuous and not clipped; the classifier's and the ordinal "
        "model's are levels; 'expected value' is the ordinal model's "
        "`predict_expected`). QWK, within one (the true level or a neighbour, "
        "so within 2 points on Chem97) and exact accuracy round predictions "
        "to the nearest level of the full scale. CV wall is one "
        "`ratingnet.cross_validate` call (five folds trained together, the "
        "default scoring included), compiling from an empty cache; 'again' "
        "is the same call repeated, its program already compiled.",
        "",
        markdown_table(HEADER, table_rows(found.runs)),
        "",
        *goal_lines(found),
        "",
        *long_lines(found),
        *notes(found),
    ]
    return "\n".join(lines) + "\n"


def load_note(load):
    start, end = load
    if start is None:
        return "load average not available"
    return (
        f"1-minute load average {start:.2f} at start, {end:.2f} at end, on "
        f"{os.cpu_count()} CPU cores (other work on the machine slows every row)"
    )


def goal_lines(found):
    """PASS or FAIL for each goal on the tables that ran."""
    runs = {(run.table, run.model): run for run in found.runs}
    tables = sorted({run.table for run in found.runs}, key=TABLES.index)
    lines = ["Goals:", ""]
    for name in tables:
        ordinal, classifier = runs[name, "ordinal"], runs[name, "classifier"]
        passed = mean(ordinal, "QWK") >= mean(classifier, "QWK")
        lines.append(
            f"- {verdict(passed)}: {name}, ordinal QWK {mean(ordinal, 'QWK'):.3f}"
            f" >= classifier QWK {mean(classifier, 'QWK'):.3f} (higher on "
            f"{folds_won(ordinal, classifier, 'QWK', higher=True)} of "
            f"{N_FOLDS} folds)"
        )
    if "chem97" in tables:
        scaled = runs["chem97", "regressor"]
        lines.append(scaling_line(scaled, runs["chem97", "regressor, unscaled"]))
    else:
        lines.append("- not run: the scaling goal needs chem97 (--tables chem97)")
    return lines


def scaling_line(scaled, unscaled):
    """The scaling goal: scaled RMSE below unscaled RMSE at the same epochs."""
    table, epochs = scaled.table, scaled.settings[0]
    passed = mean(scaled, "RMSE") < mean(unscaled, "RMSE")
    return (
        f"- {verdict(passed)}: {table}, scaled RMSE {mean(scaled, 'RMSE'):.3f} < "
        f"unscaled RMSE {mean(unscaled, 'RMSE'):.3f} at {epochs} epochs, batch "
        f"{scaled.settings[1]} (lower on "
        f"{folds_won(scaled, unscaled, 'RMSE', higher=False)} of {N_FOLDS} folds)"
    )


def long_lines(found):
    """The regressors at longer training: does scaling still matter?"""
    if not found.long_runs:
        return []
    epochs, batch_size = LONG_SETTINGS
    scaled, unscaled = found.long_runs
    lower = mean(scaled, "RMSE") < mean(unscaled, "RMSE")
    wins = folds_won(scaled, unscaled, "RMSE", higher=False)
    return [
        f"The two regressors on Chem97 again at {epochs} epochs, batch "
        f"{batch_size} (context only; the goal is checked at the table's "
        "setting above):",
        "",
        markdown_table(HEADER, table_rows(found.long_runs)),
        "",
        f"- Scaled RMSE {mean(scaled, 'RMSE'):.4f}, unscaled "
        f"{mean(unscaled, 'RMSE'):.4f}: scaling is "
        f"{'lower' if lower else 'not lower'} here (lower on {wins} of "
        f"{N_FOLDS} folds).",
        "",
    ]


def verdict(passed):
    return "PASS" if passed else "FAIL"


def folds_won(run, other, metric, *, higher):
    pairs = zip(run.scores[metric], other.scores[metric], strict=True)
    return sum((a > b) if higher else (a < b) for a, b in pairs)


def mean(run, metric):
    return statistics.mean(run.scores[metric])


def notes(found):
    lines = ["Notes:", ""]
    for run in found.runs:
        if run.rating_warnings:
            lines.append(
                f"- {run.table}, {run.model}: fitting raised "
                f"{run.rating_warnings} RatingTargetWarning (a classifier on a "
                "rating target, once per fold of the first call); the "
                "benchmark counts and silences them."
            )
    lines.append(
        "- The first row pays the process's first-use costs. The unscaled "
        "regressor runs after the scaled one with the same network and "
        "settings, so its first call finds their program compiled: compare "
        "the 'again' column for training time."
    )
    for name, baseline in found.baselines.items():
        lines.append(
            f"- {name}: predicting the training mean gives RMSE {baseline:.3f}."
        )
    return lines


if __name__ == "__main__":
    main()
