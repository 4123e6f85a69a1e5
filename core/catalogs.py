"""Load the gettext catalogs under ``locales/`` (Babel-managed, one per supported locale).

``make catalogs`` compiles ``.po`` to ``.mo``. If a ``.mo`` file is missing or older than its
``.po`` (a fresh clone, an edited catalog), it is compiled here with Babel at first use, so a
deployment never serves stale or missing text. A message missing from a catalog falls back to
its English msgid rather than failing.
"""

from __future__ import annotations

import gettext
import io
import logging
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.vocabulary import Locale

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
log = logging.getLogger(__name__)


def catalog_paths(locale: Locale | str, base: Path = LOCALES_DIR) -> tuple[Path, Path]:
    folder = base / str(locale) / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def compile_catalog(locale: Locale | str, base: Path = LOCALES_DIR) -> bytes:
    """Compile one ``.po`` to ``.mo`` bytes (fuzzy entries excluded, as pybabel does)."""
    po_path, _ = catalog_paths(locale, base)
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=str(locale))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


@lru_cache(maxsize=None)
def translations(locale: Locale | str) -> gettext.NullTranslations:
    po_path, mo_path = catalog_paths(locale)
    if not po_path.exists():
        log.error("no catalog for locale %s; falling back to English msgids", locale)
        return gettext.NullTranslations()
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        data = mo_path.read_bytes()
    else:
        data = compile_catalog(locale)
        try:
            mo_path.write_bytes(data)
        except OSError:  # read-only deployment: keep the compiled catalog in memory only
            pass
    return gettext.GNUTranslations(io.BytesIO(data))


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated later, at use)."""
    return message
