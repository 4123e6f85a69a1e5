"""``flask users``: staff accounts from the command line (the first admin is made here)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from models.staff import Role
from webhooks.database import get_db
from webhooks.outreach import accounts
from webhooks.outreach.passwords import MIN_LENGTH

users_cli = AppGroup("users", help="Outreach dashboard accounts.")
ROLES = click.Choice([r.value for r in Role])


def _prompt_password(text: str) -> str:
    return str(click.prompt(text, hide_input=True, confirmation_prompt=True))


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=ROLES, required=True, help="admin: users and directory; "
              "lead: posts service and health alerts; outreach: demand pages, mark services "
              "full.")
def users_create(email: str, role: str) -> None:
    """Create an account for EMAIL; the password is asked for (twice) and stored as an argon2 hash."""
    password = _prompt_password(f"Password for {email} (at least {MIN_LENGTH} characters)")
    try:
        with get_db().sessions() as session, session.begin():
            user = accounts.create(session, email, role, password)
            created = user.email
    except accounts.StaffAccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {role} account {created}; log in at /outreach/login")


@users_cli.command("list")
def users_list() -> None:
    """List accounts: e-mail, role, active or not, last login."""
    with get_db().reads() as session:
        for user in accounts.listing(session):
            state = "active" if user.is_active else "deactivated"
            last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never"
            click.echo(f"{user.email}\t{user.role}\t{state}\tlast login {last}")


@users_cli.command("set-password")
@click.argument("email")
def users_set_password(email: str) -> None:
    """Set a new password for EMAIL (a lost password; signs out its open sessions)."""
    password = _prompt_password(f"New password for {email}")
    try:
        with get_db().sessions() as session, session.begin():
            user = accounts.find(session, email)
            if user is None:
                raise click.ClickException(f"no account {email}")
            accounts.change_password(session, user, password)
    except accounts.StaffAccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"password of {email} changed")


@users_cli.command("set-role")
@click.argument("email")
@click.option("--role", type=ROLES, required=True, help="admin, lead (posts alerts) or outreach.")
def users_set_role(email: str, role: str) -> None:
    """Give EMAIL another role (signs out its open sessions; audited)."""
    try:
        with get_db().sessions() as session, session.begin():
            user = accounts.find(session, email)
            if user is None:
                raise click.ClickException(f"no account {email}")
            before = user.role
            accounts.set_role(session, user, role, None)
    except accounts.StaffAccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{email}: {before} → {role}" if before != role else f"{email} is already {role}")
