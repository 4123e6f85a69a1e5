"""What a message over the abuse limits gets: the engine's answer to the limits' verdict.

The limits only count (``webhooks/ratelimit.py``, on counters kept in the conversation row)
and say ``Pace.NOTIFY`` for the first message over them, ``Pace.SILENT`` for every further
one. The engine decides what the texter gets: one polite notice in the conversation's
language, then nothing at all; but an opt-out the provider acted on (STOP must always work)
and anything that could be an emergency are answered as usual.
"""

from __future__ import annotations

from bot.intents import Classifier
from bot.replies import Texts
from bot.types import Inbound, OutMessage, Pace, Reply, State


def held_back(inbound: Inbound, state: State, pace: Pace, classifier: Classifier) -> Reply | None:
    """The reply to a message the limits hold back, keeping ``state``; None when the message
    is answered as usual. Its urgency is read from the message alone, without the
    conversation's context, and only when the limits hold it back."""
    if pace is Pace.ANSWER or inbound.provider_opted_out:
        return None
    cls = classifier.classify(inbound.text, inbound.locale_hint)
    if cls.urgent:
        return None
    # the conversation's language; a texter who never got an answer, the message's own
    locale = state.locale or cls.locale
    if pace is Pace.NOTIFY:
        return Reply((OutMessage(Texts(locale).slow_down()),), state, locale=locale,
                     kind="slow_down", pace=pace)
    return Reply((), state, locale=locale, kind="silent", pace=pace)
