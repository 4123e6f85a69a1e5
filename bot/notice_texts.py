"""The words of service and health alerts in the conversation (``bot.notices``): an alert's line,
the news for a place, and the honest answer where the outreach team has posted nothing.

An alert's own text and advice are the outreach team's, in both languages, chosen by the
conversation's language (``AlertInfo.text``); only the frame is here. Nothing here speaks of
police: alerts are about services and health (docs/SAFETY.md).
"""

from __future__ import annotations

from bot.wording import Wording
from core.alert_info import AlertInfo
from core.vocabulary_labels import ALERT_KINDS


class NoticeTexts(Wording):
    """Service and health alerts."""

    def alert_line(self, alert: AlertInfo) -> str:
        """An alert's text with its kind's label ("Call before going: ...")."""
        # TRANSLATORS: an alert posted by the outreach team: its kind ("Service moved") and
        # its text, already in the reader's language.
        return self._("%(kind)s: %(text)s", kind=self._(ALERT_KINDS[alert.kind]),
                      text=alert.text(self.locale))

    def alert_of(self, service: str, line: str) -> str:
        """A service's alert in the news for a place: which service, then the alert's line."""
        # TRANSLATORS: a service's name, then its alert ("Khmer HIV/AIDS NGO Alliance: Service
        # moved: ...").
        return self._("%(service)s - %(alert)s", service=service, alert=line)

    def all_cambodia(self) -> str:
        # TRANSLATORS: the place in "News from the outreach team for %(place)s" when the
        # texter asked for all of the country (0).
        return self._("all of Cambodia")

    def ask_news_place(self) -> str:
        # TRANSLATORS: "any news?", "is there a bad batch?" with no place known yet.
        return self._(
            "News from the outreach team: which province or town are you in? For example "
            "Phnom Penh or Battambang. Reply 0 for all of Cambodia."
        )

    def news_heading(self, place: str) -> str:
        # TRANSLATORS: heads the alerts posted for a place ("any news?").
        return self._("The outreach team has posted for %(place)s:", place=place)

    def nothing_posted(self, place: str) -> str:
        # TRANSLATORS: "any news?", "is there a bad batch?" where no alert applies. Honest:
        # nothing posted is not a promise that all is well. Never mention police.
        return self._(
            "The outreach team has posted no news for %(place)s this week. That does not mean "
            "every batch is safe.",
            place=place,
        )

    def general_advice(self) -> str:
        # TRANSLATORS: general safety advice with "nothing posted". Harm reduction, no
        # judgement; 119 is the ambulance.
        return self._(
            "Whatever you use: do not use alone, start with a small amount, and call 119 for "
            "an overdose."
        )

    def news_next(self) -> str:
        # TRANSLATORS: the next step after the news for a place.
        return self._("Reply MENU to find a service or for other help.")
