"""``ratingnet evaluate``: cross-validated metrics of a model beside baselines."""

from pathlib import Path

from rich.markup import escape

from .. import __version__, metrics
from ..evaluation import baselines, cross_validate, write_report
from ..evaluation.crossval import HIGHER_IS_BETTER, LABELS
from ..evaluation.report import check_replaceable as check_report_folder
from ..evaluation.report import format_value, left_out_lines
from . import models, options
from .destinations import check_destination, writing
from .docs import summary
from .errors import CLIError
from .output import Output, fitting_warnings, table
from .training import prepare

_METRIC_FUNCTIONS = {
    "RMSE": metrics.rmse,
    "MAE": metrics.mae,
    "R²": metrics.r2,
    "QWK (ratings)": metrics.qwk,
    "within one (ratings)": metrics.within_one_accuracy,
}


def add_parser(commands):
    metric_lines = "\n".join(
        f"  {n:<21} {summary(f)}" for n, f in _METRIC_FUNCTIONS.items()
    )
    parser = commands.add_parser(
        "evaluate",
        help="cross-validate a model beside simple baselines",
        description=(
            "Cross-validate a model on a table, beside the baselines a user "
            "would try first: the mean, Ridge, and LightGBM when installed. "
            "All are fitted on the same folds; metrics are reported per fold "
            "and over all held-out predictions.\n\nmetrics:\n" + metric_lines
        ),
        epilog=options.models_epilog(),
        formatter_class=options.Formatter,
    )
    options.add_data(parser)
    options.add_columns(parser)
    options.add_model(parser)
    parser.add_argument(
        "--cv",
        type=options.folds,
        default=5,
        metavar="K",
        help="number of folds, at least 2 (default: 5)",
    )
    parser.add_argument(
        "--report",
        metavar="DIR",
        help="write an HTML report (index.html) with plots as PNG files into DIR",
    )
    options.add_output(parser, force="replace an earlier report at --report")
    parser.set_defaults(run=run)


def run(args):
    out = Output(quiet=args.quiet, as_json=args.json)
    if args.report:
        if Path(args.report).is_dir():
            # Before the work: a folder with more than a report is never replaced.
            with writing(args.report, "--report"):
                check_report_folder(args.report)
        check_destination(args.report, "--report", force=args.force, folder=True)
    setup = prepare(args, out)
    _check_folds(args.cv, len(setup.columns.y), setup.profile)
    if len(setup.columns.y) < _FEW_HELD_OUT * args.cv:
        out.note(_few_rows_note(len(setup.columns.y), args.cv))

    kinds = setup.columns.kinds
    candidates = {setup.name: setup.model, **baselines(kinds, seed=args.seed)}
    evaluation = _cross_validate(out, candidates, setup, args)

    # The results come first: a report that cannot be written loses nothing.
    out.show(_heading(setup), *_tables(evaluation, setup.name))
    out.show(*left_out_lines(evaluation))
    for text in fitting_warnings(evaluation.warnings):
        out.note(text)
    report = None
    if args.report:
        with writing(args.report, "--report"):
            report = _report(evaluation, args, setup)
        out.show(f"\nReport: {report}")
    out.json(_as_json(evaluation, args, setup, report))
    return 0


def _heading(setup):
    """What was cross-validated: the model, the table and the target."""
    X, profile = setup.columns.X, setup.profile
    low, high = (f"{value:.6g}" for value in profile.range)
    scale = f"{profile.kind}, {low} to {high}"
    if setup.levels is not None:
        scale = "levels " + " < ".join(setup.levels)
    columns = "feature column" if X.shape[1] == 1 else "feature columns"
    model = type(models.final_model(setup.model)).__name__
    return (
        f"{setup.name} ({model}) on {Path(setup.path).name}: "
        f"{len(X):,} rows, "
        f"{X.shape[1]} {columns}; predicting {setup.target!r} ({scale})."
    )


# Fewer held-out rows than this per fold, and a fold's scores are noise.
_FEW_HELD_OUT = 10


def _few_rows_note(n_rows, cv):
    fewest, most = n_rows // cv, -(-n_rows // cv)
    held_out = f"{fewest}" if fewest == most else f"{fewest} to {most}"
    return (
        f"note: {n_rows} rows in {cv} folds leave {held_out} held-out rows per "
        "fold: the scores below are uncertain, and their differences may be "
        "chance."
    )


