"""What the engine decides from the facts the pipeline gives it: the abuse limits' verdict
(``Pace``), the message's urgency and the linked handoff's fate (``Linked``) give the reply and
the state (``bot/pacing.py``, ``bot/resume.py``); and the static reply (``bot.unavailable``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import bot
from bot.replies import Texts
from bot.types import Desk, Inbound, Linked, Pace, State, Step
from core.directory import InMemoryDirectory
from core.vocabulary import Channel, Locale

NOW = datetime(2026, 3, 14, 9, 41, 27, tzinfo=UTC)
SENDER = "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e"
DIRECTORY = InMemoryDirectory([])
DESK = Desk("24/7", 72)

#: The texter's messages: plain chat, and one that could be an emergency.
PLAIN = "hello"
URGENT = "my friend is not breathing"

#: A conversation waiting for an outreach worker (asked out of hours: the bot still answers).
WAITING_STATE = {"handoff": "h1", "locale_settled": True, "place": "12"}


def waiting() -> State:
    return State(locale=Locale.EN, step=Step.MENU, data=dict(WAITING_STATE))


def handle(text: str, state: State, pace: Pace, linked: Linked | None,
           opted_out: bool = False) -> Any:
    inbound = Inbound(Channel.SMS, SENDER, text, provider_opted_out=opted_out)
    return bot.handle(inbound, state, DIRECTORY, NOW, desk=DESK, pace=pace, linked=linked)


#: The state a turn starts from, by what became of the handoff (``bot.resume.resumed``).
STARTS = {
    None: waiting(),  # the state names a handoff nobody looked up: taken as it is
    Linked.WAITING: waiting(),
    Linked.ANSWERED: State(locale=Locale.EN, step=Step.HANDOFF, data=dict(WAITING_STATE)),
    Linked.GONE: State(locale=Locale.EN, data={"locale_settled": True}),
}

HELD = [Pace.NOTIFY, Pace.SILENT]


@pytest.mark.parametrize("linked", list(STARTS))
@pytest.mark.parametrize("pace", HELD)
def test_a_plain_message_over_the_limits_gets_the_notice_once_then_nothing(
    pace: Pace, linked: Linked | None
) -> None:
    reply = handle(PLAIN, waiting(), pace, linked)
    notice = Texts(Locale.EN).slow_down()
    assert reply.pace is pace
    assert [m.text for m in reply.messages] == ([notice] if pace is Pace.NOTIFY else [])
    assert reply.kind == ("slow_down" if pace is Pace.NOTIFY else "silent")
    # the state is kept as the handoff's fate leaves it; nothing is relayed, opened or counted
    assert reply.state == STARTS[linked]
    assert not reply.relay and reply.handoff is None and reply.demand_event is None


@pytest.mark.parametrize("linked", list(STARTS))
@pytest.mark.parametrize("pace", [Pace.ANSWER, *HELD])
def test_an_urgent_message_is_answered_whatever_the_limits_say(
    pace: Pace, linked: Linked | None
) -> None:
    reply = handle(URGENT, waiting(), pace, linked)
    assert reply.pace is Pace.ANSWER
    assert "119" in reply.messages[0].text
    # in a chat with a worker the worker hears of it at once; otherwise the bot answers alone
    assert reply.relay is reply.alarm is (linked is Linked.ANSWERED)


@pytest.mark.parametrize("linked", list(STARTS))
@pytest.mark.parametrize("pace", [Pace.ANSWER, *HELD])
def test_an_opt_out_is_answered_whatever_the_limits_say(
    pace: Pace, linked: Linked | None
) -> None:
    reply = handle("STOP", waiting(), pace, linked, opted_out=True)
    assert reply.pace is Pace.ANSWER
    assert reply.state is None  # the conversation is forgotten (the pipeline closes the chat)
    assert reply.messages


@pytest.mark.parametrize(("linked", "step", "relayed", "remembers"), [
    (None, Step.MENU, False, True),
    (Linked.WAITING, Step.MENU, False, True),
    # a worker wrote to the chat asked for out of hours: the texter's messages now go to them
    (Linked.ANSWERED, Step.HANDOFF, True, True),
    # closed or expired: the bot answers alone again, from the start, in the same language
    (Linked.GONE, Step.MENU, False, False),
])
def test_an_answered_message_starts_from_the_handoffs_fate(
    linked: Linked | None, step: Step, relayed: bool, remembers: bool
) -> None:
    reply = handle(PLAIN, waiting(), Pace.ANSWER, linked)
    assert reply.pace is Pace.ANSWER
    assert reply.relay is relayed
    assert (reply.kind == "handoff/relayed") is relayed
    assert reply.state is not None and reply.state.step is step
    assert ("place" in reply.state.data) is remembers  # what the waiting chat had noted
    assert reply.state.locale is Locale.EN and reply.state.locale_settled


@pytest.mark.parametrize(("state", "text", "locale"), [
    (State(), "hello there", Locale.EN),  # no conversation yet: the message's own language
    (State(), "សួស្តី", Locale.KM),
    (State(locale=Locale.KM, data={"locale_settled": True}), "hello there", Locale.KM),
    (State(locale=Locale.EN, data={"locale_settled": True}), "សួស្តី", Locale.EN),
])
def test_the_notice_is_in_the_conversations_language(
    state: State, text: str, locale: Locale
) -> None:
    reply = handle(text, state, Pace.NOTIFY, None)
    assert [m.text for m in reply.messages] == [Texts(locale).slow_down()]
    assert reply.state == state


@pytest.mark.parametrize(("text", "hint", "locale"), [
    ("where is methadone", None, Locale.EN),
    ("ខ្ញុំត្រូវការជំនួយ", Locale.EN, Locale.KM),
    ("", Locale.EN, Locale.EN),
    ("", None, Locale.KM),
])
def test_the_static_reply_is_in_the_messages_language(
    text: str, hint: Locale | None, locale: Locale
) -> None:
    inbound = Inbound(Channel.SMS, SENDER, text, locale_hint=hint)
    assert bot.unavailable(inbound).text == Texts(locale).unavailable()


@pytest.mark.parametrize(("text", "hint", "locale"), [
    ("where is methadone", Locale.EN, Locale.EN),
    ("where is methadone", None, Locale.KM),
    ("ខ្ញុំត្រូវការជំនួយ", Locale.EN, Locale.KM),
])
def test_the_static_reply_never_raises_when_the_classifier_fails(
    monkeypatch: pytest.MonkeyPatch, text: str, hint: Locale | None, locale: Locale
) -> None:
    def broken() -> Any:
        raise RuntimeError("the engine is what failed")

    monkeypatch.setattr(bot, "default_classifier", broken)
    inbound = Inbound(Channel.SMS, SENDER, text, locale_hint=hint)
    assert bot.unavailable(inbound).text == Texts(locale).unavailable()
