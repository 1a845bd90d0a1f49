"""The Force Management Statement: assembly, missing data, failures, Excel, PDF pages, CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from PIL import Image
from sqlalchemy import Engine
from tests.workforce.force_fixture import NOW
from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.errors import ReportPathError
from forcesight.reporting import fms, render
from forcesight.reporting.section import Step
from forcesight.store.engine import open_engine
from forcesight.workforce import report as workforce_report

AT = NOW.strftime("%Y-%m-%dT%H:%M:%S")


def test_an_empty_store_says_what_was_not_assessed_instead_of_zeros(sqlite_engine: Engine) -> None:
    statement = fms.collect_sections(sqlite_engine, NOW, strict=True)
    assert statement.failures == []
    by_title = {s.title: s for s in statement.sections}
    capability = by_title["Skills, accreditations, tutoring and absence"]
    assert capability.figures == [] and "no workforce loaded" in capability.missing[0]
    cost = by_title["Cost of demand"]
    assert cost.figures == [] and "cost of demand not assessed" in cost.missing[0]
    assert "no crimes loaded" in " ".join(
        by_title["Unallocated crime and time to allocation"].missing
    )
    assert "no clock records loaded" in by_title["Statutory and policy clocks"].missing[0]
    for section in statement.sections:  # every section with no figures says why
        if not section.figures:
            assert section.missing, section.title
    html = render.to_html(statement)
    assert "no workforce loaded: skills, tutoring and absence not assessed" in html
    assert "Not assessed, or assessed only in part" in html


def test_an_absent_engine_gets_a_section_that_says_so(sqlite_engine: Engine) -> None:
    absent = fms.Contributor("forcesight.nonexistent.report", "Response", Step.CAPACITY,
                             "Response capacity", "response capacity not assessed")  # fmt: skip
    no_section = fms.Contributor("forcesight.workforce.no_such_report", "Workforce", Step.PLANS,
                                 "Plans", "plans not assessed")  # fmt: skip
    statement = fms.collect_sections(sqlite_engine, NOW, contributors=(absent, no_section))
    assert statement.sections[0].missing == [
        "forcesight.nonexistent is not installed in this build: response capacity not assessed"
    ]
    assert statement.sections[1].missing == [
        "forcesight.workforce provides no report section in this build: plans not assessed"
    ]


def test_a_failing_section_is_reported_or_raised(
    force_sqlite: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(engine: Engine, now: object) -> list[object]:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(workforce_report, "report_section", broken)
    only = tuple(c for c in fms.CONTRIBUTORS if c.module == "forcesight.workforce.report")
    statement = fms.collect_sections(force_sqlite, NOW, contributors=only)
    assert statement.failures and "RuntimeError: the disk is full" in statement.failures[0]
    assert "could not be built" in statement.sections[0].missing[0]
    with pytest.raises(RuntimeError):
        fms.collect_sections(force_sqlite, NOW, contributors=only, strict=True)


@pytest.mark.alongside
def test_a_section_built_alongside_equals_the_one_built_here(
    force_sqlite: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The demand sections come from a worker process (its own connection to the store) while
    the others are built here; they are the same sections, in the same place."""
    monkeypatch.setenv("FORCESIGHT_WORKERS", "2")
    alongside = fms.collect_sections(force_sqlite, NOW)
    monkeypatch.setenv("FORCESIGHT_WORKERS", "1")
    here = fms.collect_sections(force_sqlite, NOW)
    assert [c[:2] for c in alongside.contributors] == [c[:2] for c in here.contributors]
    assert [s.title for s in alongside.sections] == [s.title for s in here.sections]
    for a, b in zip(alongside.sections, here.sections, strict=True):
        assert (a.figures, a.missing, a.summary) == (b.figures, b.missing, b.summary)
        assert [t.frame.to_dicts() for t in a.tables] == [t.frame.to_dicts() for t in b.tables]
    # A contributor that fails in the worker is reported like one that fails here.
    bare = open_engine(f"sqlite:///{tmp_path / 'unmigrated.db'}")
    with bare.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE placeholder (x INTEGER)")
    monkeypatch.setenv("FORCESIGHT_WORKERS", "2")
    demand = tuple(c for c in fms.CONTRIBUTORS if c.alongside)
    failed = fms.collect_sections(bare, NOW, contributors=demand)
    assert failed.contributors[0][1] == "failed" and "OperationalError" in failed.failures[0]
    with pytest.raises(Exception, match="no such table"):
        fms.collect_sections(bare, NOW, contributors=demand, strict=True)
    bare.dispose()


def test_html_and_excel_carry_every_figure_and_table(force: Engine, tmp_path: Path) -> None:
    out = fms.build_report(force, NOW, tmp_path / "fms.html", excel=tmp_path / "fms.xlsx",
                           strict=True)  # fmt: skip
    html = out.read_text(encoding="utf-8")
    statement = fms.collect_sections(force, NOW, strict=True)
    # self-contained: nothing is fetched from anywhere, no script runs
    assert 'src="http' not in html and 'href="http' not in html and "url(http" not in html
    assert "<script" not in html and "@import" not in html
    areas = statement.areas()
    assert html.index(">Summary<") < html.index(f">{areas[0]}<")
    tables = []
    for section in statement.sections:
        assert section.title in html
        for figure in section.figures:
            assert render.format_value(figure.value, figure.unit) in html, figure.label
        tables += [t for t in section.tables if t.frame.width]
    sheets = pl.read_excel(tmp_path / "fms.xlsx", sheet_id=0)
    assert list(sheets)[:2] == ["Contents", "Figures"]
    assert len(sheets) == len(tables) + 2
    contents = sheets["Contents"]
    assert contents["table"].to_list() == [t.title for t in tables]
    figures = sheets["Figures"]
    assert figures.height == sum(len(s.figures) for s in statement.sections)
    first = tables[0]
    stored = sheets[contents["sheet"][0]]
    assert stored.height == first.frame.height
    assert stored.columns == first.frame.columns


def test_bad_output_names_are_refused(force_sqlite: Engine, tmp_path: Path) -> None:
    with pytest.raises(ReportPathError, match=r"\.html or \.pdf"):
        fms.build_report(force_sqlite, NOW, tmp_path / "fms.docx")
    with pytest.raises(ReportPathError, match=r"\.xlsx"):
        fms.build_report(force_sqlite, NOW, tmp_path / "fms.html", excel=tmp_path / "t.csv")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_is_paginated_and_no_page_is_blank(force_sqlite: Engine, tmp_path: Path) -> None:
    pdf = fms.build_report(force_sqlite, NOW, tmp_path / "fms.pdf", strict=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 8
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"), dtype=np.float64)
        assert pixels.std() > 5.0, f"{page.name} looks blank"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert f"Page 1 of {len(pages)}" in text
    assert f"Page {len(pages)} of {len(pages)}" in text
    assert "Contents" in text and "Step 4: Demand that will not be met" in text


def test_report_cli(force_sqlite: Engine, tmp_path: Path) -> None:
    url = force_sqlite.url.render_as_string(hide_password=False)
    out = tmp_path / "fms.html"
    result = CliRunner().invoke(
        app, ["--db", url, "report", "fms", "--out", str(out), "--excel", str(tmp_path / "t.xlsx"),
              "--at", AT, "--strict"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.exists() and (tmp_path / "t.xlsx").exists()
    bad = CliRunner().invoke(app, ["--db", url, "report", "fms", "--out", str(tmp_path / "x.txt")])
    assert bad.exit_code == 2 and ".html or .pdf" in bad.output
