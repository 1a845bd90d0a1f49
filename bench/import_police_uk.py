"""Benchmark: import the 2018-10..2019-02 data.police.uk street files of six forces
(215,277 rows) into SQLite and PostgreSQL, beside the obvious baseline (pandas.read_csv +
DataFrame.to_sql into SQLite, which validates nothing and keeps duplicates).

Run: ./run bench import_police_uk   (starts a throwaway PostgreSQL; without one, PostgreSQL is
skipped). Prints rows per second and the ratio to the baseline. Modules are imported before the
clock starts for every contender; each contender writes a new store.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from forcesight.ingest import run_import
from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.store.sink import close_import_connections

ROOT = Path(__file__).resolve().parents[1]
MONTHS = ("2018-10", "2018-11", "2018-12", "2019-01", "2019-02")
FILES = sorted(
    f for m in MONTHS for f in (ROOT / "data" / "police_uk" / "street" / m).glob("*.csv")
)


def baseline(folder: Path) -> tuple[int, float]:
    connection = sqlite3.connect(folder / "baseline.db")
    start = time.perf_counter()
    rows = 0
    for path in FILES:
        frame = pd.read_csv(path)
        frame.to_sql("street", connection, if_exists="append", index=False)
        rows += len(frame)
    connection.commit()
    elapsed = time.perf_counter() - start
    connection.close()
    return rows, elapsed


def forcesight(url: str) -> tuple[int, int, float]:
    engine = open_engine(url)
    upgrade(engine)
    start = time.perf_counter()
    read = stored = 0
    for path in FILES:
        result = run_import(engine, "police-uk", path)
        assert result.reconciles, result
        read += result.rows_read
        stored += result.rows_stored
    elapsed = time.perf_counter() - start
    close_import_connections()
    engine.dispose()
    return read, stored, elapsed


def main() -> None:
    print(f"{len(FILES)} files; machine: {os.cpu_count()} cores (timings vary with load)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base_rows, base_time = baseline(folder)
        base_rate = base_rows / base_time
        print(f"{'contender':<44}{'rows':>9}{'seconds':>9}{'rows/s':>10}{'ratio':>8}")
        print(
            f"{'baseline pandas read_csv + to_sql (SQLite)':<44}{base_rows:>9,}{base_time:>9.2f}"
            f"{base_rate:>10,.0f}{1.0:>8.2f}"
        )
        read, _stored, elapsed = forcesight(f"sqlite:///{folder / 'forcesight.db'}")
        print(
            f"{'forcesight import (SQLite, validated)':<44}{read:>9,}{elapsed:>9.2f}"
            f"{read / elapsed:>10,.0f}{read / elapsed / base_rate:>8.2f}"
        )
        pg = os.environ.get("FORCESIGHT_TEST_PG_URL", "")
        if pg:
            admin = create_engine(pg, isolation_level="AUTOCOMMIT")
            name = f"bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(pg).set(database=name).render_as_string(hide_password=False)
            try:
                read, _stored, elapsed = forcesight(url)
                print(
                    f"{'forcesight import (PostgreSQL COPY)':<44}{read:>9,}{elapsed:>9.2f}"
                    f"{read / elapsed:>10,.0f}{read / elapsed / base_rate:>8.2f}"
                )
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        else:
            print("PostgreSQL skipped: FORCESIGHT_TEST_PG_URL not set (./run bench starts one)")
    print("targets: SQLite ratio >= 1.0; PostgreSQL >= 100,000 rows/s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
