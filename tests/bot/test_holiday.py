"""Cambodia's public holidays from the ``holidays`` package: names in both languages, days with
two holidays, names short enough for an SMS line, and one computation per year."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot import holiday
from bot.hours_texts import HOLIDAY_NAMES
from bot.replies import Texts
from bot.segments import fits_sms
from core import hours
from core.vocabulary import Locale
from tests.bot.test_flows import SERVICES

EN, KM = Locale.EN, Locale.KM


@pytest.mark.parametrize(("day", "locale", "expected"), [
    (date(2026, 4, 14), EN, "Khmer New Year's Day"),
    (date(2026, 4, 16), EN, "Khmer New Year's Day"),
    (date(2026, 4, 14), KM, "ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ"),
    (date(2026, 10, 11), EN, "Pchum Ben Day"),
    (date(2026, 10, 11), KM, "ពិធីបុណ្យភ្ផុំបិណ្ឌ"),
    (date(2026, 11, 24), EN, "Water Festival"),
    (date(2026, 11, 9), EN, "National Independence Day"),
    # two holidays on one day: the package joins their names
    (date(2026, 5, 1), EN, "International Labor Day; Visaka Bochea Day"),
    (date(2026, 4, 13), EN, None),
    (date(2026, 3, 16), KM, None),
])
def test_the_holiday_of_a_day_in_the_readers_language(
    day: date, locale: Locale, expected: str | None
) -> None:
    assert holiday.name(day, locale) == expected
    assert holiday.lookup(locale)(day) == expected


def test_khmer_new_year_lasts_three_days_and_the_water_festival_too() -> None:
    lookup = holiday.lookup(EN)
    for first, feast in ((date(2026, 4, 14), "Khmer New Year"), (date(2026, 11, 23), "Water")):
        names = [lookup(first + timedelta(days=n)) for n in range(-1, 4)]
        assert names[0] is None and names[4] is None
        assert all(n and n.startswith(feast) for n in names[1:4])


@pytest.mark.parametrize(("full", "expected"), [
    ("Khmer New Year's Day", "Khmer New Year's Day"),
    ("International Labor Day; Visaka Bochea Day", "International Labor Day; Visaka Bochea Day"),
    ("HM Queen Norodom Monineath Sihanouk the Queen-Mother's Birthday", None),
    ("ព្រះរាជពិធីបុណ្យអុំទូក បណ្តែតប្រទីប និងសំពះព្រះខែអកអំបុក", "ព្រះរាជពិធីបុណ្យអុំទូក"),
    ("ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ", "ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ"),
])
def test_a_short_name_for_an_sms_line(full: str, expected: str | None) -> None:
    assert holiday.short(full) == expected


def test_a_short_name_of_two_holidays_is_the_first() -> None:
    assert holiday.short("Water Festival; Some Other Day", limit=20) == "Water Festival"


def test_every_name_of_two_years_has_a_short_form_or_the_generic_word() -> None:
    """No name reaches an SMS line longer than its script's limit; most keep a name."""
    named = 0
    for locale, limit in ((EN, holiday.NAME_LIMIT), (KM, holiday.NAME_LIMIT_KHMER)):
        for day in (date(2026, 1, 1) + timedelta(days=n) for n in range(730)):
            name = holiday.name(day, locale)
            if name is not None:
                short = holiday.short(name)
                assert short is None or len(short) <= limit, (day, short)
                named += short is not None
    assert named >= 70  # of 86 holiday-days in both languages


def test_the_everyday_names_are_keyed_by_the_packages_own_names() -> None:
    """A package upgrade that renames Khmer New Year, Pchum Ben or the Water Festival fails
    here, instead of silently showing the long official name in SMS lines."""
    official = {holiday.name(day, locale) for locale in (EN, KM)
                for day in (date(2026, 4, 14), date(2026, 10, 11), date(2026, 11, 24))}
    assert official == set(HOLIDAY_NAMES)
    assert Texts(KM).holiday_name("ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ") == "បុណ្យចូលឆ្នាំ"
    assert Texts(EN).holiday_name("Khmer New Year's Day") == "Khmer New Year"
    assert Texts(EN).holiday_name("Constitution Day") == "Constitution Day"
    assert Texts(KM).holiday_name("x" * 60) == "ថ្ងៃបុណ្យជាតិ"


def test_each_year_is_computed_once() -> None:
    holiday.name(date(2031, 1, 1), EN)
    before = holiday._year.cache_info()
    for day in (date(2031, 1, 1) + timedelta(days=n) for n in range(365)):
        holiday.name(day, EN)
    after = holiday._year.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 365


def test_a_year_the_package_does_not_know_has_no_holidays() -> None:
    assert holiday.name(date(1950, 4, 14), EN) is None


@pytest.mark.parametrize("locale", [EN, KM])
def test_a_result_line_on_any_holiday_fits_an_sms_reply_with_its_heading_and_hint(
    locale: Locale,
) -> None:
    """The longest line a holiday can make (a weekday clinic closed for it, with a fee and by
    appointment) fits 3 segments with the list's heading and next step, every day of 2026-27."""
    texts, lookup = Texts(locale), holiday.lookup(locale)
    clinic = SERVICES[7]
    paid = type(clinic)(**{**{f: getattr(clinic, f) for f in clinic.__dataclass_fields__},
                           "is_free": False, "name_en": "Chamkar Mon Methadone Clinic",
                           "name_km": "គ្លីនិកមេតាដូន ចំការមន"})
    weekly = hours.parse("Mo-Fr 08:00-17:00")
    heading = texts.results_heading("find_methadone", "Preah Sihanouk")
    hint = texts.details_hint(more=True)
    for day in (date(2026, 1, 1) + timedelta(days=n) for n in range(730)):
        if lookup(day) is None:
            continue
        at = datetime.combine(day, datetime.min.time()).replace(hour=9)
        status = hours.status(weekly, at, lookup)
        line = texts.service_line(12, paid, 48.6, status)
        assert fits_sms("\n".join([heading, line, hint])), (day, line)


def test_cambodias_calendar_loaded_alone_is_the_packages() -> None:
    """``_cambodia`` loads the package's module for Cambodia by itself (not its 250 other
    countries): it must give exactly what ``holidays.country_holidays("KH")`` gives."""
    import holidays

    calendar = holiday._cambodia()  # noqa: SLF001
    assert calendar.__name__ == holiday.CLASS
    for language in holiday.LANGUAGES.values():
        for year in range(2015, 2041):
            alone = dict(calendar(years=year, language=language))
            assert alone, year
            assert alone == dict(holidays.country_holidays(holiday.COUNTRY, years=year,
                                                           language=language)), (year, language)


def test_two_first_questions_at_once_both_get_the_calendar() -> None:
    """The calendar's module is in ``sys.modules`` before it has run: a second thread asking
    at the same moment must wait for it, not read it half-made (it did, under gunicorn's
    threads: tests/webhooks/test_concurrency.py failed now and then)."""
    import sys
    import threading

    from bot import holiday

    holiday._cambodia.cache_clear()
    sys.modules.pop(f"holidays.countries.{holiday.MODULE}", None)
    start = threading.Barrier(8)
    found: list[object] = []
    failed: list[BaseException] = []

    def ask() -> None:
        start.wait()
        try:
            found.append(holiday._cambodia())
        except BaseException as error:  # noqa: BLE001 - the test reports any failure
            failed.append(error)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failed and len(found) == 8 and len({id(c) for c in found}) == 1
