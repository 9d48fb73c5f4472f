"""The HTML report of ``ratingnet evaluate --report``, opened in a real browser."""

import base64
import re
import shutil
import subprocess

from ratingnet.cli import main
from ratingnet.cli.models import make_model
from ratingnet.evaluation import column_kinds, cross_validate
from ratingnet.evaluation.report import format_value

import numpy as np
import pandas as pd
import pytest

PNG = b"\x89PNG\r\n\x1a\n"
RATING_PLOTS = {
    "predicted_vs_actual.png",
    "residuals_by_level.png",
    "learning_curves.png",
    "level_confusion.png",
}
FAST = ["--model", "recipe", "--epochs", "3", "--batch-size", "16", "--cv", "2"]


def _table(rating=True, n=100):
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"a": rng.normal(size=n), "kind": rng.choice(["x", "y"], n)})
    score = 3 + frame["a"] + (frame["kind"] == "x")
    frame["target"] = np.clip(np.round(score), 1, 5) if rating else score
    return frame


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A report written over an earlier one (with --force).

    The earlier one is of an older ratingnet (its page without the generator
    mark), in a folder a file browser has shown.
    """
    folder = tmp_path_factory.mktemp("report")
    data = folder.parent / "ratings.csv"
    _table().to_csv(data, index=False)
    (folder / "learning_curves.png").write_bytes(b"an earlier report's plot")
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>old</title></head><body>'
        "<h1>recipe on ratings.csv</h1><h2>Held-out predictions of all folds</h2>"
    )

    argv = ["evaluate", str(data), "--target", "target", "--report", str(folder)]
    assert main([*argv, "--force", "-q", *FAST]) == 0
    return folder


def test_report_files(report):
    assert {p.name for p in report.iterdir()} == {"index.html"} | RATING_PLOTS
    assert not list(report.parent.glob(f".{report.name}.*"))
    for name in RATING_PLOTS:
        assert (report / name).read_bytes().startswith(PNG)

    page = (report / "index.html").read_text()
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(embedded) == len(RATING_PLOTS)
    assert all(base64.b64decode(data).startswith(PNG) for data in embedded)
    for text in ("recipe", "ridge", "mean", "QWK", "within one", "Per fold"):
        assert text in page


def test_existing_report_folder_needs_force(report, capsys):
    argv = ["evaluate", str(report.parent / "ratings.csv"), "--target", "target"]
    assert main([*argv, "--report", str(report)]) == 1
    assert "add --force" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("earlier_report", "files"),
    [
        (False, {"notes.txt": "the user's"}),
        (False, {"index.html": "<html><title>the user's own page</title>"}),
        (True, {"notes.txt": "the user's"}),
    ],
)
def test_force_replaces_no_folder_with_files_of_the_users(
    report, tmp_path, capsys, earlier_report, files
):
    folder = tmp_path / "out"
    folder.mkdir()
    if earlier_report:
        shutil.copytree(report, folder, dirs_exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    argv = ["evaluate", str(report.parent / "ratings.csv"), "--target", "target"]
    assert main([*argv, "--report", str(folder), "--force", "-q", *FAST]) == 1

    assert "is not replaced" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_folder_a_file_browser_has_shown_is_empty_to_force(report, tmp_path):
    folder = tmp_path / "shown"
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"\0")

    argv = ["evaluate", str(report.parent / "ratings.csv"), "--target", "target"]
    assert main([*argv, "--report", str(folder), "--force", "-q", *FAST]) == 0

    assert (folder / "index.html").is_file()


def test_report_of_a_continuous_target_has_no_level_confusion(tmp_path):
    data = tmp_path / "scores.csv"
    _table(rating=False).to_csv(data, index=False)
    argv = [
        "evaluate",
        str(data),
        "--target",
        "target",
        "--report",
        str(tmp_path / "r"),
    ]
    assert main([*argv, "-q", *FAST]) == 0
    written = {p.name for p in (tmp_path / "r").iterdir()}
    assert written == {"index.html"} | RATING_PLOTS - {"level_confusion.png"}


def test_learning_curve_watches_held_out_rows():
    frame = _table()
    X, y = frame[["a", "kind"]], frame["target"]
    model = make_model("recipe", column_kinds(X), seed=0, epochs=3)
    result = cross_validate({"recipe": model}, X, y, cv=2, curves=True)
    first, second = result.histories["recipe"]
    assert len(first["val_loss"]) == 3
    assert "val_loss" not in second


# In a browser -------------------------------------------------------------------

# Records, once the page has loaded, how wide each image decoded.
_PROBE = """<script>
window.addEventListener("load", function () {
  var widths = Array.from(document.images).map(function (image) {
    return image.complete ? image.naturalWidth : 0;
  });
  document.body.setAttribute("data-image-widths", widths.join(","));
});
</script>"""


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium is not installed (apt-get install chromium); "
    ".ci/run installs it",
)
def test_browser_shows_every_plot(report, tmp_path):
    page = (report / "index.html").read_text()
    probe = report / "probe.html"
    probe.write_text(page.replace("</body>", _PROBE + "</body>"))
    try:
        dom = _dump_dom(probe, tmp_path)
    finally:
        probe.unlink()

    widths = re.search(r'data-image-widths="([^"]*)"', dom)
    assert widths is not None, dom[:500]
    widths = [int(w) for w in widths.group(1).split(",")]
    assert len(widths) == len(RATING_PLOTS)
    assert all(width > 100 for width in widths)


def _dump_dom(page, profile):
    result = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--window-size=1200,2000",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_a_score_of_zero_shows_without_a_sign():
    assert format_value(-0.0) == "0.000"
    assert format_value(-0.0004) == "0.000"
    assert format_value(-0.0006) == "-0.001"
