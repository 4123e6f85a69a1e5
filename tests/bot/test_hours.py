"""Structured opening hours: the accepted OSM subset (public holidays too), errors, the status
at a concrete local date and time, and text in both languages. The clock is always pinned: a
week of March 2026 with no public holiday, and Cambodia's holidays of 2026 from ``bot.holiday``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot import holiday
from bot.replies import Texts
from core import hours
from core.vocabulary import Locale

#: Monday 16 March 2026: a week without public holidays (Mon 16 ... Sun 22).
WEEK = date(2026, 3, 16)


def on(weekday: int, time: str) -> datetime:
    """The local moment ``time`` on the day ``weekday`` (0 = Monday) of ``WEEK``."""
    hour, minute = map(int, time.split(":"))
    return datetime.combine(WEEK + timedelta(days=weekday), datetime.min.time()).replace(
        hour=hour, minute=minute)


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
        ("Mo-Fr 08:00-17:00; PH off", "Mo-Fr 08:00-17:00; PH off"),
        ("Mo-Fr 08:00-17:00; PH 08:00-12:00", "Mo-Fr 08:00-17:00; PH 08:00-12:00"),
        # a rule of holidays alone goes last, where OSM (later rules win) reads it the same
        ("PH off; Mo-Fr 08:00-17:00", "Mo-Fr 08:00-17:00; PH off"),
        ("Mo-Sa 08:00-17:00; Su,PH off", "Mo-Sa 08:00-17:00; Su,PH off"),
        ("Mo-Su 07:00-11:00; PH 07:00-09:00,15:00-16:00",
         "Mo-Su 07:00-11:00; PH 07:00-09:00,15:00-16:00"),
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
        ("Mo-Fr 08:00-17:00; PH", "give times"),
        ("Mo-Fr 08:00-17:00; PH closed", "'closed': times are HH:MM-HH:MM"),
        ("Mo-Fr 08:00-17:00; PH 8-12", "'8-12': times are HH:MM-HH:MM"),
        ("Mo-Fr 08:00-17:00; PHX off", "PH for public holidays"),
        ("Mo-Fr 08:00-17:00; SH off", "PH for public holidays"),  # school holidays: not ours
        ("PH-Fr off", "PH for public holidays"),
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
        (Locale.EN, "Mo-Fr 08:00-17:00; PH off", "Mon-Fri 8:00-17:00; public holidays closed"),
        (Locale.EN, "Mo-Sa 08:00-17:00; Su,PH off", "Mon-Sat 8:00-17:00; Sun, public holidays closed"),
        (Locale.KM, "Mo-Fr 08:00-17:00; PH 08:00-12:00",
         "ច័ន្ទ-សុក្រ ៨:០០-១៧:០០; ថ្ងៃបុណ្យ ៨:០០-១២:០០"),
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
    status = hours.status(WEEKDAYS, on(weekday, time))
    assert (status.open_now, status.opens_day, status.opens_at, status.wait_minutes,
            status.opens_weekday) == expected
    assert status.holiday is None


def test_open_all_night_has_no_closing_time() -> None:
    all_night = hours.parse("Mo-Su 00:00-06:00,18:00-24:00")
    late = hours.status(all_night, on(2, "23:00"))
    assert late.open_now is True and late.closes_at is None
    assert Texts(Locale.EN).status(late) == "open now"
    evening = hours.status(hours.parse("Mo-Fr 18:00-24:00"), on(4, "23:00"))
    assert evening.closes_at == "24:00"


def test_unknown_always_and_never() -> None:
    assert hours.status(None, on(0, "10:00")).open_now is None
    assert hours.status(hours.parse("24/7"), on(6, "03:00")).open_now is True
    never = hours.status(hours.parse("Mo off"), on(0, "10:00"))
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
    assert Texts(locale).status(hours.status(WEEKDAYS, on(weekday, time))) == expected


# --- a Saturday and a Sunday -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "weekday", "locale", "expected"), [
    ("Mo-Fr 08:00-17:00; Sa 08:00-12:00", 5, Locale.EN, "Sat 8:00-12:00"),
    ("Mo-Fr 08:00-17:00; Sa 08:00-12:00", 6, Locale.EN, "Sun closed"),
    ("Mo-Fr 08:00-17:00; Sa 08:00-12:00", 6, Locale.KM, "អាទិត្យ បិទ"),
    ("Mo-Fr 08:00-17:00; Sa 08:00-12:00", 5, Locale.KM, "សៅរ៍ បើក ៨:០០-១២:០០"),
    ("Mo-Su 07:00-11:00", 6, Locale.EN, "Sun 7:00-11:00"),
    ("24/7", 6, Locale.EN, "Sun open 24 hours"),
])
def test_one_day_in_the_readers_words(
    text: str, weekday: int, locale: Locale, expected: str
) -> None:
    texts = Texts(locale)
    day = WEEK + timedelta(days=weekday)
    opening = hours.on_day(hours.parse(text), day)
    assert texts.day_hours(texts.day_label(day, WEEK), opening) == expected


def test_a_saturday_and_a_sunday_status() -> None:
    """Saturday morning the clinic is open until noon; on Sunday it opens on Monday."""
    saturday, sunday = hours.status(WEEKDAYS, on(5, "10:00")), hours.status(WEEKDAYS, on(6, "10:00"))
    assert (saturday.open_now, saturday.closes_at) == (True, "12:00")
    assert (sunday.open_now, sunday.opens_day, sunday.opens_weekday) == (False, 1, 0)
    assert Texts(Locale.EN).status(sunday) == "closed now, opens tomorrow 8:00"


# --- public holidays -------------------------------------------------------------------------

#: Tuesday 14 April 2026, the first day of Khmer New Year (14-16 April), 09:00 in Phnom Penh.
NEW_YEAR = datetime(2026, 4, 14, 9, 0)
EN_HOLIDAYS, KM_HOLIDAYS = holiday.lookup(Locale.EN), holiday.lookup(Locale.KM)


@pytest.mark.parametrize(("label", "text", "expected"), [
    ("a Mo-Fr clinic is closed, named, and opens again on Friday",
     "Mo-Fr 08:00-17:00", (False, 3, "08:00", 4, "Khmer New Year's Day", True)),
    ("a Mo-Su methadone clinic keeps its hours",
     "Mo-Su 07:00-11:00", (True, None, None, None, None, False)),
    ("24/7 keeps its hours", "24/7", (True, None, None, None, None, False)),
    ("a PH rule decides: shorter hours, named",
     "Mo-Fr 08:00-17:00; PH 08:00-12:00", (True, None, None, None, "Khmer New Year's Day", False)),
    ("a PH rule decides: closed, even open every day",
     "Mo-Su 07:00-11:00; PH off", (False, 3, "07:00", 4, "Khmer New Year's Day", True)),
    ("a PH rule the same as the day's hours changes nothing",
     "Mo-Fr 08:00-17:00; PH 08:00-17:00", (True, None, None, None, None, False)),
    ("closed on Tuesdays anyway: the holiday closed nothing",
     "We-Fr 08:00-17:00", (False, 3, "08:00", 4, None, False)),
])
def test_status_on_khmer_new_year(label: str, text: str, expected: tuple[object, ...]) -> None:
    status = hours.status(hours.parse(text), NEW_YEAR, EN_HOLIDAYS)
    assert (status.open_now, status.opens_day, status.opens_at, status.opens_weekday,
            status.holiday, status.holiday_closed) == expected, label


@pytest.mark.parametrize(("locale", "text", "at", "expected"), [
    (Locale.EN, "Mo-Fr 08:00-17:00", NEW_YEAR, "closed today: Khmer New Year, opens Fri 8:00"),
    (Locale.KM, "Mo-Fr 08:00-17:00", NEW_YEAR,
     "បិទថ្ងៃនេះ ព្រោះបុណ្យចូលឆ្នាំ, បើកសុក្រ ៨:០០"),
    (Locale.EN, "Mo-Fr 08:00-17:00", datetime(2026, 4, 16, 9),
     "closed today: Khmer New Year, opens tomorrow 8:00"),
    (Locale.EN, "Mo-Su 07:00-11:00", NEW_YEAR, "open until 11:00"),
    (Locale.EN, "Mo-Fr 08:00-17:00; PH 08:00-12:00", NEW_YEAR,
     "open until 12:00 (Khmer New Year)"),
    (Locale.EN, "Mo-Fr 08:00-17:00; PH 08:00-12:00", datetime(2026, 4, 14, 13),
     "closed now, opens tomorrow 8:00 (Khmer New Year)"),
    (Locale.EN, "Tu 08:00-17:00", NEW_YEAR, "closed today: Khmer New Year, opens Tue 8:00"),
    (Locale.EN, "Tu 08:00-17:00; PH off", datetime(2026, 4, 14, 7),
     "closed today: Khmer New Year, opens Tue 8:00"),
    # a name too long for an SMS line (63 characters) stands as "public holiday"
    (Locale.EN, "Mo-Fr 08:00-17:00", datetime(2026, 6, 18, 9),
     "closed today: public holiday, opens tomorrow 8:00"),
    # the Water Festival's everyday name
    (Locale.KM, "Mo-Fr 08:00-17:00", datetime(2026, 11, 23, 9),
     "បិទថ្ងៃនេះ ព្រោះបុណ្យអុំទូក, បើកព្រហ ៨:០០"),
])
def test_a_holiday_status_says_why(locale: Locale, text: str, at: datetime, expected: str) -> None:
    status = hours.status(hours.parse(text), at, holiday.lookup(locale))
    assert Texts(locale).status(status) == expected


def test_the_next_opening_skips_a_three_day_holiday() -> None:
    """Friday evening before the Water Festival (Mon 23 - Wed 25 November 2026): a Mo-Fr clinic
    opens on Thursday, six days on; without holidays it would be Monday."""
    friday, mo_fr = datetime(2026, 11, 20, 18, 0), hours.parse("Mo-Fr 08:00-17:00")
    status = hours.status(mo_fr, friday, EN_HOLIDAYS)
    assert (status.opens_day, status.opens_weekday, status.opens_at) == (6, 3, "08:00")
    assert status.wait_minutes == 6 * 24 * 60 - 10 * 60
    assert status.holiday is None  # Friday itself is no holiday
    assert Texts(Locale.EN).status(status) == "closed now, opens Thu 8:00"
    assert hours.status(mo_fr, friday).opens_weekday == 0


def test_any_calendar_is_a_lookup() -> None:
    """``core.hours`` knows no calendar: a set of days works as well as Cambodia's."""
    closed = {WEEK + timedelta(days=n) for n in range(3)}  # Mon-Wed of the quiet week

    def lookup(day: date) -> str | None:
        return "Staff retreat" if day in closed else None

    status = hours.status(WEEKDAYS, on(0, "09:00"), lookup)
    assert (status.open_now, status.opens_day, status.holiday) == (False, 3, "Staff retreat")


