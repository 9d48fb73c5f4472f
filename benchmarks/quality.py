"""Cross-validated RMSE and wall time of RatingRegressor and its peers.

Five-fold cross-validation (KFold(5, shuffle=True, random_state=0)) on four
rating tables: red wine, Chem97, TeachingRatings and movies (see
``_common.FRAME_SOURCES``). The peers, in the order they run:

1. ``RatingRegressor``: ``ratingnet.RatingRegressor(random_state=0)`` on the
   raw DataFrame, through ``ratingnet.cross_validate`` (skipped, with a
   note, while ratingnet has no such class),
2. ``recipe``: numbers median-imputed and standardized, categories one-hot,
   then ``ratingnet.KerasRegressor`` with Dense(10, relu) -> Dense(1), 100
   epochs, through ``ratingnet.cross_validate``,
3. ``MLPRegressor``: scikit-learn's, with early stopping, on the same
   features,
4. ``Ridge``: scikit-learn's, on the same features,
5. ``LightGBM``: ``LGBMRegressor``'s defaults on the raw DataFrame, its
   categories as pandas categories,
6. ``LightGBM-1-thread``: the same with ``n_jobs=1``, a time that other
   work on the machine disturbs far less; LightGBM's time, for the ratios
   and the goals, is the faster of the two.

``--sklearn-cv`` sends the ratingnet peers through scikit-learn's
``cross_validate`` too, and the extra peer ``recipe-sklearn-cv`` (not run
unless named) times the recipe that way beside the ``recipe`` row.

Run ``python benchmarks/quality.py`` (several minutes on 2 cores). The
table goes to stdout and to ``benchmarks/results/quality.md``; progress
goes to stderr.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np
from _common import FRAME_SOURCES, RESULTS, load_frame, machine, markdown_table
from quality_goals import TABLES, find, find_peer, goal_lines, lightgbm_wall
from recipe_speed import format_rmse, recipe_model, report_progress

PEERS = (
    "RatingRegressor",
    "recipe",
    "MLPRegressor",
    "Ridge",
    "LightGBM",
    "LightGBM-1-thread",
)
EXTRA_PEERS = ("recipe-sklearn-cv",)
# The order peers run in. recipe-sklearn-cv goes before recipe, so that it,
# not ratingnet's cross_validate, pays the compilations the two share.
RUN_ORDER = ("RatingRegressor", "recipe-sklearn-cv", *PEERS[1:])
RATINGNET_PEERS = ("RatingRegressor", "recipe")
COMPILING_PEERS = (*RATINGNET_PEERS, "recipe-sklearn-cv")
N_FOLDS = 5
SEED = 0
SCORING = "neg_root_mean_squared_error"

# On a small, busy machine one timing of a fast peer can be many times its
# usual one (LightGBM's threads wait on each other when a core is taken), so
# peers without compilation are timed again when quick, and the fastest
# counts. The ratingnet peers are timed once: later runs would reuse the
# programs the first one compiled.
REPEATS = 3
REPEAT_UNDER_S = 10

# A level needs this many training rows for a one-hot column of its own;
# rarer levels share one "infrequent" column.
MIN_FREQUENCY = 5
RECIPE_EPOCHS = 100
# Batch 5 is the recipe's; on the two large tables it would take 6 times as
# many steps, so they train with Keras's default batch instead.
RECIPE_BATCH_SIZES = {"wine": 5, "teaching": 5, "chem97": 32, "movies": 32}


@dataclass
class Run:
    """One peer's cross-validation of one table."""

    table: str
    peer: str
    cv: str
    walls: list
    rmse: list
    features: int
    setting: str

    @property
    def wall(self):
        return min(self.walls)

    @property
    def mean_rmse(self):
        return statistics.mean(self.rmse)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tables",
        type=choices(TABLES),
        default=list(TABLES),
        help=f"comma-separated, from {','.join(TABLES)} (default: all)",
    )
    parser.add_argument(
        "--peers",
        type=choices(RUN_ORDER),
        default=list(PEERS),
        help=f"comma-separated, from {','.join(RUN_ORDER)}; they run "
        f"in that order (default: all but {','.join(EXTRA_PEERS)})",
    )
    parser.add_argument(
        "--sklearn-cv",
        action="store_true",
        help="run the ratingnet peers through scikit-learn's cross_validate, "
        "not ratingnet's",
    )
    parser.add_argument(
        "--min-frequency",
        type=int,
        default=MIN_FREQUENCY,
        help="OneHotEncoder's min_frequency for the one-hot peers "
        f"(default: {MIN_FREQUENCY})",
    )
    parser.add_argument(
        "--warm-cache",
        action="store_true",
        help="leave RATINGNET_CACHE_DIR as it is (default: a fresh empty folder, "
        "so that compilation is timed)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=RESULTS / "quality.md",
        help="where to write the report (default: benchmarks/results/quality.md)",
    )
    return parser.parse_args(argv)


