"""A week of synthetic traffic through the real pipeline: bounded, local, seeded.

Made-up texters (SMS, WhatsApp, Telegram; Khmer, English, romanised) ask for services in a
skewed mix of places, walk the menu, ask questions, share GPS points, say STOP, write nonsense.
Every message goes through ``webhooks.pipeline.process`` with an injected clock, so demand
events, daily unique counts and state are exactly what real traffic would leave; the hourly
purge after the last message publishes the last hour's events. No network.

    python -m tests.synthetic [--messages 2000] [--seed 7] [--start YYYY-MM-DD]

fills the app's database (``DATABASE_URL``) with the week starting on --start (default: the
Monday of last week, so that the week has ended and can be published); then
``flask demand report`` and ``flask demand export`` read it. ``make demo-report`` does all of it
on a separate SQLite file.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask

from bot.types import Inbound
from core.geo import GeoPoint, default_points
from core.vocabulary import CAMBODIA, Channel, Locale
from models import demand_events
from models.stats import cambodia_today
from webhooks.pseudonym import sender_key

#: (English text, Khmer text, weight): where people write from. Far provinces without methadone
#: or needle exchange are over-represented, so the unmet-demand report has something to say.
PLACES: tuple[tuple[str, str, int], ...] = (
    ("Phnom Penh", "ភ្នំពេញ", 14),
    ("Tuol Kouk", "ទួលគោក", 4),
    ("Battambang", "បាត់ដំបង", 8),
    ("srok Banan", "ស្រុកបាណន់", 3),
    ("Siem Reap", "សៀមរាប", 7),
    ("Banteay Meanchey", "បន្ទាយមានជ័យ", 5),
    ("Kampong Cham", "កំពង់ចាម", 5),
    ("Kampot", "កំពត", 3),
    ("Ratanakiri", "រតនគិរី", 9),
    ("Banlung", "បានលុង", 4),
    ("Mondulkiri", "មណ្ឌលគិរី", 6),
    ("Stung Treng", "ស្ទឹងត្រែង", 6),
    ("Preah Vihear", "ព្រះវិហារ", 5),
    ("Kratie", "ក្រចេះ", 5),
    ("Oddar Meanchey", "ឧត្តរមានជ័យ", 4),
    ("Pailin", "ប៉ៃលិន", 2),
    ("Koh Kong", "កោះកុង", 3),
    ("kompong som", "ព្រះសីហនុ", 4),
    ("Takeo", "តាកែវ", 2),
    ("Pursat", "ពោធិ៍សាត់", 2),
)
#: (intent, English templates, Khmer templates, weight)
ASKS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], int], ...] = (
    ("find_methadone", ("methadone in {p}", "where can I get methadone {p}", "{p} methadone clinic"),
     ("មេតាដូននៅ{p}", "ខ្ញុំត្រូវការមេតាដូន នៅ{p}"), 5),
    ("find_clinic", ("voluntary treatment in {p}", "where can I get treatment in {p}",
                     "I want to stop using drugs, I live in {p}"),
     ("ខ្ញុំចង់ព្យាបាលនៅ{p}", "ការព្យាបាលស្ម័គ្រចិត្តនៅ{p}"), 6),
    ("find_needle_exchange", ("needle exchange {p}", "clean needles in {p}", "where to get syringes {p}"),
     ("ម្ជុលស្អាតនៅ{p}",), 4),
)
QUESTIONS = ("is it free?", "will the police know?", "is it voluntary?", "what is methadone?",
             "ប៉ូលីសដឹងទេ?", "តើវាឥតគិតថ្លៃទេ?")
NONSENSE = ("asdfgh", "ok", "??", "lol 123", "ហាហា")
MENU_WORDS = {"en": "hello", "km": "សួស្តី"}
STOP_WORDS = {"en": "STOP", "km": "ឈប់"}


class Own(str):
    """Something a texter wrote in their own words: it must never be stored or logged."""


@dataclass(order=True)
class Turn:
    at: datetime
    channel: Channel = field(compare=False)
    address: str = field(compare=False)
    text: str = field(compare=False, default="")
    location: GeoPoint | None = field(compare=False, default=None)
    hint: Locale | None = field(compare=False, default=None)
    #: Written in the texter's own words (not a digit, keyword or stock question).
    private: bool = field(compare=False, default=False)


@dataclass
class Traffic:
    """What was sent: for the privacy tests to search for, and for the demo to print."""

    first_day: date
    turns: list[Turn]
    replies: int = 0
    #: Messages that got at least one reply (every one should, but the sender's own abuse
    #: limit, 30 in 5 minutes, which synthetic texters do not reach).
    answered: int = 0

    @property
    def addresses(self) -> set[str]:
        return {t.address for t in self.turns}

    @property
    def free_texts(self) -> set[str]:
        """What people wrote in their own words (not menu digits or the bot's own keywords)."""
        return {t.text for t in self.turns if t.private and t.text}

    @property
    def locations(self) -> list[GeoPoint]:
        return [t.location for t in self.turns if t.location is not None]


class _Writer:
    """Plans the week's conversations with one random generator, so a seed fixes everything."""

    def __init__(self, first_day: date, seed: int, people: int) -> None:
        self.rng = random.Random(seed)
        self.first_day = first_day
        self.people = [self._person(i) for i in range(people)]
        self.points = default_points()

    def _person(self, i: int) -> tuple[Channel, str, str]:
        roll = self.rng.random()
        language = "km" if self.rng.random() < 0.6 else "en"
        if roll < 0.45:
            return Channel.SMS, f"+8551{self.rng.randrange(10**7):07d}", language
        if roll < 0.65:
            return Channel.WHATSAPP, f"whatsapp:+8559{self.rng.randrange(10**7):07d}", language
        return Channel.TELEGRAM, str(self.rng.randrange(10**8, 10**10)), language

    def conversation(self) -> list[Turn]:
        channel, address, language = self.rng.choice(self.people)
        day = self.first_day + timedelta(days=self.rng.randrange(7))
        hour = self.rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6,
                                                     6, 6, 6, 6, 6, 7, 8, 8, 7, 5, 3, 2])[0]
        if day == self.first_day + timedelta(days=6):
            hour = min(hour, 22)  # a conversation must end inside the week (it takes minutes)
        # Cambodia's own time, like the demand events: the whole week is one published week.
        at = datetime.combine(
            day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), CAMBODIA
        ).astimezone(UTC)
        hint = Locale(language) if channel is Channel.TELEGRAM else None
        turns = []
        for said in self._script(language, channel):
            location = said if isinstance(said, GeoPoint) else None
            text = "" if location else str(said)
            private = location is not None or isinstance(said, Own)
            turns.append(Turn(at, channel, address, text, location, hint, private))
            at += timedelta(seconds=self.rng.randrange(20, 240))
        return turns

    def _script(self, language: str, channel: Channel) -> list[str | GeoPoint]:
        """One conversation: own words are ``Own`` strings, the rest is what anyone types."""
        kind = self.rng.choices(
            ["direct", "menu", "question", "family", "emergency", "nonsense", "gps"],
            weights=[45, 20, 12, 5, 4, 6, 8 if channel is Channel.TELEGRAM else 0],
        )[0]
        place_en, place_km, _ = self.rng.choices(PLACES, weights=[w for *_, w in PLACES])[0]
        place = place_km if language == "km" else place_en
        intent, english, khmer, _ = self.rng.choices(ASKS, weights=[a[3] for a in ASKS])[0]
        script: list[str | GeoPoint]
        if kind == "direct":
            script = [Own(self.rng.choice(khmer if language == "km" else english).format(p=place))]
            if self.rng.random() < 0.3:
                script.append("MORE")
        elif kind == "menu":
            choice = {"find_clinic": "1", "find_needle_exchange": "2", "find_methadone": "3"}[intent]
            script = [MENU_WORDS[language], choice if language == "en" else "១២៣"[int(choice) - 1], place]
        elif kind == "question":
            script = [self.rng.choice(QUESTIONS)]
        elif kind == "family":
            script = [Own("my son uses drugs, what can I do?" if language == "en"
                          else "កូនប្រុសខ្ញុំប្រើគ្រឿងញៀន ខ្ញុំគួរធ្វើអ្វី?"), place]
        elif kind == "emergency":
            script = [Own("overdose help, he is not breathing" if language == "en"
                          else "ជួយផង គាត់ប្រើលើសកម្រិត")]
        elif kind == "nonsense":
            script = [self.rng.choice(NONSENSE)]
        else:
            script = [MENU_WORDS[language], "3" if intent == "find_methadone" else "1", self._gps(place_en)]
        if self.rng.random() < 0.08:
            script.append(STOP_WORDS[language])
        return script

    def _gps(self, place: str) -> GeoPoint:
        from bot.places import default_resolver

        found = default_resolver().resolve(place)
        centre = self.points.point(found[0].code) if found else None
        centre = centre or GeoPoint(11.5564, 104.9282)
        return GeoPoint(centre.latitude + self.rng.uniform(-0.05, 0.05),
                        centre.longitude + self.rng.uniform(-0.05, 0.05))


