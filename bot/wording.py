"""What every part of the bot's wording shares: the reader's locale and who is asking, gettext,
numbers in the reader's script, and the list separator.

The bot's words are ``bot.replies.Texts``, made of one part per concern (``bot.menu_texts``,
``bot.service_texts``, ``bot.hours_texts``, ``bot.faq_texts``, ``bot.support_texts``,
``bot.safety_texts``, ``bot.desk_texts``); each part is a ``Wording``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.normalize import to_khmer_digits
from core.catalogs import translations
from core.vocabulary import Locale


class Wording:
    """The bot's words in one locale: what each part of ``Texts`` builds on."""

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

    def join(self, items: Sequence[str]) -> str:
        # TRANSLATORS: separator between flags such as "free, voluntary".
        return self._(", ").join(items)