def choices(allowed):
    """An argparse type: a comma-separated list of names from ``allowed``."""
    by_lower = {name.lower(): name for name in allowed}

    def parse(text):
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name.lower() not in by_lower]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(unknown)}; choose from {', '.join(allowed)}"
            )
        wanted = {by_lower[name.lower()] for name in names}
        return [name for name in allowed if name in wanted]

    return parse


def main(argv=None):
    args = parse_args(argv)
    fresh_cache = None if args.warm_cache else tempfile.TemporaryDirectory()
    if fresh_cache is not None:
        os.environ["RATINGNET_CACHE_DIR"] = fresh_cache.name

    # Imports are paid before the clock starts, not by the first peer.
    import ratingnet  # noqa: F401

    import lightgbm  # noqa: F401
    import sklearn.neural_network  # noqa: F401

    warm_up()
    load = [os.getloadavg()[0]]
    runs, skipped, baselines = [], [], {}
    for name in args.tables:
        X, y = load_frame(name)
        folds = fold_indices(X)
        baselines[name] = mean_baseline(y, folds)
        report_progress(f"{name}: {X.shape[0]:,} rows, {X.shape[1]} columns")
        for peer in args.peers:
            estimator = make_peer(peer, name, X, args.min_frequency)
            if estimator is None:
                skipped.append((name, peer))
                report_progress(f"{name}: {peer} skipped, ratingnet lacks it")
                continue
            runs.append(cross_validation(name, peer, estimator, X, y, folds, args))
            report_progress(describe(runs[-1]))
        load.append(os.getloadavg()[0])

    text = report(runs, skipped, baselines, load, args)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"\nwritten to {args.out}", file=sys.stderr)


def warm_up():
    """Pay JAX's and Keras's first-use costs before any clock starts.

    They are paid once per process, like the imports, and would otherwise
    land on whichever ratingnet peer runs first.
    """
    import ratingnet

    X = np.linspace(0.0, 1.0, 16).reshape(8, 2)
    ratingnet.KerasRegressor(epochs=1, random_state=SEED).fit(X, X[:, 0])


def fold_indices(X):
    from sklearn.model_selection import KFold

    return list(KFold(N_FOLDS, shuffle=True, random_state=SEED).split(X))


def mean_baseline(y, folds):
    """RMSE of predicting the training mean, averaged over the folds."""
    y = y.to_numpy()
    return statistics.mean(
        float(np.sqrt(np.mean((y[test] - y[train].mean()) ** 2)))
        for train, test in folds
    )


def describe(run):
    return (
        f"{run.table}: {run.peer} RMSE {format_rmse(run.rmse)}, "
        f"{run.wall:.2f} s ({run.cv} cross_validate)"
    )


# The peers ------------------------------------------------------------------


def make_peer(peer, table, X, min_frequency):
    """The estimator ``peer`` cross-validates on ``table``; None if absent."""
    import ratingnet

    from lightgbm import LGBMRegressor
    from sklearn.linear_model import Ridge
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline

    if peer == "RatingRegressor":
        rating_regressor = getattr(ratingnet, "RatingRegressor", None)
        if rating_regressor is None:
            return None
        return rating_regressor(random_state=SEED)
    if peer == "LightGBM":
        return LGBMRegressor(verbose=-1, random_state=SEED)
    if peer == "LightGBM-1-thread":
        return LGBMRegressor(verbose=-1, random_state=SEED, n_jobs=1)
    if peer in ("recipe", "recipe-sklearn-cv"):
        model = ratingnet.KerasRegressor(
            model=recipe_model,
            epochs=RECIPE_EPOCHS,
            batch_size=RECIPE_BATCH_SIZES[table],
            random_state=SEED,
        )
        return make_pipeline(one_hot(X, min_frequency, sparse=False), model)

    # Both accept sparse input, which keeps Chem97's one-hot columns cheap.
    model = {
        "MLPRegressor": MLPRegressor(random_state=SEED, early_stopping=True),
        "Ridge": Ridge(),
    }[peer]
    return make_pipeline(one_hot(X, min_frequency, sparse=True), model)


