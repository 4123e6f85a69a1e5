"""The classifier's fast paths give exactly what the plain ones give, over every text of tests/data.

The classifier was made faster (issue 25) without changing a single result. Two kinds of check:

- each fast piece against the plain way it replaced, in this process, over the training seeds
  too: the model's features and probabilities (``IntentModel.predict`` against
  ``predict_plainly`` and ``bot.features.feature_vector``), and the span matcher
  (``SpanMatcher.find_all`` against the automaton's raw hits filtered by
  ``bot.spans._edges_ok``);
- the whole classification of every text (intent, topic, locale, places with their codes and
  namesakes, every flag, the emergency score and every probability bit for bit) against a record
  made by the code before the change (``tests/bot/records/classifications.json.gz``: 2,183 texts,
  each in three situations), so that a cache, a short cut or a reordering that changes anything
  fails here.

The record holds no text, only a digest of each and what it was classified as. It must be made
again when a result is meant to change (a lexicon, the gazetteer, the model or a rule):
``.venv/bin/python -m tests.bot.test_fast_paths --write``, after checking the difference
(``--diff`` lists the texts whose outputs changed).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
RECORD = Path(__file__).resolve().parent / "records" / "classifications.json.gz"


def texts(seeds: bool = False) -> list[str]:
    """Every text of tests/data (the labelled, held-out, place and conversation sets, and with
    ``seeds`` the training seeds), each once, in file order."""
    found: dict[str, None] = {}
    for path in sorted(DATA.glob("**/*.tsv" if seeds else "*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                if row.get("text"):
                    found[row["text"]] = None
    return list(found)


def _digest(text: str) -> str:
    """Eight hexadecimal digits of a text's SHA-256: enough to tell a change, and no text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


# --- the pieces against the plain ways --------------------------------------------------------

@pytest.fixture(scope="module")
def observed() -> list[tuple[str, dict[str, float]]]:
    """Each text's normalised form and the cues the model is given with it."""
    from bot.intents import cues, default_classifier, observe

    classifier = default_classifier()
    found = []
    for text in texts(seeds=True):
        _, norm, entries, exact, places = observe(text, classifier.lexicon, classifier.places)
        found.append((norm, cues(norm, entries, exact, places, "emergency" if exact else "")))
    return found


def test_the_models_features_are_feature_vector_bit_for_bit(
    observed: list[tuple[str, dict[str, float]]],
) -> None:
    from bot.features import feature_vector
    from bot.model import _features

    cases = [*observed, ("", {}), ("", {"place": 1.0, "lex:stop": 0.5}), ("a a a a a", {}),
             ("ab" * 400, {"place": 1.0})]  # an n-gram 400 times: past the table of logarithms
    for norm, cues in cases:
        buckets, values = _features(norm, cues)
        expected = feature_vector(norm, cues)
        assert (buckets.tolist(), values.tolist()) == expected, norm
        assert [v.hex() for v in values.tolist()] == [v.hex() for v in expected[1]], norm


def test_predict_is_predict_plainly_bit_for_bit(
    observed: list[tuple[str, dict[str, float]]],
) -> None:
    from bot.model import default_model

    model = default_model()
    for norm, cues in observed:
        if not norm:
            continue
        fast, plain = model.predict(norm, cues), model.predict_plainly(norm, cues)
        assert fast.labels == plain.labels, norm
        assert [p.hex() for p in fast.probabilities] == [p.hex() for p in plain.probabilities], norm
        assert fast.english.hex() == plain.english.hex(), norm


