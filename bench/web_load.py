"""Load benchmark of the web app: simulated users on loopback against `forcesight serve`.

    python bench/web_load.py [--users 50] [--seconds 60] [--think 1.0] [--keep DIR]

Builds a SQLite store in a temporary folder (the demo force if ``forcesight.synthetic`` is
installed; otherwise the real reference data plus the 2018-10..2019-02 data.police.uk street
files of all six forces, 215,277 rows), adds one account per role, starts ``forcesight serve``
in a subprocess, signs every simulated user in (not timed), then for ``--seconds`` each user
repeatedly requests a page or API call its role may use, waiting a random think time
(uniform 0..2 x ``--think`` seconds) between requests. Prints p50/p95/p99 latency, throughput
and the error count (any status >= 400, or a failed connection), overall and per endpoint.
Target: p95 < 300 ms and no errors on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-test-password-1"
ROLES = ("analyst", "planner", "supervisor", "investigator", "admin")

# What each role does, as (weight, path); {run} is an import run id.
PAGES = {
    "home": (5, "/"),
    "status": (3, "/api/v1/status"),
    "import": (2, "/import"),
    "runs": (2, "/api/v1/imports/runs?limit=20"),
    "run": (2, "/import/runs/{run}"),
    "run_api": (1, "/api/v1/imports/runs/{run}"),
    "quality": (3, "/quality"),
    "quality_api": (2, "/api/v1/quality"),
    "audit": (1, "/audit"),
    "audit_api": (1, "/api/v1/audit?limit=50"),
    "health": (1, "/healthz"),
}
ALLOWED = {
    "analyst": ["home", "status", "import", "runs", "run", "run_api", "quality", "quality_api",
                "health"],
    "planner": ["home", "status", "import", "runs", "run", "run_api", "quality", "quality_api",
                "health"],
    "supervisor": ["home", "status", "quality", "quality_api", "health"],
    "investigator": ["home", "status", "health"],
    "admin": list(PAGES),
}  # fmt: skip


def build_store(folder: Path) -> tuple[str, str]:
    """A loaded SQLite store in ``folder``; returns its URL and what was loaded."""
    from forcesight.errors import UserExistsError
    from forcesight.ingest import run_import
    from forcesight.store.engine import open_engine
    from forcesight.store.migrate import upgrade
    from forcesight.web import accounts

    url = f"sqlite:///{folder / 'bench.db'}"
    engine = open_engine(url)
    upgrade(engine)
    try:
        import forcesight.synthetic  # noqa: F401
        from forcesight.demo import build_demo

        build_demo(engine, seed=2018)
        loaded = "the demo force (build_demo, seed 2018)"
    except ImportError:
        from forcesight.demo import reference_files

        files = [f for f in reference_files() if f[0] != "police-uk"]
        files += [("police-uk", p) for p in sorted(
            (ROOT / "data" / "police_uk" / "street").glob("201[89]-*/*-street.csv"))]  # fmt: skip
        rows = 0
        for source, path in files:
            rows += run_import(engine, source, path, user="bench").rows_stored
        loaded = (
            f"reference data + data.police.uk street files 2018-10..2019-02 "
            f"({len(files)} files, {rows:,} rows stored); forcesight.synthetic not available"
        )
    from forcesight.web.clock import utc_now

    for role in ROLES:
        try:
            with engine.begin() as connection:
                accounts.add_user(
                    connection, f"bench-{role}", role, PASSWORD, actor="bench", ip="local",
                    now=utc_now(),
                )  # fmt: skip
        except UserExistsError:  # a store kept from an earlier run (--keep)
            pass
    engine.dispose()
    return url, loaded


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FORCESIGHT_DATA_DIR": str(folder / "data"),
        "FORCESIGHT_SECURE_COOKIES": "false",
        "FORCESIGHT_SECRET_KEY": "bench-secret",
        "FORCESIGHT_LOGIN_MAX_FAILURES": "1000",
    }
    forcesight = Path(sys.executable).parent / "forcesight"
    process = subprocess.Popen(
        [str(forcesight), "--db", url, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start: " + (process.stderr.read() or b"").decode()[-2000:])


async def sign_in(base: str, role: str) -> httpx.AsyncClient:
    # Like a browser, never reuse a connection idle for longer than the server keeps one.
    limits = httpx.Limits(keepalive_expiry=4.0)
    client = httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False, limits=limits)
    response = await client.post(
        "/api/v1/session", json={"username": f"bench-{role}", "password": PASSWORD}
    )
    response.raise_for_status()
    return client


async def user(
    client: httpx.AsyncClient,
    role: str,
    run_ids: list[int],
    stop_at: float,
    think: float,
    rng: random.Random,
    timings: dict[str, list[float]],
    errors: dict[str, int],
) -> None:
    names = ALLOWED[role]
    weights = [PAGES[n][0] for n in names]
    while time.monotonic() < stop_at:
        name = rng.choices(names, weights)[0]
        path = PAGES[name][1].replace("{run}", str(rng.choice(run_ids)))
        started = time.perf_counter()
        why = ""
        try:
            response = await client.get(path)
            await response.aread()
            ok = response.status_code < 400
            why = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            ok = False
            why = f"{type(exc).__name__}: {exc}"
        timings[name].append(time.perf_counter() - started)
        if not ok:
            errors[name] += 1
            if len(ERROR_DETAILS) < 10:
                ERROR_DETAILS.append(f"{role} GET {path}: {why}")
        await asyncio.sleep(rng.uniform(0, 2 * think))


ERROR_DETAILS: list[str] = []  # the first errors, printed after the table


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def drive(base: str, users: int, seconds: float, think: float, seed: int) -> None:
    rng = random.Random(seed)
    roles = [ROLES[i % len(ROLES)] for i in range(users)]
    started = time.perf_counter()
    clients = []
    for role in roles:  # one at a time: argon2 is meant to be slow
        clients.append(await sign_in(base, role))
    login_seconds = time.perf_counter() - started
    runs = (await clients[0].get("/api/v1/imports/runs?limit=1000")).json()
    run_ids = [r["run_id"] for r in runs] or [1]
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    stop_at = time.monotonic() + seconds
    await asyncio.gather(
        *(
            user(c, role, run_ids, stop_at, think, random.Random(rng.random()), timings, errors)
            for c, role in zip(clients, roles, strict=True)
        )
    )
    for client in clients:
        await client.aclose()
    every = [t for ts in timings.values() for t in ts]
    total_errors = sum(errors.values())
    print(f"users {users}, {seconds:.0f} s, think time uniform 0..{2 * think:.1f} s per user")
    print(f"sign-in of {users} users (argon2, sequential, not timed below): {login_seconds:.1f} s")
    print(f"requests {len(every):,}  throughput {len(every) / seconds:.1f} req/s  "
          f"errors {total_errors}")  # fmt: skip
    print(f"latency p50 {1000 * percentile(every, 50):.1f} ms  p95 "
          f"{1000 * percentile(every, 95):.1f} ms  p99 {1000 * percentile(every, 99):.1f} ms  "
          f"max {1000 * max(every):.1f} ms")  # fmt: skip
    print(f"{'endpoint':<14}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for name in PAGES:
        ts = timings.get(name, [])
        if ts:
            print(f"{name:<14}{len(ts):>9}{1000 * percentile(ts, 50):>9.1f}"
                  f"{1000 * percentile(ts, 95):>9.1f}{errors.get(name, 0):>8}")  # fmt: skip
    for detail in ERROR_DETAILS:
        print(f"error: {detail}")
    target = percentile(every, 95) < 0.3 and total_errors == 0
    print(f"target (p95 < 300 ms, no errors): {'met' if target else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time [s]")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the store here and keep it")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="forcesight-bench-web-"))
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    url, loaded = build_store(folder)
    print(f"store: SQLite, {loaded}; built in {time.perf_counter() - t:.0f} s")
    port = free_port()
    server = start_server(url, port, folder)
    try:
        asyncio.run(drive(f"http://127.0.0.1:{port}", args.users, args.seconds, args.think,
                          args.seed))  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
