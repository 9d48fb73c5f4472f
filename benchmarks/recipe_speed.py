"""How long the textbook rating recipe takes, with ratingnet and its peers.

The recipe: features standardized, then Dense(10, relu) -> Dense(1), loss
mse, optimizer adam, batch size 5, 100 epochs. It runs as a single fit on
an 80/20 split and as 5-fold cross-validation, on the red wine table and on
Chem97, with four peers in one process:

1. ``ratingnet.KerasRegressor`` (first, so it pays the process's first-use
   costs; JAX's persistent compilation cache starts empty unless
   ``--warm-cache`` is given),
2. Keras 3 ``model.fit`` on the JAX backend, a fresh model per fold,
3. ``keras.wrappers.SKLearnRegressor`` with the epochs in ``fit_kwargs``,
4. scikit-learn's ``MLPRegressor``.

Run ``python benchmarks/recipe_speed.py`` (many minutes: Chem97 is about
500,000 training steps per fit) or add ``--quick``, which trains every peer
on Chem97 for 10 epochs instead of 100. The table goes to stdout and to
``benchmarks/results/recipe_speed.md``.
"""

import argparse
import contextlib
import io
import math
import os
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from _common import load_table, machine, markdown_table, write_result

EPOCHS = 100
BATCH_SIZE = 5
QUICK_CHEM97_EPOCHS = 10
N_FOLDS = 5
SEED = 0
PEERS = ("ratingnet", "keras fit", "keras SKLearnRegressor", "MLPRegressor")


@dataclass
class Run:
    """One peer's timing of one task; ``fits`` holds (epochs, steps per epoch)."""

    table: str
    task: str
    peer: str
    wall: float
    rmse: list
    fits: list
    batch_sizes: set
    fold_seconds: list = field(default_factory=list)

    @property
    def steps(self):
        return sum(epochs * steps for epochs, steps in self.fits)

    @property
    def epochs(self):
        runs = sorted({epochs for epochs, _ in self.fits})
        return "/".join(str(e) for e in runs)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"train every peer on Chem97 for {QUICK_CHEM97_EPOCHS} epochs, "
        f"not {EPOCHS} (the wine runs stay at {EPOCHS})",
    )
    parser.add_argument(
        "--warm-cache",
        action="store_true",
        help="leave RATINGNET_CACHE_DIR as it is (default: a fresh empty folder, "
        "so that ratingnet's compilation is timed)",
    )
    parser.add_argument(
        "--tables",
        nargs="+",
        default=["wine", "chem97"],
        choices=["wine", "chem97"],
    )
    parser.add_argument(
        "--peers",
        nargs="+",
        default=list(PEERS),
        choices=PEERS,
        metavar="PEER",
        help=f"peers to run, quoted, from {', '.join(PEERS)}; they run in that "
        "order (default: all)",
    )
    parser.add_argument(
        "--chem97-epochs", type=int, help="epochs of every peer on Chem97"
    )
    parser.add_argument(
        "--out", default="recipe_speed.md", help="file name in benchmarks/results/"
    )
    return parser.parse_args(argv)


@dataclass
class Measurements:
    """Everything one invocation measured, for the report."""

    import_seconds: float
    cache: str
    epochs: dict = field(default_factory=dict)
    runs: list = field(default_factory=list)
    latencies: list = field(default_factory=list)
    refits: dict = field(default_factory=dict)
    baselines: list = field(default_factory=list)


def main(argv=None):
    args = parse_args(argv)
    fresh_cache = None if args.warm_cache else tempfile.TemporaryDirectory()
    if fresh_cache is not None:
        os.environ["RATINGNET_CACHE_DIR"] = fresh_cache.name

    # Importing ratingnet loads Keras and JAX; it is timed apart from the runs.
    start = time.perf_counter()
    import ratingnet  # noqa: F401

    found = Measurements(time.perf_counter() - start, cache_state())
    peers = [peer for peer in PEERS if peer in args.peers]
    for name in args.tables:
        table = load_table(name)
        epochs = chem97_epochs(args) if name == "chem97" else EPOCHS
        found.epochs[name] = epochs
        report_progress(f"{name}: {table.shape[0]} rows, {epochs} epochs")
        split = train_test_split(table)
        folds = fold_indices(table)

        found.runs += single_fits(table, split, epochs, peers, found)
        found.runs += cross_validations(table, folds, epochs, peers)
        found.baselines.append(mean_baseline(table, split, folds))

    text = report(found)
    print(text)
    path = write_result(args.out, text)
    print(f"\nwritten to {path}", file=sys.stderr)


def chem97_epochs(args):
    if args.chem97_epochs is not None:
        return args.chem97_epochs
    return QUICK_CHEM97_EPOCHS if args.quick else EPOCHS


