"""medcoop: who cooperates with whom in Chinese hospital, university and government news.

>>> from medcoop import tag
>>> [(e.label, e.text) for e in tag("威海市中醫(yī)院副院長許德峰")]
[('INST', '威海市中醫(yī)院'), ('ROLE', '副院長'), ('PER', '許德峰')]
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator

from medcoop.annotation.document import LABELS, AnnotatedDocument, Span
from medcoop.entity import Entity
from medcoop.text.normalize import NormalizedText, normalize
from medcoop.tagging.tagger import Tagger

__all__ = [
    "tag", "tag_many", "extract", "Tagger", "Entity", "LABELS",
    "normalize", "NormalizedText", "AnnotatedDocument", "Span", "default_tagger",
]

_default: Tagger | None = None
_default_lock = threading.Lock()


def default_tagger() -> Tagger:
    """The shipped model, loaded once on first use (CUDA when available)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Tagger.from_pretrained()
        return _default


def tag(text: str) -> list[Entity]:
    """Entities of a raw text with the shipped model; offsets index ``text``.

    >>> tag("")
    []
    """
    return default_tagger().tag(text)


def tag_many(texts: Iterable[str], batch_size: int = 32, progress: bool = False) -> Iterator[list[Entity]]:
    """Entities of each text, in input order, streamed in bounded memory.

    >>> for entities in tag_many(["威海市中医院", "北京中医药大学"]):
    ...     print([e.text for e in entities])
    ['威海市中医院']
    ['北京中医药大学']
    """
    return default_tagger().tag_many(texts, batch_size=batch_size, progress=progress)


def extract(text: str):
    """Entities, people and cooperation events of a raw text (see :mod:`medcoop.events.rules`)."""
    from medcoop.events.rules import extract as _extract

    return _extract(text, default_tagger())
