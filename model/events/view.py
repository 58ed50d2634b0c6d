"""One view of an article that every event step reads: normalised text, entities
(with the bare places that sign), sentences, headline, people and the article's date."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property
from datetime import date

from medcoop.entity import Entity
from medcoop.events.people import Person, canonical_institutions, link_people
from medcoop.text.dates import article_date
from medcoop.text.normalize import NormalizedText, normalize
from medcoop.text.sentences import split_sentences

__all__ = ["ArticleView", "build_view"]


@dataclass
class ArticleView:
    text: str
    norm: NormalizedText
    entities: list[Entity]  # tagged entities, sorted by offset
    with_places: list[Entity]  # plus bare places as INST-like entities (score 0)
    sentences: list[tuple[int, int]]
    people: list[Person]
    canonical: dict[str, str]  # normalised INST name -> the fullest name the article uses
    reference: date | None  # the article's own date

    @property
    def headline(self) -> tuple[int, int]:
        return self.sentences[0] if self.sentences else (0, 0)

    def gap(self, a: int, b: int) -> str:
        """Normalised text between raw offsets, cut from the whole text's normalisation
        so that context-dependent noise (pinyin after a character) is gone too."""
        if b <= a:
            return ""
        return self.norm.clean[slice(*self.norm.to_clean(a, b))].strip()

    @cached_property
    def _starts(self) -> list[int]:
        return [s for s, _ in self.sentences]

    def sentence_of(self, pos: int) -> tuple[int, int]:
        """The sentence holding raw offset ``pos`` (``(pos, pos + 1)`` between sentences)."""
        k = bisect.bisect_right(self._starts, pos) - 1
        if k >= 0 and self.sentences[k][0] <= pos < self.sentences[k][1]:
            return self.sentences[k]
        return pos, pos + 1

    def inside(self, span: tuple[int, int], entities: list[Entity] | None = None) -> list[Entity]:
        return [e for e in (self.with_places if entities is None else entities) if span[0] <= e.start and e.end <= span[1]]

    def name(self, e: Entity) -> str:
        return self.canonical.get(e.normalized, e.normalized)


def build_view(text: str, entities: list[Entity]) -> ArticleView:
    from medcoop.events.rules import _places  # the place rule is shared with the rules

    entities = sorted(entities, key=lambda e: e.start)
    norm = normalize(text)
    with_places = sorted(entities + _places(norm, entities), key=lambda e: e.start)
    view = ArticleView(text, norm, entities, with_places, split_sentences(text), [], {}, article_date(norm.clean))
    view.canonical = canonical_institutions(with_places, view.gap)
    view.people = link_people(with_places, view.gap)
    return view
