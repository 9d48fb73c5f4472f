"""A self-contained HTML page of an evaluation, with its plots beside it.

The page embeds its plots as base64 PNG images and its style inline, so the
one file can be mailed or archived; the same plots are written as PNG files
next to it for slides and documents.
"""

import base64
import html
import math
from pathlib import Path

from .._folders import listed, replacing
from .crossval import HIGHER_IS_BETTER, LABELS

PAGE = "index.html"

# The plots a report may draw, each a function of ``plots`` written as
# <name>.png beside the page, with its caption ({main} names the model).
CAPTIONS = {
    "predicted_vs_actual": (
        "Held-out predictions against the actual values; the line is perfect."
    ),
    "residuals_by_level": (
        "Residuals of {main}, by actual level: a box off the zero line is a "
        "level the model pulls toward the middle or pushes away."
    ),
    "learning_curves": (
        "Loss per epoch on each fold's training rows, and on rows the model "
        "did not train on (its own early-stopping rows, or the first fold's "
        "held-out rows); a rising validation loss means more epochs overfit."
    ),
    "level_confusion": "How often {main}'s rounded prediction lands on each level.",
}

# Marks a page as ratingnet's report, so that --force replaces nothing else;
# pages written before the mark are known by their first heading.
_GENERATOR = '<meta name="generator" content="ratingnet report">'
_REPORT_MARKS = (_GENERATOR, "<h2>Held-out predictions of all folds</h2>")

