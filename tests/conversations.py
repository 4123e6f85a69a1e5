"""Conversation-level evaluation: whole conversations through the engine, each message judged
by the kind of its reply (``docs/CONVERSATION.md``), its language and, on SMS, its length.

The set (``tests/data/conversations_holdout.tsv``, see ``tests/data/README.md``) was written by
someone who never saw the engine, its lexicons or its training data, and it is never tuned
on: ``make eval`` prints the share of conversations that go right from start to end, per
category, and never its rows. A conversation goes right when every message of it does.

Run: python -m tests.conversations
"""

from __future__ import annotations

import csv
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import bot
from bot.segments import budget_for
from bot.types import Desk, Inbound, Reply, State
from core.directory import InMemoryDirectory, ServiceInfo
from core.geo import ReferencePoints
from core.sms_length import segment_count
from core.vocabulary import CAMBODIA, Channel, Locale, ServiceType

DATA = Path(__file__).resolve().parent / "data"
HOLDOUT = DATA / "conversations_holdout.tsv"
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_directory.csv"
#: Outreach workers take chats on weekdays in office hours (the default ``HANDOFF_HOURS``).
DESK = Desk("Mo-Fr 08:00-17:00", 72)
SENDER = "0" * 64


@dataclass(frozen=True, slots=True)
class Turn:
    text: str
    expect: tuple[str, ...]
    never: tuple[str, ...]
    locale: Locale


@dataclass(frozen=True, slots=True)
class Conversation:
    name: str
    category: str
    channel: Channel
    at: datetime
    turns: tuple[Turn, ...]


def _kinds(value: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in value.split("|") if k.strip())


def read(path: Path = HOLDOUT) -> list[Conversation]:
    """The conversations of a file (one row per message, rows of a conversation together)."""
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            grouped[row["conversation"]].append(row)
    conversations = []
    for name, rows in grouped.items():
        first = rows[0]
        at = datetime.strptime(first["at"], "%Y-%m-%d %H:%M").replace(tzinfo=CAMBODIA)
        conversations.append(Conversation(
            name, first["category"], Channel(first["channel"]), at,
            tuple(Turn(r["text"], _kinds(r["expect"]), _kinds(r["never"]), Locale(r["locale"]))
                  for r in rows),
        ))
    return conversations


def matches(kind: str, wanted: str) -> bool:
    """``results`` matches ``results/find_clinic``; ``emergency`` every emergency kind."""
    return kind == wanted or kind.startswith(wanted + "/")


def sample_directory(path: Path = SAMPLE) -> InMemoryDirectory:
    """The SAMPLE directory that ``make run`` loads, as the engine sees it."""
    services = []
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=1):
            services.append(ServiceInfo(
                id=number,
                service_type=ServiceType(row["service_type"]),
                name_km=row["name_km"], name_en=row["name_en"],
                address_km=row["address_km"], address_en=row["address_en"],
                province_code=row["province_code"], district_code=row["district_code"] or None,
                commune_code=row["commune_code"] or None,
                latitude=float(row["latitude"]) if row["latitude"] else None,
                longitude=float(row["longitude"]) if row["longitude"] else None,
                phone=row["phone"], opening_hours=row["opening_hours"],
                is_free=row["is_free"] == "yes", is_walk_in=row["is_walk_in"] == "yes",
                is_full=row["is_full"] == "yes", is_sample=True,
            ))
    return InMemoryDirectory(services)


def play(
    conversation: Conversation, directory: InMemoryDirectory, points: ReferencePoints | None = None
) -> Iterator[tuple[Turn, Reply]]:
    """Each message with the engine's reply, a minute apart; the state goes through its stored
    form, as in the database."""
    state = State()
    for number, turn in enumerate(conversation.turns):
        inbound = Inbound(conversation.channel, SENDER, turn.text, provider_id=f"m{number}")
        now = conversation.at + timedelta(minutes=number)
        reply = bot.handle(inbound, state, directory, now, points=points, desk=DESK)
        yield turn, reply
        state = (State.restore(reply.state.locale, reply.state.step, reply.state.data_json())
                 if reply.state else State())


def judge(turn: Turn, reply: Reply, channel: Channel) -> list[str]:
    """What is wrong with a reply (nothing: it is right)."""
    wrong = []
    if not any(matches(reply.kind, wanted) for wanted in turn.expect):
        wrong.append("kind")
    if any(matches(reply.kind, bad) for bad in turn.never):
        wrong.append("never")
    if reply.messages and reply.locale is not turn.locale:
        wrong.append("language")
    if channel is Channel.SMS:
        if sum(segment_count(m.text) for m in reply.messages) > budget_for(reply.kind):
            wrong.append("budget")
    return wrong


@dataclass
class Report:
    conversations: Counter[str] = field(default_factory=Counter)
    right: Counter[str] = field(default_factory=Counter)
    checks: int = 0
    checks_right: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    #: Emergencies the set expects that got no emergency reply, and first aid sent where the
    #: set says never an emergency.
    missed_emergencies: int = 0
    false_alarms: int = 0


def evaluate(path: Path = HOLDOUT) -> Report:
    directory = sample_directory()
    report = Report()
    for conversation in read(path):
        ok = True
        for turn, reply in play(conversation, directory):
            wrong = judge(turn, reply, conversation.channel)
            report.checks += 1
            report.checks_right += not wrong
            report.faults.update(wrong)
            if all(matches(w, "emergency") for w in turn.expect) and not (
                matches(reply.kind, "emergency") or matches(reply.kind, "crisis")
            ):
                report.missed_emergencies += 1
            if "emergency" in turn.never and matches(reply.kind, "emergency"):
                report.false_alarms += 1
            ok = ok and not wrong
        report.conversations[conversation.category] += 1
        report.right[conversation.category] += ok
    return report


def print_report(title: str, report: Report) -> None:
    total, right = sum(report.conversations.values()), sum(report.right.values())
    print(f"{title}: {right}/{total} conversations fully right ({right / total:.1%}); "
          f"{report.checks_right}/{report.checks} messages right; emergencies missed "
          f"{report.missed_emergencies}; first aid where none was due {report.false_alarms}")
    print(f"  faults: {dict(sorted(report.faults.items()))}")
    print(f"  {'category':<22}{'right':>7}{'of':>5}")
    for category in sorted(report.conversations):
        print(f"  {category:<22}{report.right[category]:>7}{report.conversations[category]:>5}")
    print()


def main() -> int:
    if HOLDOUT.exists():
        print_report("Conversations, held-out set (written blind, never tuned on)", evaluate())
    return 0


if __name__ == "__main__":
    sys.exit(main())
