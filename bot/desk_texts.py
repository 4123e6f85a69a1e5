"""Asking for a person (``bot.desk``): the honest answer where no one reads the chat, the
operator's helpline, and the handoff to an outreach worker: the offer, what happens, and the
chat's end.
"""

from __future__ import annotations

from bot.wording import Wording


class DeskTexts(Wording):
    """A person to talk to, and the handoff to an outreach worker."""

    def human(self) -> str:
        # TRANSLATORS: the answer to "can I talk to a real person?". Honest: no person reads
        # the chat, and there is no way to reach one through Sangkhim yet.
        return self._(
            "Sangkhim is an automatic service: no person reads this chat, and it cannot connect "
            "you to one yet. To talk to someone, call a service from our list: reply 1, 2 or 3. "
            "In an emergency, call 119."
        )

    def talk_to_person(self, phone: str) -> str:
        # TRANSLATORS: the operator's helpline, offered after a crisis reply or a request to
        # talk to a person.
        return self._("To talk to a person now, call %(phone)s.", phone=phone)

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

    def afraid_waiting(self) -> str:
        # TRANSLATORS: fear said while waiting for an outreach worker to write.
        return self._(
            "It is OK to be afraid, and you are not alone. An outreach worker will write here as "
            "soon as they can. If you are in danger now, call 119."
        )

    def handoff_closed(self) -> str:
        # TRANSLATORS: sent when the worker closes the chat.
        return self._(
            "The outreach worker has ended this chat, and it has been deleted. Reply MENU for "
            "the menu."
        )
