"""The conversation's own words: the menus, opt-out and language, "did not understand", "did
you mean ...?", the pages of an answer and how an answer ends (``bot.steps``,
``bot.state_machine``).
"""

from __future__ import annotations

from bot.wording import Wording
from core.catalogs import N_
from core.vocabulary import Intent

# TRANSLATORS: topics offered back in "Did you mean: ...?"
TOPIC = {
    Intent.FIND_CLINIC: N_("voluntary treatment"),
    Intent.FIND_NEEDLE_EXCHANGE: N_("needles, syringes, drop-in"),
    Intent.FIND_METHADONE: N_("methadone"),
    Intent.FAQ_COST: N_("is it free?"),
    Intent.FAQ_PRIVACY: N_("is it private? will police know?"),
    Intent.FAQ_VOLUNTARY: N_("is it voluntary?"),
    Intent.FAQ_METHADONE: N_("what is methadone?"),
    Intent.FAMILY: N_("help for family"),
    Intent.EMERGENCY: N_("emergency"),
}


class MenuTexts(Wording):
    """The menus and the conversation's control."""

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

    def thanks(self) -> str:
        # TRANSLATORS: the answer to thanks or "ok": warm, one line.
        return self._("You are welcome. I am here any time: reply MENU to see what I can do.")

    def did_you_mean(self, intent: str) -> str:
        return self._(
            "Did you mean: %(topic)s? Reply YES, or MENU for the menu.",
            topic=self._(TOPIC[intent]),
        )

    def more_pages(self) -> str:
        return self._("Reply MORE to read on.")

    def resume_place(self, intent: str) -> str:
        # TRANSLATORS: after answering a question asked while we waited for a place.
        return self._(
            "To find %(kind)s, send your province or town, or 0 for all.",
            kind=self._(TOPIC[intent]),
        )

    def then_results(self, intent: str, place: str) -> str:
        # TRANSLATORS: ends an answer when we already know the person's place.
        return self._("Reply MORE for %(kind)s near %(place)s, with today's hours.",
                      kind=self._(TOPIC[intent]), place=place)
