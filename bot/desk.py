"""Asking for a person, and talking with an outreach worker (a handoff).

Where outreach workers take handoffs through the channel (``Turn.desk``), "can I talk to a
person?" says plainly what happens and asks first; a YES opens the handoff (the pipeline
stores it, its address sealed: ``Reply.handoff``), and from then on what the texter writes goes
to the worker (``Step.HANDOFF``, ``Reply.relay``). Elsewhere the answer is honest: no person
reads this chat.
"""

from __future__ import annotations

import dataclasses

from bot.answers import ANSWERS, answer
from bot.context import CRISIS
from bot.intents import Classification
from bot.safety import emergency
from bot.turn import Turn, forget
from bot.types import Desk, HandoffRequest, Reply, State, Step
from core import hours
from core.vocabulary import Intent, Outcome, Topic


def human(turn: Turn) -> Reply:
    """"Can I talk to a real person?": where outreach workers take handoffs, say plainly what
    happens and ask first; elsewhere, honestly, not through Sangkhim, and what there is."""
    if turn.desk is not None and turn.state.data.get("handoff"):
        turn.kind = "handoff/queued"
        turn.say(turn.texts.handoff_queued())  # asked already, out of hours: a worker will write
        return turn.reply(Step.MENU, dict(turn.state.data))
    if turn.desk is not None and turn.desk.full():
        return desk_full(turn)
    if turn.desk is not None:
        return offer_handoff(turn, turn.desk)
    turn.kind = "handoff/none"
    turn.say(turn.texts.human())
    if turn.directory.helpline:
        turn.say(turn.texts.talk_to_person(turn.directory.helpline))
    return turn.reply(Step.MENU, turn.keep_place(), turn.event(Intent.MENU, Outcome.ANSWERED))


def offer_handoff(turn: Turn, desk: Desk) -> Reply:
    """What a handoff means (a worker writes here, never sees the number, all deleted at the
    end or after ``ttl_hours``), and a YES to agree."""
    turn.kind = "handoff/offer"
    turn.say(turn.texts.handoff_offer(desk.ttl_hours))
    data = turn.state.data
    asked = "emergency/crisis" if turn.mode == CRISIS else next(
        (v for v in (data.get("answer"), data.get("intent"), data.get("then"))
         if isinstance(v, str) and v), None)
    keep = {"asked": asked} if asked else {}
    return turn.reply(Step.CONFIRM, {"suggested": "handoff", **keep, **turn.keep_place()})


def desk_full(turn: Turn) -> Reply:
    """Too many chats wait for a worker already: say so honestly, and what there is meanwhile
    (the bot, 119, the operator's helpline)."""
    turn.kind = "handoff/full"
    turn.say(turn.texts.handoff_full())
    if turn.directory.helpline:
        turn.say(turn.texts.talk_to_person(turn.directory.helpline))
    return turn.reply(Step.MENU, turn.keep_place(), turn.event(Intent.MENU, Outcome.ANSWERED))


def _desk_opens(turn: Turn, desk: Desk) -> str | None:
    """"Workers answer from Monday 8:00", when they are not at work now; else None. Public
    holidays count as for any service (``core.hours``)."""
    try:
        status = hours.status(hours.parse(desk.hours), turn.when.at, turn.when.holiday)
    except hours.HoursError:
        return None
    if status.open_now is not False:
        return None
    return turn.texts.handoff_later(turn.texts.status(status))


def open_handoff(turn: Turn) -> Reply:
    """The texter agreed: the pipeline opens the handoff (and keeps its address sealed),
    unless the queue filled up since the offer."""
    if turn.desk is not None and turn.desk.full():
        return desk_full(turn)
    data = turn.state.data
    place = turn.remembered_place()
    asked = data.get("asked")
    request = HandoffRequest(
        topic=asked if isinstance(asked, str) else "",
        province_code=place.province_code if place else None,
        district_code=place.district_code if place else None,
    )
    event = turn.event(Intent.MENU, Outcome.HANDOFF_ASKED, place=place)
    later = _desk_opens(turn, turn.desk) if turn.desk else None
    if later is not None:
        # Out of hours: when workers are back, and the bot meanwhile. Once a worker has
        # written, the texter's messages go to them (the pipeline knows when).
        turn.kind = "handoff/queued"
        turn.say(later, turn.texts.handoff_queued())
        reply = turn.reply(Step.MENU, {"handoff": True, **turn.keep_place()}, event)
    else:
        turn.kind = "handoff/opened"
        turn.say(turn.texts.handoff_opened())
        reply = turn.reply(Step.HANDOFF, {"handoff": True}, event)
    return dataclasses.replace(reply, handoff=request)


def in_handoff(turn: Turn) -> Reply:
    """Talking with a worker: everything goes to them. An emergency is answered at once too
    (and flagged for the worker); a clear STOP ends the chat and deletes it."""
    data = {k: v for k, v in turn.state.data.items() if k not in ("answer", "page")}
    cls = turn.cls
    if cls.intent == Intent.STOP and cls.definite or turn.inbound.provider_opted_out:
        return forget(turn)
    pending, page = turn.state.data.get("answer"), turn.state.data.get("page")
    if cls.intent == Intent.EMERGENCY or (
        cls.more and pending in ANSWERS and isinstance(page, int) and page > 0
    ):
        # first aid at once, and its next pages on MORE (which the worker need not read)
        emergency_now = cls.intent == Intent.EMERGENCY
        reply = emergency(turn) if emergency_now else answer(turn, str(pending), page)
        after = reply.state.data if reply.state is not None else {}
        pages = {k: after[k] for k in ("answer", "page") if k in after}
        state = State(locale=turn.locale, step=Step.HANDOFF, data={**data, **pages})
        return dataclasses.replace(reply, state=state, relay=emergency_now, alarm=emergency_now,
                                   named_place=named_place(turn.cls) if emergency_now else None)
    if not turn.inbound.text.strip():  # a location, a photo: GPS and media are never kept
        turn.kind = "text_only"
        turn.say(turn.texts.handoff_text_only())
        return turn.reply(Step.HANDOFF, data)
    turn.kind = "handoff/relayed"
    if cls.intent == Intent.UNKNOWN and cls.topic == Topic.AFRAID and cls.source == "lexicon" and (
        not data.get("reassured")
    ):
        turn.say(turn.texts.afraid_waiting())  # "I'm scared": relayed too, the worker reads it
        data["reassured"] = True
    elif not data.get("told"):
        turn.say(turn.texts.handoff_sent())
        data["told"] = True
    reply = turn.reply(Step.HANDOFF, data)
    return dataclasses.replace(reply, relay=True, named_place=named_place(turn.cls))


def named_place(cls: Classification) -> str | None:
    """The place a message relayed to a worker names, for the Chats page: the code of the
    smallest unit that holds every place read in it ("Thmei" in two districts of one province:
    that province), or None when it names none or places in different provinces. The worker
    reads the message itself; this only spares them "place not known"."""
    codes = [place.code for place in cls.places]
    if not codes:
        return None
    common = codes[0]
    for code in codes[1:]:
        while common and not code.startswith(common):
            common = common[:-2]
    return common if len(common) >= 2 else None
