"""What ``tag()`` returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Entity"]


@dataclass(frozen=True)
class Entity:
    """An entity of the raw input: ``text == raw[start:end]`` (end exclusive).

    ``normalized`` is the clean simplified form the model read (pinyin and noise
    removed), handy for grouping mentions: 威海市中醫(yī)院 -> 威海市中医院.

    >>> e = Entity(0, 6, "INST", "威海市中医院", 0.98, "威海市中医院")
    >>> e.to_dict()["label"]
    'INST'
    """

    start: int
    end: int
    label: str
    text: str
    score: float
    normalized: str

    def to_dict(self) -> dict:
        return asdict(self)