def one_hot(X, min_frequency, *, sparse):
    """Numbers median-imputed and standardized, categories one-hot encoded."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = list(X.select_dtypes(exclude="number").columns)
    numeric = [column for column in X.columns if column not in categorical]
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categories = OneHotEncoder(
        handle_unknown="ignore",
        min_frequency=min_frequency,
        sparse_output=sparse,
    )
    transformers = [("numbers", numbers, numeric)]
    if categorical:
        transformers.append(("categories", categories, categorical))
    return ColumnTransformer(transformers)


def cross_validation(table, peer, estimator, X, y, folds, args):
    """Time one peer's whole cross-validation: clones, fits, predictions, scores."""
    import ratingnet

    from sklearn import model_selection
    from sklearn.exceptions import ConvergenceWarning

    by_ratingnet = peer in RATINGNET_PEERS and not args.sklearn_cv
    cross_validate = (
        ratingnet.cross_validate if by_ratingnet else model_selection.cross_validate
    )
    walls = []
    # ratingnet's cross_validate calls scikit-learn's when its folds cannot
    # train together: the wrapper counts those calls.
    handed_over = mock.patch.object(
        model_selection, "cross_validate", wraps=model_selection.cross_validate
    )
    while True:
        with warnings.catch_warnings(), handed_over as sklearn_cv:
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            result = cross_validate(
                estimator, X, y, cv=folds, scoring=SCORING, return_estimator=True
            )
            walls.append(time.perf_counter() - start)
        once = peer in COMPILING_PEERS or min(walls) >= REPEAT_UNDER_S
        if once or len(walls) == REPEATS:
            break

    fitted = result["estimator"]
    return Run(
        table,
        peer,
        _cross_validator(by_ratingnet, fitted, fell_back=sklearn_cv.called),
        walls,
        [-score for score in result["test_score"]],
        n_features(fitted[0]),
        setting(peer, fitted),
    )


def _cross_validator(by_ratingnet, fitted, fell_back):
    """Who cross-validated: ratingnet's joint training, or scikit-learn's.

    ratingnet's cross_validate trains folds whose inputs differ in width
    (one-hot columns that differ by fold) together at the widest
    ("widened"), and hands folds it cannot train together to scikit-learn's
    ("fell back").
    """
    if not by_ratingnet:
        return "scikit-learn"
    if fell_back:
        return "ratingnet, fell back"
    if len({n_features(fold) for fold in fitted}) > 1:
        return "ratingnet, widened"
    return "ratingnet"


def widened_note(runs, widened):
    """The speedups of the rows whose folds trained together at the widest."""
    speedups = []
    for run in widened:
        sklearn_run = find(runs, run.table, "recipe-sklearn-cv")
        if sklearn_run is not None:
            speedups.append(f"{run.table} {sklearn_run.wall / run.wall:.1f}x")
    found = f" (against recipe-sklearn-cv: {', '.join(speedups)})" if speedups else ""
    tables = ", ".join(sorted({run.table for run in widened}))
    return (
        f"{tables}: the one-hot columns differ by fold, and ratingnet's "
        "cross_validate trained the folds together at the widest ('widened')"
        f"{found}. Each width has its own prediction program, which "
        "recipe-sklearn-cv compiled first, so the cross_validate speed goal "
        "leaves such tables out."
    )


def n_features(fitted):
    """The number of columns the model itself saw, after any preprocessing."""
    final = fitted[-1] if hasattr(fitted, "steps") else fitted
    return final.n_features_in_


def setting(peer, fitted):
    """What the folds actually trained, read from the fitted estimators."""
    if peer in ("recipe", "recipe-sklearn-cv"):
        model = fitted[0][-1]
        epochs = span(len(pipeline[-1].history_["loss"]) for pipeline in fitted)
        return f"batch {model.batch_size}, {epochs} epochs"
    if peer == "MLPRegressor":
        model = fitted[0][-1]
        epochs = span(pipeline[-1].n_iter_ for pipeline in fitted)
        return f"{epochs} epochs (early stopping, max_iter={model.max_iter})"
    if peer.startswith("LightGBM"):
        trees = span(model.booster_.num_trees() for model in fitted)
        threads = "n_jobs=1" if peer == "LightGBM-1-thread" else "defaults"
        return f"{threads}, {trees} trees"
    if peer == "Ridge":
        return f"alpha={fitted[0][-1].alpha}"
    return "defaults"


def span(values):
    values = sorted(set(values))
    return str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}"


# The report -------------------------------------------------------------------

HEADER = [
    "table",
    "peer",
    "cross_validate",
    "features",
    "setting",
    "RMSE (mean ± sd)",
    "wall (s)",
    "wall / LightGBM",
]


