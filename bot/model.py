"""The learned second stage of intent classification: a linear model over hashed character
n-grams (``bot/features.py``), trained by ``tests/intent_training.py`` on ``tests/data/``.

The model predicts *labels*: an intent, or ``intent/topic`` for the intents whose answers
depend on what exactly was asked (``emergency/crisis``, ``faq_privacy/police``...). Its file
(``locales/model/intent_model.npz``, and its weights in ``intent_model.weights.npy``) keeps only
the hash buckets the training data used, with weights quantised to 8 bits per class, so it is
small enough to ship in the repository (1.5 MB as git stores it, 7 MB on disk) and to load in
every web worker: the weights, uncompressed, are mapped into memory rather than read. Using it needs NumPy only; training needs scikit-learn. NumPy is
imported by the methods that use it: a process that never classifies (``flask --help``, ``flask
db upgrade``) does not pay its 0.1 s and 12 MB.
"""

from __future__ import annotations

import hashlib
import math
import operator
import zipfile
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.features import DIMENSION, FEATURES_VERSION, feature_buckets, feature_vector

if TYPE_CHECKING:
    import numpy as np

MODEL_FILE = Path(__file__).resolve().parent.parent / "locales" / "model" / "intent_model.npz"


def weights_file(model_file: Path) -> Path:
    """The file of a model's 8-bit weights, beside its model file (``intent_model.weights.npy``):
    a plain NumPy array, so that it can be mapped into memory rather than read."""
    return model_file.with_name(f"{model_file.stem}.weights.npy")


