"""Loading and validating policy files, with errors that name the file, line and field."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from forcesight.errors import PolicyError
from forcesight.settings import setting

RULES_DIR = Path(__file__).parent / "rules"


class SourcedRule(BaseModel):
    """A rule: every rule says where it comes from (a law, a guidance document, 'force choice')."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str = Field(min_length=3, description="Where the rule comes from, or 'force choice'.")


class PolicyFile(BaseModel):
    """Header every policy file carries."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str = Field(description="Version of this policy file, e.g. '2026.1'.")
    effective_from: date | None = None
    description: str = ""


P = TypeVar("P", bound=PolicyFile)


def policy_path(name: str, policy_dir: str | Path | None = None) -> Path:
    """The file that governs ``name``: the force's override if present, else the shipped one."""
    override_dir = policy_dir if policy_dir is not None else setting("policy_dir")
    if override_dir:
        candidate = Path(override_dir).expanduser() / f"{name}.yaml"
        if candidate.exists():
            return candidate
    return RULES_DIR / f"{name}.yaml"


def _line_of(node: yaml.Node, loc: tuple[int | str, ...]) -> int | None:
    """Line (1-based) of the YAML node at ``loc``, as far down as it can be followed."""
    line = node.start_mark.line + 1
    current: yaml.Node | None = node
    for key in loc:
        if isinstance(current, yaml.MappingNode):
            match = next((v for k, v in current.value if getattr(k, "value", None) == key), None)
            if match is None:
                break
            current = match
        elif isinstance(current, yaml.SequenceNode) and isinstance(key, int):
            if key >= len(current.value):
                break
            current = current.value[key]
        else:
            break
        line = current.start_mark.line + 1
    return line


def parse_yaml_model(path: Path, model: type[P] | type[BaseModel], text: str | None = None) -> Any:
    """Validate a YAML file against ``model``; any problem raises PolicyError with file,
    line and field."""
    try:
        raw_text = path.read_text(encoding="utf-8") if text is None else text
    except OSError as exc:
        raise PolicyError(str(path), "(file)", f"cannot be read: {exc.strerror}") from None
    try:
        node = yaml.compose(raw_text)
        data = yaml.safe_load(raw_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PolicyError(
            str(path),
            "(syntax)",
            f"not valid YAML: {getattr(exc, 'problem', exc)}",
            line=mark.line + 1 if mark else None,
        ) from None
    if node is None or data is None:
        raise PolicyError(str(path), "(file)", "is empty")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise PolicyError(
            str(path), field, f"{first['msg']}{more}", line=_line_of(node, loc)
        ) from None


def load_policy(name: str, model: type[P], policy_dir: str | Path | None = None) -> P:
    """Load and validate policy file ``name`` (without .yaml) as ``model``."""
    result: P = parse_yaml_model(policy_path(name, policy_dir), model)
    return result
