"""Sangkhim's conversation engine: pure Python, no web framework, no database, no identifiers.

``handle(inbound, state, directory, now)`` turns one inbound message and the current
conversation state into replies, the next state, and at most one de-identified demand event.
The replies are shaped by what the channel can do (``Capabilities``: the adapter's, or the
channel's row of ``CAPABILITIES``), never by the channel's name. The caller gives it facts
(what the abuse limits say of the message, what became of the handoff the state names) and
the engine decides what follows from them. ``unavailable(inbound)`` is the static reply for
when the engine or the database failed.
"""

from __future__ import annotations

from datetime import datetime

from bot import context
from bot.intents import TEXT_LIMIT, Classification, Classifier, default_classifier
from bot.normalize import has_khmer, normalize, visible
from bot.pacing import held_back
from bot.places import PlaceResolver
from bot.replies import Texts
from bot.resume import resumed
from bot.state_machine import run
from bot.turn import Turn
from bot.types import Desk, Inbound, Linked, OutMessage, Pace, Reply, State, Step
from bot.who import default_who
from core.directory import Directory
from core.geo import ReferencePoints, default_points
from core.vocabulary import CAPABILITIES, Capabilities, Intent, Locale

__all__ = ["handle", "reply_locale", "unavailable"]


def reply_locale(inbound: Inbound, state: State, cls: Classification) -> tuple[Locale, bool]:
    """The language to answer in, and whether it is now settled.

    A conversation's language is sticky: once a message of more than one word has shown it,
    one-word commands (MENU, MORE, STOP), English service words in romanised Khmer and the
    like never flip it. It changes when the person names a language, or writes in Khmer
    script. Until it is settled each message's own reading counts, but a one-word first
    message (Telegram's ``/stop``) says less than the language the person's app is set to."""
    if cls.intent == Intent.SET_LANGUAGE and cls.language is not None:
        return cls.language, True
    if has_khmer(inbound.text):
        return Locale.KM, True
    if state.locale is not None and state.locale_settled:
        return state.locale, True
    one_word = len(inbound.text.split()) <= 1
    if cls.locale_certain and not (one_word and inbound.locale_hint is not None):
        return cls.locale, not one_word
    return (state.locale or inbound.locale_hint or cls.locale), False


def asking(text: str, intent: str) -> str | None:
    """Who this message says is asking (``bot.who``); a family question is a relative's."""
    who = default_who().read(normalize(visible(text)[:TEXT_LIMIT]))
    return who or ("relative" if intent == Intent.FAMILY else None)


def handle(
    inbound: Inbound,
    state: State,
    directory: Directory,
    now: datetime,
    classifier: Classifier | None = None,
    places: PlaceResolver | None = None,
    points: ReferencePoints | None = None,
    capabilities: Capabilities | None = None,
    desk: Desk | None = None,
    pace: Pace = Pace.ANSWER,
    linked: Linked | None = None,
) -> Reply:
    """``desk``: the outreach workers who can take a handoff through this channel, if any.
    ``pace``: what the abuse limits say of this message (a message they hold back gets the
    slow-down notice or nothing, unless it is urgent or an opt-out: ``bot/pacing.py``).
    ``linked``: what storage says of the handoff ``state`` names, if it names one (gone: the
    bot answers again; answered: the texter now talks with the worker: ``bot/resume.py``)."""
    classifier = classifier or default_classifier()
    state = resumed(state, linked)
    held = held_back(inbound, state, pace, classifier)
    if held is not None:
        return held
    # the bot asked where (or which of several places): a reply is read as a place more readily
    expecting = state.step in (Step.ASK_PLACE, Step.CHOOSE_PLACE)
    cls = classifier.classify(inbound.text, inbound.locale_hint,
                              context=context.classifier_context(state, now),
                              expecting_place=expecting)
    locale, settled = reply_locale(inbound, state, cls)
    carry = context.carried(state.data, now)
    said = asking(inbound.text, cls.intent)
    who = said or carry.get("who")
    if who is not None:
        carry["who"] = who
    turn = Turn(
        inbound=inbound,
        state=state,
        cls=cls,
        texts=Texts(locale, who=who if isinstance(who, str) else None),
        carry=carry,
        said=said,
        locale_settled=settled,
        directory=directory,
        places=places or classifier.places,
        points=points or default_points(),
        now=now,
        can=capabilities or CAPABILITIES[inbound.channel],
        desk=desk,
    )
    return run(turn)


def unavailable(inbound: Inbound) -> OutMessage:
    """The static reply when the database or the engine failed, in the language the text reads
    as (the classifier needs no database), else the hint, else Khmer: an English texter must
    be able to read "call 119". Never raises for a failing classifier: it may be what failed."""
    try:
        locale = default_classifier().classify(inbound.text, inbound.locale_hint).locale
    except Exception:  # the engine may be what failed: the reply must still go out
        locale = Locale.KM if has_khmer(inbound.text) else (inbound.locale_hint or Locale.KM)
    return OutMessage(Texts(locale).unavailable())


def chat_closed(locale: str) -> str:
    """What a texter is told when an outreach worker ends their chat, in the chat's language
    (the dashboard sends it, through ``webhooks.pipeline.chat_closed_notice``)."""
    return Texts(Locale(locale)).handoff_closed()
