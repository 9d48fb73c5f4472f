"""Help text read from the library's docstrings, so the two say the same."""

import inspect
import re

_SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}$", re.MULTILINE)


def summary(obj):
    """The first paragraph of ``obj``'s docstring, on one line."""
    doc = inspect.getdoc(obj) or ""
    return plain(doc.split("\n\n")[0])


def plain(text):
    """reST or Markdown text on one line, without its markup."""
    text = re.sub(r"\*{1,2}(\w.*?)\*{1,2}", r"\1", text)
    return " ".join(text.replace("``", "").replace("`", "").split())


def bullets(obj):
    """The ``- **term**: text`` items of ``obj``'s docstring, as (term, text)."""
    doc = inspect.getdoc(obj) or ""
    items = re.findall(r"^- \*\*(\w+)\*\*: (.+?)(?=^- |^\s*$)", doc, re.M | re.S)
    return [(term, plain(text)) for term, text in items]


def section(obj, title):
    """The text of one numpydoc section (e.g. "Parameters"), or ""."""
    doc = inspect.getdoc(obj) or ""
    parts = _SECTION.split(doc)
    # split gives [before, title1, body1, title2, body2, ...]
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name.strip() == title:
            return body.strip("\n")
    return ""


def parameter(obj, name):
    """The description of parameter ``name`` in ``obj``'s docstring, one line.

    Raises
    ------
    KeyError
        If the docstring does not describe ``name``; the help text would
        otherwise go quietly missing.
    """
    found = None
    for line in section(obj, "Parameters").splitlines():
        if line and not line.startswith(" "):
            names = [n.strip() for n in line.split(":")[0].split(",")]
            if found is not None:
                break
            found = [] if name in names else None
        elif found is not None:
            found.append(line.strip())
    if not found:
        raise KeyError(
            f"{getattr(obj, '__qualname__', obj)} does not document {name!r}"
        )
    return _plain(found)


def _plain(lines):
    """Lines of reST as plain text; directives (``.. versionadded``) dropped."""
    kept = []
    for line in lines:
        if line.startswith(".."):
            break
        kept.append(line)
    return plain(" ".join(kept))
