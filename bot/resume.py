"""A conversation linked to a handoff, as storage finds the handoff when a message comes.

The pipeline reads the handoff the state names (``Linked``); the engine decides the state the
turn starts from: a handoff that is gone leaves the texter with the bot again (in the same
language), and a worker's first message to a chat asked for out of hours opens the talk.
"""

from __future__ import annotations

from bot.types import Linked, State, Step


def resumed(state: State, linked: Linked | None) -> State:
    """The state a turn starts from; ``linked`` is None when the state names no handoff (or
    the caller did not look: then ``state`` is taken as it is)."""
    if linked is Linked.GONE:
        # the worker closed it, or it expired: the bot answers again, in the same language
        return State(locale=state.locale,
                     data={"locale_settled": True} if state.locale_settled else {})
    if linked is Linked.ANSWERED and state.step is not Step.HANDOFF:
        # asked out of hours, and a worker has written since: now they talk
        return State(locale=state.locale, step=Step.HANDOFF, data=dict(state.data))
    return state
