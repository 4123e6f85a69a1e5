"""Opening hours in words: a service's hours, whether it is open now or when it opens, the days
asked about, and public holidays (``core.hours``, ``bot.holiday``).
"""

from __future__ import annotations

from datetime import date, timedelta

from bot import holiday
from bot.normalize import to_khmer_digits
from bot.wording import Wording
from core import hours
from core.catalogs import N_
from core.vocabulary import Locale

# TRANSLATORS: short day names, Monday first, as in "Mon-Fri 8:00-17:00".
DAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
#: Everyday names of the holidays that close most services, whose official names (from the
#: ``holidays`` package through ``bot.holiday``, in either language) are too long for a
#: one-line SMS result: keyed by those official names. Others are shortened by
#: ``bot.holiday.short``. tests/bot/test_holiday.py checks the keys against the package.
HOLIDAY_NAMES = {
    # TRANSLATORS: the everyday name of Khmer New Year (3 days in April). Short.
    "Khmer New Year's Day": N_("Khmer New Year"),
    "ពិធីបុណ្យចូលឆ្នាំថ្មីប្រពៃណីជាតិ": N_("Khmer New Year"),
    # TRANSLATORS: the everyday name of Pchum Ben (the festival of the dead). Short.
    "Pchum Ben Day": N_("Pchum Ben"),
    "ពិធីបុណ្យភ្ផុំបិណ្ឌ": N_("Pchum Ben"),
    # TRANSLATORS: the everyday name of the Water Festival (Bon Om Touk). Short.
    "Water Festival": N_("Water Festival"),
    "ព្រះរាជពិធីបុណ្យអុំទូក បណ្តែតប្រទីប និងសំពះព្រះខែអកអំបុក": N_("Water Festival"),
}


