"""The training set of the learned intent model, and its training.

Provenance (see ``tests/data/training/README.md``): hand-written seed messages in
``tests/data/training/seeds/*.tsv`` and the development set ``tests/data/intents.tsv`` are the
only sources. Each seed is filled (``{PLACE}``, ``{DRUG}``, ``{PERSON}`` from the lists below, in
the seed's script) and copied with the noise people's messages carry: typos, SMS abbreviations,
capitals, missing punctuation, zero-width spaces, Khmer or Latin digits, greetings, emoji. The
generation is seeded, so the same files always give the same training set.

The held-out sets (``tests/data/intents_holdout*.tsv``) are read for one thing only: a seed whose
text (normalised) is also a held-out message is left out of training, so that the held-out
figures measure messages the model has not seen ("stop" and "hi" are in both by nature).

Run ``python -m tests.intent_training`` (``make model``) to rebuild
``locales/model/intent_model.npz``; ``--check`` reports cross-validated figures instead.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.gazetteer import COMMON_FILE, UNITS_FILE
from bot.intents import CONTEXTS, INTENTS, TOPICS, Classifier, Thresholds
from bot.lexicon import read_lexicon
from bot.normalize import has_khmer, normalize
from tests.evaluation import IntentReport, print_intents

DATA = Path(__file__).resolve().parent / "data"
SEEDS = DATA / "training" / "seeds"
DEV_SET = DATA / "intents.tsv"
#: The held-out sets: messages, and the messages of the held-out conversations.
HELD_OUT = [*sorted(DATA.glob("intents_holdout*.tsv")), DATA / "conversations_holdout.tsv"]
#: The keyword lexicons and place aliases: the model learns from what they find, so it is
#: trained again when they change.
LEXICONS = Path(__file__).resolve().parent.parent / "locales" / "lexicons"
PLACE_DATA = Path(__file__).resolve().parent.parent / "locales" / "places"
#: Noisy copies made of each seed row (besides the row itself).
COPIES = 6
RANDOM_SEED = 20261205
#: Inverse regularisation strength of the logistic regression.
C = 20.0
#: How far each intent's examples are weighed up to the same total (0: as they come, 1: fully
#: balanced). Emergencies are a third of the seeds: unweighted, the model leans to them.
BALANCE = 0.5

HEADER = ["text", "intent", "topic", "locale", "note"]
#: An optional sixth column: what the conversation was in when the message came (``CONTEXTS``).
CONTEXT = "context"
#: Intents whose rows may leave the topic empty, meaning the first (the plain request or
#: message): their other topics were added later. Every other intent with topics names one.
TOPIC_OPTIONAL = frozenset({"find_clinic", "unknown"})


class TrainingDataError(ValueError):
    """A seed row that cannot be used; names the file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str  # "intent" or "intent/topic"
    locale: str
    script: str  # khmer | romanised | code-switched | english | neutral
    group: str  # the seed it came from: noisy copies share it (for honest cross-validation)
    context: str = ""  # what the conversation was in (bot.intents.CONTEXTS), "" for none


# --- slot fillers (Khmer terms, drug names and place-name variants) -------------------------

