"""Words of support (``bot.answers``): for a family worried about someone, about cravings, for
good news and for fear said plainly. Each is worded for the person themselves or for someone
asking about another (``Wording.who``).
"""

from __future__ import annotations

from bot.wording import Wording


class SupportTexts(Wording):
    """Support for families, cravings, good news and fear."""

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

    def afraid(self) -> tuple[str, ...]:
        # TRANSLATORS: fear said plainly ("I'm scared"), not about police and not a crisis.
        return (
            self._(
                "It is OK to be afraid, and you are not alone. You can write here any time. If "
                "you are in danger now, call 119. Reply MENU to see how Sangkhim can help."
            ),
        )
