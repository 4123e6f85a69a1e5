"""The dashboard's language: Khmer or English, from the same gettext catalogs as the bot.

The choice is kept in the session; without one the dashboard is in Khmer, whatever the
browser's Accept-Language says. Catalogs are compiled (if stale) by ``core.catalogs`` at start-up, so the
dashboard and the bot always read the same ``.mo`` files.
"""

from __future__ import annotations

from flask import Flask, session
from flask_babel import Babel

from core.catalogs import LOCALES_DIR, translations
from core.vocabulary import Locale

LOCALES = tuple(locale.value for locale in Locale)
DEFAULT = Locale.KM.value
SESSION_KEY = "ui_locale"
#: How each language names itself, for the switch (not translated: a reader of the other
#: language must recognise their own).
NAMES = {"km": "ខ្មែរ", "en": "English"}


def select_locale() -> str:
    """The reader's choice, else Khmer: whatever language a browser is set to (many phones in
    Cambodia are set to English), the dashboard opens in Khmer, English one click away."""
    chosen = session.get(SESSION_KEY)
    if chosen in LOCALES:
        return str(chosen)
    return DEFAULT


def fresh_session() -> None:
    """Empty the session (login, logout, expiry) but keep the reader's language."""
    chosen = session.get(SESSION_KEY)
    session.clear()
    if chosen in LOCALES:
        session[SESSION_KEY] = chosen


def init_app(app: Flask) -> None:
    for locale in Locale:
        translations(locale)  # writes a fresh .mo where the .po is newer
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(LOCALES_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Phnom_Penh")
    Babel(app, locale_selector=select_locale)
