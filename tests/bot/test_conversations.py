"""Whole conversations, judged as a person would judge them: does each reply do what the
message asked, in the right language, within the SMS budget?

The conversations are data (``tests/data/conversations_dev.tsv``, one row per message: what the
person wrote, the kinds of reply that would be right, the kinds that must never come, the
language; see ``tests/data/README.md``), written to cover what people hit when the bot lost
the thread: follow-ups inside an emergency or a crisis, false alarms, who is asking, plain
questions, ordinary words read as places, questions about deleting, the service and places
already shown, days and holidays, same-named places, and Khmer within the SMS budget. Each is
played through ``bot.handle`` against the tests' directory with a frozen clock, and the whole
exchange is kept as a readable transcript in ``tests/bot/transcripts/conversations/`` (``>``
the person, ``<`` Sangkhim, ``=`` what the reply was and what was kept):

    .venv/bin/pytest tests/bot/test_conversations.py --update-goldens

rewrites the transcripts after an intended change. The held-out conversations
(``tests/data/conversations_holdout.tsv``) are never played here: ``make eval`` scores them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.types import Reply
from core.sms_length import segment_count
from tests.bot.test_flows import DIRECTORY, POINTS
from tests.conversations import DATA, Conversation, Turn, judge, play, read

DEV = DATA / "conversations_dev.tsv"
TRANSCRIPTS = Path(__file__).parent / "transcripts" / "conversations"
CONVERSATIONS = read(DEV) if DEV.exists() else []


def _slug(conversation: Conversation) -> str:
    first = re.sub(r"[^a-z0-9]+", "_", conversation.turns[0].text.lower()).strip("_")[:40]
    return f"{conversation.name}_{conversation.category}" + (f"_{first}" if first else "")


def transcript(conversation: Conversation, exchange: list[tuple[Turn, Reply]]) -> str:
    lines = [f"# {conversation.name}: {conversation.category}",
             f"# {conversation.channel.value}, {conversation.at:%Y-%m-%d %H:%M} in Cambodia", ""]
    for turn, reply in exchange:
        lines.append(f"> {turn.text}")
        for message in reply.messages:
            lines += [f"< {line}" for line in message.text.split("\n")]
            lines += [f"< [{button.label}]" for button in message.buttons]
        kept = f"step {reply.state.step.value}" if reply.state else "forgotten"
        spent = sum(segment_count(m.text) for m in reply.messages)
        event = reply.demand_event
        counted = f", counted {event.intent}/{event.outcome}" if event else ""
        lines += [f"= {reply.kind or '(no reply)'}, {kept}, {reply.locale.value}, "
                  f"{spent} segments{counted}", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c.name for c in CONVERSATIONS])
def test_each_reply_does_what_was_asked(conversation: Conversation) -> None:
    for turn, reply in play(conversation, DIRECTORY, POINTS):
        wrong = judge(turn, reply, conversation.channel)
        text = "\n".join(m.text for m in reply.messages)
        assert not wrong, (f"{conversation.name} {turn.text!r}: {', '.join(wrong)}; got "
                           f"{reply.kind!r} in {reply.locale.value}, expected {turn.expect} "
                           f"in {turn.locale.value}\n{text}")


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c.name for c in CONVERSATIONS])
def test_the_transcript_matches_its_golden(conversation: Conversation, update_goldens: bool) -> None:
    text = transcript(conversation, list(play(conversation, DIRECTORY, POINTS))) + "\n"
    path = TRANSCRIPTS / f"{_slug(conversation)}.txt"
    if update_goldens:
        TRANSCRIPTS.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no transcript for {conversation.name}: run with --update-goldens"
    assert path.read_text(encoding="utf-8") == text


def test_every_transcript_belongs_to_a_conversation() -> None:
    """A transcript whose conversation was removed or renamed is stale."""
    expected = {f"{_slug(c)}.txt" for c in CONVERSATIONS}
    assert {p.name for p in TRANSCRIPTS.glob("*.txt")} <= expected


def test_the_set_covers_every_category_in_both_languages_and_channels() -> None:
    """Each category has Khmer and English conversations, over SMS and over Telegram."""
    seen = {(c.category, c.turns[0].locale.value, c.channel.value) for c in CONVERSATIONS}
    categories = {c.category for c in CONVERSATIONS}
    assert len(CONVERSATIONS) >= 100
    for category in categories:
        for locale in ("km", "en"):
            assert any((category, locale, ch) in seen for ch in ("sms", "whatsapp", "telegram")), (
                category, locale)
        for channel in ("sms", "telegram"):
            assert any((category, loc, channel) in seen for loc in ("km", "en")), (category, channel)


DOCS = Path(__file__).resolve().parents[2] / "docs" / "CONVERSATION.md"
SERVICES = ("find_clinic", "find_needle_exchange", "find_methadone")


def documented_kinds() -> set[str]:
    """The kinds the tables of docs/CONVERSATION.md list (``<service>`` spelled out)."""
    kinds: set[str] = set()
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            for kind in re.findall(r"`([a-z_]+(?:/[a-z_<>]+)?)`", line.split("|")[1]):
                kinds.update(kind.replace("<service>", s) for s in SERVICES)
    return kinds


def test_every_reply_kind_is_documented() -> None:
    """The kinds the engine says are those docs/CONVERSATION.md explains (and the held-out set
    was written against)."""
    documented = documented_kinds()
    assert {"emergency/seizure", "results/find_methadone", "thanks"} <= documented
    said = {reply.kind for c in CONVERSATIONS for _, reply in play(c, DIRECTORY, POINTS)}
    assert said <= documented, said - documented
