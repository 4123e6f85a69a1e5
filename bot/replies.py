"""Every sentence the bot says, in one place, from the gettext catalogs.

Messages are whole sentences with named placeholders (no sentence built by concatenation), so a
translator sees each one complete. Translator notes start with ``TRANSLATORS:``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from babel.dates import format_date

from bot import holiday
from bot.normalize import to_khmer_digits
from core import hours
from core.catalogs import N_, translations
from core.directory import ServiceInfo
from core.vocabulary import Locale, ServiceType

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
SERVICE_TYPE_NAME = {
    ServiceType.VOLUNTARY_TREATMENT: N_("voluntary treatment"),
    ServiceType.METHADONE: N_("methadone"),
    ServiceType.NEEDLE_EXCHANGE: N_("needle and syringe exchange"),
    ServiceType.DROP_IN: N_("drop-in centre"),
}


class Texts:
    """The bot's words in one locale."""

    def __init__(self, locale: Locale, who: str | None = None) -> None:
        """``who`` is who is asking (``bot.who``): answers about drug use are worded for the
        person themselves (``self``), a relative (``relative``) or an outreach worker
        (``worker``); None reads as a relative where an answer must choose."""
        self.locale = locale
        self.who = who
        self._t = translations(locale)

    @property
    def for_self(self) -> bool:
        return self.who == "self"

    @property
    def for_someone(self) -> bool:
        """Asked for someone else: a relative, or a worker's client."""
        return self.who in ("relative", "worker")

    def _(self, message: str, **values: object) -> str:
        translated = self._t.gettext(message)
        return translated % values if values else translated

    def number(self, value: int) -> str:
        """A number in the reader's script."""
        return self.number_text(str(value))

    def number_text(self, text: str) -> str:
        """Digits inside ``text`` in the reader's script ("8:00" -> "៨:០០")."""
        return to_khmer_digits(text) if self.locale is Locale.KM else text

    # --- menus -----------------------------------------------------------------------------
    def menu(self, lead: str | None = None) -> str:
        """The main menu under ``lead`` (default: who Sangkhim is); the whole fits one SMS
        budget, so a first contact gets everything in one message."""
        return f"{lead or self.menu_lead()}\n{self.menu_items()}"

    def menu_lead(self) -> str:
        # TRANSLATORS: the first line of the main menu, before its numbered choices.
        return self._(
            "Sangkhim: free, anonymous help for people who use drugs and families. Reply a number:"
        )

    def menu_items(self) -> str:
        # TRANSLATORS: the main menu's choices. With its first line it must fit 3 SMS segments
        # (201 Khmer characters). Khmer digits in Khmer. The last line gives the language and
        # stop words.
        return self._(
            "1 Voluntary treatment\n"
            "2 Needles, syringes, drop-in\n"
            "3 Methadone\n"
            "4 Questions: free? private?\n"
            "5 Help for family\n"
            "6 Emergency: call 119\n"
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
            "5 Talk to a person\n"
            "0 Back to the menu"
        )

    # --- conversation control --------------------------------------------------------------
    def stopped(self) -> str:
        return self._(
            "Done: Sangkhim has deleted this conversation. Text any time to start again."
        )

    def stopped_by_provider_word(self) -> str:
        # TRANSLATORS: goodbye after a one-word SMS opt-out (STOP, CANCEL...). Our SMS provider
        # (Twilio) also acts on these words and blocks messages to the sender until they send
        # START. Keep STOP and START in Latin letters: only those words work.
        return self._(
            "Done: Sangkhim has deleted this conversation. Your STOP also makes our SMS provider "
            "block messages to you: send START if you want to use Sangkhim again."
        )

    def confirm_stop(self) -> str:
        # TRANSLATORS: asked when a message may be an opt-out but may not be ("leave me alone",
        # a misspelt STOP). DELETE must be the word the catalog's stop list accepts (km: លុប).
        return self._(
            "Do you want Sangkhim to delete this chat? Reply DELETE to delete it, or MENU to go "
            "on. You can write again any time."
        )

    def language_set(self) -> str:
        # TRANSLATORS: confirmation after the user picks a language; in the km catalog, Khmer.
        return self._("OK, I will answer in English.")

    def not_understood(self) -> str:
        # TRANSLATORS: the first line of the menu when a message was not understood.
        return self._("Sorry, I did not understand. Reply a number:")

    def emergency_line(self) -> str:
        # TRANSLATORS: the first line of the menu when a first message was not understood (it
        # may be an emergency told in words the bot does not know).
        return self._("If this is an emergency, call 119 now. Or reply a number:")

    def kind_words(self) -> str:
        # TRANSLATORS: the first line of the menu after a message of emoji or stickers only.
        return self._("Thank you for writing. How can Sangkhim help? Reply a number:")

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

    def talk_to_person(self, phone: str) -> str:
        # TRANSLATORS: the operator's helpline, offered after a crisis reply or a request to
        # talk to a person.
        return self._("To talk to a person now, call %(phone)s.", phone=phone)

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

    def resume_place(self, intent: str) -> str:
        # TRANSLATORS: after answering a question asked while we waited for a place.
        return self._(
            "To find %(kind)s, send your province or town, or 0 for all.",
            kind=self._(TOPIC[intent]),
        )

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

    # --- the days asked about ("open on Sunday?", "what are the hours?") ----------------------
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

    def days_heading(self) -> str:
        # TRANSLATORS: heads the list of places just shown, each with the days asked about
        # ("are they open at the weekend?", "what are the hours?").
        return self._("The places listed:")

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
            # TRANSLATORS: OSM's "PH" in opening hours, as in "Mon-Fri 8:00-17:00; public
            # holidays closed".
            holidays=self._("public holidays"),
        )

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
        flags = [self._(SERVICE_TYPE_NAME[service.service_type])] if show_type else []
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
        return self._("Reply MORE to read on.")

    # --- answers: each is one or more pages; the last page ends with one clear next step ------
    # Safety content: sources and review status in docs/SAFETY.md. Every text here is marked
    # "review" in the Khmer catalog until a clinician and a native speaker have checked it.
    def emergency(self) -> tuple[str, ...]:
        """Overdose first aid: the first page alone holds what saves a life."""
        return (
            # TRANSLATORS: overdose first aid, page 1 of 5: it must work alone (an SMS user may
            # read no further). Call 119, stay, breathing -> side, not breathing -> breaths.
            # Never mention the police.
            self._(
                "Emergency: call 119 for an ambulance now and stay with the person. Not breathing "
                "normally? Tilt the head back and give rescue breaths. Breathing but not awake? "
                "Lay them on their side."
            ),
            self.rescue_breaths(),
            self.cpr(),
            # TRANSLATORS: overdose first aid, naloxone and staying (WHO 2014).
            self._(
                "If you have naloxone, give it now, and again after 2 to 3 minutes if nothing "
                "changes. Stay even if they wake: the overdose can come back. Do not put them in "
                "cold water."
            ),
            # TRANSLATORS: stimulant (yama, ice) emergencies.
            self._(
                "After yama or ice, chest pain, a fit, very hot skin or confusion are an emergency "
                "too. Call 119, move them somewhere cool and quiet, cool them with wet cloths and "
                "keep them away from danger."
            ),
        )

    def rescue_breaths(self) -> str:
        # TRANSLATORS: rescue breathing for someone who does not breathe normally (WHO 2014).
        return self._(
            "Rescue breaths: tilt the head back, lift the chin, pinch the nose and breathe into "
            "their mouth, 1 breath every 5 seconds, until they breathe by themselves or help "
            "arrives."
        )

    def cpr(self) -> str:
        # TRANSLATORS: CPR for someone who does not breathe and does not move (IFRC 2020).
        return self._(
            "CPR, if they do not breathe and do not move at all: call 119, then push hard and "
            "fast on the middle of the chest 30 times, then give 2 rescue breaths. Keep going "
            "until help arrives."
        )

    def first_aid(self) -> tuple[str, ...]:
        """"CPR?", "how do I breathe for him?": the answer asked for, then the rest."""
        return (
            self.cpr(),
            self.rescue_breaths(),
            self.recovery_position(),
        )

    def recovery_position(self) -> str:
        # TRANSLATORS: the recovery position (IFRC 2020).
        return self._(
            "Recovery position, for someone who breathes but is not awake: lay them on their "
            "side, top knee bent forward, head tilted back so the mouth points down. Check "
            "their breathing until help comes."
        )

    def hospital_now(self) -> str:
        # TRANSLATORS: "where is the nearest hospital?" during an emergency.
        return self._(
            "Call 119: the ambulance takes them to hospital and helps on the way. If a hospital "
            "is very close and you can take them at once, go now, with them on their side."
        )

    def nothing_by_mouth(self) -> str:
        # TRANSLATORS: "can I give him water / coffee / milk?" during an emergency (IFRC 2020).
        return self._(
            "Give nothing to eat or drink and no other drug to someone who is not fully awake: "
            "they could choke. No cold water either. Keep them on their side and stay."
        )

    def keep_going(self) -> str:
        # TRANSLATORS: an emergency goes on ("what if he dies?", "help is not coming").
        return self._(
            "Keep going: rescue breaths, or CPR if they do not move, until they breathe or help "
            "arrives. If help is slow, call 119 again. You are doing the right thing."
        )

    def help_arrived(self) -> str:
        # TRANSLATORS: "the ambulance is here" during an emergency. Never mention the police.
        return self._(
            "Good. Tell the crew what was taken, how much and when, and how long they have been "
            "like this: it helps them treat the person."
        )

    def naloxone(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: what naloxone does (WHO 2014).
            self._(
                "Naloxone reverses an overdose of heroin or other opioids for 30 to 90 minutes. "
                "It does not work on yama or ice, and does no harm if no opioid was taken."
            ),
            # TRANSLATORS: how to give naloxone, and where to ask for it. Do not claim it is
            # sold or given out anywhere in particular.
            self._(
                "Give it into the thigh or the nose, as its pack shows, and again after 2 to 3 "
                "minutes if nothing changes. Still call 119 and stay. Ask a methadone clinic or "
                "drop-in centre if they have it."
            ),
        )

    def crisis(self) -> tuple[str, ...]:
        """Thoughts of suicide or self-harm: calm, warm, one clear step. For someone else's
        (a relative or a worker's client), what to do for them."""
        if self.who in ("relative", "worker"):
            return (
                # TRANSLATORS: someone says a relative or friend may want to end their life.
                # Calm; what to do for them (WHO mhGAP 2016). The neutral "they".
                self._(
                    "Thank you for telling me. Take it seriously and stay with them. Listen "
                    "without judging, and move away anything they could hurt themselves with."
                ),
                self._(
                    "If they might hurt themselves now, call 119 or take them to the nearest "
                    "hospital. You can write here any time. Reply 1 to find a voluntary service."
                ),
            )
        return (
            # TRANSLATORS: the first reply to someone who may want to end their life. Warm and
            # calm; no lecture; the neutral "you" (អ្នក).
            self._(
                "Thank you for telling me. You matter, and you are not alone. If you might hurt "
                "yourself now, call 119 or go to the nearest hospital, and stay near someone you "
                "trust."
            ),
            self._(
                "Talking helps: a friend, family or a health worker. You can write here any time. "
                "Reply 1 to find a voluntary service near you."
            ),
        )

    def crisis_followup(self, turn: int) -> str:
        """A calm reply inside a crisis ("no one can help me", "I'm so afraid"); ``turn``
        counts the follow-ups, so the words change rather than repeat. For someone else's
        crisis, what to do for them, and for oneself."""
        if self.for_someone:
            if turn % 2 == 0:
                # TRANSLATORS: inside a relative's crisis ("what should I do?"). Calm, practical.
                return self._(
                    "You are doing the right thing. Stay close to them, listen, and keep away "
                    "anything they could hurt themselves with. If they might act now, call 119."
                )
            # TRANSLATORS: inside a relative's crisis, a later follow-up: care for the carer too.
            return self._(
                "Look after yourself too: you do not have to carry this alone. If they might "
                "hurt themselves now, call 119 or take them to a hospital."
            )
        if turn % 2 == 0:
            # TRANSLATORS: inside a crisis, after the first crisis reply. Warm, calm, short.
            return self._(
                "I hear you. What you feel is heavy, and feelings like this can change. You do "
                "not have to carry it alone. If you might hurt yourself now, call 119."
            )
        # TRANSLATORS: inside a crisis, a later follow-up.
        return self._(
            "I am still here with you. Is someone you trust near you now? Stay close to them. "
            "If you might hurt yourself, call 119 or go to a hospital."
        )

    def crisis_person(self) -> str:
        # TRANSLATORS: offers a chat with an outreach worker inside a crisis. PERSON must be a
        # word the lexicons accept for asking for a person (km: មនុស្ស).
        return self._("Reply PERSON to write with an outreach worker here.")

    def crisis_thanks(self) -> str:
        # TRANSLATORS: thanks or "I'm a bit better" inside a crisis.
        return self._(
            "Thank you for writing. You can write here any time, day or night. If you feel in "
            "danger, call 119."
        )

    # --- inside an emergency: what happens next ---------------------------------------------
    # Sources in docs/SAFETY.md (IFRC 2020, WHO 2014). Every one is marked "review" in the Khmer
    # catalog until a clinician and a native speaker have checked it. Never mention police.
    def first_steps(self) -> str:
        # TRANSLATORS: the first-aid steps in two lines, after another answer in an emergency.
        return self._(
            "Not breathing normally? Tilt the head back and give rescue breaths. Breathing but "
            "not awake? Lay them on their side. Stay with them."
        )

    def seizure(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: a fit (seizure), e.g. after drugs (IFRC 2020).
            self._(
                "A fit: call 119. Move hard or sharp things away and put something soft under "
                "the head. Do not hold them down or put anything in the mouth."
            ),
            self._(
                "When the shaking stops, lay them on their side and check their breathing. "
                "Stay with them until help arrives."
            ),
        )

    def heat(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: overheating after yama or ice (IFRC 2020, heat illness).
            self._(
                "Too hot after yama or ice is dangerous: call 119. Move them somewhere cool, "
                "loosen their clothes and cool them with wet cloths and a fan."
            ),
            self._(
                "If they are awake, give small sips of water. No more drugs or alcohol. Stay "
                "with them until help arrives."
            ),
        )

    def chest_pain(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: chest pain or a racing heart after a drug (yama, ice): possibly a
            # heart attack.
            self._(
                "Chest pain or a racing heart after a drug can be a heart attack: call 119 now. "
                "Help them sit, keep them calm and still, and give no more drugs or alcohol."
            ),
            self._(
                "If they stop breathing and do not move, start CPR: push hard and fast on the "
                "middle of the chest, 30 times, then 2 rescue breaths, until help arrives."
            ),
        )

    def psychosis(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: seeing or hearing things, panic or aggression after days without sleep
            # on yama or ice. Calm, safe; no restraint.
            self._(
                "Seeing or hearing things after days without sleep often passes with rest. Stay "
                "calm, speak softly, keep it quiet and move sharp things away. Do not argue or "
                "hold them down."
            ),
            self._(
                "If they might hurt themselves or others, or seem very ill, call 119. Water, "
                "food and sleep help. No more yama or ice."
            ),
        )

    def breathing(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: the person breathes again or wakes during an overdose (WHO 2014:
            # the overdose can return, naloxone wears off).
            self._(
                "Good. Keep them on their side and stay. Watch their breathing until help "
                "arrives: an overdose can come back, even after naloxone."
            ),
            self._(
                "If breathing slows or stops again, give rescue breaths and call 119. They "
                "should not use again today."
            ),
        )

    def ambulance(self) -> str:
        # TRANSLATORS: fear that calling 119 brings the police. Honest: ambulance crews are
        # health workers; promise nothing about police, and do not name them.
        return self._(
            "Call 119 anyway: ambulance crews are health workers, and they come to save a life. "
            "If you can, tell them what was taken: it helps them treat the person."
        )

    def stay(self) -> str:
        # TRANSLATORS: "ok", "thanks", "I'm scared" during an emergency.
        return self._(
            "Stay calm and stay with them until help arrives. If their breathing changes or "
            "stops, give rescue breaths and call 119 again."
        )

    # --- small talk: thanks, good news, cravings, fear ---------------------------------------
    def thanks(self) -> str:
        # TRANSLATORS: the answer to thanks or "ok": warm, one line.
        return self._("You are welcome. I am here any time: reply MENU to see what I can do.")

    def progress(self) -> tuple[str, ...]:
        """Good news ("clean for two weeks"): the person's own, unless said of someone else."""
        if not self.for_someone:
            return (
                # TRANSLATORS: good news from a person about their own use. Warm, no lecture.
                self._(
                    "That is great news, well done. If cravings come back, it is not a failure: "
                    "it happens, and help is there. Reply 1 to find voluntary support near you."
                ),
            )
        return (
            # TRANSLATORS: good news about a relative.
            self._(
                "That is good news. Your support matters: notice the small steps. If they use "
                "again, stay calm: it happens, and help is still there. Reply 1 to find "
                "voluntary support."
            ),
        )

    def cravings(self) -> tuple[str, ...]:
        """The urge comes back (the engine adds where to find voluntary treatment): the person's
        own, unless said of someone else."""
        if not self.for_someone:
            return (
                # TRANSLATORS: cravings. A craving usually passes within half an hour (review).
                self._(
                    "Cravings come and go, and each one passes, often within half an hour. Plan "
                    "the hard times, like evenings: be with someone who supports you, and keep "
                    "away from places where you used."
                ),
                self._(
                    "Counselling at a voluntary clinic helps with cravings, and methadone helps "
                    "with cravings for heroin."
                ),
            )
        return (
            # TRANSLATORS: cravings of a relative.
            self._(
                "Cravings come and go, and each one passes, often within half an hour. You can "
                "help by planning the hard times together, like evenings, without blame."
            ),
            self._(
                "Counselling at a voluntary clinic helps with cravings, and methadone helps "
                "with cravings for heroin."
            ),
        )

    def afraid(self) -> tuple[str, ...]:
        # TRANSLATORS: fear said plainly ("I'm scared"), not about police and not a crisis.
        return (
            self._(
                "It is OK to be afraid, and you are not alone. You can write here any time. If "
                "you are in danger now, call 119. Reply MENU to see how Sangkhim can help."
            ),
        )

    def afraid_waiting(self) -> str:
        # TRANSLATORS: fear said while waiting for an outreach worker to write.
        return self._(
            "It is OK to be afraid, and you are not alone. An outreach worker will write here as "
            "soon as they can. If you are in danger now, call 119."
        )

    def human(self) -> str:
        # TRANSLATORS: the answer to "can I talk to a real person?". Honest: no person reads
        # the chat, and there is no way to reach one through Sangkhim yet.
        return self._(
            "Sangkhim is an automatic service: no person reads this chat, and it cannot connect "
            "you to one yet. To talk to someone, call a service from our list: reply 1, 2 or 3. "
            "In an emergency, call 119."
        )

    # --- a person: the handoff to an outreach worker ------------------------------------------
    def handoff_offer(self, ttl_hours: int) -> str:
        # TRANSLATORS: asking for a person. Exactly this true: the worker never sees the number;
        # the chat is deleted when it ends or after ttl hours. YES and MENU as the lexicons
        # accept them (km: យល់ព្រម, ម៉ឺនុយ).
        return self._(
            "An outreach worker can write to you here. They never see your number. The chat is "
            "deleted when it ends, or after %(hours)s hours. Reply YES, or MENU.",
            hours=self.number(ttl_hours),
        )

    def handoff_later(self, status: str) -> str:
        # TRANSLATORS: %(status)s is when workers are next at work, e.g. "closed now, opens
        # tomorrow 8:00".
        return self._("Outreach workers: %(status)s.", status=status)

    def handoff_opened(self) -> str:
        # TRANSLATORS: after YES. STOP must be the word the catalog's stop list accepts.
        return self._(
            "Thank you. An outreach worker will write here. All you write goes to them. STOP "
            "ends and deletes the chat. Emergency: 119."
        )

    def handoff_queued(self) -> str:
        # TRANSLATORS: after YES, out of working hours (after "Outreach workers: closed now,
        # opens Mon 8:00."). MENU and STOP as the lexicons accept them.
        return self._(
            "One will write here then. Until then I answer: reply MENU. STOP deletes the chat. "
            "Emergency: 119."
        )

    def handoff_full(self) -> str:
        # TRANSLATORS: asking for a person while too many chats already wait for the outreach
        # workers. MENU as the lexicons accept it (km: ម៉ឺនុយ).
        return self._(
            "Outreach workers have too many people waiting right now, so I cannot add you. "
            "Please ask again later. Until then I answer: reply MENU. Emergency: 119."
        )

    def handoff_sent(self) -> str:
        return self._("Sent to the outreach worker. They will answer here.")

    def handoff_text_only(self) -> str:
        return self._("Only text reaches the outreach worker. Write where you are in words.")

    def handoff_closed(self) -> str:
        # TRANSLATORS: sent when the worker closes the chat.
        return self._(
            "The outreach worker has ended this chat, and it has been deleted. Reply MENU for "
            "the menu."
        )

    def faq_cost(self) -> tuple[str, ...]:
        return (
            self._(
                "Services marked free in our list cost nothing. If you are unsure, ask when you "
                "call. Reply 1 to find voluntary treatment."
            ),
        )

    def faq_privacy(self) -> tuple[str, ...]:
        # TRANSLATORS: the privacy promise (three parts). It must stay exactly this honest:
        # no more, no less. It matches docs/PRIVACY.md.
        return (
            self._(
                "Sangkhim does not keep your number, name or messages. It remembers only your "
                "last step and today's requests, for up to 24 hours. STOP deletes them at once."
            ),
            # TRANSLATORS: the one exception, which the texter chooses (a chat with a person).
            self._(
                "If you ask to talk to an outreach worker, that chat is kept locked until it "
                "ends, then deleted."
            ),
            self._(
                "We count requests by district and service, with no link to you, to show where "
                "help is needed. Your phone company, WhatsApp, Telegram and our SMS provider "
                "can still see your messages. Reply MENU for the menu."
            ),
        )

    def not_police(self) -> str:
        # TRANSLATORS: answers "are you the police?" and "will police know?". Exactly this
        # true: Sangkhim cannot identify anyone; the phone company still sees messages.
        return self._(
            "Sangkhim is not the police and does not work for them. It keeps no number or name, "
            "so it cannot tell anyone who you are. Your phone company can still see messages."
        )

    def faq_police(self) -> tuple[str, ...]:
        return (
            self.not_police(),
            # TRANSLATORS: "will the clinic report me?". Promise nothing on the clinics' behalf.
            self._(
                "Voluntary clinics are health services. We cannot promise what every clinic or "
                "the police will do: before you go, call and ask how they keep your name private. "
                "Reply 1 to find one."
            ),
        )

    def police_now(self) -> tuple[str, ...]:
        # TRANSLATORS: "police are here, help". Calm and practical. DELETE must be the word the
        # catalog's stop list accepts (km: លុប).
        return (
            self._(
                "Stay calm and keep yourself safe. Sangkhim is not the police and cannot tell "
                "anyone who you are. You can delete these messages from your phone, and reply "
                "DELETE to erase this chat here. If someone is hurt, call 119."
            ),
        )

    def safe_now(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: "is it safe now?" during a crackdown. Promise nothing about police.
            self._(
                "We cannot know where police are today, and cannot promise what they will do. "
                "Voluntary clinics are health services: you can call first and ask if it is a "
                "good time to come."
            ),
            self._(
                "If you take methadone, try not to miss doses: after a few days your tolerance "
                "drops, and heroin at your old amount can cause an overdose. Reply 3 to find a "
                "methadone clinic."
            ),
        )

    def faq_centre(self) -> tuple[str, ...]:
        return (
            # TRANSLATORS: "will they lock him up in a centre?". Voluntary means the person
            # chooses and can leave. The compulsory centres: មណ្ឌលស្តារនីតិសម្បទា / មណ្ឌលបង្ខំ.
            self._(
                "At a voluntary clinic you choose to come and you can leave when you want; no one "
                "is sent to a centre from there. Sangkhim lists only voluntary services, never "
                "compulsory centres."
            ),
            self._(
                "We cannot promise what the police or local authorities will do. If you are "
                "worried, call the clinic first and ask. Reply 1 to find one."
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
        """Words for a relative, or for the person themselves (the engine adds where to find a
        voluntary clinic)."""
        voluntary = self._(
            "Voluntary treatment means the person chooses it: visits to a nearby clinic, "
            "counselling and health care, and going home the same day."
        )
        if self.for_self:
            # TRANSLATORS: a person asking what to do about their own use.
            return (self._(
                "You are not alone, and it is never too late. Voluntary treatment means you "
                "choose it: visits to a clinic near home, counselling and health care, and "
                "going home the same day."
            ),)
        if self.who == "worker":
            return (voluntary,)
        return (self.family_talk(), voluntary)

    def family_talk(self) -> str:
        return self._(
            "Talk when you are both calm. Say that you care and are worried, without shame or "
            "blame. Listen first: threats and locking someone up do not help."
        )

    def family_injecting(self) -> tuple[str, ...]:
        """For a relative of someone who injects or uses heroin (or the person themselves):
        clean needles and methadone (the engine adds where to find methadone)."""
        if self.for_self:
            return (
                # TRANSLATORS: harm reduction for a person who injects (WHO 2022).
                self._(
                    "A new needle and syringe every time protects you from HIV and hepatitis. "
                    "Needle exchanges and drop-in centres give them free, and ask no names. "
                    "Reply 2 to find one."
                ),
                # TRANSLATORS: methadone for a person who uses heroin. Their choice (voluntary).
                self._(
                    "If you use heroin, methadone helps: one drink a day at a clinic takes away "
                    "the craving, so there is no need to inject. You can start whenever you are "
                    "ready."
                ),
            )
        advice = (
            # TRANSLATORS: harm reduction for a relative who injects. Facts: a new needle and
            # syringe each time prevents HIV and hepatitis C; exchanges give them free.
            self._(
                "If your relative injects, a new needle and syringe every time protects from HIV "
                "and hepatitis. Needle exchanges and drop-in centres give them free, and ask no "
                "names. Reply 2 to find one."
            ),
            # TRANSLATORS: methadone for a relative who uses heroin. "Whenever ready": it is the
            # person's choice (voluntary).
            self._(
                "If it is heroin, methadone helps: one drink a day at a clinic takes away the "
                "craving, so there is no need to inject. Your relative can start whenever ready."
            ),
        )
        return advice if self.who == "worker" else (self.family_talk(), *advice)

    def faq_restart(self) -> tuple[str, ...]:
        """"I stopped methadone 2 months ago, can I go back?" (the engine adds the nearest
        methadone clinics); "can my son go back?" for someone else."""
        if self.who in ("relative", "worker"):
            return (
                # TRANSLATORS: "can my son go back to methadone?". Yes first.
                self._(
                    "Yes, they can go back. Methadone clinics take people back whenever they "
                    "are ready, and no one is punished for stopping."
                ),
                self._(
                    "They should tell the staff when they last had a dose: after a break the "
                    "clinic restarts low and raises it safely. Until then, heroin at the old "
                    "amount can cause an overdose."
                ),
            )
        return (
            # TRANSLATORS: yes first. Methadone programmes re-admit people who dropped out.
            self._(
                "Yes, you can go back. Methadone clinics and voluntary services take people "
                "back whenever they are ready, and no one is punished for stopping."
            ),
            # TRANSLATORS: why the dose restarts low: tolerance falls within days.
            self._(
                "Tell the staff when you last had a dose. After a break your body is no longer "
                "used to your old dose, so they restart low and raise it safely. Until then, "
                "heroin at your old amount can cause an overdose."
            ),
        )

    def faq_stimulants(self) -> tuple[str, ...]:
        """"Can I get methadone if I use yama?": what methadone is for, and what helps with
        stimulants."""
        if self.who in ("relative", "worker"):
            return (
                self._(
                    "Methadone is for people who use heroin or other opioids. It does not treat "
                    "yama or ice, and does not take away the craving for them."
                ),
                # TRANSLATORS: about a relative who also uses heroin.
                self._(
                    "If they use heroin too, they can still get methadone, and should tell the "
                    "clinic everything they use."
                ),
                self._(
                    "For yama or ice, voluntary treatment helps: counselling and health care near "
                    "home. Reply 1 to find it."
                ),
            )
        return (
            # TRANSLATORS: methadone treats opioid dependence only. Yama: យ៉ាម៉ា; ice (crystal
            # methamphetamine): ម៉ាទឹកកក.
            self._(
                "Methadone is for people who use heroin or other opioids. It does not treat yama "
                "or ice, and does not take away the craving for them."
            ),
            self._(
                "If you use heroin too, you can still get methadone: tell the clinic everything "
                "you use, so they can keep you safe."
            ),
            self._(
                "For yama or ice, voluntary treatment helps: counselling and health care near "
                "home. Reply 1 to find it."
            ),
        )

    # --- practical questions --------------------------------------------------------------
    def faq_delete(self) -> tuple[str, ...]:
        # TRANSLATORS: "should I delete these messages?" — a question, not a request. Exactly
        # this true. DELETE must be the word the catalog's stop list accepts (km: លុប).
        return (self._(
            "You can delete this chat from your phone like any other. Sangkhim keeps no number, "
            "name or message text, so there is nothing here to find. Reply DELETE to also erase "
            "your last step here."
        ),)

    def faq_number(self) -> tuple[str, ...]:
        # TRANSLATORS: "will they know my number?". Exactly this true.
        return (self._(
            "Sangkhim does not keep your number, so it can never give it to anyone. A clinic "
            "sees your number only if you call or text it. Your phone company can still see "
            "messages."
        ),)

    def faq_papers(self) -> tuple[str, ...]:
        # TRANSLATORS: "do I need my ID card? what papers?". Promise nothing for the clinics.
        return (self._(
            "Clinics differ: some ask for an ID card, some do not. Call first and ask what to "
            "bring and how they keep your name private. Sangkhim needs no name or papers. "
            "Reply 1 to find a clinic."
        ),)

    def faq_booking(self) -> tuple[str, ...]:
        # TRANSLATORS: "must I book before I go?". Walk-in is a flag of each entry.
        return (self._(
            "Places marked walk-in see you without booking. For the others, call before you go: "
            "each place's phone is in our list. Reply 1, 2 or 3 to find one."
        ),)

    def faq_companion(self) -> tuple[str, ...]:
        # TRANSLATORS: "can a friend come with me?".
        return (self._(
            "Yes, you can bring a friend or relative for support. If you are unsure, ask when "
            "you call. Reply 1 to find a voluntary service."
        ),)

    def faq_hospital(self) -> tuple[str, ...]:
        # TRANSLATORS: "is the hospital better?". An emergency: 119. Treatment: close to home.
        return (self._(
            "In an emergency, call 119 or go to a hospital. For treatment of drug use, voluntary "
            "clinics and health centres are close to home and you go home the same day. Reply 1 "
            "to find one."
        ),)

    # --- about the places listed ------------------------------------------------------------
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

    def then_results(self, intent: str, place: str) -> str:
        # TRANSLATORS: ends an answer when we already know the person's place.
        return self._("Reply MORE for %(kind)s near %(place)s, with today's hours.",
                      kind=self._(TOPIC[intent]), place=place)

    # --- open now? ------------------------------------------------------------------------
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