class ModelError(RuntimeError):
    """The model file is missing, damaged or made for other features; names the file."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """Probabilities of every label for one message, and that its language is English."""

    labels: tuple[str, ...]
    probabilities: tuple[float, ...]
    #: For Latin-script text: how likely the reply should be English rather than Khmer
    #: (romanised Khmer and English share the alphabet, not their letter patterns).
    english: float = 0.5

    def intent_probability(self, intent: str) -> float:
        """The probability of an intent: the sum over its topics."""
        return sum(map(self.probabilities.__getitem__, _columns(self.labels).get(intent, ())))

    def probability(self, label: str) -> float:
        """The probability of one label ("emergency/overdose"); 0 for a label not known."""
        return next((p for name, p in zip(self.labels, self.probabilities) if name == label), 0.0)

    def best_intent(self) -> tuple[str, float]:
        of = self.probabilities.__getitem__
        totals = {intent: sum(map(of, cols)) for intent, cols in _columns(self.labels).items()}
        intent = max(totals, key=totals.__getitem__)
        return intent, totals[intent]

    def best_topic(self, intent: str) -> str:
        """The likeliest topic of ``intent``; "" if the model knows no topics for it."""
        topics = [(self.probabilities[i], self.labels[i].partition("/")[2])
                  for i in _columns(self.labels).get(intent, ()) if "/" in self.labels[i]]
        return max(topics)[1] if topics else ""


@lru_cache(maxsize=4)
def _columns(labels: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """Each intent's columns among ``labels`` (its own and its topics'), in label order: worked
    out once per model, not at every question asked of a prediction."""
    columns: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        columns.setdefault(label.partition("/")[0], []).append(index)
    return {intent: tuple(found) for intent, found in columns.items()}


#: Buckets per block of ``IntentModel._row_of``'s index, and its mark of a bucket without a row.
_BLOCK = 64
_NO_ROW = 255
#: Predictions a process makes before it builds that index (0.5 MB with what building it takes):
#: ``flask classify`` of a few messages does without it, a web worker builds it early on.
INDEX_AFTER = 200

#: The last weight column: the language head (English against Khmer).
LANGUAGE_COLUMN = "locale:en"


class IntentModel:
    def __init__(self, labels: tuple[str, ...], rows: np.ndarray, weights: np.ndarray,
                 bias: np.ndarray, data_digest: str = "", scale: np.ndarray | None = None) -> None:
        """``labels`` name the columns of ``weights`` and ``bias``; the last may be
        ``LANGUAGE_COLUMN``, a binary logistic model of the reply language. With ``scale``,
        ``weights`` are the file's 8-bit integers (one scale per label), kept as they are: as
        floats they would take four times the memory (27 MB) in every process that classifies.
        A message's few rows are scaled when it is read, exactly as the whole matrix was."""
        import numpy as np

        self.labels = labels
        # sorted bucket numbers that have weights; buckets are under 2**18 (``DIMENSION``), so
        # 32 bits hold them in half the memory of NumPy's default integers
        self.rows = rows.astype(np.int32)
        # one row per bucket, one column per label
        self._weights = weights if scale is not None else weights.astype(np.float32)
        self._scale = None if scale is None else scale.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self._intent_columns = len(labels) - (labels[-1] == LANGUAGE_COLUMN if labels else 0)
        #: SHA-256 of the training data the model was made from (see tests/intent_training.py).
        self.data_digest = data_digest

    # --- use -------------------------------------------------------------------------------
    def predict(self, normalised: str, cues: Mapping[str, float] | None = None) -> Prediction:
        """The probabilities for one message: ``features.feature_vector`` worked out with fewer
        Python objects (``_features``); every step gives the same numbers, in the same order,
        as ``predict_plainly`` (``tests/bot/test_fast_paths.py``)."""
        import numpy as np

        buckets, values = _features(normalised, cues)
        scores = self.bias.copy()
        if len(buckets):
            at = self._row_of(buckets)
            known = at >= 0
            if known.any():
                scores += values[known].astype(np.float32) @ self._rows(at[known])
        return self._prediction(scores)

    def predict_plainly(
        self, normalised: str, cues: Mapping[str, float] | None = None
    ) -> Prediction:
        """``predict`` as first written: ``feature_vector``'s lists, the rows found by binary
        search. The reference ``predict`` is tested against."""
        import numpy as np

        buckets, values = feature_vector(normalised, cues)
        scores = self.bias.copy()
        if buckets:
            wanted = np.asarray(buckets, dtype=np.int32)
            at = np.searchsorted(self.rows, wanted)
            at[at == len(self.rows)] = 0
            known = self.rows[at] == wanted
            if known.any():
                scores += np.asarray(values, dtype=np.float32)[known] @ self._rows(at[known])
        return self._prediction(scores)

    def _row_of(self, buckets: np.ndarray) -> np.ndarray:
        """Each bucket's row of weights, or -1 where the model has none. Once a process has
        made ``INDEX_AFTER`` predictions, from an index (``_index_rows``): two look-ups where a
        binary search among the 145,000 rows reads 18 places far apart."""
        import numpy as np

        index = getattr(self, "_index", None)
        if index is None:
            self._searched = searched = getattr(self, "_searched", 0) + 1
            if searched >= INDEX_AFTER:
                index = self._index = self._index_rows()
        if not index:
            at = np.searchsorted(self.rows, buckets)
            at[at == len(self.rows)] = 0
            return np.where(self.rows[at] == buckets, at, -1)
        before, within = index
        place = within[buckets]
        return np.where(place != _NO_ROW, before[buckets // _BLOCK] + place, -1)

    def _index_rows(self) -> tuple[np.ndarray, np.ndarray] | bool:
        """For each block of ``_BLOCK`` buckets the number of rows before it, and for each
        bucket its row's place within its block (``_NO_ROW``: none): 272 KB, where a table of
        every bucket's row would take 1 MB. False if two rows have the same bucket (never in a
        model file): they are searched for as before."""
        import numpy as np

        rows = self.rows
        if len(rows) and not bool(np.all(rows[1:] > rows[:-1])):
            return False
        before = np.searchsorted(rows, np.arange(0, DIMENSION, _BLOCK, dtype=np.int32))
        before = before.astype(np.int32)
        within = np.full(DIMENSION, _NO_ROW, dtype=np.uint8)
        for low in range(0, len(rows), 8192):  # a little at a time: a process keeps the
            part = rows[low : low + 8192]     # memory its temporaries once took
            within[part] = np.arange(low, low + len(part), dtype=np.int32) - before[part // _BLOCK]
        return before, within

    def _prediction(self, scores: np.ndarray) -> Prediction:
        import numpy as np

        intents = scores[: self._intent_columns]
        exp = np.exp(intents - intents.max())
        probabilities = exp / exp.sum()
        english = 0.5
        if self._intent_columns < len(self.labels):
            english = float(1.0 / (1.0 + np.exp(-scores[-1])))
        return Prediction(self.labels[: self._intent_columns],
                          tuple(probabilities.tolist()), english)

    def _rows(self, at: np.ndarray) -> np.ndarray:
        """The float weights of the rows at ``at``."""
        import numpy as np

        if self._scale is None:
            return self._weights[at]
        return self._weights[at].astype(np.float32) * self._scale

    @property
    def weights(self) -> np.ndarray:
        """Every row's float weights (made afresh from 8-bit ones: for saving and digests)."""
        import numpy as np

        return self._rows(np.arange(len(self.rows)))

    # --- storage ---------------------------------------------------------------------------
    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model with 8-bit weights (one scale per label): the weights in a file of
        their own beside ``path`` (:func:`weights_file`), the rest in ``path``."""
        import numpy as np

        scale = np.abs(self.weights).max(axis=0) / 127.0
        scale[scale == 0] = 1.0
        quantised = np.round(self.weights / scale).astype(np.int8)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(
                handle,
                labels=np.array(self.labels),
                rows=self.rows.astype(np.int32),
                scale=scale.astype(np.float32),
                bias=self.bias,
                features=np.array(FEATURES_VERSION),
                data_digest=np.array(self.data_digest),
            )
        np.save(weights_file(path), quantised, allow_pickle=False)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> IntentModel:
        """The model of ``path`` and its weights file. The weights are mapped into memory, not
        read: nothing is copied as a process starts (about 10 ms less than reading them), and
        every process on the machine shares the same pages through the page cache. (Not less
        resident memory: as a message's rows are read, the kernel maps their neighbours too, and
        one classification already maps nearly all 6.5 MB.)"""
        import numpy as np

        try:
            with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
                if str(data["features"]) != FEATURES_VERSION:
                    raise ModelError(
                        f"{path}: made for features {str(data['features'])!r}, not "
                        f"{FEATURES_VERSION!r}; retrain it with `make model`"
                    )
                rows = data["rows"]
                if len(rows) and (rows.min() < 0 or rows.max() >= DIMENSION):
                    raise ModelError(f"{path}: bucket numbers outside 0..{DIMENSION - 1}")
                labels, bias, scale = data["labels"], data["bias"], data["scale"]
                digest = str(data["data_digest"])
            weights = np.load(weights_file(path), mmap_mode="r", allow_pickle=False)
            if weights.dtype != np.int8 or weights.shape != (len(rows), len(labels)):
                raise ModelError(f"{weights_file(path)}: weights of shape {weights.shape} "
                                 f"({weights.dtype}), not {len(rows)} x {len(labels)} int8; "
                                 "build the model again with `make model`")
            return cls(tuple(str(label) for label in labels), rows, weights, bias, digest,
                       scale=scale)
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            raise ModelError(f"{path}: cannot read the intent model ({error}); "
                             "build it with `make model`") from error

    def digest(self) -> str:
        """A fingerprint of the weights, to tell whether two models are the same."""
        import numpy as np

        sha = hashlib.sha256()
        for part in (self.rows, np.round(self.weights, 4), np.round(self.bias, 4)):
            sha.update(np.ascontiguousarray(part).tobytes())
        return sha.hexdigest()


#: ``1 + log(n)`` for a feature seen ``n`` times (below ``_LOGGED``), as ``feature_vector`` works
#: it out; made whole at the first prediction, then only read (threads may share it).
_LOGGED = 256
_log_counts: list[float] = []


def _scaled(counts: Counter[int]) -> list[float]:
    """``1 + log(n)`` of each count, in the counts' order."""
    global _log_counts
    if not _log_counts:
        _log_counts = [0.0] + [1.0 + math.log(n) for n in range(1, _LOGGED)]
    logs = _log_counts
    if max(counts.values()) < _LOGGED:
        return [logs[n] for n in counts.values()]
    return [1.0 + math.log(n) for n in counts.values()]  # a message of one letter repeated


@lru_cache(maxsize=4096)
def _cue_bucket(name: str) -> int:
    """A cue's bucket (``feature_vector``): cues come from a small, fixed set of names."""
    return zlib.crc32(f"x:{name}".encode()) & (DIMENSION - 1)


def _features(
    normalised: str, cues: Mapping[str, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``feature_vector(normalised, cues)`` as two arrays, bit for bit: sorted buckets and their
    float64 values, with fewer Python objects: each count's logarithm from a table of
    ``math.log``'s, the sum of the squares by Python's ``sum`` in the order the features first
    occur, the division and sorting by NumPy, the cues added one by one in their order."""
    import numpy as np

    counts = Counter(feature_buckets(normalised))
    found = list(counts)  # buckets in the order they first occur, as ``feature_vector`` has them
    values = np.zeros(0, dtype=np.float64)
    if counts:
        scaled = _scaled(counts)
        values = np.array(scaled, dtype=np.float64) / math.sqrt(sum(map(operator.mul, scaled,
                                                                        scaled)))
    if cues:
        added: dict[int, float] = {}
        for name, value in cues.items():
            bucket = _cue_bucket(name)
            total = added.get(bucket)
            if total is None:
                total = float(values[found.index(bucket)]) if bucket in counts else 0.0
            added[bucket] = total + value
        more = []
        for bucket, total in added.items():
            if bucket in counts:
                values[found.index(bucket)] = total
            else:
                found.append(bucket)
                more.append(total)
        if more:
            values = np.concatenate((values, np.array(more, dtype=np.float64)))
    buckets = np.array(found, dtype=np.int32)  # under 2**18, as the model's rows are
    order = buckets.argsort()
    return buckets[order], values[order]


@lru_cache(maxsize=1)
def default_model() -> IntentModel:
    return IntentModel.load()
