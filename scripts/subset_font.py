"""Make the dashboard's web font: Noto Sans Khmer cut down to what the pages use, as WOFF2.

The ``fontpkg-noto-sans-khmer`` package ships the whole variable font as TTF (about 360 KB).
The dashboard needs Khmer script, Khmer digits and symbols, basic Latin and a little
punctuation, at regular and bold weight, in one width: the subset keeps those, pins the width
axis, keeps the weight axis, and compresses with WOFF2 (Brotli). The result is committed in
webhooks/outreach/static/fonts/ with the font's licence (SIL OFL 1.1); run again after the font
package is upgraded:

    PYTHONPATH=. .venv/bin/python scripts/subset_font.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import fontpkg_noto_sans_khmer as package
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

SOURCE = package.ROOT / "files" / "NotoSansKhmer[wdth,wght].ttf"
TARGET = Path(__file__).resolve().parent.parent / "webhooks" / "outreach" / "static" / "fonts"
#: Khmer (U+1780-17FF), Khmer symbols (U+19E0-19FF), basic Latin and Latin-1 punctuation,
#: general punctuation (dashes, quotes, the ellipsis), the zero-width (non-)joiner and space.
UNICODES = [*range(0x1780, 0x1800), *range(0x19E0, 0x1A00), *range(0x20, 0x7F),
            *range(0xA0, 0x100), *range(0x2000, 0x2070), 0x200B, 0x200C, 0x200D, 0x25CC]


def main() -> None:
    font = TTFont(str(SOURCE), lazy=False)
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # Khmer shaping needs its GSUB/GPOS features
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=UNICODES)
    subsetter.subset(font)
    font = instancer.instantiateVariableFont(font, {"wdth": 100})  # one width; weights stay
    TARGET.mkdir(parents=True, exist_ok=True)
    out = TARGET / "NotoSansKhmer-subset.woff2"
    font.flavor = "woff2"
    font.save(str(out))
    licence = package.ROOT / "LICENSE"
    if licence.is_file():
        shutil.copy(licence, TARGET / "OFL.txt")
    print(f"{out}: {out.stat().st_size // 1024} KB (from {SOURCE.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
