"""The learned second stage: its file, its features and its training data.

The model is data: these tests check that the shipped file is the one the training data in the
repository makes (so a changed seed, lexicon or place list cannot silently leave a stale model),
that it survives being saved and loaded, and that a damaged file is refused with a clear error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.features import DIMENSION, feature_counts, feature_names, feature_vector
from bot.intents import INTENTS, TOPICS
from bot.model import (
    LANGUAGE_COLUMN,
    MODEL_FILE,
    IntentModel,
    ModelError,
    default_model,
    weights_file,
)
from bot.normalize import normalize
from tests import intent_training as training


@pytest.fixture(scope="module")
def model() -> IntentModel:
    return default_model()


# --- the shipped file ------------------------------------------------------------------------

def test_the_shipped_model_was_trained_on_the_data_in_the_repository(model: IntentModel) -> None:
    assert model.data_digest == training.data_digest(), (
        "the training data (seeds, dev set, noise generator, lexicons or places) "
        "changed since locales/model/intent_model.npz was made: run `make model` and commit it"
    )


def test_every_label_is_a_known_intent_or_topic(model: IntentModel) -> None:
    assert model.labels[-1] == LANGUAGE_COLUMN
    for label in model.labels[:-1]:
        intent, _, topic = label.partition("/")
        assert intent in INTENTS, label
        assert (topic in TOPICS[intent]) if topic else intent not in TOPICS, label


def test_every_topic_can_be_predicted(model: IntentModel) -> None:
    labels = set(model.labels)
    for intent, topics in TOPICS.items():
        for topic in topics:
            assert f"{intent}/{topic}" in labels


def test_probabilities_are_a_distribution(model: IntentModel) -> None:
    for text in ("", "hello", "ញ៉ាំច្រើនពេក ដួលសន្លប់", "x" * 480):
        prediction = model.predict(normalize(text))
        assert sum(prediction.probabilities) == pytest.approx(1.0, abs=1e-5)
        assert all(0.0 <= p <= 1.0 for p in prediction.probabilities)
        assert 0.0 <= prediction.english <= 1.0


def test_the_language_head_tells_english_from_romanised_khmer(model: IntentModel) -> None:
    english = model.predict(normalize("where can my son get help to quit")).english
    romanised = model.predict(normalize("kon proh khnhom chong chhob preu yama")).english
    assert english > 0.5 > romanised


# --- saving and loading ----------------------------------------------------------------------

def test_saving_keeps_predictions(model: IntentModel, tmp_path: Path) -> None:
    """Weights are stored in 8 bits: the probabilities move a little, the decisions do not."""
    path = tmp_path / "model.npz"
    model.save(path)
    again = IntentModel.load(path)
    assert again.labels == model.labels and again.data_digest == model.data_digest
    for text in ("he is not breathing", "is methadone free", "ប៉ូលីសនៅទីនេះ", "chong chhob"):
        first, second = model.predict(normalize(text)), again.predict(normalize(text))
        assert np.allclose(first.probabilities, second.probabilities, atol=0.02), text
        assert first.best_intent()[0] == second.best_intent()[0], text


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="make model"):
        IntentModel.load(tmp_path / "absent.npz")


def test_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(MODEL_FILE.read_bytes()[:1000])
    with pytest.raises(ModelError, match="cannot read"):
        IntentModel.load(path)


def test_missing_or_misshapen_weights_are_a_clear_error(model: IntentModel,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    model.save(path)
    assert IntentModel.load(path).digest() == model.digest()  # saved and read back whole
    weights = weights_file(path)
    np.save(weights, np.zeros((3, 2), dtype=np.int8))
    with pytest.raises(ModelError, match="make model"):
        IntentModel.load(path)
    weights.unlink()
    with pytest.raises(ModelError, match="make model"):
        IntentModel.load(path)


def test_the_weights_are_mapped_not_read(model: IntentModel) -> None:
    """Nothing is copied as a process starts; processes share the pages (the model's docstring)."""
    assert isinstance(model._weights, np.memmap)  # noqa: SLF001


def test_a_model_for_other_features_is_refused(model: IntentModel, tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path) as data:
        parts = dict(data)
    parts["features"] = np.array("char1-3/v0")
    with path.open("wb") as handle:
        np.savez(handle, **parts)
    with pytest.raises(ModelError, match="retrain"):
        IntentModel.load(path)


# --- features --------------------------------------------------------------------------------

def test_features_are_character_ngrams_and_latin_words() -> None:
    names = feature_names(normalize("no breath"))
    assert {"2:no", "3: no", "5:breat", "w:breath", "b:no breath"} <= set(names), names
    khmer = feature_names(normalize("ដួលសន្លប់"))
    assert khmer and not any(n.startswith("w") for n in khmer)  # Khmer has no spaces: n-grams only


def test_feature_vectors_are_unit_length_and_in_range() -> None:
    buckets, weights = feature_vector(normalize("clean needles in Battambang"))
    assert buckets and all(0 <= b < DIMENSION for b in buckets)
    assert sum(w * w for w in weights) == pytest.approx(1.0, rel=1e-5)
    with_cue = dict(zip(*feature_vector(normalize("clean needles in Battambang"), {"place": 1.0})))
    assert len(with_cue) == len(buckets) + 1 and 1.0 in with_cue.values()


def test_feature_hashing_does_not_depend_on_the_process() -> None:
    """Buckets come from CRC-32, not Python's salted hash(): a model trained in one process
    must mean the same in every web worker."""
    text = normalize("ខ្ញុំត្រូវការម្ជុលថ្មី clean needles")
    here = sorted(feature_counts(text).items())
    code = (
        "import sys; from bot.features import feature_counts; from bot.normalize import normalize;"
        f"print(sorted(feature_counts(normalize({text!r})).items()))"
    )
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={"PYTHONHASHSEED": seed, "PATH": ""},
                             cwd=Path(__file__).resolve().parents[2])
        assert out.stdout.strip() == str(here)


