"""The mistakes a command reports in plain words, without a traceback."""

import difflib


class CLIError(Exception):
    """Bad input to a command: the message says what was wrong and what to do."""


def did_you_mean(name, choices):
    """`` Did you mean 'a' or 'b'?`` for the choices closest to name, or ""."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3)
    if not close:
        close = [c for c in map(str, choices) if str(name).lower() in c.lower()][:3]
    if not close:
        return ""
    quoted = [repr(c) for c in close]
    listed = (
        quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    )
    return f" Did you mean {listed}?"


def shorten(items, keep=8):
    """Items joined by commas; a long list keeps its first few and a count."""
    items = [str(item) for item in items]
    if len(items) <= keep:
        return ", ".join(items)
    return f"{', '.join(items[:keep])} and {len(items) - keep} more"
