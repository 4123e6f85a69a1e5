"""The conversation context: who is asking, the emergency and crisis modes and their expiry,
what the classifier is told, and "the first one" (``bot/context.py``, ``bot/who.py``,
``bot/references.py``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import context
from bot.normalize import normalize
from bot.references import position
from bot.types import State, Step
from bot.who import default_who

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("I inject heroin every day, what should I do", "self"),
        ("ខ្ញុំប្រើយ៉ាម៉ារៀងរាល់យប់", "self"),
        ("knhom chak heroin", "self"),
        ("I want to kill myself", "self"),
        ("my son smokes ice", "relative"),
        # "កូនខ្ញុំប្រើ" holds "ខ្ញុំប្រើ" ("I use"): it is "my child uses"
        ("កូនខ្ញុំប្រើយ៉ាម៉ា", "relative"),
        ("kon knhom chak", "relative"),
        # "I need help" only leans to the sender: a relative named beside it decides
        ("I need help for my son", "relative"),
        # a first-person use outweighs a relative named beside it
        ("I smoke ice with my friend", "self"),
        ("I am an outreach worker, my client wants methadone", "worker"),
        ("hello", None),
        ("methadone in Battambang", None),
    ],
)
def test_who_is_asking(text: str, who: str | None) -> None:
    assert default_who().read(normalize(text)) == who


def test_a_mode_lasts_an_hour_after_the_message_that_kept_it() -> None:
    data = context.entering(context.EMERGENCY, NOW)
    assert data == {"mode": "emergency", "mode_until": "2026-03-16T03:00"}
    assert context.active_mode(data, NOW + timedelta(minutes=59)) == "emergency"
    assert context.active_mode(data, NOW + timedelta(minutes=61)) is None
    assert context.active_mode({"mode": "emergency", "mode_until": "garbage"}, NOW) is None
    assert context.active_mode({"mode": "party", "mode_until": "2026-03-16T03:00"}, NOW) is None


def test_what_is_carried_and_what_expires() -> None:
    data = {"who": "self", "shown": {"intent": "find_clinic", "ids": [1], "offset": 1},
            "place": "12", "answer": "faq_cost", "page": 1, "crisis_turns": 2,
            **context.entering(context.CRISIS, NOW)}
    kept = context.carried(data, NOW + timedelta(minutes=30))
    assert kept["mode"] == "crisis" and kept["crisis_turns"] == 2
    assert {"who", "shown", "place"} <= set(kept) and "answer" not in kept
    later = context.carried(data, NOW + timedelta(hours=2))
    assert "mode" not in later and "crisis_turns" not in later and later["who"] == "self"
    assert "who" not in context.carried({"who": "the president"}, NOW)


@pytest.mark.parametrize(("alerted", "kept"), [
    ([3, 7], True),  # the ids of health alerts offered: carried to the end of the conversation
    ([], True),
    (["Pink pills"], False),  # never any text
    ([1.5], False),
    ([True], False),
    (list(range(context.MAX_ALERTED + 1)), False),  # a few ids, not a log
    ("3", False),
])
def test_only_the_ids_of_alerts_offered_are_carried(alerted: object, kept: bool) -> None:
    carried = context.carried({"alerted": alerted, "place": "02"}, NOW)
    assert ("alerted" in carried) is kept and carried["place"] == "02"


@pytest.mark.parametrize(
    ("step", "data", "expected"),
    [
        (Step.START, {}, ""),
        (Step.MENU, context.entering(context.CRISIS, NOW), "crisis"),
        (Step.PAGES, context.entering(context.EMERGENCY, NOW), "emergency"),
        # a list was just shown: "the first one" is about it, whatever the mode
        (Step.RESULTS, context.entering(context.EMERGENCY, NOW), "results"),
        (Step.HANDOFF, {}, "handoff"),
        (Step.MENU, {"handoff": True}, "handoff"),
    ],
)
def test_what_the_classifier_is_told(step: Step, data: dict[str, object], expected: str) -> None:
    assert context.classifier_context(State(step=step, data=data), NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the first one", 1), ("what about the second?", 2), ("number 3 please", 3),
        ("ទីមួយ", 1), ("កន្លែងទី២", 2), ("lek 2", 2), ("the last one", 4),
        ("hello", None), ("where is it", None),
    ],
)
def test_which_listed_service_a_message_points_at(text: str, expected: int | None) -> None:
    assert position(normalize(text), listed=4) == expected