# --- the training data -----------------------------------------------------------------------

def test_every_seed_row_is_valid() -> None:
    rows = list(training.seed_rows(everything=True))  # a bad row raises, naming file and line
    assert len(rows) > 4000


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"text": "", "intent": "menu", "topic": "menu", "locale": "en"}, "empty text"),
        ({"text": "hi", "intent": "greet", "topic": "", "locale": "en"}, "unknown intent"),
        ({"text": "hi", "intent": "menu", "topic": "police", "locale": "en"}, "topic"),
        ({"text": "hi", "intent": "emergency", "topic": "", "locale": "en"}, "topic"),
        ({"text": "hi", "intent": "menu", "topic": "menu", "locale": "fr"}, "locale"),
        ({"text": "hi", "intent": "menu", "topic": None, "locale": "en"}, "columns"),
        ({"text": "hi", "intent": "menu", "topic": "menu", "locale": "en", "context": "x"},
         "context"),
    ],
)
def test_a_bad_seed_row_is_refused_with_its_line(row: dict[str, str], message: str) -> None:
    with pytest.raises(training.TrainingDataError, match=message) as error:
        training.check_row(Path("seeds/x.tsv"), 7, row)
    assert "x.tsv:7" in str(error.value)


def test_no_held_out_message_is_in_the_training_data() -> None:
    """The held-out figures are honest only if no held-out message was trained on: a seed that
    is also a held-out message ("stop", "hi") is left out. Only counts are reported, so that a
    failure does not show held-out rows."""
    held_out = training.held_out_texts()
    assert len(held_out) > 600
    every = [normalize(row["text"]) for _, _, row in training.seed_rows(everything=True)]
    trained = [normalize(row["text"]) for _, _, row in training.seed_rows()]
    assert sum(text in held_out for text in every) > 0  # the check has something to catch
    assert sum(text in held_out for text in trained) == 0
    assert len(trained) > 0.95 * len(every)


def test_the_training_set_is_reproducible() -> None:
    first = training.examples(copies=1)
    second = training.examples(copies=1)
    assert first == second
    assert {e.label.partition("/")[0] for e in first} >= set(INTENTS) - {"location"}


def test_buckets_are_the_names_crc32_for_every_labelled_message() -> None:
    """``feature_counts`` works the buckets out without writing the names: for every message of
    the labelled data, and text of every script and width, they are the names' own CRC-32."""
    import zlib
    from collections import Counter

    from tests.evaluation import rows

    labelled = ("intents.tsv", "intents_holdout.tsv", "intents_holdout2.tsv")
    texts = [row["text"] for name in labelled for row in rows(name)]
    texts += ["", "a", "ok 1", "ខ្ញុំ", "😀 help me 😀", "naïve café", "ម្ជុល needles ១២", "x" * 300]
    for text in texts:
        normalised = normalize(text)
        expected = Counter(zlib.crc32(name.encode()) & (DIMENSION - 1)
                           for name in feature_names(normalised))
        assert feature_counts(normalised) == expected, text
