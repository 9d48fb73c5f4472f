"""The ``ratingnet`` command: inspect, evaluate, fit and predict on tables.

Every command reads a CSV or Parquet table. Results go to stdout (tables, or
JSON with ``--json``); progress bars and notes go to stderr. A mistake in the
input ends the command with a one-paragraph message and exit status 1; a
command line argparse cannot parse (an unknown option, ``--epochs 1.5``)
ends it with argparse's usage message and exit status 2.
"""

import argparse
import sys
import textwrap
import warnings

from .. import __version__
from ..exceptions import TrainingInterruptedWarning
from . import evaluate, fit, inspect, predict
from .errors import CLIError

__all__ = ["main"]

COMMANDS = (inspect, evaluate, fit, predict)

# Errors that describe bad input; any other is a bug and says so.
_EXPECTED = (CLIError, ValueError, TypeError, OSError)


def build_parser():
    """The argument parser of the ``ratingnet`` command and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="ratingnet",
        description=(
            "Predict ratings from the columns of a table with Keras models, "
            "and compare them with simple baselines."
        ),
        epilog="Run `ratingnet COMMAND --help` for a command's options.",
    )
    parser.add_argument(
        "--version", action="version", version=f"ratingnet {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv=None):
    """Run the ``ratingnet`` command; returns the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name; None reads ``sys.argv``.
    """
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _warning_printer(args.quiet)
        try:
            return args.run(args)
        # A Ctrl-C in training ends a command (fit and evaluate raise the
        # library's warning), without saving or reporting what it cut short.
        except (KeyboardInterrupt, TrainingInterruptedWarning):
            _print_error("interrupted.")
            return 130
        except Exception as error:
            if args.traceback:
                raise
            _print_error(_message(error))
            return 1


def _message(error):
    if isinstance(error, _EXPECTED):
        return str(error) or type(error).__name__
    return (
        f"{type(error).__name__}: {error}. This looks like a bug in ratingnet; "
        "run the command again with --traceback and report what it shows."
    )


def _print_error(message):
    text = textwrap.fill(
        " ".join(message.split()),
        width=88,
        initial_indent="ratingnet: error: ",
        subsequent_indent="  ",
        break_on_hyphens=False,
        # A long path stays whole, to be copied from the message.
        break_long_words=False,
    )
    sys.stderr.write(text + "\n")


def _warning_printer(quiet):
    """Show warnings as one line on stderr, without file and line numbers."""

    def show(message, category, filename, lineno, file=None, line=None):
        del filename, lineno, file, line
        if not quiet:
            sys.stderr.write(f"warning: {category.__name__}: {message}\n")

    return show