def _check_folds(cv, n_rows, profile):
    if cv > n_rows:
        raise CLIError(
            f"--cv must be between 2 and the number of rows ({n_rows}); got {cv}."
        )
    if profile.range is None:
        raise CLIError(
            "evaluate scores numeric targets (RMSE, MAE, R², and QWK for "
            f"ratings); this target is {profile.kind} text. Give the order of "
            "its levels with --levels (lowest first: --levels poor,fair,good), "
            "or use `ratingnet fit` and `predict` for labels without an order."
        )


def _cross_validate(out, candidates, setup, args):
    with out.progress("cross-validating", total=len(candidates)) as advance:
        done = []

        def on_step(name):
            text = None if name is None else f"cross-validating {name}"
            advance(text, steps=len(done[:1]))
            done.append(name)

        # Named levels are the positions 1..K, whether or not y holds each.
        named = setup.levels
        return cross_validate(
            candidates,
            setup.columns.X,
            setup.columns.y,
            cv=args.cv,
            seed=args.seed,
            scale=None if named is None else range(1, len(named) + 1),
            curves=bool(args.report),
            on_step=on_step,
            # A baseline that cannot take the table leaves the model's scores.
            optional=list(candidates)[1:],
        )


def _tables(evaluation, main):
    names = evaluation.metric_names
    best = _best(evaluation.overall, names)
    rows = []
    for model_name, scores in evaluation.overall.items():
        role = "model" if model_name == main else "baseline"
        cells = [
            f"[bold]{format_value(scores[m])}[/bold]"
            if best.get(m) == scores[m]
            else format_value(scores[m])
            for m in names
        ]
        rows.append(
            [f"{escape(model_name)} ({role})", *cells, f"{scores['seconds']:.1f}"]
        )
    overall = table(
        f"{max(evaluation.folds) + 1}-fold cross-validation, all held-out predictions",
        ["model", *[LABELS[m] for m in names], "seconds"],
        rows,
        markup=True,
    )
    return overall, _fold_table(evaluation)


def _best(overall, names):
    best = {}
    for metric in names:
        values = [s[metric] for s in overall.values() if s[metric] == s[metric]]
        if values:
            best[metric] = max(values) if metric in HIGHER_IS_BETTER else min(values)
    return best


def _fold_table(evaluation):
    names = list(evaluation.overall)
    by_fold = {}
    for row in evaluation.fold_scores:
        by_fold.setdefault(row["fold"], {})[row["model"]] = row["rmse"]
    rows = [[fold, *[format_value(s[n]) for n in names]] for fold, s in by_fold.items()]
    columns = ["fold", *[escape(n) for n in names]]
    return table("RMSE per fold", columns, rows, markup=True)


def _facts(args, setup, evaluation):
    import jax
    import keras
    import sklearn

    profile, columns = evaluation.target, setup.columns
    scale = f", {profile.range[0]} to {profile.range[1]}" if profile.range else ""
    return {
        "data": f"{setup.path} ({len(columns.y)} rows used, "
        f"{columns.n_dropped} left out)",
        "target": f"{setup.target}: {profile.kind}{scale}",
        "model": setup.name,
        "folds": f"{args.cv}, shuffled with seed {args.seed}",
        "features": ", ".join(f"{c} ({k})" for c, k in columns.kinds.items()),
        "versions": f"ratingnet {__version__}, keras {keras.__version__}, "
        f"jax {jax.__version__}, scikit-learn {sklearn.__version__}",
    }


def _report(evaluation, args, setup):
    facts = _facts(args, setup, evaluation)
    title = f"{setup.name} on {Path(setup.path).name}: predicting {setup.target}"
    return write_report(
        evaluation, args.report, main=setup.name, title=title, facts=facts
    )


def _as_json(evaluation, args, setup, report):
    profile = evaluation.target
    return {
        "data": str(setup.path),
        "rows": len(setup.columns.y),
        "rows_left_out": setup.columns.n_dropped,
        "target": {
            "column": setup.target,
            "kind": profile.kind,
            "levels": None if profile.levels is None else list(profile.levels),
            "range": None if profile.range is None else list(profile.range),
            # With --levels, the levels are positions 1..K of these names.
            "names": setup.levels,
        },
        "model": setup.name,
        "cv": args.cv,
        "seed": args.seed,
        "overall": evaluation.overall,
        "folds": evaluation.fold_scores,
        "warnings": evaluation.warnings,
        "left_out": evaluation.left_out,
        "report": None if report is None else str(report),
    }