FILLERS: dict[str, dict[str, tuple[str, ...]]] = {
    "PLACE": {
        "khmer": ("ភ្នំពេញ", "បាត់ដំបង", "សៀមរាប", "កំពង់ចាម", "ព្រះសីហនុ", "តាកែវ", "កណ្ដាល",
                  "ស្ទឹងត្រែង", "ក្រចេះ", "កំពត", "ទួលគោក", "ប៉ោយប៉ែត", "ខេត្តព្រៃវែង", "ស្វាយរៀង",
                  "បន្ទាយមានជ័យ", "ពោធិ៍សាត់", "កោះកុង", "រតនគិរី", "មណ្ឌលគិរី", "ខណ្ឌមានជ័យ",
                  "ស្រុកកៀនស្វាយ", "សែនសុខ", "ក្រុងបាត់ដំបង", "ឧត្តរមានជ័យ",
                  "ភូមិថ្មី", "ឃុំប្រាសាទ", "ភូមិត្រពាំងវែង", "ឈើទាល", "ភូមិព្រៃក្ដី"),
        "latin": ("pp", "phnom penh", "battambang", "btb", "siem reap", "sr", "kompong cham",
                  "kampong som", "takeo", "kandal", "poipet", "toul kork", "sihanoukville",
                  "kampot", "prey veng", "svay rieng", "banteay meanchey", "pursat", "koh kong",
                  "ratanakiri", "mondulkiri", "mean chey", "sen sok", "takhmao", "kep",
                  "stung treng", "kratie", "PNH", "Kg Speu", "chbar ampov",
                  # communes and villages whose names many provinces share
                  "thmei", "phum thmei", "prasat", "trapeang veng", "prey kdei", "chheu teal",
                  "lvea", "kandal", "svay", "samraong"),
    },
    "DRUG": {
        "khmer": ("យ៉ាម៉ា", "ម៉ាទឹកកក", "ហេរ៉ូអ៊ីន", "គ្រឿងញៀន", "ថ្នាំញៀន", "ម្សៅ", "ថ្នាំគ្រាប់"),
        "romanised": ("yama", "ma tuk kok", "ice", "heroin", "thnam", "kroeung nhean", "mhsao"),
        "english": ("yama", "ice", "meth", "heroin", "drugs", "pills", "crystal", "dope"),
    },
    "PERSON": {
        "khmer": ("កូនប្រុសខ្ញុំ", "កូនស្រីខ្ញុំ", "ប្តីខ្ញុំ", "ប្រពន្ធខ្ញុំ", "បងប្រុសខ្ញុំ",
                  "ប្អូនខ្ញុំ", "មិត្តខ្ញុំ", "ក្មួយខ្ញុំ", "កូនខ្ញុំ", "មិត្តភក្តិខ្ញុំ"),
        "romanised": ("kon pros knhom", "kon srey knhom", "pdey knhom", "bong pros knhom",
                      "p'oun knhom", "mit knhom", "kmouy knhom", "kon khnhom", "mith knhom"),
        "english": ("my son", "my daughter", "my husband", "my wife", "my brother",
                    "my sister", "my friend", "my nephew", "my boyfriend", "my cousin"),
    },
}
_SLOT = re.compile(r"\{(PLACE|DRUG|PERSON)\}")


def _filler(slot: str, script: str, rng: random.Random, text: str) -> str:
    table = FILLERS[slot]
    if slot == "PLACE":
        return rng.choice(table["khmer" if script == "khmer" or has_khmer(text) and
                                rng.random() < 0.7 else "latin"])
    if script in table:
        return rng.choice(table[script])
    return rng.choice(table["khmer" if has_khmer(text) else "romanised"])


def fill(text: str, script: str, rng: random.Random) -> str:
    return _SLOT.sub(lambda m: _filler(m.group(1), script, rng, text), text)


# --- noise ----------------------------------------------------------------------------------

