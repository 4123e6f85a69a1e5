"""The dashboard's language: Khmer or English, from the same gettext catalogs as the bot.

The choice is kept in the session; without one, the browser's Accept-Language decides, and
Khmer is the default. Catalogs are compiled (if stale) by ``bot.catalogs`` at start-up, so the
dashboard and the bot always read the same ``.mo`` files.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel

from bot.catalogs import LOCALES_DIR, translations
from bot.vocabulary import Locale

LOCALES = tuple(locale.value for locale in Locale)
DEFAULT = Locale.KM.value
SESSION_KEY = "ui_locale"
#: How each language names itself, for the switch (not translated: a reader of the other
#: language must recognise their own).
NAMES = {"km": "ខ្មែរ", "en": "English"}


def select_locale() -> str:
    chosen = session.get(SESSION_KEY)
    if chosen in LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(LOCALES, default=DEFAULT) or DEFAULT


def init_app(app: Flask) -> None:
    for locale in Locale:
        translations(locale)  # writes a fresh .mo where the .po is newer
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(LOCALES_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Phnom_Penh")
    Babel(app, locale_selector=select_locale)
