"""The web app's settings, read once from the settings registry (or given by tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from forcesight.settings import data_dir, setting


@dataclass(frozen=True)
class WebConfig:
    session_minutes: int
    login_max_failures: int
    login_lockout_minutes: int
    secure_cookies: bool
    max_upload_mb: int
    secret_key: str
    data_dir: Path
    policy_dir: str = ""

    @classmethod
    def from_settings(cls) -> WebConfig:
        return cls(
            session_minutes=int(setting("session_minutes")),
            login_max_failures=int(setting("login_max_failures")),
            login_lockout_minutes=int(setting("login_lockout_minutes")),
            secure_cookies=bool(setting("secure_cookies")),
            max_upload_mb=int(setting("max_upload_mb")),
            secret_key=str(setting("secret_key")),
            data_dir=data_dir(),
            policy_dir=str(setting("policy_dir")),
        )

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"
