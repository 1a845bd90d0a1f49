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


# --- tracking -----------------------------------------------------------------------------------


class ClockRefusedError(ForcesightError):
    """An event or record the clock engine will not accept; nothing was written."""

    code = "clock_refused"
    exit_code = 2

    def __init__(self, ref: str, what: str, reason: str) -> None:
        self.ref = ref
        self.what = what
        self.reason = reason
        super().__init__(f"{what} on {ref} refused: {reason}. Nothing was recorded.")


class UnknownClockSubjectError(ClockRefusedError):
    """The record, crime, person or staff member an event or record names does not exist."""

    code = "unknown_clock_subject"


class DigestDeliveryError(ForcesightError):
    code = "digest_delivery_failed"

    def __init__(self, channel: str, target: str, problem: str) -> None:
        self.channel = channel
        self.target = target
        super().__init__(
            f"Sending the digest by {channel} to {target} failed: {problem}. "
            "Check the smtp_host/smtp_port or webhook_url settings."
        )


# --- allocation ---------------------------------------------------------------------------------


class AllocationError(ForcesightError):
    code = "allocation_error"


class AllocationSolverError(AllocationError):
    code = "allocation_solver_failed"


class UnknownRecordError(AllocationError):
    """A crime, proposal or member of staff named on the command line or in a request that the
    store does not hold."""

    code = "unknown_record"
    exit_code = 2
    http_status = 404

    def __init__(self, kind: str, ref: str, hint: str = "") -> None:
        self.kind = kind
        self.ref = ref
        super().__init__(f"No {kind} {ref!r} in the store.{(' ' + hint) if hint else ''}")


class AlreadyDecidedError(AllocationError):
    """The crime was allocated (or the proposal decided) by someone else first."""

    code = "already_decided"
    exit_code = 3
    http_status = 409

    def __init__(self, crime_ref: str, state: str) -> None:
        self.crime_ref = crime_ref
        self.state = state
        super().__init__(
            f"Crime {crime_ref!r} is no longer waiting: it is {state}. Nothing was changed; "
            "refresh the queue and decide again."
        )


class OverrideReasonRequiredError(AllocationError):
    code = "override_reason_required"
    exit_code = 2

    def __init__(self, crime_ref: str, breaches: Sequence[str]) -> None:
        self.breaches = list(breaches)
        broken = f" It breaks {', '.join(breaches)}." if breaches else ""
        super().__init__(
            f"Overriding the proposal for crime {crime_ref!r} needs a stated reason.{broken}"
        )


# --- synthetic ----------------------------------------------------------------------------------


class DemoForceInUseError(StoreError):
    """Rebuilding the demo force would orphan rows that are not part of it."""

    code = "demo_force_in_use"

    def __init__(self, references: Sequence[tuple[str, str, int]]) -> None:
        self.references = list(references)
        listed = "; ".join(f"{n} {table} row(s) {why}" for table, why, n in references)
        super().__init__(
            f"The store's demo force cannot be replaced: {listed}. These rows are not demo "
            "data but point at it. Delete them, or build the demo into another store "
            "(forcesight --db URL demo)."
        )


class DemoParameterError(ForcesightError):
    code = "bad_demo_parameter"
    exit_code = 2

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        super().__init__(f"Demo force parameter {name}={value!r}: expected {expected}.")


# --- rostering ----------------------------------------------------------------------------------


