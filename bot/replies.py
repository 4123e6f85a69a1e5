"""Every sentence the bot says, in one place, from the gettext catalogs.

Messages are whole sentences with named placeholders (no sentence built by concatenation), so a
translator sees each one complete. Translator notes start with ``TRANSLATORS:``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import hours
from bot.catalogs import N_, translations
from bot.directory import ServiceInfo
from bot.normalize import to_khmer_digits
from bot.types import Locale, ServiceType

SERVICE_KIND = {
    # TRANSLATORS: heading for a list of voluntary treatment services.
    "find_clinic": N_("Voluntary treatment"),
    # TRANSLATORS: heading for a list of needle/syringe exchange and drop-in services.
    "find_needle_exchange": N_("Needle and syringe exchange, drop-in"),
    # TRANSLATORS: heading for a list of methadone clinics.
    "find_methadone": N_("Methadone"),
}
# TRANSLATORS: short day names, Monday first, as in "Mon-Fri 8:00-17:00".
DAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
SERVICE_TYPE_NAME = {
    ServiceType.VOLUNTARY_TREATMENT: N_("voluntary treatment"),
    ServiceType.METHADONE: N_("methadone"),
    ServiceType.NEEDLE_EXCHANGE: N_("needle and syringe exchange"),
    ServiceType.DROP_IN: N_("drop-in centre"),
}


class Texts:
    """The bot's words in one locale."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self._t = translations(locale)

    def _(self, message: str, **values: object) -> str:
        translated = self._t.gettext(message)
        return translated % values if values else translated

    def number(self, value: int) -> str:
        """A number in the reader's script."""
        text = str(value)
        return to_khmer_digits(text) if self.locale is Locale.KM else text

    # --- menus -----------------------------------------------------------------------------
    def menu(self) -> str:
        # TRANSLATORS: the main menu. Keep it within 3 SMS segments (201 Khmer characters).
        # Use Khmer digits in Khmer. The last line tells the user the language and stop words.
        return self._(
            "Sangkhim: free, anonymous help for people who use drugs and families. Reply a number:\n"
            "1 Voluntary treatment\n"
            "2 Needles, syringes, drop-in\n"
            "3 Methadone\n"
            "4 Questions: free? private?\n"
            "5 Help for family\n"
            "6 Emergency\n"
            "KHMER for Khmer. STOP deletes this chat."
        )

    def faq_menu(self) -> str:
        # TRANSLATORS: the questions sub-menu. Khmer digits in Khmer.
        return self._(
            "Questions. Reply a number:\n"
            "1 Is it free?\n"
            "2 Is it private? Will police know?\n"
            "3 Is it voluntary? Can I leave?\n"
            "4 What is methadone?\n"
            "0 Back to the menu"
        )

    # --- conversation control --------------------------------------------------------------
    def stopped(self) -> str:
        return self._(
            "Done: Sangkhim has deleted this conversation. Text any time to start again."
        )

    def language_set(self) -> str:
        # TRANSLATORS: confirmation after the user picks a language; in the km catalog, Khmer.
        return self._("OK, I will answer in English.")

    def not_understood(self) -> str:
        return self._("Sorry, I did not understand. Please reply with a number from the menu.")

    def still_not_understood(self) -> str:
        return self._(
            "Sorry, I still did not understand. Reply MENU to see the choices. "
            "In an emergency, call 119."
        )

    def slow_down(self) -> str:
        return self._(
            "You are sending many messages quickly. Please wait a few minutes, then try again. "
            "In an emergency, call 119."
        )

    def text_only(self) -> str:
        return self._("Sorry, I can only read text messages. Reply MENU to see what I can do.")

    def unavailable(self) -> str:
        return self._(
            "Sangkhim cannot answer right now. Please try again later. "
            "In an emergency, call 119 for an ambulance."
        )

    # --- finding services ------------------------------------------------------------------
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

    def share_location(self) -> str:
        # TRANSLATORS: a Telegram button that shares the user's location. Keep it short.
        return self._("Share my location")

    def choose_place(self, options: Sequence[str]) -> str:
        lines = [self._("Which place do you mean? Reply a number:")]
        lines += [f"{self.number(i)} {option}" for i, option in enumerate(options, start=1)]
        return "\n".join(lines)

    def place_in(self, place: str, province: str) -> str:
        """A place and its province, to tell same-named places apart (no words to translate)."""
        return f"{place} ({province})"

    def none_listed(self) -> str:
        return self._(
            "No service of this kind is listed yet. Reply MENU for other help. "
            "In an emergency, call 119."
        )

    def more_hint(self) -> str:
        return self._("Reply MORE for more places, or MENU for the menu.")

    def no_more(self) -> str:
        return self._("That is every place we have listed. Reply MENU for the menu.")

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
        )

    def service(
        self,
        service: ServiceInfo,
        distance_km: float | None = None,
        show_type: bool = False,
        area: str = "",
    ) -> str:
        """One service; ``show_type`` when the list mixes kinds (exchange and drop-in); ``area``
        (its district or province) stands in for a missing street address."""
        flags = [self._(SERVICE_TYPE_NAME[service.service_type])] if show_type else []
        if service.is_free:
            flags.append(self._("free"))
        if service.is_voluntary:
            flags.append(self._("voluntary"))
        if service.is_walk_in:
            flags.append(self._("walk-in"))
        if service.is_full:
            # TRANSLATORS: shown on a service that has no room this week.
            flags.append(self._("FULL now, call first"))
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

    def join(self, items: Sequence[str]) -> str:
        # TRANSLATORS: separator between flags such as "free, voluntary".
        return self._(", ").join(items)

    # --- "did you mean" ----------------------------------------------------------------------
    def did_you_mean(self, intent: str) -> str:
        return self._(
            "Did you mean: %(topic)s? Reply YES, or MENU for the menu.",
            topic=self._(TOPIC[intent]),
        )

    def more_pages(self) -> str:
        return self._("Reply MORE to read on, or MENU for the menu.")

    # --- answers: each is one or more pages; the last page ends with one clear next step ------
    def emergency(self) -> tuple[str, ...]:
        # TRANSLATORS: overdose/emergency advice. Must say: call 119, stay with the person,
        # on their side, do not leave them. Never mention the police.
        return (
            self._(
                "Emergency: call 119 for an ambulance now. Stay with the person. If they are not "
                "awake, lay them on their side. Do not leave them alone."
            ),
        )

    def faq_cost(self) -> tuple[str, ...]:
        return (
            self._(
                "Services marked free in our list cost nothing. If you are unsure, ask when you "
                "call. Reply 1 to find voluntary treatment."
            ),
        )

    def faq_privacy(self) -> tuple[str, ...]:
        # TRANSLATORS: the privacy promise (two pages). It must stay exactly this honest:
        # no more, no less. It matches docs/PRIVACY.md.
        return (
            self._(
                "Sangkhim does not keep your number, name or messages. It remembers only your "
                "last step and today's requests, for up to 24 hours. STOP deletes them at once."
            ),
            self._(
                "We count requests by district and service, with no link to you, to show where "
                "help is needed. Your phone company, WhatsApp, Telegram and our SMS provider "
                "can still see your messages. Reply MENU for the menu."
            ),
        )

    def faq_voluntary(self) -> tuple[str, ...]:
        return (
            self._(
                "Voluntary means you choose. You can stop or leave at any time. Sangkhim lists "
                "only voluntary services and never sends anyone to a compulsory centre."
            ),
            # TRANSLATORS: describes community-based treatment in Cambodia.
            self._(
                "Community-based treatment means visits to a clinic or health centre near home: "
                "counselling and health care, and you go home the same day. Reply 1 to find one."
            ),
        )

    def faq_methadone(self) -> tuple[str, ...]:
        return (
            self._(
                "Methadone is a medicine you drink once a day at a clinic. It stops withdrawal "
                "and craving for heroin, so you can live without injecting."
            ),
            self._(
                "Missing doses is dangerous: after a few days your tolerance drops, and using "
                "heroin at your old amount can cause an overdose."
            ),
            self._(
                "If you stopped, you can go back: visit your clinic or any methadone clinic and "
                "say when you last had a dose. They restart you safely. Reply 3 to find a clinic."
            ),
        )

    def family(self) -> tuple[str, ...]:
        return (
            self._(
                "Talk when you are both calm. Say that you care and are worried, without shame or "
                "blame. Listen first: threats and locking someone up do not help."
            ),
            self._(
                "Voluntary treatment means the person chooses it: visits to a nearby clinic, "
                "counselling and health care, and going home the same day."
            ),
            self._(
                "Which province or town are you in? Reply with its name and I will find the "
                "nearest voluntary clinic. Reply 0 to see all."
            ),
        )


# TRANSLATORS: topics offered back in "Did you mean: ...?"
TOPIC = {
    "find_clinic": N_("voluntary treatment"),
    "find_needle_exchange": N_("needles, syringes, drop-in"),
    "find_methadone": N_("methadone"),
    "faq_cost": N_("is it free?"),
    "faq_privacy": N_("is it private? will police know?"),
    "faq_voluntary": N_("is it voluntary?"),
    "faq_methadone": N_("what is methadone?"),
    "family": N_("help for family"),
    "emergency": N_("emergency"),
}