@pytest.mark.parametrize(("text", "expected"), [
    ("Mo-Fr 08:00-17:00", ()),
    ("Mo-Su 07:00-11:00", None),
    ("24/7", None),
    ("Mo-Su 07:00-11:00; PH off", ()),
    ("Mo-Fr 08:00-17:00; PH 08:00-12:00", (("08:00", "12:00"),)),
    ("Mo-Fr 08:00-17:00; Su,PH 09:00-10:00", (("09:00", "10:00"),)),
])
def test_holiday_hours_follow_the_policy(text: str, expected: hours.Ranges | None) -> None:
    assert hours.holiday_hours(hours.parse(text)) == expected


@pytest.mark.parametrize(("locale", "day", "expected"), [
    (Locale.EN, date(2026, 4, 14), "today: closed, Khmer New Year"),
    (Locale.EN, date(2026, 4, 17), "Fri 8:00-17:00"),
    (Locale.EN, date(2026, 4, 19), "Sun closed"),
    (Locale.KM, date(2026, 4, 15), "ស្អែក៖ បិទ ព្រោះបុណ្យចូលឆ្នាំ"),
])
def test_a_day_closed_by_a_holiday_says_so(locale: Locale, day: date, expected: str) -> None:
    texts = Texts(locale)
    opening = hours.on_day(WEEKDAYS, day, holiday.lookup(locale))
    assert texts.day_hours(texts.day_label(day, NEW_YEAR.date()), opening) == expected
