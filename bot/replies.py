"""Every sentence the bot says, from the gettext catalogs: ``Texts(locale, who)``.

``Texts`` is the one way to get a text; it is made of one part per concern, each in its own
module: the menus and the conversation's control (``bot.menu_texts``), finding services and
the services found (``bot.service_texts``, with opening hours in ``bot.hours_texts``), answers
to questions (``bot.faq_texts``), support for families, cravings, good news and fear
(``bot.support_texts``), emergencies and crises (``bot.safety_texts``), a person to talk
to (``bot.desk_texts``), and service and health alerts (``bot.notice_texts``). What they share (gettext, the reader's digits, who is asking) is
``bot.wording.Wording``.

Messages are whole sentences with named placeholders (no sentence built by concatenation), so a
translator sees each one complete. Translator notes start with ``TRANSLATORS:``.
"""

from __future__ import annotations

from bot.desk_texts import DeskTexts
from bot.faq_texts import FaqTexts
from bot.menu_texts import MenuTexts
from bot.notice_texts import NoticeTexts
from bot.safety_texts import SafetyTexts
from bot.service_texts import ServiceTexts
from bot.support_texts import SupportTexts


class Texts(MenuTexts, ServiceTexts, FaqTexts, SupportTexts, SafetyTexts, DeskTexts,
            NoticeTexts):
    """The bot's words in one locale, worded for who is asking (``Wording``)."""