def table_rows(runs):
    rows = []
    for run in runs:
        reference = lightgbm_wall(runs, run.table)
        ratio = f"{run.wall / reference:.1f}x" if reference else "n/a"
        rows.append(
            [
                run.table,
                run.peer,
                run.cv,
                run.features,
                run.setting,
                format_rmse(run.rmse),
                f"{run.wall:.2f}",
                ratio,
            ]
        )
    return rows


def report(runs, skipped, baselines, load, args):
    command = " ".join(["python benchmarks/quality.py", *sys.argv[1:]])
    lines = [
        "# Rating quality: RatingRegressor and its peers",
        "",
        f"Command: `{command}`  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M')}  ",
        f"Machine: {machine()}  ",
        f"Load average (1 min) before each table and at the end: "
        f"{', '.join(f'{value:.1f}' for value in load)}",
        "",
        "5-fold CV, KFold(5, shuffle=True, random_state=0); RMSE is the mean "
        "± standard deviation of the five fold RMSEs; wall is the whole "
        "cross_validate call (clones, preprocessing, fits, compilation, "
        "predictions, scores), in one process, in the order of the rows, "
        "after the imports and a tiny warm-up fit that pays JAX's and "
        "Keras's once-per-process costs. Peers without compilation whose "
        f"cross-validation takes under {REPEAT_UNDER_S} s are timed "
        f"{REPEATS} times and the fastest counts; the ratingnet peers are "
        "timed once, with their compilation. LightGBM-1-thread is LightGBM's "
        "default but for n_jobs=1 (the same model): a time that other work "
        "on the machine disturbs less. 'wall / LightGBM' and the goals use "
        "the faster of LightGBM's two rows. "
        "'features' is the number of columns the model saw in the first "
        "fold; 'setting' is read from the fitted folds. The one-hot peers "
        "(recipe, MLPRegressor, Ridge) impute numbers with the median and "
        "standardize them, and one-hot encode categories with "
        f"min_frequency={args.min_frequency} and unknown levels ignored. "
        f"The recipe trains {RECIPE_EPOCHS} epochs at batch 5 on wine and "
        "teaching, but at batch 32 on chem97 and movies, where batch 5 would "
        "be six times as many steps.",
        "",
        markdown_table(HEADER, table_rows(runs)),
        "",
        *[f"- {line}" for line in goal_lines(runs, args.tables)],
        "",
        *[f"- {line}" for line in notes(runs, skipped, baselines)],
        *[f"- {line}" for line in timing_notes(runs)],
    ]
    return "\n".join(lines) + "\n"


def notes(runs, skipped, baselines):
    lines = [f"{name}: {FRAME_SOURCES[name]}." for name in baselines]
    lines += [
        f"{name}: predicting the training mean gives RMSE {rmse:.3f}."
        for name, rmse in baselines.items()
    ]
    lines += [
        f"{table}: {peer} skipped, ratingnet has no {peer} yet."
        for table, peer in skipped
    ]
    lines.append(
        "LightGBM trains with its default thread count (all cores) unless "
        "marked 1-thread; the scikit-learn peers run the folds one after "
        "another (n_jobs=None)."
    )
    fell_back = sorted({run.table for run in runs if run.cv == "ratingnet, fell back"})
    if fell_back:
        lines.append(
            f"{', '.join(fell_back)}: ratingnet's cross_validate could not train "
            "the folds together and handed them to scikit-learn's ('fell "
            "back'), which found the programs recipe-sklearn-cv had compiled; "
            "the cross_validate speed goal leaves such tables out."
        )
    widened = [run for run in runs if run.cv == "ratingnet, widened"]
    if widened:
        lines.append(widened_note(runs, widened))
    if find_peer(runs, "recipe") or find_peer(runs, "recipe-sklearn-cv"):
        lines.append(
            "The recipe's KerasRegressor standardizes the target (ratingnet's "
            "default target_scaling) and its wall includes JAX compilation: "
            "the compilation cache starts empty unless --warm-cache is given."
        )
    return lines


def timing_notes(runs):
    """Say where the repeated timings of a peer disagreed by more than 2x."""
    lines = []
    for run in runs:
        if len(run.walls) > 1 and max(run.walls) > 2 * min(run.walls):
            walls = ", ".join(f"{wall:.2f}" for wall in run.walls)
            lines.append(
                f"{run.table}, {run.peer}: timed {walls} s; the machine's load "
                "changed between runs, and the table shows the fastest."
            )
    return lines


if __name__ == "__main__":
    main()
