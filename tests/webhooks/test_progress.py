"""Long commands show progress (webhooks/progress.py): a bar on stderr only while it is a
terminal, always one summary line, and never a byte more on stdout, where exports write."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from flask import Flask

from tests.test_cli import GOOD, GOOD_METHADONE, write_csv
from webhooks import progress


def test_counted_gives_every_item_and_draws_nothing_off_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert list(progress.counted([1, 2, 3], "counting")) == [1, 2, 3]
    assert capsys.readouterr() == ("", "")


def test_counted_labels_its_bar_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(progress, "to_terminal", lambda: True)
    assert list(progress.counted([1, 2, 3], "counting")) == [1, 2, 3]
    out, err = capsys.readouterr()
    assert out == "" and "counting" in err


def test_summary_says_what_was_done_and_how_long_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    progress.Summary().done("exported 3 things")
    out, err = capsys.readouterr()
    assert out == "" and re.fullmatch(r"exported 3 things in \d+\.\d s\n", err)


def test_directory_import_and_export_end_with_a_summary(
    sample_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "to_terminal", lambda: True)  # as if watched
    runner = sample_app.test_cli_runner()
    own = write_csv(tmp_path / "own.csv", [GOOD, GOOD_METHADONE])
    imported = runner.invoke(args=["directory", "import", "--replace", str(own)])
    assert imported.exit_code == 0, imported.output
    assert re.search(r"^imported 2 services from own\.csv in \d+\.\d s$", imported.stdout, re.M)
    assert "importing own.csv" in imported.stderr
    exported = runner.invoke(args=["directory", "export"])
    assert exported.exit_code == 0, exported.output
    assert len(list(csv.DictReader(io.StringIO(exported.stdout)))) == 2  # stdout: the file only
    assert "exporting" in exported.stderr
    assert re.search(r"^directory export: 2 services \(csv\) in \d+\.\d s$", exported.stderr,
                     re.M)


def test_demand_export_ends_with_a_summary_on_stderr(sample_app: Flask) -> None:
    result = sample_app.test_cli_runner().invoke(args=["demand", "export"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("period,")  # the CSV alone
    assert re.search(r"^demand export: 0 rows \(csv, by district, 4 period\(s\), counts below "
                     r"5 left out\) in \d+\.\d s$", result.stderr, re.M)
