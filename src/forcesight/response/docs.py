"""The scenario file's reference, generated from the pydantic models (so docs cannot drift)."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from forcesight.response.scenario import Scenario


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    if origin in (list, dict):
        return f"{origin.__name__}[{', '.join(_type_name(a) for a in args)}]"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


def _rows(model: type[BaseModel], prefix: str) -> list[tuple[str, str, str, str]]:
    rows = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        nested = [
            a
            for a in (annotation, *typing.get_args(annotation))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        list_items = (
            [
                a
                for a in typing.get_args(annotation)
                if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            if typing.get_origin(annotation) is list
            else []
        )
        if info.is_required():
            default = "required"
        elif info.default_factory is not None:
            default = "(see below)" if nested else "empty"
        elif info.default is None:
            default = "none"
        elif hasattr(info.default, "isoformat"):
            default = f"`{info.default.isoformat()}`"
        else:
            default = f"`{info.default!r}`"
        rows.append((path, _type_name(annotation), default, info.description or ""))
        for sub in list_items or nested:
            suffix = "[]." if list_items else "."
            rows += _rows(sub, f"{path}{suffix}")
    return rows


def scenario_schema_markdown() -> str:
    """Every scenario field: path, type, default, meaning with unit in brackets."""
    lines = ["| field | type | default | meaning [unit] |", "|---|---|---|---|"]
    for path, kind, default, description in _rows(Scenario, ""):
        lines.append(f"| `{path}` | {kind.replace('|', '/')} | {default} | {description} |")
    return "\n".join(lines)
