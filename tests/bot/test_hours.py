"""Structured opening hours: the accepted OSM subset, errors, and text in both languages."""

from __future__ import annotations

import pytest

from bot import hours
from bot.replies import Texts
from bot.vocabulary import Locale


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mo-Fr 08:00-17:00", "Mo-Fr 08:00-17:00"),
        ("Mo-Fr 08:00-11:30,14:00-17:00; Sa 08:00-12:00",
         "Mo-Fr 08:00-11:30,14:00-17:00; Sa 08:00-12:00"),
        ("Mo,We,Fr 07:00-11:00", "Mo,We,Fr 07:00-11:00"),
        ("Mo-Sa 08:00-20:00; Su off", "Mo-Sa 08:00-20:00; Su off"),
        ("  Mo-Fr   08:00-17:00 ", "Mo-Fr 08:00-17:00"),
        ("Mo,Tu,We 09:00-10:00", "Mo-We 09:00-10:00"),
        ("24/7", "24/7"),
    ],
)
def test_parse_accepts_the_subset(text: str, canonical: str) -> None:
    assert str(hours.parse(text)) == canonical


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("weekdays 8-5", "days are Mo Tu"),
        ("Fr-Mo 08:00-17:00", "run forward"),
        ("Mo-Fr 17:00-08:00", "opening before closing"),
        ("Mo-Fr 8:00-17:00", "HH:MM-HH:MM"),
        ("Mo-Fr", "give times"),
        ("Mo-Fr 25:00-26:00", "HH:MM-HH:MM"),
    ],
)
def test_parse_says_what_is_wrong(text: str, reason: str) -> None:
    with pytest.raises(hours.HoursError, match=reason):
        hours.parse(text)


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        (Locale.EN, "Mo-Fr 08:00-17:00", "Mon-Fri 8:00-17:00"),
        (Locale.EN, "Mo-Sa 08:00-11:30,14:00-17:00; Su off", "Mon-Sat 8:00-11:30, 14:00-17:00; Sun closed"),
        (Locale.EN, "24/7", "open 24 hours"),
        (Locale.EN, "", "ask by phone"),
        (Locale.KM, "Mo-Fr 08:00-17:00", "ច័ន្ទ-សុក្រ ៨:០០-១៧:០០"),
        (Locale.KM, "24/7", "បើក ២៤ ម៉ោង"),
    ],
)
def test_hours_read_in_the_readers_language(locale: Locale, text: str, expected: str) -> None:
    assert Texts(locale).hours(text) == expected


def test_unparseable_stored_hours_are_shown_as_they_are() -> None:
    """Rows written before validation existed must not crash a reply."""
    assert Texts(Locale.EN).hours("by appointment") == "by appointment"


WEEKDAYS = hours.parse("Mo-Fr 08:00-17:00; Sa 08:00-12:00")


@pytest.mark.parametrize(("weekday", "time", "expected"), [
    (0, "09:00", (True, None, None, 0, None)),
    (0, "07:00", (False, 0, "08:00", 60, 0)),
    (0, "23:30", (False, 1, "08:00", 510, 1)),
    (5, "13:00", (False, 2, "08:00", 2580, 0)),  # Saturday afternoon: Monday
    (4, "17:00", (False, 1, "08:00", 900, 5)),  # closing time is closed
])
def test_open_now_or_when_it_opens(weekday: int, time: str, expected: tuple[object, ...]) -> None:
    status = hours.status(WEEKDAYS, weekday, time)
    assert (status.open_now, status.opens_day, status.opens_at, status.wait_minutes,
            status.opens_weekday) == expected


def test_open_all_night_has_no_closing_time() -> None:
    all_night = hours.parse("Mo-Su 00:00-06:00,18:00-24:00")
    late = hours.status(all_night, 2, "23:00")
    assert late.open_now is True and late.closes_at is None
    assert Texts(Locale.EN).status(late) == "open now"
    evening = hours.status(hours.parse("Mo-Fr 18:00-24:00"), 4, "23:00")
    assert evening.closes_at == "24:00"


def test_unknown_always_and_never() -> None:
    assert hours.status(None, 0, "10:00").open_now is None
    assert hours.status(hours.parse("24/7"), 6, "03:00").open_now is True
    never = hours.status(hours.parse("Mo off"), 0, "10:00")
    assert never.open_now is False and never.opens_at is None


@pytest.mark.parametrize(("locale", "weekday", "time", "expected"), [
    (Locale.EN, 0, "09:00", "open until 17:00"),
    (Locale.KM, 5, "09:00", "បើកដល់ ១២:០០"),
    (Locale.EN, 0, "07:00", "closed now, opens 8:00"),
    (Locale.EN, 0, "23:30", "closed now, opens tomorrow 8:00"),
    (Locale.EN, 5, "13:00", "closed now, opens Mon 8:00"),
    (Locale.KM, 0, "23:30", "បិទ បើកស្អែក ៨:០០"),
])
def test_the_status_in_the_readers_words(
    locale: Locale, weekday: int, time: str, expected: str
) -> None:
    assert Texts(locale).status(hours.status(WEEKDAYS, weekday, time)) == expected
