"""Breathing or waking that stopped is never good news. Inside an emergency, "he stopped
breathing again" or "he woke up but stopped breathing" must get the hands-on steps, not the
answer for someone who breathes again: the lexicons' ``sign:worse`` (breathing or waking
stopped) cancels ``sign:better`` and the model's ``breathing`` topic (``bot.intents._signals``,
``bot.safety.in_emergency``). "breathing again" and "he woke up" alone are still good news.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import bot
from bot.intents import Classifier, default_classifier
from bot.types import Inbound, State
from core.directory import InMemoryDirectory
from core.vocabulary import Channel, Topic
from tests.bot.test_flows import NOW, POINTS, SENDER, SERVICES, stored


@dataclass(frozen=True)
class Sign:
    label: str
    text: str
    #: Good news: the person breathes again, wakes.
    better: bool


SIGNS = [
    Sign("en stopped breathing again", "he stopped breathing again", False),
    Sign("en not breathing again", "she is not breathing again", False),
    Sign("en isn't breathing again", "he isn't breathing again", False),
    Sign("en woke up but stopped breathing", "he woke up but stopped breathing", False),
    Sign("en breathing again, then stopped", "he was breathing again but now he stopped breathing",
         False),
    Sign("en woke up, then out again", "he woke up then passed out again", False),
    Sign("en breathing again", "breathing again", True),
    Sign("en he breathes now", "ok he breathes now", True),
    Sign("en woke up", "he woke up", True),
    Sign("km stopped breathing again", "គាត់ឈប់ដកដង្ហើមម្តងទៀត", False),
    Sign("km no longer breathing", "គាត់មិនដកដង្ហើមទៀតហើយ", False),
    Sign("km woke up but stopped breathing", "គាត់ភ្ញាក់ហើយ តែឈប់ដកដង្ហើមវិញ", False),
    Sign("km breathing again", "គាត់ដកដង្ហើមវិញហើយ", True),
    Sign("km woke up", "គាត់ភ្ញាក់ហើយ", True),
    Sign("romanised stopped breathing again", "kot chhob dok dongheum vinh", False),
    Sign("romanised woke up but not breathing", "kot phnhak hoy tae ot dak dong heum", False),
    Sign("romanised breathing again", "kot dok dongheum vinh hz", True),
    Sign("romanised woke up", "kot phnhak hoy", True),
]
IDS = [s.label for s in SIGNS]
#: The answers that say what to do with hands (``bot.answers``: the first aid, or "keep going").
HANDS_ON = {"emergency/first_aid", "emergency/keep_going"}


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return default_classifier()


@pytest.mark.parametrize("sign", SIGNS, ids=IDS)
def test_stopped_breathing_is_never_read_as_better(classifier: Classifier, sign: Sign) -> None:
    result = classifier.classify(sign.text, context="emergency")
    assert ("better" in result.signals) is sign.better, result.signals
    if not sign.better:
        assert result.topic not in (Topic.BREATHING, Topic.PROGRESS), result.topic


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.TELEGRAM])
@pytest.mark.parametrize("sign", SIGNS, ids=IDS)
def test_inside_an_emergency_it_gets_the_hands_on_steps(sign: Sign, channel: Channel) -> None:
    directory, state = InMemoryDirectory(SERVICES), State()
    kinds = []
    for number, text in enumerate(("my friend is not breathing", sign.text), start=1):
        inbound = Inbound(channel, SENDER, text, provider_id=f"b-{number}")
        reply = bot.handle(inbound, state, directory, NOW, points=POINTS)
        kinds.append(reply.kind)
        state = stored(reply.state)
    assert kinds[0] == "emergency/overdose"
    if sign.better:
        assert kinds[1] == "emergency/breathing"
    else:
        assert kinds[1] in HANDS_ON, kinds[1]
