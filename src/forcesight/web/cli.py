"""`forcesight user ...` (accounts) and `forcesight serve` (the web app)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer

from forcesight.cli_common import State, console, print_json, run_or_exit, store_engine
from forcesight.errors import WeakPasswordError
from forcesight.web import accounts
from forcesight.web.clock import utc_now

user_app = typer.Typer(
    help="Accounts of the web app: add, list, disable, enable.", no_args_is_help=True
)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise WeakPasswordError("nothing was read from standard input")
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Username (letters, digits, '.', '-', '_').")],
    role: Annotated[
        str, typer.Option("--role", help="analyst, planner, supervisor, investigator or admin.")
    ],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the account as JSON.")] = False,
) -> None:
    """Add an account; the password is prompted for (or read from stdin)."""

    def action() -> accounts.User:
        engine = store_engine()
        password = _read_password(password_stdin)
        with engine.begin() as connection:
            return accounts.add_user(
                connection, name, role, password, actor=_actor(), ip="local", now=utc_now()
            )

    user = run_or_exit(action)
    if json_output:
        print_json(_user_dict(user))
    else:
        console.print(f"Added {user.username} ({user.role}) to {State.url()}")


@user_app.command("list")
def user_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every account, its role and whether it is enabled."""

    def action() -> list[accounts.User]:
        with store_engine().connect() as connection:
            return accounts.list_users(connection)

    users = run_or_exit(action)
    if json_output:
        print_json({"users": [_user_dict(u) for u in users]})
        return
    from rich.table import Table

    table = Table("username", "role", "status", "created", "last sign-in (UTC)")
    for u in users:
        table.add_row(
            u.username,
            u.role,
            "enabled" if u.enabled else "disabled",
            f"{u.created_at:%Y-%m-%d} by {u.created_by}",
            f"{u.last_login_at:%Y-%m-%d %H:%M}" if u.last_login_at else "never",
        )
    console.print(table) if users else console.print("No accounts yet.")


def _set_enabled(name: str, enabled: bool) -> None:
    def action() -> accounts.User:
        with store_engine().begin() as connection:
            return accounts.set_enabled(
                connection, name, enabled, actor=_actor(), ip="local", now=utc_now()
            )

    user = run_or_exit(action)
    console.print(f"{user.username} is now {'enabled' if user.enabled else 'disabled'}.")


@user_app.command("link-staff")
def user_link_staff(
    name: Annotated[str, typer.Argument(help="Username.")],
    staff_id: Annotated[
        str | None, typer.Argument(help="Staff id (as in the workforce file); omit to unlink.")
    ] = None,
) -> None:
    """Link an account to its holder's staff record (for "my clocks" and "my team's")."""

    def action() -> accounts.User:
        with store_engine().begin() as connection:
            return accounts.link_staff(
                connection, name, staff_id, actor=_actor(), ip="local", now=utc_now()
            )

    user = run_or_exit(action)
    linked = f"linked to staff {user.staff_id}" if user.staff_id else "not linked to staff"
    console.print(f"{user.username} is now {linked}.")


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="Username.")]) -> None:
    """Disable an account and end its sessions."""
    _set_enabled(name, False)


@user_app.command("enable")
def user_enable(name: Annotated[str, typer.Argument(help="Username.")]) -> None:
    """Enable a disabled account."""
    _set_enabled(name, True)


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
) -> None:
    """Serve the web app and the JSON API (/api/v1) for the store."""
    from forcesight.settings import setting
    from forcesight.web.serve import is_loopback, serve

    run_or_exit(lambda: store_engine().dispose())
    if not is_loopback(host):
        console.print(
            f"[bold yellow]warning:[/] serving on {host}: put it behind HTTPS (a reverse "
            "proxy); session cookies are marked Secure.",
            markup=True,
        )
    elif setting("secure_cookies"):
        console.print(
            "Session cookies are marked Secure: browsers accept them from http://localhost "
            "and http://127.0.0.1. Set FORCESIGHT_SECURE_COOKIES=false if yours does not."
        )
    console.print(f"forcesight is serving {State.url()} at http://{host}:{port}/")
    run_or_exit(lambda: serve(State.url(), host, port))


def _user_dict(user: accounts.User) -> dict[str, object]:
    return {
        "username": user.username,
        "role": user.role,
        "enabled": user.enabled,
        "created_at": user.created_at,
        "created_by": user.created_by,
        "last_login_at": user.last_login_at,
        "staff_id": user.staff_id,
    }


def register(app: typer.Typer) -> None:
    """Attach `forcesight user` and `forcesight serve` to the top-level app."""
    app.add_typer(user_app, name="user")
    app.command("serve")(serve_command)