def test_predict_with_float_weights_is_the_plain_way_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model kept in floats (as training makes it), with a bucket past the last row; its rows
    found by binary search for the first predictions, then from the index."""
    import numpy as np

    from bot import model as module
    from bot.model import IntentModel

    monkeypatch.setattr(module, "INDEX_AFTER", 3)

    rng = np.random.default_rng(25)
    rows = np.array(sorted(rng.choice(1 << 18, size=4000, replace=False)) + [(1 << 18) - 1])
    model = IntentModel(("a", "b/x", "b/y", "locale:en"), rows,
                        rng.normal(size=(len(rows), 4)), rng.normal(size=4))
    for text in ("hello there", "ជួយផង", "x", "methadone clinic in kampot", "zz" * 200):
        cues = {"place": 1.0}
        fast, plain = model.predict(text, cues), model.predict_plainly(text, cues)
        assert fast == plain and fast.english == plain.english, text
    assert model._index
    twice = IntentModel(model.labels, np.repeat(rows, 2), np.repeat(model.weights, 2, axis=0),
                        model.bias)  # equal buckets: searched for, the first of them used
    for text in ("hello there", "ជួយផង", "x", "methadone clinic in kampot", "zz" * 200):
        assert twice.predict(text) == twice.predict_plainly(text) == model.predict(text), text
    assert twice._index is False


def _plain_find_all(matcher: Any, text: str, boundaries: Any = None) -> list[tuple[Any, ...]]:
    """``SpanMatcher.find_all`` as first written: every hit of the automaton, kept when
    ``_edges_ok`` says its edges are word edges."""
    from bot.spans import _LENGTH_MASK, _NUMBER_SHIFT, _edges_ok

    if matcher._empty or not text:
        return []
    found = []
    for end_index, value in matcher._automaton.iter(text):
        length = value >> 1 & _LENGTH_MASK
        start, end = end_index - length + 1, end_index + 1
        if _edges_ok(text, start, end, bool(value & 1), boundaries):
            number = value >> _NUMBER_SHIFT
            payloads = tuple(matcher._payloads[matcher._bounds[number]:matcher._bounds[number + 1]])
            found.append((start, end, text[start:end], payloads))
    return found


def test_span_matching_is_the_plain_way() -> None:
    from bot.gazetteer import Gazetteer
    from bot.lexicon import default_lexicon
    from bot.normalize import normalize, visible

    lexicon = default_lexicon()
    gazetteer = Gazetteer()
    extra = ["2 25 ២៥ phum 2", "ក្រុងភ្នំពេញ12", "a" * 30, "ភូមិ ២ ភូមិ២", "methadone25 25methadone"]
    for text in texts(seeds=True) + extra:
        norm = normalize(text)
        assert [tuple(s) for s in lexicon._spans.find_all(norm)] == _plain_find_all(
            lexicon._spans, norm), text
        form = gazetteer.folder.form(visible(text))
        for matcher in (gazetteer.matcher, gazetteer.common):
            assert [tuple(s) for s in matcher.find_all(form.text, form.boundaries)] == (
                _plain_find_all(matcher, form.text, form.boundaries)), text
        for matcher in (gazetteer.level_words, gazetteer.where_khmer):
            assert [tuple(s) for s in matcher.find_all(form.text)] == _plain_find_all(
                matcher, form.text), text


# --- every classification against the record -------------------------------------------------

#: How each text is classified for the record: as a first message, as the answer to the bot's
#: place question, and inside an emergency with an English hint.
VARIANTS: tuple[dict[str, Any], ...] = (
    {},
    {"expecting_place": True},
    {"context": "emergency", "locale_hint": "en"},
)


def outputs(text: str) -> dict[str, Any]:
    """What the classifier says of ``text`` (each variant: the fields that are not their
    defaults, places by code), the places the resolver finds alone with their namesakes' codes,
    and a digest of every float (each variant's emergency score, the model's probabilities and
    language head, as hexadecimal: bit for bit)."""
    from bot.intents import Classification, cues, default_classifier, observe
    from core.vocabulary import Locale

    classifier = default_classifier()
    found: dict[str, Any] = {"text": _digest(text)}
    floats: list[float] = []
    defaults = Classification(intent="", locale=Locale.KM)
    for number, variant in enumerate(VARIANTS):
        arguments = dict(variant)
        if "locale_hint" in arguments:
            arguments["locale_hint"] = Locale(arguments["locale_hint"])
        result = classifier.classify(text, **arguments)
        shown: dict[str, Any] = {}
        for name in result.__slots__:  # type: ignore[attr-defined]
            value = getattr(result, name)
            if name == "emergency_score":
                floats.append(value)
                continue
            if name != "intent" and value == getattr(defaults, name):
                continue
            if name == "places":
                value = [[p.level, p.code, p.named_in] for p in value]
            elif name == "signals":
                value = sorted(value)
            elif value is not None and not isinstance(value, (bool, int, str)):
                value = str(value)
            shown[name] = value
        found[f"classify{number}"] = shown
    _, norm, entries, exact, places = observe(text, classifier.lexicon, classifier.places)
    if norm:
        prediction = classifier.model.predict(norm, cues(norm, entries, exact, places))
        floats += [*prediction.probabilities, prediction.english]
    found["floats"] = _digest(" ".join(float(value).hex() for value in floats))
    resolver = classifier.places
    found["places"] = [[p.code, p.named_in, [n.code for n in resolver.namesakes(p)]]
                       for p in resolver.resolve(text)]
    return found


def _read_record() -> list[dict[str, Any]]:
    with gzip.open(RECORD, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _differences() -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    record = _read_record()
    now = texts()
    assert [r["text"] for r in record] == [_digest(t) for t in now], (
        "tests/data changed since the record was made: make it again (module docstring)")
    for number, (text, recorded) in enumerate(zip(now, record)):
        current = outputs(text)
        if current != recorded:
            yield number, recorded, current


def test_every_classification_of_tests_data_is_what_it_was() -> None:
    for number, recorded, current in _differences():
        changed = sorted(k for k in recorded.keys() | current.keys()
                         if recorded.get(k) != current.get(k))
        pytest.fail(f"text {number} of tests/data is classified differently ({changed}): "
                    f"{current} instead of {recorded}")


def test_the_record_can_fail() -> None:
    """The comparison sees a change: a text classified as another would be."""
    record = _read_record()
    first, other = record[0], next(r for r in record if r["classify0"] != record[0]["classify0"])
    assert outputs(texts()[0]) == first
    assert outputs(texts()[0]) != {**other, "text": first["text"]}


def main(arguments: list[str]) -> int:
    if "--write" in arguments:
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(RECORD, "wt", encoding="utf-8", compresslevel=9) as handle:
            for text in texts():
                handle.write(json.dumps(outputs(text), ensure_ascii=False, sort_keys=True) + "\n")
        print(f"wrote {RECORD}")
        return 0
    if "--diff" in arguments:
        count = 0
        for number, recorded, current in _differences():
            count += 1
            print(f"text {number}: {recorded}\n   now: {current}")
        print(f"{count} texts classified differently")
        return 1 if count else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