# Files that file browsers leave in a folder they showed.
_BROWSER_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
table.facts td { text-align: left; }
tr.main td { font-weight: 600; }
td.best { background: #e6f2e6; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #eee; }
pre { background: #f6f6f6; padding: 0.8em; }
.note { color: #555; }
"""


def write_report(evaluation, folder, *, main, title, facts):
    """Write ``index.html`` and the plots as PNG files, as the folder ``folder``.

    Parameters
    ----------
    evaluation : Evaluation
        What `cross_validate` returned.
    folder : str or path-like
        The report's folder. An existing one is replaced whole, once the
        new report is complete, and only if it is empty or an earlier
        report (see `check_replaceable`).
    main : str
        The model the report is about; the others are its baselines.
    title : str
    facts : dict of str to str
        The settings to list (data, target, model, folds, seed, versions).

    Returns
    -------
    pathlib.Path
        The HTML page.

    Raises
    ------
    FileExistsError
        If ``folder`` holds files that are not an earlier report's.
    """
    folder = Path(folder)
    check_replaceable(folder)

    with replacing(folder.resolve()) as staging:
        figures = _render(evaluation, main, staging)
        body = [
            f"<h1>{_e(title)}</h1>",
            _facts_table(facts),
            "<h2>Held-out predictions of all folds</h2>",
            _overall_table(evaluation, main),
            "<h2>Per fold</h2>",
            _fold_table(evaluation, main),
            '<p class="note">A fold\'s seconds are its preparation, training and '
            "scoring; folds that ratingnet trained together, in one program, "
            "share that program's time equally.</p>",
            "<h2>Target</h2>",
            f"<pre>{_e(str(evaluation.target))}</pre>",
            *_warnings(evaluation),
            "<h2>Plots</h2>",
            *figures,
        ]
        (staging / PAGE).write_text(_page(title, body), encoding="utf-8")
    return folder / PAGE


def check_replaceable(folder):
    """Raise FileExistsError unless ``folder`` is new, empty or an earlier report.

    An earlier report is the page ratingnet wrote, with its plots beside
    it. Anything else in the folder (a page of the user's own, notes,
    other figures) would be deleted with it, so such a folder is refused.
    """
    folder = Path(folder)
    if not folder.exists():
        return
    if not folder.is_dir():
        raise FileExistsError(
            f"{folder} is a file, not a folder. Give another folder for the report."
        )
    entries = sorted(path.name for path in folder.iterdir())
    if not set(entries) - _BROWSER_FILES:
        return

    if not _is_report_page(folder / PAGE):
        raise FileExistsError(
            f"{folder} holds files ({listed(entries)}) and no report of "
            "ratingnet's, so it is not replaced. Choose a new or empty folder "
            "for the report."
        )
    own = {PAGE, *(f"{name}.png" for name in CAPTIONS), *_BROWSER_FILES}
    others = [name for name in entries if name not in own]
    if others:
        raise FileExistsError(
            f"{folder} holds a report and also files of its own "
            f"({listed(others)}), which replacing the folder would delete, so "
            "it is not replaced. Move them out of it first, or choose another "
            "folder."
        )


def _is_report_page(page):
    try:
        with page.open(encoding="utf-8", errors="replace") as handle:
            start = handle.read(16_384)
    except OSError:
        return False
    return any(mark in start for mark in _REPORT_MARKS)


def _render(evaluation, main, folder):
    """Draw each plot that applies; return its HTML and write its PNG."""
    from . import plots  # matplotlib, only when a report is asked for

    html_parts = []
    for name, caption in CAPTIONS.items():
        figure = getattr(plots, name)(evaluation, main)
        if figure is None:
            continue
        data = plots.png_bytes(figure)
        (folder / f"{name}.png").write_bytes(data)
        html_parts.append(_figure(name, data, caption.format(main=main)))
    return html_parts


def _figure(name, data, caption):
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<figure id="{name}"><img alt="{_e(name)}" '
        f'src="data:image/png;base64,{encoded}">'
        f'<figcaption>{_e(caption)} <a href="{name}.png">{name}.png</a>'
        "</figcaption></figure>"
    )


def _facts_table(facts):
    rows = "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in facts.items()
    )
    return f'<table class="facts">{rows}</table>'


def _overall_table(evaluation, main):
    columns = [*evaluation.metric_names, "seconds"]
    rows = [{"model": name, **scores} for name, scores in evaluation.overall.items()]
    return _score_table(rows, ["model", *columns], main)


def _fold_table(evaluation, main):
    columns = ["model", "fold", *evaluation.metric_names, "seconds"]
    return _score_table(evaluation.fold_scores, columns, main, mark_best=False)


def _score_table(rows, columns, main, *, mark_best=True):
    best = _best(rows, columns) if mark_best else {}
    head = "".join(f"<th>{_e(LABELS.get(c, c))}</th>" for c in columns)
    lines = [f"<tr>{head}</tr>"]
    for row in rows:
        cells = "".join(
            _cell(row[c], best.get(c) == row[c] and c != "seconds") for c in columns
        )
        css = ' class="main"' if row["model"] == main else ""
        lines.append(f"<tr{css}>{cells}</tr>")
    return f"<table>{''.join(lines)}</table>"


def _best(rows, columns):
    best = {}
    for column in columns:
        values = [r[column] for r in rows if isinstance(r[column], float)]
        values = [v for v in values if not math.isnan(v)]
        if values:
            best[column] = max(values) if column in HIGHER_IS_BETTER else min(values)
    return best


def _cell(value, best):
    text = format_value(value)
    return f'<td class="best">{text}</td>' if best else f"<td>{_e(text)}</td>"


def format_value(value):
    """A table cell: floats to 3 decimals, NaN as a dash."""
    if isinstance(value, float):
        # + 0.0 turns -0.0 (a score of exactly zero, negated) into 0.0.
        return "-" if math.isnan(value) else f"{round(value, 3) + 0.0:.3f}"
    return str(value)


def _warnings(evaluation):
    texts = [*left_out_lines(evaluation), *evaluation.warnings]
    if not texts:
        return []
    items = "".join(f"<li>{_e(text)}</li>" for text in texts)
    return ["<h2>Warnings while fitting</h2>", f'<ul class="note">{items}</ul>']


def left_out_lines(evaluation):
    """One line per model left out of the results, saying why."""
    return [
        f"{name} is left out of the results: {reason}"
        for name, reason in evaluation.left_out.items()
    ]


def _page(title, body):
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"{_GENERATOR}<title>{_e(title)}</title><style>{_STYLE}</style>"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _e(text):
    return html.escape(str(text))
