"""Settings registry: every setting forcesight reads, with its default and help.

One list, in the manner of datasette's ``Setting(name, default, help)``. Each setting can be
overridden by an environment variable ``FORCESIGHT_<NAME>`` (upper case). The README's settings
table is generated from this list (``forcesight settings --markdown``), and a test fails if a
setting is missing from the README.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forcesight.errors import SettingError


@dataclass(frozen=True)
class Setting:
    """One named setting: its default, its type and what it does."""

    name: str
    default: Any
    help: str

    @property
    def env_var(self) -> str:
        return "FORCESIGHT_" + self.name.upper()


def _default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "forcesight"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "",
        "SQLAlchemy URL of the store. Empty means the SQLite file "
        "forcesight.db in the data directory. PostgreSQL: postgresql+psycopg://user@host/db",
    ),
    Setting(
        "data_dir",
        str(_default_home()),
        "Directory for the default SQLite store, uploads and generated reports.",
    ),
    Setting("max_upload_mb", 200, "Largest file the web app accepts for import, in MiB."),
    Setting("session_minutes", 480, "Web sessions expire after this many minutes of inactivity."),
    Setting("login_max_failures", 5, "Failed logins before an account is locked temporarily."),
    Setting(
        "login_lockout_minutes",
        15,
        "How long an account stays locked after too many failed logins.",
    ),
    Setting(
        "secure_cookies",
        True,
        "Mark session cookies Secure (HTTPS only). Set false only for plain-HTTP use on loopback.",
    ),
    Setting(
        "keep_alive_seconds",
        75,
        "How long the web server keeps an idle connection open. Longer than a reverse proxy's "
        "(nginx: 60 s), so the proxy never reuses a connection the server has just closed.",
    ),
    Setting(
        "secret_key",
        "",
        "Key that signs session and CSRF tokens. Empty means a random key "
        "kept in the data directory.",
    ),
    Setting("smtp_host", "localhost", "SMTP server for daily digests."),
    Setting("smtp_port", 25, "Port of the SMTP server for daily digests."),
    Setting("smtp_sender", "forcesight@localhost", "From address of digests."),
    Setting("webhook_url", "", "If set, daily digests are also POSTed here as JSON."),
    Setting(
        "executor",
        "processes",
        "Where replications and sweeps run: 'processes' (local), "
        "'serial', or 'dask' (needs dask_scheduler).",
    ),
    Setting(
        "dask_scheduler",
        "",
        "Address of a Dask scheduler, e.g. tcp://10.0.0.5:8786, used when executor is 'dask'.",
    ),
    Setting("workers", 2, "Local worker processes for replications, sweeps and forecasts."),
    Setting(
        "policy_dir",
        "",
        "Directory of force policy YAML files that override the shipped "
        "defaults (same file names). Empty means the shipped defaults only.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """Value of a setting: the environment variable if set, else the default, typed like it."""
    try:
        spec = _BY_NAME[name]
    except KeyError:
        raise SettingError(name, "is not a forcesight setting", sorted(_BY_NAME)) from None
    env = os.environ if environ is None else environ
    raw = env.get(spec.env_var)
    if raw is None or raw == "":
        return spec.default
    default = spec.default
    if isinstance(default, bool):
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise SettingError(name, f"{spec.env_var}={raw!r} is not a boolean (true/false)")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingError(name, f"{spec.env_var}={raw!r} is not a whole number") from None
    return raw


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    return Path(setting("data_dir", environ)).expanduser()


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    url = str(setting("database_url", environ))
    if url:
        return url
    return f"sqlite:///{data_dir(environ) / 'forcesight.db'}"


def settings_markdown() -> str:
    """The settings table for the README, generated from the registry."""
    lines = ["| setting | environment variable | default | what it does |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = "(empty)" if s.default == "" else f"`{s.default}`"
        if s.name == "data_dir":
            default = "`~/.local/share/forcesight`"
        lines.append(f"| `{s.name}` | `{s.env_var}` | {default} | {s.help} |")
    return "\n".join(lines)