class HoursTexts(Wording):
    """Opening hours and a service's status now."""

    def hours(self, opening_hours: str) -> str:
        """Structured opening hours as text in the reader's language."""
        if not opening_hours:
            return self._("ask by phone")
        try:
            parsed = hours.parse(opening_hours)
        except hours.HoursError:
            return opening_hours
        return hours.describe(
            parsed,
            tuple(self._(day) for day in DAY_NAMES),
            always=self._("open 24 hours"),
            closed=self._("closed"),
            digits=to_khmer_digits if self.locale is Locale.KM else str,
            # TRANSLATORS: OSM's "PH" in opening hours, as in "Mon-Fri 8:00-17:00; public
            # holidays closed".
            holidays=self._("public holidays"),
        )

    def status(self, status: hours.Status) -> str:
        """Open now, or when it opens next, in the reader's words; on a public holiday that
        closed the service or changed its hours, which holiday."""
        text = self._plain_status(status)
        if status.holiday is None or status.holiday_closed:
            return text
        # TRANSLATORS: a status on a public holiday that changed the service's hours, e.g.
        # "open until 12:00 (Khmer New Year)".
        return self._("%(status)s (%(holiday)s)", status=text,
                      holiday=self.holiday_name(status.holiday))

    def _plain_status(self, status: hours.Status) -> str:
        if status.open_now is None:
            return self._("hours not known")
        if status.open_now and status.closes_at is not None:
            # TRANSLATORS: a service open now, closing at a time, e.g. "open until 17:00".
            return self._("open until %(time)s",
                          time=self.number_text(hours.short_time(status.closes_at)))
        if status.open_now:
            return self._("open now")
        closed_for = self.holiday_name(status.holiday) if status.holiday_closed else None
        if status.opens_at is None or status.opens_weekday is None:
            if closed_for is not None:
                # TRANSLATORS: closed all day for a public holiday, e.g. "closed today: Khmer
                # New Year". Short: it ends a one-line SMS result.
                return self._("closed today: %(holiday)s", holiday=closed_for)
            return self._("closed")
        time = self.number_text(hours.short_time(status.opens_at))
        if closed_for is not None and status.opens_day == 1:
            # TRANSLATORS: e.g. "closed today: Pchum Ben, opens tomorrow 8:00". Short.
            return self._("closed today: %(holiday)s, opens tomorrow %(time)s",
                          holiday=closed_for, time=time)
        if closed_for is not None:
            # TRANSLATORS: e.g. "closed today: Khmer New Year, opens Fri 8:00". Short.
            return self._("closed today: %(holiday)s, opens %(day)s %(time)s",
                          holiday=closed_for, day=self._(DAY_NAMES[status.opens_weekday]),
                          time=time)
        if status.opens_day == 0:
            # TRANSLATORS: a service closed now that opens later today, e.g. "opens 14:00".
            return self._("closed now, opens %(time)s", time=time)
        if status.opens_day == 1:
            return self._("closed now, opens tomorrow %(time)s", time=time)
        return self._("closed now, opens %(day)s %(time)s",
                      day=self._(DAY_NAMES[status.opens_weekday]), time=time)

    def holiday_name(self, name: str) -> str:
        """A public holiday's name (``bot.holiday``, already in the reader's language), short
        enough for one SMS line: its everyday name (``HOLIDAY_NAMES``), else the package's
        name shortened, else "public holiday"."""
        if name in HOLIDAY_NAMES:
            return self._(HOLIDAY_NAMES[name])
        # TRANSLATORS: stands for a public holiday whose name is too long for an SMS line, as
        # in "closed today: public holiday, opens Fri 8:00".
        return holiday.short(name) or self._("public holiday")

    def day_label(self, day: date, today: date) -> str:
        """"today", "tomorrow", or the short day name ("Sat")."""
        if day == today:
            # TRANSLATORS: a day asked about, as in "today 8:00-17:00".
            return self._("today")
        if day == today + timedelta(days=1):
            # TRANSLATORS: a day asked about, as in "tomorrow closed".
            return self._("tomorrow")
        return self._(DAY_NAMES[day.weekday()])

    def times(self, ranges: hours.Ranges) -> str:
        """Opening ranges in the reader's digits ("8:00-12:00, 14:00-17:00")."""
        return self.number_text(hours.times_text(ranges))

    def day_hours(self, label: str, opening: hours.Day) -> str:
        """One day's opening: "Sat 8:00-12:00", "Sun closed", "Sun: closed, Khmer New Year"."""
        if opening.ranges:
            if opening.ranges == hours.ALL_DAY:
                # TRANSLATORS: a day a service is open day and night, e.g. "Sat open 24 hours".
                text = self._("%(day)s open 24 hours", day=label)
            else:
                # TRANSLATORS: a day and its opening hours, e.g. "Sat 8:00-12:00".
                text = self._("%(day)s %(times)s", day=label, times=self.times(opening.ranges))
            if opening.holiday is None:
                return text
            return self._("%(status)s (%(holiday)s)", status=text,
                          holiday=self.holiday_name(opening.holiday))
        if opening.holiday is None:
            # TRANSLATORS: a day the service is closed, e.g. "Sun closed".
            return self._("%(day)s closed", day=label)
        # TRANSLATORS: a day a public holiday closes the service, e.g. "Sun: closed, Khmer New
        # Year".
        return self._("%(day)s: closed, %(holiday)s", day=label,
                      holiday=self.holiday_name(opening.holiday))

    def holiday_hours(self, ranges: hours.Ranges | None) -> str:
        """What a service does on public holidays (``core.hours.holiday_hours``)."""
        if ranges is None:
            # TRANSLATORS: a service that keeps its usual hours on public holidays. Short.
            return self._("public holidays: usual hours")
        if not ranges:
            return self._("public holidays closed")
        # TRANSLATORS: a service's hours on public holidays, e.g. "public holidays 8:00-12:00".
        return self._("public holidays %(times)s", times=self.times(ranges))
