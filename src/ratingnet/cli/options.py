"""The options the commands share, with help taken from the library's docstrings."""

import argparse
import re
import textwrap

from .. import datasets
from .._base import BaseKerasEstimator
from . import models
from .columns import split_names
from .docs import parameter, summary
from .errors import CLIError

# Tables that ship with ratingnet: the function giving its path, its target
# column, and the function that loads it (whose docstring describes it).
EXAMPLES = {"wine": (datasets.wine_path, "quality", datasets.load_wine)}


def add_data(parser, *, target=True):
    """DATA (or ``--example``) and, when ``target``, ``--target``."""
    parser.add_argument(
        "data", nargs="?", metavar="DATA", help="a CSV or Parquet file (.parquet, .pq)"
    )
    examples = "; ".join(
        f"{n}: {summary(load)}" for n, (_, _, load) in EXAMPLES.items()
    )
    parser.add_argument(
        "--example",
        choices=list(EXAMPLES),
        help=f"use a table that ships with ratingnet instead of DATA ({examples})",
    )
    if target:
        parser.add_argument(
            "--target",
            metavar="COL",
            help="the column to predict (with --example, its rating column)",
        )
        parser.add_argument(
            "--levels",
            action="append",
            metavar="LEVELS",
            help="for a target of text levels, their order, lowest first "
            "(comma-separated: --levels poor,fair,good); the target is then "
            "their positions 1, 2, 3, which models learn and evaluate scores, "
            "and predict names each row's level",
        )


def add_columns(parser):
    """``--features``, ``--drop`` and ``--categorical``."""
    group = parser.add_argument_group("columns (comma-separated, or repeat the option)")
    group.add_argument(
        "--features",
        action="append",
        metavar="COLS",
        help="use only these columns as features (default: all but the target)",
    )
    group.add_argument(
        "--drop", action="append", metavar="COLS", help="leave out these columns"
    )
    group.add_argument(
        "--categorical",
        action="append",
        metavar="COLS",
        help="treat these columns as categories even though they hold numbers; "
        "text columns are categories anyway",
    )


def add_model(parser):
    """``--model``, ``--epochs``, ``--batch-size``, ``--target-scaling``, ``--seed``."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help=f"the model to train (default: {models.default_name()}); "
        "see the list below",
    )
    group.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help=parameter(BaseKerasEstimator, "epochs") + " Default: the model's own.",
    )
    group.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="N",
        help=parameter(BaseKerasEstimator, "batch_size") + " Default: the model's own.",
    )
    group.add_argument(
        "--target-scaling",
        choices=["standard", "minmax", "none"],
        help="how the target is scaled for training (predictions are mapped "
        "back): standard trains on mean 0 and standard deviation 1, minmax on "
        "[0, 1] (for a sigmoid output), none on the target as it is. For "
        "--model recipe, default and your own function. Default: standard.",
    )
    group.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help=parameter(BaseKerasEstimator, "random_state").split(".")[0]
        + " (and, for evaluate, the folds). Default: 0.",
    )


def add_output(parser, *, force=None):
    """``--quiet``, ``--json``, ``--traceback`` and, if named, ``--force``."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars or notes on stderr"
    )
    group.add_argument(
        "--json",
        action="store_true",
        help="print the results as JSON on stdout, instead of tables",
    )
    if force:
        group.add_argument("--force", action="store_true", help=force)
    group.add_argument(
        "--traceback",
        action="store_true",
        help="on an error, show the Python traceback (for bug reports)",
    )


def models_epilog():
    return "models (--model):\n" + models.describe()


class Formatter(argparse.HelpFormatter):
    """Help that wraps paragraphs but keeps list lines ("  name  text") apart."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=28)

    def _fill_text(self, text, width, indent):
        blocks = text.split("\n\n")
        return "\n\n".join(_fill_block(block, width, indent) for block in blocks)


def _fill_block(block, width, indent):
    lines, prose = [], []
    for line in block.splitlines() + [""]:
        item = _LIST_ITEM.match(line)
        if item is None and line:
            prose.append(line)
            continue
        if prose:
            lines.append(
                textwrap.fill(
                    " ".join(prose),
                    width,
                    break_on_hyphens=False,
                    initial_indent=indent,
                    subsequent_indent=indent,
                )
            )
            prose = []
        if item is not None:
            hanging = " " * min(len(item.group(1)), 24)
            lines.append(
                textwrap.fill(
                    line,
                    width,
                    break_on_hyphens=False,
                    initial_indent=indent,
                    subsequent_indent=indent + hanging,
                )
            )
    return "\n".join(lines)


# "  name   description": two leading spaces, a name, then two or more spaces.
_LIST_ITEM = re.compile(r"^(  \S.*?\s{2,})\S")


_COMMAND_EXAMPLES = {
    "evaluate": "ratingnet evaluate wines.csv --target quality",
    "fit": "ratingnet fit wines.csv --target quality --out model",
    "inspect": "ratingnet inspect wines.csv --target quality",
    "predict": "ratingnet predict model wines.csv --out predictions.csv",
}


def data_and_target(args, *, target=True):
    """The table's path and target column from DATA, --example and --target."""
    if args.data is not None and args.example is not None:
        raise CLIError(
            f"Give a DATA file or --example NAME, not both (got {args.data} "
            f"and --example {args.example})."
        )
    if args.data is None and args.example is None:
        raise CLIError(
            "Give a DATA file or --example NAME. For example: "
            f"{_COMMAND_EXAMPLES.get(args.command, _COMMAND_EXAMPLES['evaluate'])}."
        )
    # Column names lose the spaces around them when a table is read.
    column = getattr(args, "target", None)
    column = None if column is None else column.strip()
    if args.example is None:
        if target and column is None:
            raise CLIError("Name the column to predict with --target COL.")
        return args.data, column

    path, example_target, _ = EXAMPLES[args.example]
    return path(), column or example_target


def levels_option(args):
    """The --levels names, split on commas; None when not given."""
    levels = split_names(getattr(args, "levels", None))
    if not levels:
        return None
    if len(set(levels)) != len(levels):
        raise CLIError(
            f"--levels names a level more than once ({', '.join(levels)}). "
            "Name each level once, lowest first."
        )
    return levels


def column_options(args):
    """The --features, --drop and --categorical names, split on commas."""
    return {
        "features": split_names(args.features),
        "drop": split_names(args.drop),
        "categorical": split_names(args.categorical),
    }


def _whole_number(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number; got {text!r}"
        ) from None


def _seed(text):
    value = _whole_number(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"must be between 0 and 2**32 - 1; got {value}"
        )
    return value


def _positive_int(text):
    return _at_least(1, text)


def folds(text):
    """An argparse type: a number of folds, at least 2."""
    return _at_least(2, text)


def _at_least(lowest, text):
    value = _whole_number(text)
    if value < lowest:
        raise argparse.ArgumentTypeError(f"must be at least {lowest}; got {value}")
    return value
