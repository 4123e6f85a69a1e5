"""The words of finding services (``bot.place_choice``, ``bot.results``, ``bot.listed``):
asking where, choosing among places, the services found (a compact line on SMS, a whole entry
elsewhere), and the questions about those listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from babel.dates import format_date

from bot.hours_texts import HoursTexts
from core import hours
from core.catalogs import N_
from core.directory import ServiceInfo
from core.vocabulary import Intent
from core.vocabulary_labels import SERVICE_TYPE_NAMES

#: The heading of each search's results, and its name in "which province or town?".
SERVICE_KIND = {
    # TRANSLATORS: heading for a list of voluntary treatment services.
    Intent.FIND_CLINIC: N_("Voluntary treatment"),
    # TRANSLATORS: heading for a list of needle/syringe exchange and drop-in services.
    Intent.FIND_NEEDLE_EXCHANGE: N_("Needle and syringe exchange, drop-in"),
    # TRANSLATORS: heading for a list of methadone clinics.
    Intent.FIND_METHADONE: N_("Methadone"),
}


class ServiceTexts(HoursTexts):
    """Finding services, and the services found."""

    def ask_place(self, intent: str) -> str:
        return self._(
            "%(kind)s: which province or town are you in? For example Phnom Penh or "
            "Battambang. Reply 0 to see all.",
            kind=self._(SERVICE_KIND[intent]),
        )

    def place_not_found(self) -> str:
        return self._(
            "Sorry, I could not find that place. Type a province name, for example Siem Reap, "
            "or reply 0 to see all."
        )

    def share_location(self) -> str:
        # TRANSLATORS: a Telegram button that shares the user's location. Keep it short.
        return self._("Share my location")

    def choose_place(self, options: Sequence[str]) -> str:
        lines = [self._("Which place do you mean? Reply a number:")]
        lines += [f"{self.number(i)} {option}" for i, option in enumerate(options, start=1)]
        # TRANSLATORS: the way out of a list of places. Khmer digit in Khmer.
        lines.append(self._("0 None of these"))
        return "\n".join(lines)

    def which_province(self, place: str, provinces: int) -> str:
        # TRANSLATORS: a name many places share. Khmer digits in Khmer.
        return self._(
            "Places called %(place)s are in %(count)s provinces. Which province? Reply its "
            "name, or 0 for none of these.",
            place=place, count=self.number(provinces),
        )

    def no_namesake_there(self, place: str) -> str:
        return self._("I know no %(place)s there.", place=place)

    def place_path(self, names: Sequence[str]) -> str:
        """A place and what it lies in, smallest first ("Thmei > Chbar Ampov > Phnom Penh").
        ">" is in the GSM alphabet (a plain SMS stays cheap) and reads the same in Khmer."""
        return " > ".join(names)

    def place_noted(self, place: str) -> str:
        # TRANSLATORS: first line of the menu after someone sent only a place (or a location).
        return self._("%(place)s: what do you need there? Reply a number:", place=place)

    def results_heading(self, intent: str, place_name: str | None) -> str:
        kind = self._(SERVICE_KIND[intent])
        if place_name is None:
            return self._("%(kind)s, all of Cambodia:", kind=kind)
        return self._("%(kind)s near %(place)s:", kind=kind, place=place_name)

    def none_within_reach(self, place_name: str, km: int) -> str:
        return self._(
            "We know of no service of this kind within %(km)s km of %(place)s. "
            "The nearest we know:",
            km=self.number(km),
            place=place_name,
        )

    def near_you(self) -> str:
        # TRANSLATORS: used as the place in "Methadone near %(place)s:" after a shared location.
        return self._("you")

    def helpline(self, phone: str) -> str:
        return self._("To ask about services, call %(phone)s.", phone=phone)

    def none_listed(self) -> str:
        return self._(
            "No service of this kind is listed yet. Reply MENU for other help. "
            "In an emergency, call 119."
        )

    def more_hint(self) -> str:
        return self._("Reply MORE for more places, or MENU for the menu.")

    def details_hint(self, more: bool) -> str:
        """After a compact result list: the next step (details by number; more places)."""
        if more:
            return self._("Reply a number for details, MORE for more places.")
        return self._("Reply a number for details, or MENU.")

    def no_more(self) -> str:
        return self._("That is every place we have listed. Reply MENU for the menu.")

    def service_line(
        self, number: int, service: ServiceInfo, distance_km: float | None, status: hours.Status
    ) -> str:
        """One result in a compact list (SMS): number, name, distance, one phone, status."""
        parts = [f"{self.number(number)} {service.name(self.locale)}"]
        if distance_km is not None:
            parts.append(self._("%(km)s km", km=self.number(max(1, round(distance_km)))))
        parts.append(service.phone)
        parts.append(self.full_short() if service.is_full else self.status(status))
        if not service.is_free:
            # TRANSLATORS: a service that charges a fee; short.
            parts.append(self._("fee"))
        if not service.is_walk_in and not service.is_full:
            # TRANSLATORS: a service that sees people by appointment only; short.
            parts.append(self._("call first"))
        return self.join(parts)

    def full_short(self) -> str:
        # TRANSLATORS: a full service in a compact list; short.
        return self._("FULL, call first")

    def service(
        self,
        service: ServiceInfo,
        distance_km: float | None = None,
        show_type: bool = False,
        area: str = "",
        stale_before: date | None = None,
    ) -> str:
        """One service; ``show_type`` when the list mixes kinds (exchange and drop-in); ``area``
        (its district or province) stands in for a missing street address; an entry last
        checked before ``stale_before`` says when."""
        flags = [self._(SERVICE_TYPE_NAMES[service.service_type])] if show_type else []
        if service.is_free:
            flags.append(self._("free"))
        else:
            flags.append(self._("fee"))
        if service.is_walk_in:
            flags.append(self._("walk-in"))
        if service.is_full:
            # TRANSLATORS: shown on a service that has no room this week.
            flags.append(self._("FULL now, call first"))
        if service.verified_on and stale_before and service.verified_on < stale_before:
            # TRANSLATORS: an entry not checked with the service for months, e.g. "last
            # checked Mar 2026": the texter should call first.
            flags.append(self._("last checked %(month)s, call first",
                                month=self.month(service.verified_on)))
        values = {
            "name": service.name(self.locale),
            "address": service.address(self.locale) or area,
            "hours": self.hours(service.opening_hours),
            "phone": service.phone,
            "flags": self.join(flags),
        }
        if distance_km is None:
            # TRANSLATORS: one service in a list. Keep the line breaks.
            return self._(
                "%(name)s\n%(address)s\nHours: %(hours)s\nTel: %(phone)s\n%(flags)s", **values
            )
        # TRANSLATORS: one service in a list, with its distance in km. Keep the line breaks.
        return self._(
            "%(name)s (%(km)s km)\n%(address)s\nHours: %(hours)s\nTel: %(phone)s\n%(flags)s",
            km=self.number(max(1, round(distance_km))),
            **values,
        )

    def month(self, day: date) -> str:
        """"Mar 2026" in the reader's language and digits."""
        return self.number_text(format_date(day, "MMM yyyy", locale=str(self.locale)))

    def days_heading(self) -> str:
        # TRANSLATORS: heads the list of places just shown, each with the days asked about
        # ("are they open at the weekend?", "what are the hours?").
        return self._("The places listed:")

    def open_heading(self) -> str:
        # TRANSLATORS: heads the list of places just shown, each with its status now.
        return self._("Now, the places listed:")

    def open_line(self, number: int, name: str, status: str) -> str:
        return f"{self.number(number)} {name}: {status}"

    def open_which(self) -> str:
        # TRANSLATORS: "are they open now?" before any list: every list says it.
        return self._("Every place I list says if it is open now. What do you need? Reply a "
                      "number:")

    def open_in_list(self) -> str:
        # TRANSLATORS: "are they open now?" while we wait for a place; the place question follows.
        return self._("Every place I list says if it is open now.")

    def phone_heading(self) -> str:
        # TRANSLATORS: heads the phone numbers of the places just listed.
        return self._("Phone numbers of the places listed:")

    def phone_line(self, number: int, name: str, phone: str) -> str:
        return f"{self.number(number)} {name}: {phone}"

    def phone_which(self) -> str:
        # TRANSLATORS: "what's their number?" before any list.
        return self._("Every place I list has its phone number. What do you need? Reply a "
                      "number:")

    def which_one(self) -> str:
        # TRANSLATORS: "where is it?" after a list of several places.
        return self._("Which one? Reply its number for the address and hours.")
