"""Sangkhim's conversation engine: pure Python, no web framework, no database, no identifiers.

``handle(inbound, state, directory, now)`` turns one inbound message and the current
conversation state into replies, the next state, and at most one de-identified demand event.
The replies are shaped by what the channel can do (``Capabilities``: the adapter's, or the
channel's row of ``CAPABILITIES``), never by the channel's name.
"""

from __future__ import annotations

from datetime import datetime

from bot import context
from bot.intents import TEXT_LIMIT, Classification, Classifier, default_classifier
from bot.normalize import has_khmer, normalize, visible
from bot.places import PlaceResolver
from bot.replies import Texts
from bot.state_machine import run
from bot.turn import Turn
from bot.types import Desk, Inbound, Reply, State, Step
from bot.who import default_who
from core.directory import Directory
from core.geo import ReferencePoints, default_points
from core.vocabulary import CAPABILITIES, Capabilities, Locale

__all__ = ["handle", "reply_locale"]


def reply_locale(inbound: Inbound, state: State, cls: Classification) -> tuple[Locale, bool]:
    """The language to answer in, and whether it is now settled.

    A conversation's language is sticky: once a message of more than one word has shown it,
    one-word commands (MENU, MORE, STOP), English service words in romanised Khmer and the
    like never flip it. It changes when the person names a language, or writes in Khmer
    script. Until it is settled each message's own reading counts, but a one-word first
    message (Telegram's ``/stop``) says less than the language the person's app is set to."""
    if cls.intent == "set_language" and cls.language is not None:
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
    return who or ("relative" if intent == "family" else None)


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
) -> Reply:
    """``desk``: the outreach workers who can take a handoff through this channel, if any."""
    classifier = classifier or default_classifier()
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
