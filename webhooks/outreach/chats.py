"""The handoff inbox: outreach workers answer texters who asked for a person.

A worker sees a short random handle, the district at most, the language, what was asked and
whether the engine read an emergency in a message; never a number, a chat id or a pseudonym.
A worker claims a handoff before reading it, and only the worker who claimed it reads and
answers it; an admin can give a chat to another worker or put it back in the waiting list (a
deactivated worker's chats, say). Replies go out through the texter's channel
(``webhooks.channels.send``), to an address that is opened in memory for the one send. A chat
past its time can no longer be read, answered or taken, even before the purge deletes it.
Every claim, reply, close and reassignment is audited, never with message text. Closing a chat
shreds its key from the database's files (``models.retention.shred_keys``) before the page
answers.

Pages that only show read without a transaction, and a send to the provider happens outside
any: a reply is recorded (as being sent) and committed, then sent, then marked sent or failed
in a second short transaction. So a slow provider holds no lock that texters wait for, and a
reply that could not be sent is kept, marked, for the worker to send again.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from models import handoffs, retention, sealing, stats
from models.staff import StaffUser
from webhooks import channels, pipeline, timesource
from webhooks.database import get_db
from webhooks.outreach import audit, demand
from webhooks.outreach.auth import staff
from webhooks.outreach.blueprint import bp
from webhooks.outreach.paging import page_of

HANDLE = re.compile(f"[{handoffs.HANDLE_ALPHABET}]{{{handoffs.HANDLE_LENGTH}}}")
#: A worker's reply: about four SMS in Khmer; a texter reads it on a cheap phone.
MAX_REPLY_CHARS = 480
#: Chats listed on one page of the inbox.
PAGE_SIZE = 25


def _keys() -> sealing.Keyring:
    keys = sealing.keyring_of(current_app.config)
    if keys is None:
        abort(404)
    return keys


def _row(connection: Any, handle: str, *, open_only: bool = True) -> Any:
    """The chat of ``handle``: an open one (not past its time, its key there), or with
    ``open_only=False`` any that is still stored (to close it)."""
    if not HANDLE.fullmatch(handle):
        abort(404)
    row = handoffs.by_handle(connection, handle, _now() if open_only else None)
    if row is None:
        abort(404)
    return row


@bp.get("/handoffs")
def handoff_inbox() -> str:
    enabled = bool(current_app.config.get("HANDOFF_KEY"))
    emergency_only = request.args.get("emergency") == "1"
    rows: list[Any] = []
    page = pages = 1
    total = emergencies = waiting = 0
    ended = demand.periods(demand.Filters(by=demand.published_period()))
    period = ended[-1] if ended else None
    counts: list[Any] = []
    now = _now()
    with get_db().reads() as session:
        if enabled:
            connection = session.connection()
            total = handoffs.count_open(connection, now, emergency_only)
            emergencies = handoffs.count_open(connection, now, emergency_only=True)
            waiting = handoffs.waiting(connection, now)
            page, pages = page_of(total, PAGE_SIZE)
            rows = handoffs.inbox(connection, now, limit=PAGE_SIZE,
                                  offset=(page - 1) * PAGE_SIZE, emergency_only=emergency_only)
        if period is not None:
            counts = stats.handoff_rows(session, period, current_app.config["K_ANONYMITY"])
    return render_template(
        "outreach/handoffs.html", rows=rows, enabled=enabled, me=staff().id,
        hours=current_app.config["HANDOFF_HOURS"], ttl=current_app.config["HANDOFF_TTL_HOURS"],
        period=period, counts=counts, page=page, pages=pages, total=total,
        emergencies=emergencies, emergency_only=emergency_only, waiting=waiting,
        cap=current_app.config["HANDOFF_MAX_WAITING"],
    )


@bp.get("/handoffs/<handle>")
def handoff(handle: str) -> str:
    keys = _keys()
    unreadable = False
    with get_db().reads() as session:
        connection = session.connection()
        row = _row(connection, handle)
        mine = row.claimed_by == staff().id
        opened = None
        if mine:
            try:
                opened = handoffs.read(connection, keys, row)
            except sealing.SealError:
                unreadable = True  # HANDOFF_KEY changed without HANDOFF_KEY_PREVIOUS
        holder = session.get(StaffUser, row.claimed_by) if row.claimed_by is not None else None
        colleagues = []
        if staff().is_admin:
            colleagues = list(session.scalars(
                select(StaffUser).where(StaffUser.is_active.is_(True)).order_by(StaffUser.email)
            ))
    fresh = new_messages(opened.messages, row.unread) if opened is not None else frozenset()
    if opened is not None and row.unread:  # a write only when there is something new to mark
        with get_db().sessions() as session, session.begin():
            handoffs.mark_read(session.connection(), row.id, row.unread)
    return render_template(
        "outreach/handoff.html", row=row, mine=mine, opened=opened, limit=MAX_REPLY_CHARS,
        unreadable=unreadable, holder=holder, colleagues=colleagues, fresh=fresh,
    )


def new_messages(messages: list[handoffs.Said], unread: int) -> frozenset[int]:
    """The ids of the messages to mark "new" on the chat's page: the texter's last ``unread``
    (the count on the chat's row of what its worker has not opened yet; see ``docs/PRIVACY.md``,
    "New messages")."""
    if unread <= 0:
        return frozenset()
    texter = [said.id for said in messages if said.from_texter]
    return frozenset(texter[-unread:])


@bp.post("/handoffs/<handle>/claim")
def handoff_claim(handle: str) -> Response:
    _keys()
    with get_db().sessions() as session, session.begin():
        row = _row(session.connection(), handle)
        if handoffs.claim(session.connection(), row.id, staff().id):
            audit.record(session, staff(), "handoff.claim", "handoff", target_label=handle)
        else:
            flash(_("Another outreach worker has taken this chat."), "error")
    return redirect(url_for("outreach.handoff", handle=handle))


@bp.post("/handoffs/<handle>/reply")
def handoff_reply(handle: str) -> Response:
    keys = _keys()
    text = request.form.get("text", "").replace("\r\n", "\n").strip()
    if not text or len(text) > MAX_REPLY_CHARS:
        flash(_("Write a reply of 1 to %(n)s characters.", n=MAX_REPLY_CHARS), "error")
        return redirect(url_for("outreach.handoff", handle=handle))
    with get_db().sessions() as session, session.begin():  # 1. record it, as being sent
        row = _row(session.connection(), handle)
        if row.claimed_by != staff().id:
            abort(403)
        message = handoffs.add_message(session.connection(), keys, row, text,
                                       from_texter=False, now=_now(), delivery=handoffs.SENDING)
    _deliver(keys, row, message, text)  # 2. send it, outside any transaction; 3. the outcome
    return redirect(url_for("outreach.handoff", handle=handle))


@bp.post("/handoffs/<handle>/messages/<id:message_id>/resend")
def handoff_resend(handle: str, message_id: int) -> Response:
    """Send again a reply that could not be sent; once only, however often it is asked."""
    keys = _keys()
    with get_db().sessions() as session, session.begin():
        connection = session.connection()
        row = _row(connection, handle)
        if row.claimed_by != staff().id:
            abort(403)
        said = next((m for m in handoffs.read(connection, keys, row).messages
                     if m.id == message_id and m.delivery == handoffs.FAILED), None)
        if said is None or said.text is None or not handoffs.set_delivery(
            connection, row.id, message_id, handoffs.SENDING, was=handoffs.FAILED
        ):
            return redirect(url_for("outreach.handoff", handle=handle))
    _deliver(keys, row, message_id, said.text)
    return redirect(url_for("outreach.handoff", handle=handle))


@bp.post("/handoffs/<handle>/assign")
def handoff_assign(handle: str) -> Response:
    """An admin gives the chat to an active colleague, or (``to`` empty) puts it back in the
    waiting list; audited with who had it and who has it, never with what was written."""
    _keys()
    if not staff().is_admin:
        abort(403)
    to = request.form.get("to", "").strip()
    with get_db().sessions() as session, session.begin():
        row = _row(session.connection(), handle)
        before = session.get(StaffUser, row.claimed_by) if row.claimed_by is not None else None
        had = before.email if before is not None else None
        if not to:
            handoffs.assign(session.connection(), row.id, None)
            audit.record(session, staff(), "handoff.release", "handoff", target_label=handle,
                         details={"worker": [had, None]})
            flash(_("The chat is back in the waiting list."), "info")
            return redirect(url_for("outreach.handoff", handle=handle))
        colleague = session.get(StaffUser, int(to)) if to.isascii() and to.isdigit() else None
        if colleague is None or not colleague.is_active:
            flash(_("Choose an active account."), "error")
            return redirect(url_for("outreach.handoff", handle=handle))
        handoffs.assign(session.connection(), row.id, colleague.id)
        audit.record(session, staff(), "handoff.reassign", "handoff", target_label=handle,
                     details={"worker": [had, colleague.email]})
        flash(_("The chat now belongs to %(email)s.", email=colleague.email), "info")
    return redirect(url_for("outreach.handoff", handle=handle))


#: The value of the ``confirm`` field that closes a chat; anything else asks first.
CONFIRM_CLOSE = "yes"


@bp.get("/handoffs/<handle>/close")
def handoff_close_confirm(handle: str) -> str:
    """"Close and delete this chat?": the step before a close that cannot be undone, a page of
    its own so that it works without script (the close button is one form, this is another)."""
    _keys()
    with get_db().reads() as session:
        row = _row(session.connection(), handle, open_only=False)
    _may_close(row)
    return render_template("outreach/handoff_close.html", row=row, confirm=CONFIRM_CLOSE)


def _may_close(row: Any) -> None:
    if row.claimed_by not in (None, staff().id) and not staff().is_admin:
        abort(403)


@bp.post("/handoffs/<handle>/close")
def handoff_close(handle: str) -> Response:
    """Close and delete the chat, once confirmed (``confirm=yes``); a post without it (an old
    page, a double tap) only leads to the question."""
    keys = _keys()
    if request.form.get("confirm") != CONFIRM_CLOSE:
        return redirect(url_for("outreach.handoff_close_confirm", handle=handle))
    with get_db().reads() as session:
        connection = session.connection()
        row = _row(connection, handle, open_only=False)
        still_open = handoffs.find(connection, row.id, _now()) is not None
    _may_close(row)
    if still_open:
        # the texter is told it has ended, outside any transaction (not after its time: then
        # the address is no longer used); the chat closes even if that message fails
        _send(keys, row, pipeline.chat_closed_notice(row.locale))
    with get_db().sessions() as session, session.begin():
        handoffs.close(session.connection(), row.id, _now())
        audit.record(session, staff(), "handoff.close", "handoff", target_label=row.handle)
    retention.shred_keys(get_db().engine)  # no copy of its key stays in the files
    flash(_("The chat is closed and deleted."), "info")
    return redirect(url_for("outreach.handoff_inbox"))


def _deliver(keys: sealing.Keyring, row: Any, message_id: int, text: str) -> bool:
    """Send a worker's recorded message, then record whether it went (and audit a reply that
    did); the worker is told when it did not. Called outside any transaction."""
    sent = _send(keys, row, text)
    with get_db().sessions() as session, session.begin():
        handoffs.set_delivery(session.connection(), row.id, message_id,
                              handoffs.SENT if sent else handoffs.FAILED)
        if sent:
            audit.record(session, staff(), "handoff.reply", "handoff", target_label=row.handle)
    if not sent:
        flash(_("The reply could not be sent. Try again in a moment."), "error")
    return sent


def _send(keys: sealing.Keyring, row: Any, text: str) -> bool:
    """Deliver ``text`` to the texter of ``row``; False (logged, without the address) if not.
    The address is opened in a read (no transaction, no lock) and the send happens outside any
    transaction: a provider can take seconds."""
    try:
        with get_db().reads() as session:
            where = handoffs.address(session.connection(), keys, row)
        channels.send(current_app.config, where, text)
    except Exception as error:  # a failed send is the worker's to know, never a server error
        current_app.logger.warning("a message to a texter was not delivered (%s)",
                                   type(error).__name__)
        return False
    return True


def _now() -> datetime:
    return timesource.now()
