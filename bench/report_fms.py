"""Benchmark: build the Force Management Statement for the demo force.

Builds the demo force (real reference data + the synthetic force) into a fresh SQLite store in
a temporary directory, unless --db names a store that already holds one, then times
``forcesight.reporting.fms.build_report`` for HTML (+ Excel) and for PDF, printing the time each
engine's sections took. Target: under a minute for the demo (the lead's `forcesight demo`).

    .venv/bin/python bench/report_fms.py [--db URL] [--seed 2018] [--out DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from forcesight.reporting import render
from forcesight.reporting.fms import collect_sections
from forcesight.store.engine import open_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--db", default="", help="A store that already holds the demo force.")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--out", type=Path, default=None, help="Keep the outputs here.")
    args = parser.parse_args()

    from forcesight.synthetic import DEFAULT_AS_OF

    workdir = Path(tempfile.mkdtemp(prefix="fms-bench-"))
    out = args.out or workdir
    out.mkdir(parents=True, exist_ok=True)
    url = args.db or f"sqlite:///{workdir / 'demo.db'}"
    engine = open_engine(url)
    if not args.db:
        from forcesight.demo import build_demo

        started = time.perf_counter()
        build_demo(engine, seed=args.seed)
        print(f"demo force built in {time.perf_counter() - started:.1f} s ({url})")

    started = time.perf_counter()
    statement = collect_sections(engine, DEFAULT_AS_OF)
    collected = time.perf_counter() - started
    for module, status, seconds in statement.contributors:
        print(f"  {module:<34} {status:<14} {seconds:6.1f} s")
    for failure in statement.failures:
        print(f"  FAILED: {failure}")
    started = time.perf_counter()
    html = render.to_html(statement)
    (out / "fms.html").write_text(html, encoding="utf-8")
    render.write_excel(statement, out / "fms.xlsx")
    html_s = time.perf_counter() - started
    started = time.perf_counter()
    render.write_pdf(render.to_html(statement, for_print=True), out / "fms.pdf")
    pdf_s = time.perf_counter() - started
    print(f"sections collected       {collected:6.1f} s")
    print(f"HTML + Excel written     {html_s:6.1f} s")
    print(f"PDF written              {pdf_s:6.1f} s")
    print(f"build_report, HTML       {collected + html_s:6.1f} s  (target: under 60 s)")
    print(f"build_report, PDF        {collected + pdf_s:6.1f} s  (target: under 60 s)")
    print(f"outputs in {out}")
    engine.dispose()


if __name__ == "__main__":
    main()
