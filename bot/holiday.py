"""Cambodia's public holidays, named in the reader's language.

Many services close on Khmer New Year, Pchum Ben, the Water Festival and the other public
holidays, and a texter who walks to a closed clinic may not come back: "open now" must know
them. Their dates move with the lunar calendar and the government's yearly decree, so they
come from the maintained ``holidays`` package (country ``KH``: Khmer and US-English names)
rather than a table of our own; upgrading the package brings new years' dates.

This runs for every result list, so each year is computed once per language and kept (a
dictionary lookup after that). No wall clock: callers pass the date (``core.hours`` judges
opening hours with ``lookup(locale)``).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Mapping
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from core.hours import HolidayLookup
from core.vocabulary import Locale

if TYPE_CHECKING:
    from holidays import HolidayBase

COUNTRY = "KH"
#: The package's module and class for that country.
MODULE, CLASS = "cambodia", "Cambodia"
#: The package's language codes for ours (it has "km", "en_US" and "th").
LANGUAGES = {Locale.KM: "km", Locale.EN: "en_US"}
#: A day with two holidays has both names, joined by the package with this.
JOINED = "; "
#: A name longer than this (characters) is shortened for a one-line SMS result: some Khmer
#: names of royal holidays run to 164 characters. Khmer makes an SMS UCS-2 (67 characters a
#: part, against 153), so its names get less room: 32 is what the longest result line (with
#: a fee, by appointment, 2-digit number and distance) leaves within 3 segments beside the
#: list's heading and next step (tests/bot/test_holiday.py).
NAME_LIMIT = 44
NAME_LIMIT_KHMER = 32


@lru_cache(maxsize=64)
def _year(year: int, language: str) -> Mapping[date, str]:
    """One year's holidays in one language, computed once (about 0.2 ms; the first about
    20 ms, with the package's import: 3 MB that a process which never asks about opening
    hours does not pay)."""
    found = _cambodia()(years=year, language=language)
    return MappingProxyType(dict(found))


@cache
def _cambodia() -> type[HolidayBase]:
    """The package's calendar of Cambodia (what ``holidays.country_holidays("KH", ...)``
    makes), loaded from its own module alone. Importing it the usual way runs the package's
    ``holidays/countries/__init__.py``, which imports all of its 250 countries and their
    calendars: 10 MB and 0.15 s in every web worker, to know one country's days. Should the
    module not be where it is expected, the usual way is used (``tests/bot/test_holiday.py``
    checks that both give the same days)."""
    import holidays

    name = f"holidays.countries.{MODULE}"
    with _LOADING:  # two threads' first questions at once: the second waits for the module
        module = sys.modules.get(name)
        if module is None:
            module = _load(holidays, name)
            if module is None:
                return type(holidays.country_holidays(COUNTRY))
    return getattr(module, CLASS)  # type: ignore[no-any-return]


#: Held while the calendar's module loads: it is in ``sys.modules`` before it has run, and a
#: second thread must not read it half-made.
_LOADING = threading.Lock()


def _load(holidays: Any, name: str) -> Any:
    """The calendar's module run from its file, or None if it is not where it is expected."""
    path = Path(holidays.__file__).parent / "countries" / f"{MODULE}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None or not path.exists():
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def name(day: date, locale: Locale) -> str | None:
    """The public holiday on ``day`` in ``locale``'s language (both names, joined with "; ",
    on a day with two), or None on an ordinary day."""
    return _year(day.year, LANGUAGES[locale]).get(day)


@cache
def lookup(locale: Locale) -> HolidayLookup:
    """The calendar ``core.hours`` judges opening hours with, naming holidays in ``locale``."""

    def holiday(day: date) -> str | None:
        return name(day, locale)

    return holiday


def short(full: str, limit: int | None = None) -> str | None:
    """A holiday's name short enough for one SMS line, or None (the caller then says "public
    holiday"): the whole name; else the first of two joined names; else, in Khmer, whose
    names put the feast first ("ព្រះរាជពិធីបុណ្យអុំទូក បណ្តែតប្រទីប ..."), its first phrase.
    English names are never cut inside: a cut royal title would read as disrespect. (review:
    a native speaker should check that each Khmer first phrase still names its day.)"""
    khmer = any("\u1780" <= ch <= "\u17ff" for ch in full)
    if limit is None:
        limit = NAME_LIMIT_KHMER if khmer else NAME_LIMIT
    first = full.split(JOINED)[0]
    candidates = [full, first, first.split(" ")[0]] if khmer else [full, first]
    return next((c for c in candidates if len(c) <= limit), None)
