"""The benchmark scripts run end to end (slow: run with --runslow)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"


@pytest.mark.slow
def test_recipe_speed_runs_on_wine(tmp_path):
    out = tmp_path / "recipe.md"

    done = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "recipe_speed.py"),
            "--tables",
            "wine",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )

    assert "| wine" in done.stdout
    assert "ratingnet" in done.stdout
