"""Settings: every setting is documented in the README, and environment variables override."""

from __future__ import annotations

from pathlib import Path

import pytest

from forcesight.errors import SettingError
from forcesight.settings import SETTINGS, default_database_url, setting, settings_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text()
    missing = [s.env_var for s in SETTINGS if f"`{s.env_var}`" not in text]
    assert missing == []
    assert settings_markdown() in text, "regenerate with: forcesight settings --markdown"


def test_every_setting_has_help_and_a_typed_default() -> None:
    for s in SETTINGS:
        assert len(s.help) > 20, s.name
        assert isinstance(s.default, str | int | bool), s.name


def test_environment_overrides_and_types() -> None:
    env = {"FORCESIGHT_WORKERS": "4", "FORCESIGHT_SECURE_COOKIES": "false"}
    assert setting("workers", env) == 4
    assert setting("secure_cookies", env) is False
    with pytest.raises(SettingError, match="is not a whole number"):
        setting("workers", {"FORCESIGHT_WORKERS": "four"})
    with pytest.raises(SettingError, match="is not a forcesight setting"):
        setting("no_such_setting", {})


def test_default_store_is_a_sqlite_file_in_the_data_dir() -> None:
    env = {"FORCESIGHT_DATA_DIR": "/srv/fs"}
    assert default_database_url(env) == "sqlite:////srv/fs/forcesight.db"
    assert default_database_url({"FORCESIGHT_DATABASE_URL": "postgresql+psycopg://x@h/db"}) == (
        "postgresql+psycopg://x@h/db"
    )
