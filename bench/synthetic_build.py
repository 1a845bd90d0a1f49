"""Benchmark: build the full demo force into SQLite and PostgreSQL, and build it again.

    .venv/bin/python bench/synthetic_build.py [--pg postgresql+psycopg://user@host/admin_db]

Prints generation time, write time and rows per second per backend, and the time of a rebuild
(which replaces the demo force). The target is a whole build well under 60 s on a 2-core
machine. PostgreSQL: the given URL must allow CREATE DATABASE; a throwaway database is made
and dropped. Without --pg, FORCESIGHT_TEST_PG_URL is used if set.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.synthetic import build_demo_force, generate_demo_force


def _build(url: str) -> None:
    engine = open_engine(url)
    upgrade(engine)
    marks: dict[str, float] = {}
    start = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(stage, time.perf_counter() - start)

    summary = build_demo_force(engine, progress=progress)
    total = time.perf_counter() - start
    generated = marks.get("removing the previous demo force", total)
    rows = sum(summary.rows.values())
    print(
        f"  first build   {total:6.1f} s  (generate {generated:5.1f} s, write "
        f"{total - generated:5.1f} s, {rows / (total - generated):,.0f} rows/s written)"
    )
    start = time.perf_counter()
    build_demo_force(engine)
    print(f"  rebuild       {time.perf_counter() - start:6.1f} s  (replaces {rows:,} rows)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default=os.environ.get("FORCESIGHT_TEST_PG_URL", ""))
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    start = time.perf_counter()
    frames = generate_demo_force()
    print(
        f"generate only  {time.perf_counter() - start:6.1f} s  "
        f"({sum(f.height for f in frames.tables.values()):,} rows)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        print("SQLite")
        _build(f"sqlite:///{Path(tmp) / 'bench.db'}")
    if args.pg:
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        name = f"fs_bench_synthetic_{uuid.uuid4().hex[:8]}"
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            print("PostgreSQL")
            _build(make_url(args.pg).set(database=name).render_as_string(hide_password=False))
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
