"""The handoff inbox: outreach workers answer texters who asked for a person.

A worker sees a short random handle, the district at most, the language, what was asked and
whether an emergency was told; never a number, a chat id or a pseudonym. A worker claims a
handoff before reading it, and only the worker who claimed it reads and answers it. Replies go
out through the texter's channel (``webhooks.channels.send``), to an address that is opened in
memory for the one send. Every claim, reply and close is audited, never with message text.

Pages that only show read without a transaction, and a send to the provider happens outside
any: a reply is recorded (as being sent) and committed, then sent, then marked sent or failed
in a second short transaction. So a slow provider holds no lock that texters wait for, and a
reply that could not be sent is kept, marked, for the worker to send again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from bot.replies import Texts
from bot.vocabulary import Locale
from models import handoffs, sealing, stats
from webhooks import channels
from webhooks.database import get_db
from webhooks.outreach import audit, demand
from webhooks.outreach.auth import staff
from webhooks.outreach.blueprint import bp

HANDLE = re.compile(f"[{handoffs.HANDLE_ALPHABET}]{{{handoffs.HANDLE_LENGTH}}}")
#: A worker's reply: about four SMS in Khmer; a texter reads it on a cheap phone.
MAX_REPLY_CHARS = 480


def _master() -> bytes:
    key = current_app.config.get("HANDOFF_KEY")
    if not key:
        abort(404)
    return sealing.master_key(str(key))


def _row(connection: Any, handle: str) -> Any:
    if not HANDLE.fullmatch(handle):
        abort(404)
    row = handoffs.by_handle(connection, handle)
    if row is None:
        abort(404)
    return row


@bp.get("/handoffs")
def handoff_inbox() -> str:
    enabled = bool(current_app.config.get("HANDOFF_KEY"))
    rows: list[Any] = []
    ended = demand.periods(demand.Filters(by=demand.published_period()))
    period = ended[-1] if ended else None
    counts: list[Any] = []
    with get_db().reads() as session:
        if enabled:
            rows = handoffs.waiting_list(session.connection())
        if period is not None:
            counts = stats.handoff_rows(session, period, current_app.config["K_ANONYMITY"])
    return render_template(
        "outreach/handoffs.html", rows=rows, enabled=enabled, me=staff().id,
        hours=current_app.config["HANDOFF_HOURS"], ttl=current_app.config["HANDOFF_TTL_HOURS"],
        period=period, counts=counts,
    )


@bp.get("/handoffs/<handle>")
def handoff(handle: str) -> str:
    master = _master()
    with get_db().reads() as session:
        connection = session.connection()
        row = _row(connection, handle)
        mine = row.claimed_by == staff().id
        opened = handoffs.read(connection, master, row) if mine else None
    if mine and row.unread:  # a write only when there is something new to mark read
        with get_db().sessions() as session, session.begin():
            handoffs.mark_read(session.connection(), row.id, row.unread)
    return render_template(
        "outreach/handoff.html", row=row, mine=mine, opened=opened, limit=MAX_REPLY_CHARS,
    )


@bp.post("/handoffs/<handle>/claim")
def handoff_claim(handle: str) -> Response:
    _master()
    with get_db().sessions() as session, session.begin():
        row = _row(session.connection(), handle)
        if handoffs.claim(session.connection(), row.id, staff().id):
            audit.record(session, staff(), "handoff.claim", "handoff", target_label=handle)
        else:
            flash(_("Another outreach worker has taken this chat."), "error")
    return redirect(url_for("outreach.handoff", handle=handle))


@bp.post("/handoffs/<handle>/reply")
def handoff_reply(handle: str) -> Response:
    master = _master()
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not text or len(text) > MAX_REPLY_CHARS:
        flash(_("Write a reply of 1 to %(n)s characters.", n=MAX_REPLY_CHARS), "error")
        return redirect(url_for("outreach.handoff", handle=handle))
    with get_db().sessions() as session, session.begin():  # 1. record it, as being sent
        row = _row(session.connection(), handle)
        if row.claimed_by != staff().id:
            abort(403)
        message = handoffs.add_message(session.connection(), master, row, text,
                                       from_texter=False, now=_now(), delivery=handoffs.SENDING)
    _deliver(master, row, message, text)  # 2. send it, outside any transaction; 3. the outcome
    return redirect(url_for("outreach.handoff", handle=handle))


@bp.post("/handoffs/<handle>/messages/<id:message_id>/resend")
def handoff_resend(handle: str, message_id: int) -> Response:
    """Send again a reply that could not be sent; once only, however often it is asked."""
    master = _master()
    with get_db().sessions() as session, session.begin():
        connection = session.connection()
        row = _row(connection, handle)
        if row.claimed_by != staff().id:
            abort(403)
        said = next((m for m in handoffs.read(connection, master, row).messages
                     if m.id == message_id and m.delivery == handoffs.FAILED), None)
        if said is None or not handoffs.set_delivery(connection, row.id, message_id,
                                                     handoffs.SENDING, was=handoffs.FAILED):
            return redirect(url_for("outreach.handoff", handle=handle))
    _deliver(master, row, message_id, said.text)
    return redirect(url_for("outreach.handoff", handle=handle))


@bp.post("/handoffs/<handle>/close")
def handoff_close(handle: str) -> Response:
    master = _master()
    with get_db().reads() as session:
        row = _row(session.connection(), handle)
    if row.claimed_by not in (None, staff().id) and not staff().is_admin:
        abort(403)
    # the texter is told it has ended (outside any transaction); the chat closes even if that
    # message fails
    _send(master, row, Texts(Locale(row.locale)).handoff_closed())
    with get_db().sessions() as session, session.begin():
        handoffs.close(session.connection(), row.id, _now())
        audit.record(session, staff(), "handoff.close", "handoff", target_label=row.handle)
    flash(_("The chat is closed and deleted."), "info")
    return redirect(url_for("outreach.handoff_inbox"))


def _deliver(master: bytes, row: Any, message_id: int, text: str) -> bool:
    """Send a worker's recorded message, then record whether it went (and audit a reply that
    did); the worker is told when it did not. Called outside any transaction."""
    sent = _send(master, row, text)
    with get_db().sessions() as session, session.begin():
        handoffs.set_delivery(session.connection(), row.id, message_id,
                              handoffs.SENT if sent else handoffs.FAILED)
        if sent:
            audit.record(session, staff(), "handoff.reply", "handoff", target_label=row.handle)
    if not sent:
        flash(_("The reply could not be sent. Try again in a moment."), "error")
    return sent


def _send(master: bytes, row: Any, text: str) -> bool:
    """Deliver ``text`` to the texter of ``row``; False (logged, without the address) if not.
    Never inside a transaction: a provider can take seconds."""
    try:
        channels.send(current_app.config, handoffs.address(master, row), text)
    except Exception as error:  # a failed send is the worker's to know, never a server error
        current_app.logger.warning("a message to a texter was not delivered (%s)",
                                   type(error).__name__)
        return False
    return True


def _now() -> datetime:
    return datetime.now(UTC)
