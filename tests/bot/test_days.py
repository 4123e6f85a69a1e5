"""The day(s) a message asks about (``bot.days``), and "are they open ...?" answered for those
days (``bot.listed.open_now``), public holidays included. The clock is pinned: every "today" is
a date given here."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

import bot
from bot import context, days
from bot.intents import Classification
from bot.listed import open_now
from bot.normalize import normalize
from bot.places import default_resolver
from bot.replies import Texts
from bot.segments import SMS_SEGMENT_BUDGET
from bot.turn import Turn
from bot.types import Inbound, Reply, State, Step
from core.directory import InMemoryDirectory, ServiceInfo
from core.sms_length import segment_count
from core.vocabulary import CAPABILITIES, Channel, Locale
from tests.bot.test_flows import POINTS, SENDER, SERVICES, stored

EN, KM = Locale.EN, Locale.KM
#: Tuesday 14 April 2026, the first day of Khmer New Year.
NEW_YEAR = date(2026, 4, 14)
#: Monday 16 March 2026, no holiday near.
MONDAY = date(2026, 3, 16)
TUE, WED, THU, FRI, SAT, SUN = (date(2026, 4, d) for d in range(14, 20))


@pytest.mark.parametrize(("text", "expected"), [
    # English
    ("are they open now?", days.Asked(now=True)),
    ("are they open at the weekend?", days.Asked((SAT, SUN))),
    ("open this weekend", days.Asked((SAT, SUN))),
    ("is it open on Sunday?", days.Asked((SUN,))),
    ("open sat?", days.Asked((SAT,))),
    ("what about Wednesday and Friday", days.Asked((WED, FRI))),
    ("are they open today", days.Asked((TUE,))),
    ("open tonight?", days.Asked((TUE,))),
    ("open tmrw?", days.Asked((WED,))),
    ("the day after tomorrow?", days.Asked((THU,))),
    ("open on Tuesday?", days.Asked((TUE,))),  # today is Tuesday: today
    ("what are the hours", days.Asked(hours=True)),
    ("what time do they open on saturday", days.Asked((SAT,), hours=True)),
    ("are they open on holidays?", days.Asked(holidays=True)),
    ("open at Khmer New Year?", days.Asked(holidays=True)),
    ("are they open now and on Sunday?", days.Asked((SUN,), now=True)),
    # romanised Khmer
    ("thngai saek bek te", days.Asked((WED,))),
    ("bek thngai atit te", days.Asked((SUN,))),
    ("tngai sao bek ot", days.Asked((SAT,))),
    ("bek chong sapda te", days.Asked((SAT, SUN))),
    ("khan saek bek te", days.Asked((THU,))),
    ("bek mong ponman", days.Asked(hours=True)),
    ("thngai nis bek te", days.Asked((TUE,))),
    ("bek eilov te", days.Asked(now=True)),
    ("thngai bon bek te", days.Asked(holidays=True)),
    # Khmer script (Khmer digits are Latin after normalisation)
    ("បើកថ្ងៃអាទិត្យទេ", days.Asked((SUN,))),
    ("ថ្ងៃស្អែកបើកទេ", days.Asked((WED,))),
    ("ថ្ងៃខានស្អែកបើកទេ", days.Asked((THU,))),
    ("ចុងសប្ដាហ៍បើកទេ", days.Asked((SAT, SUN))),
    ("ចុងអាទិត្យបើកទេ", days.Asked((SAT, SUN))),
    ("ថ្ងៃសៅរ៍ និងថ្ងៃច័ន្ទបើកទេ", days.Asked((SAT, date(2026, 4, 20)))),
    ("បើកម៉ោងប៉ុន្មាន", days.Asked(hours=True)),
    ("ថ្ងៃបុណ្យបើកទេ", days.Asked(holidays=True)),
    ("ឥឡូវបើកទេ", days.Asked(now=True)),
    ("ថ្ងៃនេះបើកទេ", days.Asked((TUE,))),
    # ordinary words that are not days
    ("sok sabay te", days.Asked()),
    ("I know", days.Asked()),
    ("clinic in Phnom Penh", days.Asked()),
    ("ព្រហ្មទេព", days.Asked()),
])
def test_the_days_a_message_asks_about(text: str, expected: days.Asked) -> None:
    assert days.asked(normalize(text), NEW_YEAR) == expected


def test_the_weekend_asked_on_a_sunday_is_today_and_saturday_after() -> None:
    assert days.asked("weekend", SUN).days == (SUN, date(2026, 4, 25))


def test_only_the_start_of_a_huge_message_is_read() -> None:
    assert days.asked("blah " * 200 + "sunday", NEW_YEAR) == days.Asked()


# --- open_now with a day ---------------------------------------------------------------------

#: A weekday clinic open on Saturday mornings (closed on Sundays), and a methadone clinic open
#: every day (it keeps its hours on holidays).
WEEKDAY = replace(SERVICES[7], id=41, name_en="Weekday Clinic", name_km="គ្លីនិកថ្ងៃធ្វើការ",
                  opening_hours="Mo-Fr 08:00-17:00; Sa 08:00-12:00", phone="012 345 041")
DAILY = replace(SERVICES[7], id=42, name_en="Daily Methadone", name_km="មេតាដូនរាល់ថ្ងៃ",
                opening_hours="Mo-Su 07:00-11:00", phone="012 345 042")
HALF_DAY = replace(SERVICES[7], id=43, name_en="Half-day Clinic", name_km="គ្លីនិកពាក់កណ្ដាលថ្ងៃ",
                   opening_hours="Mo-Fr 08:00-17:00; PH 08:00-12:00", phone="012 345 043")
UNKNOWN = replace(SERVICES[7], id=44, name_en="Unknown Hours", name_km="មិនដឹងម៉ោង",
                  opening_hours="", phone="012 345 044")


def ask(text: str, services: list[ServiceInfo], at: datetime, locale: Locale = EN,
        channel: Channel = Channel.SMS) -> Reply:
    """``open_now`` on ``text`` after a list of ``services`` (Phnom Penh methadone), whatever
    the classifier would make of the words."""
    ids = [s.id for s in services]
    state = State(locale=locale, step=Step.RESULTS,
                  data={"shown": {"intent": "find_methadone", "ids": ids, "offset": len(ids)},
                        "place": "12"})
    turn = Turn(
        inbound=Inbound(channel, SENDER, text), state=state,
        cls=Classification("menu", locale, topic="open_now"), texts=Texts(locale),
        directory=InMemoryDirectory(services), places=default_resolver(), points=POINTS,
        now=at, can=CAPABILITIES[channel], carry=context.carried(state.data, at),
    )
    return open_now(turn)


def joined(reply: Reply) -> str:
    return "\n".join(m.text for m in reply.messages)


#: Wednesday 18 March 2026, 10:00 in Phnom Penh; Tuesday 14 April 2026 (Khmer New Year), 10:00.
WEDNESDAY_10 = datetime(2026, 3, 18, 3, 0, tzinfo=UTC)
NEW_YEAR_10 = datetime(2026, 4, 14, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("label", "text", "at", "locale", "holds"), [
    ("the weekend on a place closed on Sundays", "are they open at the weekend?", WEDNESDAY_10,
     EN, ("The places listed:", "1 Weekday Clinic: Sat 8:00-12:00, Sun closed",
          "2 Daily Methadone: Sat 7:00-11:00, Sun 7:00-11:00")),
    ("sunday alone", "open on sunday?", WEDNESDAY_10, EN,
     ("1 Weekday Clinic: Sun closed", "2 Daily Methadone: Sun 7:00-11:00")),
    ("tomorrow is Khmer New Year too", "are they open tomorrow?", NEW_YEAR_10, EN,
     ("1 Weekday Clinic: tomorrow: closed, Khmer New Year",
      "2 Daily Methadone: tomorrow 7:00-11:00",
      "3 Half-day Clinic: tomorrow 8:00-12:00 (Khmer New Year)")),
    ("the hours, with today's", "what are the hours", NEW_YEAR_10, EN,
     ("1 Weekday Clinic: Mon-Fri 8:00-17:00; Sat 8:00-12:00 (today: closed, Khmer New Year)",
      "2 Daily Methadone: Mon-Sun 7:00-11:00 (today 7:00-11:00)")),
    ("on holidays", "are they open on public holidays?", WEDNESDAY_10, EN,
     ("1 Weekday Clinic: public holidays closed",
      "2 Daily Methadone: public holidays: usual hours",
      "3 Half-day Clinic: public holidays 8:00-12:00")),
    ("in Khmer, Sunday", "បើកថ្ងៃអាទិត្យទេ", WEDNESDAY_10, KM,
     ("កន្លែងដែលបានរាយ៖", "១ គ្លីនិកថ្ងៃធ្វើការ: អាទិត្យ បិទ",
      "២ មេតាដូនរាល់ថ្ងៃ: អាទិត្យ បើក ៧:០០-១១:០០")),
    ("in Khmer, on Khmer New Year", "ថ្ងៃនេះបើកទេ", NEW_YEAR_10, KM,
     ("១ គ្លីនិកថ្ងៃធ្វើការ: ថ្ងៃនេះ៖ បិទ ព្រោះបុណ្យចូលឆ្នាំ",)),
])
def test_open_now_answers_the_day_asked(
    label: str, text: str, at: datetime, locale: Locale, holds: tuple[str, ...]
) -> None:
    reply = ask(text, [WEEKDAY, DAILY, HALF_DAY], at, locale, Channel.TELEGRAM)
    answer = joined(reply)
    for line in holds:
        assert line in answer, f"{label}: missing {line!r}\n{answer}"
    assert reply.state is not None and reply.state.step is Step.RESULTS


def test_now_alone_keeps_the_status_at_this_moment() -> None:
    answer = joined(ask("are they open now?", [WEEKDAY, DAILY], NEW_YEAR_10))
    assert "Now, the places listed:" in answer
    assert "1 Weekday Clinic: closed today: Khmer New Year, opens Fri 8:00" in answer
    assert "2 Daily Methadone: open until 11:00" in answer


def test_unknown_hours_and_a_full_service_say_so() -> None:
    full = replace(WEEKDAY, is_full=True)
    answer = joined(ask("open at the weekend?", [full, UNKNOWN], WEDNESDAY_10))
    assert "1 Weekday Clinic: Sat 8:00-12:00, Sun closed, FULL, call first" in answer
    assert "2 Unknown Hours: hours not known" in answer


@pytest.mark.parametrize("locale", [EN, KM])
def test_on_sms_as_many_lines_as_fit_then_the_hint(locale: Locale) -> None:
    many = [replace(WEEKDAY, id=50 + n, name_en=f"Weekday Clinic number {n}",
                    name_km=f"គ្លីនិកថ្ងៃធ្វើការលេខ {n}") for n in range(8)]
    reply = ask("what are the hours at the weekend" if locale is EN else "ចុងសប្ដាហ៍បើកម៉ោងប៉ុន្មាន",
                many, NEW_YEAR_10, locale)
    answer = joined(reply)
    assert sum(segment_count(m.text) for m in reply.messages) <= SMS_SEGMENT_BUDGET
    assert answer.endswith(Texts(locale).details_hint(more=False))
    shown = answer.count("\n") - 1
    assert 1 <= shown < len(many)
    telegram = joined(ask("what are the hours at the weekend" if locale is EN
                          else "ចុងសប្ដាហ៍បើកម៉ោងប៉ុន្មាន", many, NEW_YEAR_10, locale,
                          Channel.TELEGRAM))
    assert telegram.count(Texts(locale).number(8) + " ") == 1  # all eight on Telegram


def test_through_the_engine_the_weekend_is_answered_for_the_list_just_shown() -> None:
    """The whole path: a list, then the question (the classifier routes "are they open now?"
    to ``open_now``; the day words come from ``bot.days``)."""
    directory = InMemoryDirectory([WEEKDAY, DAILY])
    state = State()
    replies = []
    for number, text in enumerate(("methadone Phnom Penh", "are they open now?"), start=1):
        inbound = Inbound(Channel.SMS, SENDER, text, locale_hint=EN, provider_id=f"d-{number}")
        reply = bot.handle(inbound, state, directory, NEW_YEAR_10, points=POINTS)
        replies.append(joined(reply))
        state = stored(reply.state)
    assert "closed today: Khmer New Year, opens Fri 8:00" in replies[0]
    assert "Weekday Clinic: closed today: Khmer New Year, opens Fri 8:00" in replies[1]
    assert "Daily Methadone: open until 11:00" in replies[1]