SMS = {
    "you": ("u", "yu"), "your": ("ur", "yr"), "please": ("pls", "plz", "plse"),
    "what": ("wat", "wht"), "don't": ("dont", "dnt", "don"), "where": ("whr", "wer", "were"),
    "are": ("r",), "the": ("da", "d"), "to": ("2",), "for": ("4",), "need": ("nid", "ned"),
    "help": ("hlp", "halp"), "know": ("kno", "knw"), "because": ("bc", "coz"),
    "people": ("ppl",), "can't": ("cant", "cnt"), "i'm": ("im", "i am"), "want": ("wan", "wnt"),
    "okay": ("ok", "k"), "thanks": ("thx", "tks"), "brother": ("bro",), "with": ("wit", "w"),
    "and": ("n", "&"), "is": ("iz",), "him": ("hm",), "now": ("nw",), "tomorrow": ("tmr",),
}
ROMANISATION = (
    ("kh", "k"), ("nh", "nj"), ("ch", "j"), ("ou", "u"), ("ea", "ia"), ("ei", "ey"),
    ("oa", "ua"), ("ph", "p"), ("th", "t"), ("ao", "au"), ("ae", "e"), ("oe", "eu"),
    ("chh", "ch"), ("knhom", "khnhom"), ("knhom", "knh"), ("chong", "jong"), ("te", "teh"),
    ("ban", "baan"), ("nov", "nou"), ("tov", "tv"), ("bong", "b"),
)
EMOJI = ("🙏", "😭", "😢", "🆘", "😟", "!!", "??", "...", "🥺", "😰")
GREETINGS = {
    "khmer": ("សួស្តីបង ", "បង ", "ជម្រាបសួរ ", "សុំសួរបន្តិច "),
    "latin": ("hi ", "hello ", "bong ", "hi bong ", "sorry ", "excuse me "),
}
KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"
_COENG = "\u17d2"
_KHMER_CONSONANT = re.compile(r"(?<!\u17d2)(?=[\u1780-\u17a2])")


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:  # two letters swapped
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:  # a letter missing
        return word[:i] + word[i + 1:]
    if kind == 2:  # a letter doubled
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice(KEYBOARD) + word[i + 1:]


def _latin_noise(text: str, rng: random.Random, romanised: bool) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        low = word.lower()
        if low in SMS and rng.random() < 0.5:
            words[i] = rng.choice(SMS[low])
        elif romanised and rng.random() < 0.3:
            for a, b in rng.sample(ROMANISATION, 3):
                if a in low:
                    words[i] = low.replace(a, b, 1)
                    break
        elif rng.random() < 0.12:
            words[i] = _typo(word, rng)
    text = " ".join(words)
    roll = rng.random()
    if roll < 0.15:
        text = text.upper()
    elif roll < 0.6:
        text = text.lower()
    if rng.random() < 0.4:
        text = re.sub(r"[?.!,]", "", text)
    return text


