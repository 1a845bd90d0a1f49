"""Every error forcesight raises on purpose, in one catalogue.

Each carries the evidence (file, line, field, value) and, where there is one, the fix, in the
manner of OpenSTEF's ``exceptions.py``. The CLI prints ``str(error)`` and exits with
``error.exit_code``; the web app returns ``{"error": error.code, "detail": str(error)}``.
Nothing here is a bare ``ValueError("invalid")``.
"""

from __future__ import annotations

from collections.abc import Sequence


class ForcesightError(Exception):
    """Base of every deliberate forcesight error."""

    code = "forcesight_error"
    exit_code = 1

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "detail": str(self)}


# --- settings and configuration ---------------------------------------------------------------


class SettingError(ForcesightError):
    code = "bad_setting"
    exit_code = 2

    def __init__(self, name: str, problem: str, known: Sequence[str] = ()) -> None:
        self.name = name
        hint = f" Known settings: {', '.join(known)}." if known else ""
        super().__init__(f"Setting {name!r} {problem}.{hint}")


# --- the store ----------------------------------------------------------------------------------


class StoreError(ForcesightError):
    code = "store_error"


class StoreNotInitialisedError(StoreError):
    code = "store_not_initialised"

    def __init__(self, url: str) -> None:
        super().__init__(
            f"The store at {url} has no forcesight schema. Run `forcesight init` first."
        )


class StoreOutOfDateError(StoreError):
    code = "store_out_of_date"

    def __init__(self, url: str, current: Sequence[str], expected: Sequence[str]) -> None:
        super().__init__(
            f"The store at {url} is at schema version {', '.join(current) or 'none'} but this "
            f"forcesight expects {', '.join(expected)}. Run `forcesight init` to migrate it."
        )


# --- files and imports --------------------------------------------------------------------------


class UnknownSourceError(ForcesightError):
    code = "unknown_source"
    exit_code = 2

    def __init__(self, source: str, known: Sequence[str]) -> None:
        super().__init__(f"Unknown import source {source!r}; expected one of: {', '.join(known)}.")


class UnreadableFileError(ForcesightError):
    """A file that cannot be imported at all: nothing from it is stored."""

    code = "unreadable_file"

    def __init__(
        self, path: str, problem: str, line: int | None = None, expected: Sequence[str] = ()
    ) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        self.expected = list(expected)
        where = f"{path}, line {line}" if line is not None else path
        exp = f" Expected columns: {', '.join(expected)}." if expected else ""
        super().__init__(f"{where}: {problem}.{exp} Nothing was imported from this file.")


class MissingColumnsError(UnreadableFileError):
    code = "missing_columns"

    def __init__(
        self, path: str, missing: Sequence[str], available: Sequence[str], expected: Sequence[str]
    ) -> None:
        self.missing = list(missing)
        self.available = list(available)
        super().__init__(
            path,
            f"missing column(s) {', '.join(missing)} (the header has: {', '.join(available)})",
            line=1,
            expected=expected,
        )


class MappingError(ForcesightError):
    """A column-mapping, policy, weights or scenario file that is malformed."""

    code = "bad_mapping"
    exit_code = 2

    def __init__(self, path: str, field: str, problem: str, line: int | None = None) -> None:
        self.path = path
        self.field = field
        self.line = line
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: field {field!r}: {problem}.")


class PolicyError(MappingError):
    code = "bad_policy"


class ScenarioError(ForcesightError):
    """A scenario, roster or specification that cannot run; lists every problem at once."""

    code = "bad_scenario"
    exit_code = 2

    def __init__(self, path: str, problems: Sequence[tuple[str, str]]) -> None:
        self.path = path
        self.problems = list(problems)
        listed = "\n".join(f"  - {field}: {why}" for field, why in problems)
        super().__init__(f"{path} cannot run ({len(problems)} problem(s)):\n{listed}")


class DependencyMissingError(ForcesightError):
    code = "dependency_missing"

    def __init__(self, what: str, install: str) -> None:
        super().__init__(f"{what} is not installed. Install it with: {install}")


# --- demand -------------------------------------------------------------------------------------


class ForecastInputError(ForcesightError):
    """A forecasting request that cannot run: bad series values, horizon or model name."""

    code = "bad_forecast_input"
    exit_code = 2

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}.")