def cache_state():
    """Where JAX's persistent compilation cache is, and whether it holds programs."""
    import jax

    folder = jax.config.jax_compilation_cache_dir
    if not folder:
        return "off (RATINGNET_CACHE_DIR is empty)"
    entries = len(os.listdir(folder)) if os.path.isdir(folder) else 0
    state = "cold (empty)" if entries == 0 else f"warm ({entries} entries)"
    return f"{state}, at {folder}"


def report_progress(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# The recipe -----------------------------------------------------------------


def recipe_model(n_features_in_):
    """The textbook network: Dense(10, relu) then Dense(1), mse and adam."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((n_features_in_,)),
            keras.layers.Dense(10, activation="relu"),
            keras.layers.Dense(1),
        ]
    )
    model.compile(loss="mse", optimizer="adam")
    return model


def recipe_model_from_data(X, y):
    """The same network, built the way ``SKLearnRegressor`` calls a function."""
    del y
    return recipe_model(X.shape[1])


def make_peer(peer, epochs):
    """The recipe as a scikit-learn pipeline for ``peer`` (all but keras fit)."""
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if peer == "ratingnet":
        from ratingnet import KerasRegressor

        model = KerasRegressor(
            model=recipe_model,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            random_state=SEED,
        )
    elif peer == "keras SKLearnRegressor":
        from keras.wrappers import SKLearnRegressor

        model = SKLearnRegressor(
            model=recipe_model_from_data,
            fit_kwargs={"epochs": epochs, "batch_size": BATCH_SIZE, "verbose": 0},
        )
    elif peer == "MLPRegressor":
        model = MLPRegressor(
            hidden_layer_sizes=(10,),
            solver="adam",
            batch_size=BATCH_SIZE,
            max_iter=epochs,
            random_state=SEED,
        )
    else:
        raise ValueError(f"No pipeline for peer {peer!r}.")
    return make_pipeline(StandardScaler(), model)


def trained(peer, estimator, n_train):
    """What a fitted estimator actually ran: (epochs, steps per epoch), batch size.

    Read from the fitted object, not from the settings, so a setting lost on
    the way (as ``SKLearnRegressor``'s clone loses ``fit_kwargs``) shows.
    """
    if peer == "ratingnet":
        epochs = len(estimator.history_["loss"])
        return (epochs, math.ceil(n_train / BATCH_SIZE)), BATCH_SIZE
    if peer == "MLPRegressor":
        return (estimator.n_iter_, math.ceil(n_train / BATCH_SIZE)), BATCH_SIZE
    # SKLearnRegressor: Keras's default batch size unless fit_kwargs survived.
    batch_size = (estimator.fit_kwargs or {}).get("batch_size", 32)
    return history_fit(estimator.history_), batch_size


def history_fit(history):
    """(epochs, steps per epoch) of a Keras ``History``."""
    return len(history.epoch), history.params["steps"]


@contextlib.contextmanager
def quiet():
    """Silence what peers print or warn about while being timed.

    ``SKLearnRegressor`` loses ``verbose=0`` with its other fit settings
    when cloned, and then draws progress bars; ``MLPRegressor`` warns that
    100 epochs did not converge.
    """
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# The two tasks ---------------------------------------------------------------


def train_test_split(table):
    from sklearn.model_selection import train_test_split as split

    return split(table.X, table.y, test_size=0.2, random_state=SEED)


def fold_indices(table):
    from sklearn.model_selection import KFold

    return list(KFold(N_FOLDS, shuffle=True, random_state=SEED).split(table.X))


def rmse(y_true, y_pred):
    return float(np.sqrt(np.mean((np.ravel(y_true) - np.ravel(y_pred)) ** 2)))


def single_fits(table, split, epochs, peers, found):
    """Each peer fits on 80% of the rows and predicts the other 20%."""
    X_train, X_test, y_train, _ = split
    runs = []
    for peer in peers:
        report_progress(f"{table.name} single fit: {peer}")
        if peer == "keras fit":
            run, predict_one = keras_single_fit(table.name, split, epochs)
        else:
            run, pipeline = pipeline_single_fit(table.name, split, epochs, peer)
            predict_one = pipeline.predict
        runs.append(run)
        latency = predict_latency(predict_one, X_test)
        found.latencies.append((table.name, peer, latency))

        # Not timed in the table: what ratingnet's time is made of.
        if peer == "ratingnet":
            scaler, estimator = pipeline
            latency = predict_latency(estimator.predict, scaler.transform(X_test))
            found.latencies.append((table.name, "ratingnet, estimator alone", latency))
            found.refits[table.name] = refit_seconds(X_train, y_train, epochs)
    return runs


def pipeline_single_fit(name, split, epochs, peer):
    X_train, X_test, y_train, y_test = split
    with quiet():
        start = time.perf_counter()
        pipeline = make_peer(peer, epochs).fit(X_train, y_train)
        predictions = pipeline.predict(X_test)
        wall = time.perf_counter() - start

    fit, batch_size = trained(peer, pipeline[-1], len(X_train))
    rmses = [rmse(y_test, predictions)]
    return Run(name, "single fit", peer, wall, rmses, [fit], {batch_size}), pipeline


def keras_single_fit(name, split, epochs):
    """Plain Keras: scale, build, ``model.fit``, ``model.predict``."""
    X_train, X_test, y_train, y_test = split
    start = time.perf_counter()
    predictions, fit, model, scaler = keras_fold(X_train, y_train, X_test, epochs)
    wall = time.perf_counter() - start
    run = Run(
        name,
        "single fit",
        "keras fit",
        wall,
        [rmse(y_test, predictions)],
        [fit],
        {BATCH_SIZE},
    )
    return run, lambda X: model.predict(scaler.transform(X), verbose=0)


def keras_fold(X_train, y_train, X_test, epochs):
    import keras
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X_train)
    keras.utils.set_random_seed(SEED)
    model = recipe_model(X_train.shape[1])
    history = model.fit(
        scaler.transform(X_train),
        y_train,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        verbose=0,
    )
    predictions = model.predict(scaler.transform(X_test), verbose=0)
    return predictions, history_fit(history), model, scaler


def cross_validations(table, folds, epochs, peers):
    """Each peer runs 5-fold cross-validation over all rows."""
    runs = []
    for peer in peers:
        report_progress(f"{table.name} 5-fold CV: {peer}")
        if peer == "keras fit":
            runs.append(keras_cross_validation(table, folds, epochs))
        else:
            runs.append(sklearn_cross_validation(table, folds, epochs, peer))
    return runs


def sklearn_cross_validation(table, folds, epochs, peer):
    from sklearn.model_selection import cross_validate

    with quiet():
        start = time.perf_counter()
        result = cross_validate(
            make_peer(peer, epochs),
            table.X,
            table.y,
            cv=folds,
            scoring="neg_root_mean_squared_error",
            return_estimator=True,
        )
        wall = time.perf_counter() - start

    fits, batch_sizes = [], set()
    for pipeline, (train_rows, _) in zip(result["estimator"], folds, strict=True):
        fit, batch_size = trained(peer, pipeline[-1], len(train_rows))
        fits.append(fit)
        batch_sizes.add(batch_size)
    rmses = [-score for score in result["test_score"]]
    run = Run(table.name, "5-fold CV", peer, wall, rmses, fits, batch_sizes)
    run.fold_seconds = list(result["fit_time"])
    return run


def keras_cross_validation(table, folds, epochs):
    """The folds by hand, as Keras users write them: a fresh model per fold."""
    fits, rmses = [], []
    start = time.perf_counter()
    for train_rows, test_rows in folds:
        predictions, fit, _, _ = keras_fold(
            table.X[train_rows], table.y[train_rows], table.X[test_rows], epochs
        )
        fits.append(fit)
        rmses.append(rmse(table.y[test_rows], predictions))
    wall = time.perf_counter() - start
    return Run(table.name, "5-fold CV", "keras fit", wall, rmses, fits, {BATCH_SIZE})


# Extra measurements ------------------------------------------------------------


def predict_latency(predict, X, calls=200):
    """Median milliseconds to predict one row, after a first call that compiles."""
    row = X[:1]
    with quiet():
        predict(row)
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            predict(row)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def refit_seconds(X_train, y_train, epochs):
    """ratingnet's single fit again in this process, its program already compiled."""
    start = time.perf_counter()
    make_peer("ratingnet", epochs).fit(X_train, y_train)
    return time.perf_counter() - start


def mean_baseline(table, split, folds):
    """The RMSE of predicting the training mean, the floor any model must beat."""
    _, _, y_train, y_test = split
    single = rmse(y_test, np.full(len(y_test), y_train.mean()))
    per_fold = [
        rmse(table.y[test], np.full(len(test), table.y[train].mean()))
        for train, test in folds
    ]
    return table.name, single, statistics.mean(per_fold)


# The report ----------------------------------------------------------------------

HEADER = [
    "table",
    "task",
    "peer",
    "epochs set",
    "epochs run",
    "batch",
    "train steps",
    "wall (s)",
    "us / step",
    "RMSE",
    "wall / ratingnet",
]


def table_rows(found):
    ratingnet_walls = {
        (run.table, run.task): run.wall for run in found.runs if run.peer == "ratingnet"
    }
    rows = []
    for run in found.runs:
        reference = ratingnet_walls.get((run.table, run.task))
        ratio = f"{run.wall / reference:.1f}x" if reference else "n/a"
        epochs = found.epochs[run.table]
        rows.append(
            [
                run.table,
                run.task,
                run.peer,
                f"{epochs}" + (" (cut)" if epochs != EPOCHS else ""),
                run.epochs,
                "/".join(str(b) for b in sorted(run.batch_sizes)),
                f"{run.steps:,}",
                f"{run.wall:.2f}",
                f"{run.wall / run.steps * 1e6:.1f}" if run.steps else "n/a",
                format_rmse(run.rmse),
                ratio,
            ]
        )
    return rows


def format_rmse(values):
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def report(found):
    command = " ".join(["python benchmarks/recipe_speed.py", *sys.argv[1:]])
    lines = [
        "# The rating recipe: ratingnet and its peers",
        "",
        f"Command: `{command}`  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M')}  ",
        f"Machine: {machine()}  ",
        f"JAX compilation cache before ratingnet's first fit: {found.cache}",
        "",
        "Recipe: StandardScaler, Dense(10, relu), Dense(1); mse, adam, batch "
        f"{BATCH_SIZE}, {EPOCHS} epochs ('epochs set'; --quick sets "
        f"{QUICK_CHEM97_EPOCHS} on Chem97 for every peer). Single fit: 80/20 "
        "split (random_state=0), RMSE on the 20%. 5-fold CV: KFold(5, "
        "shuffle=True, random_state=0), RMSE is the mean ± standard deviation "
        "of the five fold RMSEs. Wall time includes building the models, "
        "compilation and prediction, in one process, in the order of the "
        "rows. us / step is wall time over the training steps actually run "
        "(epochs run x steps per epoch, summed over folds); epochs run and "
        "batch size are read from the fitted objects, not from the settings.",
        "",
        markdown_table(HEADER, table_rows(found)),
        "",
        *notes(found),
    ]
    return "\n".join(lines) + "\n"


def notes(found):
    lines = [
        f"- `import ratingnet` (Keras and JAX with it): {found.import_seconds:.2f} s."
    ]
    lines += [f"- {note}" for note in run_notes(found)]
    for name, single, cv in found.baselines:
        lines.append(
            f"- {name}: predicting the training mean gives RMSE {single:.3f} "
            f"(single fit), {cv:.3f} (CV)."
        )
    lines += [
        "",
        "Predicting one row through the fitted pipeline (plain Keras: "
        "`model.predict(scaler.transform(row))`), median of 200 calls after "
        "the first:",
        "",
        markdown_table(
            ["table", "peer", "ms / call"],
            [[name, peer, f"{ms:.3f}"] for name, peer, ms in found.latencies],
        ),
    ]
    return lines


def run_notes(found):
    """Say why a row trained otherwise than it was set up to, and where time went."""
    lines = []
    for run in found.runs:
        where = f"{run.table}, {run.task}, {run.peer}"
        set_epochs = found.epochs[run.table]
        if run.peer == "keras SKLearnRegressor" and run.epochs != str(set_epochs):
            lines.append(
                f"{where}: cross_validate clones the pipeline, and the "
                "wrapper's clone does not pass `fit_kwargs` on, so each fold "
                "trained with Keras's fit defaults (1 epoch, batch 32, progress "
                "bar). Its time and RMSE are those of that fit, not the recipe's."
            )
        elif run.peer == "MLPRegressor" and run.epochs != str(set_epochs):
            lines.append(
                f"{where}: some fits stopped before max_iter because the "
                "training loss improved by less than tol=1e-4 for 10 epochs "
                "(scikit-learn's default stopping rule); us / step counts the "
                "epochs run."
            )
        elif run.peer == "ratingnet" and run.table in found.refits:
            lines.append(ratingnet_note(run, found.refits[run.table]))
    return lines


def ratingnet_note(run, refit):
    if run.task == "single fit":
        return (
            f"{run.table}, single fit, ratingnet: the same fit again in this "
            f"process, its program already compiled, took {refit:.2f} s; the "
            f"rest of {run.wall:.2f} s is compilation and first use."
        )
    seconds = ", ".join(f"{t:.2f}" for t in run.fold_seconds)
    return (
        f"{run.table}, 5-fold CV, ratingnet: fit time of each fold {seconds} s. "
        "The program compiled for the single fit is reused when a fold has as "
        "many training rows; a fold with another count compiles again."
    )


if __name__ == "__main__":
    main()
