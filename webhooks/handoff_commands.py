"""``flask handoffs``: chats with outreach workers, from the command line.

``flask handoffs rekey`` finishes a rotation of ``HANDOFF_KEY`` (docs/PRIVACY.md, "Keys and
their rotation"): every chat key still wrapped under a key of ``HANDOFF_KEY_PREVIOUS`` is
re-wrapped under ``HANDOFF_KEY``, and the key table is then compacted so that no copy wrapped
under the old key stays in the database's files. The hourly purge does the same by itself while
``HANDOFF_KEY_PREVIOUS`` is set; the command is for not waiting, and says when the previous key
can be removed.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from models import handoffs, retention, sealing
from webhooks.database import get_db

handoffs_cli = AppGroup("handoffs", help="Chats with outreach workers.")


@handoffs_cli.command("rekey")
def rekey() -> None:
    """Re-wrap every open chat's key under HANDOFF_KEY (after a rotation)."""
    keys = sealing.keyring_of(current_app.config)
    if keys is None:
        raise click.ClickException("HANDOFF_KEY is not set: chats with outreach workers are off.")
    db = get_db()
    with db.sessions() as session, session.begin():
        done = handoffs.rekey(session.connection(), keys)
    shredded = retention.shred_keys(db.engine)
    click.echo(f"re-wrapped {done.rewrapped} chat key(s) under HANDOFF_KEY; "
               f"{done.current} already were; {done.unreadable} open(s) with no configured key")
    if done.unreadable:
        click.echo("chats whose key opens with no configured key cannot be read again; they "
                   "close at their expiry (or close them on the Chats page)")
    if not shredded:
        click.echo("the old wrapped keys could not be compacted out of the files yet: run this "
                   "again, or wait for the next hourly purge", err=True)
    elif current_app.config["HANDOFF_KEY_PREVIOUS"]:
        click.echo("every open chat's key is under HANDOFF_KEY now: HANDOFF_KEY_PREVIOUS can be "
                   "removed and the old key destroyed")
