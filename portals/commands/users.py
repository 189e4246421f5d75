"""``portals users``: staff logins for the web UI and their roles.

The server-side way in for the first administrator (and for whoever needs one when no
administrator can log in); changes are audited as ``cli:<os user>``, like the
administrators' own pages audit them under their name."""

from __future__ import annotations

from collections.abc import Sequence

import click

from portals.access import Role, UnknownRole, parse_roles, roles_text
from portals.commands.accounts import _actor


def _engine():  # type: ignore[no-untyped-def]
    from portals.settings import get_settings
    from storage.db import create_schema, make_engine

    engine = make_engine(get_settings().resolved_database_url)
    create_schema(engine)
    return engine


def _roles(_ctx: click.Context, _param: click.Parameter, values: Sequence[str]
           ) -> frozenset[Role]:
    try:
        return parse_roles(values)
    except UnknownRole as exc:
        raise click.BadParameter(str(exc)) from None


ROLE_HELP = ("A role the person holds (repeat for several): "
             + ", ".join(role.value for role in Role) + ".")


role_option = click.option("--role", "roles", multiple=True, required=True, metavar="ROLE",
                           callback=_roles, help=ROLE_HELP)


@click.group("users")
def users() -> None:
    """Staff users of the web UI."""


@users.command("add")
@click.argument("username")
@role_option
@click.option("--password-env", metavar="VAR",
              help="Read the password from this environment variable instead of a prompt.")
def add(username: str, password_env: str | None, roles: frozenset[Role]) -> None:
    """Add a staff user holding the given roles (the password is asked for, hidden,
    twice)."""
    import os

    from storage import repo
    from storage.db import session_scope
    from storage.users import UserError, create_user

    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise click.UsageError(f"environment variable {password_env} is not set")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = _engine()
    try:
        with session_scope(engine) as session:
            user = create_user(session=session, username=username, password=password,
                               roles=roles)
            repo.audit(session=session, actor=_actor(), action="person.create",
                       target_type="user", target_id=str(user.id),
                       detail=repo.dumps_safe({"username": user.username,
                                               "roles": roles_text(roles)}))
    except UserError as exc:
        raise click.UsageError(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"user {username} added with the roles: {roles_text(roles)}")


@users.command("list")
def list_() -> None:
    """Every staff user and their roles."""
    from storage.db import session_scope
    from storage.users import list_users, roles_of

    engine = _engine()
    try:
        with session_scope(engine) as session:
            for user in list_users(session=session):
                assert user.id is not None
                held = roles_text(roles_of(session=session, user_id=user.id)) or "none"
                click.echo(f"{user.username}\t{held}\tsince {user.created_at:%Y-%m-%d}")
    finally:
        engine.dispose()


@users.command("roles")
@click.argument("username")
@role_option
def roles_(username: str, roles: frozenset[Role]) -> None:
    """Replace a staff user's roles with the given ones (their API tokens lose any role
    taken away)."""
    from storage import repo
    from storage.db import session_scope
    from storage.users import get_user, set_roles

    engine = _engine()
    try:
        with session_scope(engine) as session:
            user = get_user(session=session, username=username)
            if user is None:
                raise click.UsageError(f"no user {username!r}")
            before = set_roles(session=session, user=user, roles=roles)
            if before != roles:
                repo.audit(session=session, actor=_actor(), action="person.roles",
                           target_type="user", target_id=str(user.id),
                           detail=f"{user.username}: {roles_text(before) or 'none'} → "
                                  f"{roles_text(roles)}")
    finally:
        engine.dispose()
    click.echo(f"user {username} now holds: {roles_text(roles)}"
               + ("" if before != roles else " (unchanged)"))


@users.command("remove")
@click.argument("username")
def remove(username: str) -> None:
    """Remove a staff user (their web logins and API tokens end with them)."""
    from storage import repo
    from storage.db import session_scope
    from storage.users import delete_user, get_user, roles_of

    engine = _engine()
    try:
        with session_scope(engine) as session:
            user = get_user(session=session, username=username)
            if user is None or user.id is None:
                raise click.UsageError(f"no user {username!r}")
            user_id, held = user.id, roles_of(session=session, user_id=user.id)
            delete_user(session=session, username=username)
            repo.audit(session=session, actor=_actor(), action="person.remove",
                       target_type="user", target_id=str(user_id),
                       detail=repo.dumps_safe({"username": username,
                                               "roles": roles_text(held)}))
    finally:
        engine.dispose()
    click.echo(f"user {username} removed")
