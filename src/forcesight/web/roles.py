"""The role x action table (policy/rules/roles.yaml): who may do what, as data.

Every route names one action (see ``forcesight.web.routing.action``); the guard looks the
action up here. An action missing from the table is refused to everyone, so a route added
without a row fails closed.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, model_validator

from forcesight.errors import UnknownRoleError
from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy

ANONYMOUS = "anonymous"


class Role(SourcedRule):
    name: str = Field(pattern=r"^[a-z][a-z_]*$")
    description: str


class ActionRule(SourcedRule):
    action: str = Field(pattern=r"^[a-z][a-z_]*(\.[a-z][a-z_]*)*$")
    description: str
    anonymous: bool = Field(default=False, description="No sign-in needed at all.")
    roles: list[str] = Field(description="Roles allowed; anonymous actions list none.")


class RolesPolicy(PolicyFile):
    roles: list[Role]
    actions: list[ActionRule]

    @model_validator(mode="after")
    def _consistent(self) -> RolesPolicy:
        names = [r.name for r in self.roles]
        if len(set(names)) != len(names):
            raise ValueError("role names must be unique")
        seen: set[str] = set()
        for rule in self.actions:
            if rule.action in seen:
                raise ValueError(f"action {rule.action!r} is listed twice")
            seen.add(rule.action)
            unknown = sorted(set(rule.roles) - set(names))
            if unknown:
                raise ValueError(f"action {rule.action!r} names unknown role(s) {unknown}")
            if rule.anonymous and rule.roles:
                raise ValueError(f"action {rule.action!r} is anonymous, so it lists no roles")
        return self

    @property
    def role_names(self) -> list[str]:
        return [r.name for r in self.roles]

    def rule(self, action: str) -> ActionRule | None:
        return next((r for r in self.actions if r.action == action), None)

    def allows(self, role: str | None, action: str) -> bool:
        """Whether ``role`` (None: not signed in) may perform ``action``."""
        rule = self.rule(action)
        if rule is None:
            return False
        if rule.anonymous:
            return True
        return role is not None and role in rule.roles

    def check_role(self, role: str) -> str:
        if role not in self.role_names:
            raise UnknownRoleError(role, self.role_names)
        return role


@cache
def _load(policy_dir: str) -> RolesPolicy:
    return load_policy("roles", RolesPolicy, policy_dir or None)


def load_roles(policy_dir: str | Path | None = None) -> RolesPolicy:
    """The role table: the force's override in ``policy_dir`` if present, else the shipped one."""
    from forcesight.settings import setting

    directory = str(policy_dir) if policy_dir is not None else str(setting("policy_dir"))
    return _load(directory)
