"""The command line: import and status with --json, precise refusals, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from forcesight.cli import app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "police_uk" / "2024-01-northamptonshire-street-sample.csv"
DAMAGED = ROOT / "tests" / "data" / "police_uk" / "2024-01-northamptonshire-street-damaged.csv"


def invoke(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_import_and_status_json(store_url: str) -> None:
    code, out, _ = invoke(store_url, "import", "police-uk", str(SAMPLE), str(DAMAGED), "--json")
    assert code == 0
    payload = json.loads(out)
    runs = payload["runs"]
    assert [r["file_name"] for r in runs] == [SAMPLE.name, DAMAGED.name]
    for run in runs:
        assert run["rows_read"] == (
            run["rows_stored"] + run["rows_quarantined"] + run["rows_duplicate"]
        )
    assert runs[1]["rows_quarantined"] == 7
    assert payload["totals"]["rows_read"] == 40 + 42
    code, out, _ = invoke(store_url, "status", "--json")
    status = json.loads(out)
    assert code == 0
    assert [r["file_name"] for r in status["import_runs"]] == [DAMAGED.name, SAMPLE.name]
    street = next(h for h in status["holdings"] if h["table"] == "street_crimes")
    assert street["rows"] == runs[0]["rows_stored"] + runs[1]["rows_stored"]
    assert street["latest"] == "2024-01-01"


def test_unknown_source_is_refused_with_the_choices(store_url: str) -> None:
    code, _, err = invoke(store_url, "import", "police-us", str(SAMPLE))
    assert code == 2
    assert "police-uk" in err and "home-office-crime" in err


def test_unreadable_file_fails_cleanly_and_others_still_import(
    store_url: str, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    code, out, _ = invoke(store_url, "import", "police-uk", str(empty), str(SAMPLE), "--json")
    payload = json.loads(out)
    assert code == 1
    assert payload["failed"][0]["error"] == "unreadable_file"
    assert "the file is empty" in payload["failed"][0]["detail"]
    assert payload["runs"][0]["rows_stored"] == 40


def test_an_uninitialised_store_says_to_run_init(tmp_path: Path) -> None:
    code, _, err = invoke(f"sqlite:///{tmp_path / 'new.db'}", "status")
    assert code == 1
    assert "Run `forcesight init` first" in err
    code, _, err = invoke(f"sqlite:///{tmp_path / 'new.db'}", "init")
    assert code == 0 and "Store ready" in err


def test_settings_markdown_is_the_readme_table() -> None:
    result = CliRunner().invoke(app, ["settings", "--markdown"])
    assert result.exit_code == 0
    assert result.stdout.strip() in (ROOT / "README.md").read_text()