def _khmer_noise(text: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.25:  # the zero-width spaces Khmer keyboards put between words
        text = _KHMER_CONSONANT.sub(lambda _: "\u200b" if rng.random() < 0.3 else "", text)
        text = text.lstrip("\u200b")
    elif roll < 0.4:
        text = text.replace(" ", "")
    elif roll < 0.5:
        text = _KHMER_CONSONANT.sub(lambda _: " " if rng.random() < 0.08 else "", text).strip()
    if rng.random() < 0.3:
        text = text.translate(str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩"))
    if rng.random() < 0.2:
        text = text.replace(_COENG + "\u178f", _COENG + "\u178a")
    if rng.random() < 0.2:
        text = re.sub(r"[?!.។]", "", text)
    return text


def noisy(text: str, script: str, rng: random.Random) -> str:
    """One copy of ``text`` with the noise of real messages."""
    khmer = has_khmer(text)
    if khmer:
        text = _khmer_noise(text, rng)
    if not khmer or script == "code-switched":
        text = _latin_noise(text, rng, romanised=script in ("romanised", "code-switched"))
    if rng.random() < 0.15:
        text = rng.choice(GREETINGS["khmer" if khmer else "latin"]) + text
    if rng.random() < 0.15:
        text = text + rng.choice(("", " ")) + rng.choice(EMOJI)
    return text


# --- reading -------------------------------------------------------------------------------

def label_of(intent: str, topic: str) -> str:
    """``intent/topic``; an intent with topics but none given has its first (default) one."""
    topic = topic or (TOPICS[intent][0] if intent in TOPICS else "")
    return f"{intent}/{topic}" if topic else intent


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames is None or reader.fieldnames[:4] != HEADER[:4]:
            raise TrainingDataError(f"{path.name}: the header must be {' '.join(HEADER)}")
        for number, row in enumerate(reader, start=2):
            yield number, row


def check_row(path: Path, number: int, row: dict[str, str]) -> None:
    where = f"{path.name}:{number}"
    if None in row or any(row.get(column) is None for column in HEADER[:4]):
        raise TrainingDataError(f"{where}: expected {len(HEADER)} tab-separated columns")
    intent, topic = row["intent"], row["topic"]
    if not row["text"].strip():
        raise TrainingDataError(f"{where}: empty text")
    if intent not in INTENTS:
        raise TrainingDataError(f"{where}: unknown intent {intent!r}")
    allowed = TOPICS.get(intent, ())
    if (topic or (allowed and intent not in TOPIC_OPTIONAL)) and topic not in allowed:
        raise TrainingDataError(f"{where}: topic {topic!r} is not one of {allowed} for {intent}")
    if row["locale"] not in ("km", "en"):
        raise TrainingDataError(f"{where}: locale must be km or en")
    if (row.get(CONTEXT) or "") not in ("", *CONTEXTS):
        raise TrainingDataError(f"{where}: context must be empty or one of {CONTEXTS}")


def held_out_texts() -> frozenset[str]:
    """The normalised texts of the held-out sets (nothing else of them is read)."""
    texts: set[str] = set()
    for path in (p for p in HELD_OUT if p.exists()):
        with path.open(encoding="utf-8", newline="") as handle:
            texts.update(normalize(row["text"]) for row in
                         csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return frozenset(texts)


def seed_rows(everything: bool = False) -> Iterator[tuple[Path, int, dict[str, str]]]:
    """Every valid seed row, in a fixed order; without ``everything``, not those that are also
    held-out messages."""
    held_out = frozenset() if everything else held_out_texts()
    for path in [*sorted(SEEDS.glob("*.tsv")), DEV_SET]:
        for number, row in read_rows(path):
            check_row(path, number, row)
            if normalize(row["text"]) not in held_out:
                yield path, number, row


def examples(copies: int = COPIES, seed: int = RANDOM_SEED) -> list[Example]:
    """The whole training set: each seed row (slots filled) and ``copies`` noisy copies."""
    rng = random.Random(seed)
    out: list[Example] = []
    for path, number, row in seed_rows():
        label = label_of(row["intent"], row["topic"])
        script = (row.get("note") or "neutral").split("+")[0]
        group = f"{path.name}:{number}"
        context = row.get(CONTEXT) or ""
        first = fill(row["text"], script, rng)
        out.append(Example(first, label, row["locale"], script, group, context))
        for _ in range(copies if path != DEV_SET else copies // 2):
            out.append(Example(noisy(fill(row["text"], script, rng), script, rng),
                               label, row["locale"], script, group, context))
        if not context and context_free(label):
            # the same words mean the same in any context: the context is a prior they outweigh
            out.append(Example(noisy(fill(row["text"], script, rng), script, rng), label,
                               row["locale"], script, group, rng.choice(CONTEXTS)))
    return out


#: Readings that depend on what the conversation is in ("and then?", "ok", "the first one",
#: "he breathes now"): seeds of these are trained only in the context they were written for.
CONTEXT_BOUND = frozenset({"menu/phone", "menu/details", "menu/open_now",
                           "emergency/first_aid", "emergency/breathing"})


def context_free(label: str) -> bool:
    """Whether a reading holds in every context (so a copy in a random one may be trained)."""
    return not label.startswith("unknown") and label not in CONTEXT_BOUND


def data_digest() -> str:
    """SHA-256 of what the model learns from: the generated training set itself (so editing a
    seed, the noise or the held-out sets changes it, and tidying this file does not), the
    training settings, the lexicon rows (without comments) and the place data."""
    sha = hashlib.sha256(f"{C}:{BALANCE}".encode())
    for example in examples():
        context = f"\t{example.context}" if example.context else ""
        sha.update(f"{example.text}\t{example.label}\t{example.locale}{context}\n".encode())
    for path in sorted(LEXICONS.glob("*.tsv")):
        sha.update(repr([row[1:] for row in read_lexicon(path)]).encode())  # no line numbers
    for path in sorted(PLACE_DATA.glob("*")):
        if path.name in (UNITS_FILE.name, COMMON_FILE.name):  # built from the others: no news
            continue
        if path.suffix == ".md":
            continue
        sha.update(path.name.encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


# --- training -------------------------------------------------------------------------------

def matrix(texts: Iterable[str], contexts: Iterable[str] | None = None,  # type: ignore[no-untyped-def]
           each: Any = iter):
    """The feature matrix of ``texts`` (scipy CSR), with the features the model uses: n-grams
    and what the keyword and place matchers find, and the conversation's context
    (``bot.intents.cues``)."""
    from itertools import repeat

    from scipy.sparse import csr_matrix

    from bot.features import DIMENSION, feature_vector
    from bot.intents import cues, observe
    from bot.lexicon import default_lexicon
    from bot.places import default_resolver

    lexicon, resolver = default_lexicon(), default_resolver()
    indptr, indices, values = [0], [], []
    pairs = list(zip(texts, contexts if contexts is not None else repeat("")))
    for text, context in each(pairs):  # ``each``: a progress bar, from main
        _, norm, entries, exact, places = observe(text, lexicon, resolver)
        buckets, weights = feature_vector(norm, cues(norm, entries, exact, places, context))
        indices.extend(buckets)
        values.extend(weights)
        indptr.append(len(indices))
    return csr_matrix((values, indices, indptr), shape=(len(indptr) - 1, DIMENSION))


def fit(  # type: ignore[no-untyped-def]
    train: list[Example], c: float = C, balance: float = BALANCE, each: Any = iter
):
    """A multinomial logistic regression on the examples (scikit-learn)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from bot.model import LANGUAGE_COLUMN, IntentModel

    x = matrix([e.text for e in train], [e.context for e in train], each=each)
    used = np.unique(x.indices)  # only these buckets can get weights: fit on them alone
    x = x[:, used]
    per_intent = Counter(e.label.partition("/")[0] for e in train)
    mean = len(train) / len(per_intent)
    weight = np.array([(mean / per_intent[e.label.partition("/")[0]]) ** balance for e in train])
    regression = LogisticRegression(C=c, max_iter=3000, tol=1e-4)
    regression.fit(x, [e.label for e in train], sample_weight=weight)
    # The language head: Latin-script messages only (Khmer script is Khmer by rule).
    latin = np.array([not has_khmer(e.text) for e in train])
    language = LogisticRegression(C=c, max_iter=3000, tol=1e-4)
    language.fit(x[latin], [e.locale == "en" for e in train if not has_khmer(e.text)])
    weights = np.hstack([regression.coef_.T, language.coef_.T])  # buckets x (labels + 1)
    bias = np.concatenate([regression.intercept_, language.intercept_])
    labels = (*(str(c) for c in regression.classes_), LANGUAGE_COLUMN)
    return IntentModel(labels, used, weights, bias, data_digest())


def train(save: bool = True):  # type: ignore[no-untyped-def]
    model = fit(examples())
    if save:
        model.save()
    return model


def folds_of(data: list[Example], folds: int) -> dict[str, int]:
    """Seed groups to folds: the copies of one seed never sit on both sides."""
    groups = sorted({e.group for e in data})
    random.Random(RANDOM_SEED).shuffle(groups)
    return {g: i % folds for i, g in enumerate(groups)}


def cross_validate(grid: list[Thresholds], folds: int = 5, noisy_copies: int = 1,
                   c: float = C, balance: float = BALANCE) -> list[IntentReport]:
    """The whole classifier (keywords, places and a model trained without the fold), on the
    seeds of each fold: the seed as written and ``noisy_copies`` of its noisy copies."""
    data = examples()
    fold_of = folds_of(data, folds)
    tallies = [IntentReport() for _ in grid]
    for fold in range(folds):
        model = fit([e for e in data if fold_of[e.group] != fold], c=c, balance=balance)
        classifiers = [Classifier(model=model, thresholds=t) for t in grid]
        seen: Counter[str] = Counter()
        for example in data:
            if fold_of[example.group] != fold or seen[example.group] > noisy_copies:
                continue
            seen[example.group] += 1
            intent, _, topic = example.label.partition("/")
            for tally, classifier in zip(tallies, classifiers):
                tally.add(example.text, intent, topic, example.locale,
                          classifier.classify(example.text, context=example.context))
    return tallies


#: The values ``--sweep`` tries for each threshold, one threshold at a time around the defaults.
SWEEP: dict[str, tuple[float, ...]] = {
    "emergency": (0.2, 0.25, 0.3, 0.4, 0.5),
    "model": (0.2, 0.3, 0.4, 0.5),
    "keywords_kept": (0.0, 0.15, 0.2, 0.3, 0.4),
}


def sweep(c: float = C, balance: float = BALANCE) -> None:
    """Cross-validated figures as each threshold moves while the others keep their defaults."""
    base = Thresholds()
    grid = [base] + [
        dataclasses.replace(base, **{name: value})
        for name, values in SWEEP.items() for value in values if value != getattr(base, name)
    ]
    print(f"C {c}, balance {balance}; defaults {base}", flush=True)
    for thresholds, tally in zip(grid, cross_validate(grid, c=c, balance=balance)):
        changed = [f"{name} {getattr(thresholds, name):.2f}" for name in SWEEP
                   if getattr(thresholds, name) != getattr(base, name)]
        print(f"{', '.join(changed) or 'defaults':<22} {tally.line()}", flush=True)


def report() -> None:
    """Cross-validated figures of the classifier as configured, per intent."""
    tally = cross_validate([Thresholds()])[0]
    print(f"5-fold cross-validation by seed ({tally.total} messages): {tally.line()}")
    print_intents("per intent", tally, errors=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="cross-validate; write nothing")
    parser.add_argument("--validate", action="store_true",
                        help="check every seed row and count the labels; write nothing")
    parser.add_argument("--sweep", action="store_true",
                        help="cross-validate a grid of thresholds; write nothing")
    parser.add_argument("--c", type=float, default=C, help="with --sweep: regularisation")
    parser.add_argument("--balance", type=float, default=BALANCE, help="with --sweep: weighting")
    args = parser.parse_args(argv)
    if args.validate:
        counts = Counter((label_of(row["intent"], row["topic"]), row.get(CONTEXT) or "")
                         for _, _, row in seed_rows(everything=True))
        for (label, context), count in sorted(counts.items()):
            print(f"{count:6}  {label}" + (f"  (context {context})" if context else ""))
        print(f"{sum(counts.values()):6}  seed rows, every one valid")
        return 0
    if args.check:
        report()
        return 0
    if args.sweep:
        sweep(args.c, args.balance)
        return 0
    from webhooks import progress  # a bar on stderr when it is a terminal; a summary line

    summary = progress.Summary()
    data = examples()
    print(f"training set: {len(data)} messages from {len({e.group for e in data})} seeds; "
          f"labels: {dict(sorted(Counter(e.label for e in data).items()))}", flush=True)
    # The bar covers the features; the fit after it is one scikit-learn call, without progress.
    model = fit(data, each=lambda pairs: progress.counted(pairs, "features"))
    model.save()
    print(f"wrote locales/model/intent_model.npz and .weights.npy: {len(model.rows)} buckets x "
          f"{len(model.labels)} labels")
    summary.done(f"make model: trained on {len(data)} messages, {len(model.labels)} labels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