class RosterFileError(ScenarioError):
    """A roster file refused whole: every bad line and field is listed."""

    code = "bad_roster"

    def __init__(self, path: str, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__(path, problems)
        listed = "\n".join(f"  - {field}: {why}" for field, why in problems)
        self.args = (f"{path} is refused ({len(problems)} problem(s)):\n{listed}",)


class UnknownRosterError(ForcesightError):
    code = "unknown_roster"
    exit_code = 2

    def __init__(self, kind: str, name: str, known: Sequence[str]) -> None:
        listed = ", ".join(known) if known else "none stored"
        super().__init__(f"No stored {kind} named {name!r}. Stored: {listed}.")


class RosterSimulationError(ScenarioError):
    """A roster whose officers cannot become units of the response scenario it is run in."""

    code = "roster_not_simulable"


class CoverSourceError(ForcesightError):
    """A source of required cover that gives none for the function asked."""

    code = "bad_cover_source"
    exit_code = 2
    http_status = 422

    def __init__(self, source: str, why: str) -> None:
        super().__init__(f"Required cover from {source}: {why}.")


# --- web ----------------------------------------------------------------------------------------


class AccountError(ForcesightError):
    """A user account that cannot be created, found or changed as asked."""

    code = "account_error"
    exit_code = 2
    http_status = 400


class UnknownRoleError(AccountError):
    code = "unknown_role"

    def __init__(self, role: str, known: Sequence[str]) -> None:
        self.role = role
        super().__init__(f"Unknown role {role!r}; expected one of: {', '.join(known)}.")


class UserExistsError(AccountError):
    code = "user_exists"
    http_status = 409

    def __init__(self, username: str) -> None:
        super().__init__(f"A user named {username!r} already exists.")


class UnknownUserError(AccountError):
    code = "unknown_user"
    http_status = 404

    def __init__(self, username: str) -> None:
        super().__init__(f"No user named {username!r}. `forcesight user list` shows the users.")


class BadUsernameError(AccountError):
    code = "bad_username"

    def __init__(self, username: str) -> None:
        super().__init__(
            f"Username {username!r} is not allowed: use 2 to 80 letters, digits, '.', '-' or '_', "
            "starting with a letter or digit."
        )


class WeakPasswordError(AccountError):
    code = "weak_password"

    def __init__(self, problem: str) -> None:
        super().__init__(f"Password refused: {problem}.")


class LoginRefusedError(ForcesightError):
    """A sign-in that did not succeed; the message never says whether the username exists."""

    code = "login_refused"
    http_status = 401

    def __init__(self, message: str, retry_after_seconds: int | None = None) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(message)


class UploadRefusedError(ForcesightError):
    """An uploaded file refused before anything was imported."""

    code = "upload_refused"
    http_status = 400

    def __init__(self, file_name: str, problem: str, http_status: int = 400) -> None:
        self.file_name = file_name
        self.http_status = http_status
        super().__init__(f"{file_name}: {problem}. Nothing was imported.")


class BadFilterError(ForcesightError):
    """A filter value (a date, a number) that cannot be understood."""

    code = "bad_filter"
    exit_code = 2
    http_status = 400

    def __init__(self, field: str, value: str, expected: str) -> None:
        self.field = field
        super().__init__(f"Filter {field!r}: {value!r} is not {expected}.")


# --- workforce ----------------------------------------------------------------------------------


class SkillRefusedError(ForcesightError):
    """A skill or accreditation change the register will not accept; nothing was written."""

    code = "skill_refused"
    exit_code = 2

    def __init__(self, action: str, staff_id: str, skill: str, problems: Sequence[str]) -> None:
        self.action = action
        self.staff_id = staff_id
        self.skill = skill
        self.problems = list(problems)
        listed = "; ".join(problems)
        super().__init__(
            f"{action} {skill!r} for {staff_id} refused: {listed}. Nothing was recorded."
        )


# --- finance ------------------------------------------------------------------------------------


class InvestmentRefusedError(ForcesightError):
    """An investment or measurement the benefits register will not accept; nothing written."""

    code = "investment_refused"
    exit_code = 2

    def __init__(self, name: str, problems: Sequence[str]) -> None:
        self.name = name
        self.problems = list(problems)
        super().__init__(
            f"Investment {name!r} refused: {'; '.join(problems)}. Nothing was recorded."
        )


class UnknownMetricError(ForcesightError):
    code = "unknown_metric"
    exit_code = 2

    def __init__(self, metric: str, known: Sequence[str]) -> None:
        self.metric = metric
        super().__init__(f"Unknown metric {metric!r}; expected one of: {', '.join(known)}.")


# --- reporting ----------------------------------------------------------------------------------


class ReportPathError(ForcesightError):
    code = "bad_report_path"
    exit_code = 2

    def __init__(self, path: str, expected: Sequence[str]) -> None:
        self.path = path
        super().__init__(f"{path}: the report is written as {' or '.join(expected)} (by suffix).")


# --- demand -------------------------------------------------------------------------------------


class ForecastInputError(ForcesightError):
    """A forecasting request that cannot run: bad series values, horizon or model name."""

    code = "bad_forecast_input"
    exit_code = 2

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}.")