def plan(first_day: date, messages: int = 2000, seed: int = 7, people: int = 400) -> list[Turn]:
    """Exactly ``messages`` turns over the 7 days from ``first_day``, in time order."""
    writer = _Writer(first_day, seed, people)
    turns: list[Turn] = []
    while len(turns) < messages:
        turns.extend(writer.conversation()[: messages - len(turns)])
    return sorted(turns)


def run(app: Flask, first_day: date, messages: int = 2000, seed: int = 7) -> Traffic:
    """Send the planned week through the pipeline of ``app``."""
    from webhooks import pipeline, ratelimit

    traffic = Traffic(first_day, plan(first_day, messages, seed))
    rng = random.Random(seed + 1)
    clock = [traffic.turns[0].at.timestamp() if traffic.turns else 0.0]
    with app.app_context():
        key = app.config["PSEUDONYM_KEY"]
        # The worker's message limit is per minute of real time; a week replayed in seconds
        # would hit it. Give it the week's own clock, so that it limits as it would have.
        saved = app.extensions[pipeline.BUCKET]
        app.extensions[pipeline.BUCKET] = ratelimit.TokenBucket(
            app.config["RATE_WORKER_PER_MINUTE"], clock=lambda: clock[0]
        )
        for turn in traffic.turns:
            clock[0] = turn.at.timestamp()
            inbound = Inbound(
                channel=turn.channel,
                sender_key=sender_key(key, turn.channel, turn.address),
                text=turn.text,
                location=turn.location,
                locale_hint=turn.hint,
                provider_id=f"{rng.getrandbits(64):016x}",
            )
            outcome = pipeline.process(inbound, now=turn.at)
            traffic.replies += len(outcome.messages)
            traffic.answered += bool(outcome.messages)
        app.extensions[pipeline.BUCKET] = saved
        if traffic.turns:  # the hourly purge after the last message publishes its hour too
            next_hour = traffic.turns[-1].at.replace(minute=0, second=0, microsecond=0)
            demand_events.publish(app.extensions["sangkhim.db"].engine,
                                  next_hour + timedelta(hours=1))
    return traffic


def last_week(today: date) -> date:
    """The Monday of the last whole week before ``today``."""
    return today - timedelta(days=today.weekday() + 7)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=None,
                        help="first day (default: the Monday of last week)")
    args = parser.parse_args(argv)
    if not 0 < args.messages <= 20_000:
        parser.error("--messages must be between 1 and 20000")
    from webhooks import create_app

    app = create_app()
    start = args.start or last_week(cambodia_today())
    traffic = run(app, start, args.messages, args.seed)
    end = start + timedelta(days=6)
    print(f"sent {len(traffic.turns)} synthetic messages from {len(traffic.addresses)} texters, "
          f"{start} to {end}; {traffic.answered} answered, {traffic.replies} replies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
