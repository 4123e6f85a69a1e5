"""Sangkhim's conversation engine: pure Python, no web framework, no database, no identifiers.

``handle(inbound, state, directory, now)`` turns one inbound message and the current
conversation state into replies, the next state, and at most one de-identified demand event.
"""

from __future__ import annotations

from datetime import datetime

from bot.directory import Directory
from bot.geo import ReferencePoints, default_points
from bot.flows import Turn, run
from bot.intents import Classification, Classifier, default_classifier
from bot.places import PlaceResolver
from bot.replies import Texts
from bot.types import Inbound, Locale, Reply, State
from bot.normalize import has_khmer

__all__ = ["handle", "reply_locale"]


def reply_locale(inbound: Inbound, state: State, cls: Classification) -> Locale:
    """The language to answer in: an explicit choice, else Khmer script, else what the text shows."""
    if cls.intent == "set_language" and cls.language is not None:
        return cls.language
    if has_khmer(inbound.text):
        return Locale.KM
    if state.locale is not None and (state.data.get("locale_chosen") or not cls.locale_certain):
        return state.locale
    return cls.locale


def handle(
    inbound: Inbound,
    state: State,
    directory: Directory,
    now: datetime,
    classifier: Classifier | None = None,
    places: PlaceResolver | None = None,
    points: ReferencePoints | None = None,
) -> Reply:
    classifier = classifier or default_classifier()
    cls = classifier.classify(inbound.text, inbound.locale_hint)
    turn = Turn(
        inbound=inbound,
        state=state,
        cls=cls,
        texts=Texts(reply_locale(inbound, state, cls)),
        directory=directory,
        places=places or classifier.places,
        points=points or default_points(),
        now=now,
    )
    return run(turn)
