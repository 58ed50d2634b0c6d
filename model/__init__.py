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
    "tag", "tag_many", "extract", "extract_many", "Tagger", "Entity", "LABELS",
    "normalize", "NormalizedText", "AnnotatedDocument", "Span", "default_tagger",
]

_defaults: dict[str, Tagger] = {}
_default_lock = threading.Lock()


def default_tagger(model: str = "accurate") -> Tagger:
    """A shipped model by name, ``"accurate"`` (the default) or ``"fast"``, loaded once on
    first use (CUDA when available; the fast model runs int8 ONNX Runtime on a CPU when
    onnxruntime is installed)."""
    from medcoop.tagging.tagger import SHIPPED_MODELS

    if model not in SHIPPED_MODELS:
        raise ValueError(f"model={model!r}: the shipped models are {', '.join(map(repr, SHIPPED_MODELS))}; "
                         "load another with Tagger.from_pretrained(folder)")
    with _default_lock:
        if model not in _defaults:
            _defaults[model] = Tagger.from_pretrained(model)
        return _defaults[model]


def tag(text: str, model: str = "accurate") -> list[Entity]:
    """Entities of a raw text with a shipped model (``"accurate"`` or ``"fast"``); offsets index ``text``.

    >>> tag("")
    []
    """
    return default_tagger(model).tag(text)


def tag_many(texts: Iterable[str], batch_size: int = 32, progress: bool = False, model: str = "accurate",
             n_process: int = 1) -> Iterator[list[Entity]]:
    """Entities of each text, in input order, streamed in bounded memory; ``n_process=N``
    tags on N worker processes (see :meth:`Tagger.tag_many`).

    >>> for entities in tag_many(["威海市中医院", "北京中医药大学"]):
    ...     print([e.text for e in entities])
    ['威海市中医院']
    ['北京中医药大学']
    """
    return default_tagger(model).tag_many(texts, batch_size=batch_size, progress=progress, n_process=n_process)


def extract(text: str, model: str = "accurate"):
    """Entities, people and cooperation events of a raw text (see :mod:`medcoop.events`).

    Each event has a ``type``, its ``parties`` (canonical name, the raw offsets of their
    mentions, the scorer's probability and why), ``signatories`` with the party they
    signed for and their posts, and a ``date`` (ISO or None) with its ``date_text``."""
    from medcoop.events.extractor import extract as _extract

    return _extract(text, default_tagger(model))


def extract_many(texts: Iterable[str], batch_size: int = 32, progress: bool = False, model: str = "accurate"):
    """:func:`extract` over many texts, in input order, tagged in batches (bounded memory)."""
    from medcoop.events.extractor import extract_many as _extract_many

    return _extract_many(texts, default_tagger(model), batch_size=batch_size, progress=progress)
