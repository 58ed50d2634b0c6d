"""An annotated document: raw text plus labelled character spans (ANNOTATION.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LABELS", "Span", "AnnotatedDocument"]

from medcoop.constants import LABELS


@dataclass(frozen=True, order=True)
class Span:
    """Characters ``start:end`` (end exclusive, code points) of the raw text carry ``label``."""

    start: int
    end: int
    label: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "label": self.label}


@dataclass
class AnnotatedDocument:
    """One document of the JSON Lines span format.

    >>> doc = AnnotatedDocument("d1", "威海市中醫(yī)院", [Span(0, 10, "INST")])
    >>> doc.span_texts()
    [('威海市中醫(yī)院', 'INST')]
    """

    id: str | int
    text: str
    spans: list[Span] = field(default_factory=list)
    source: str | None = None
    meta: dict = field(default_factory=dict)

    def span_texts(self) -> list[tuple[str, str]]:
        return [(self.text[s.start : s.end], s.label) for s in self.spans]

    def to_dict(self) -> dict:
        out = {"id": self.id}
        if self.source is not None:
            out["source"] = self.source
        out["text"] = self.text
        out["spans"] = [s.to_dict() for s in sorted(self.spans)]
        out.update(self.meta)
        return out

    @classmethod
    def from_dict(cls, obj: dict) -> "AnnotatedDocument":
        """Build from a parsed JSON object; the validator explains malformed ones."""
        missing = [k for k in ("id", "text") if k not in obj]
        if missing:
            raise ValueError(f"document {obj.get('id')!r}: no {' and no '.join(missing)}; each document needs id, text "
                             "and spans (run medcoop validate on the file for every problem)")
        known = {"id", "text", "spans", "source"}
        spans = [Span(int(s["start"]), int(s["end"]), str(s["label"])) for s in obj.get("spans", [])]
        meta = {k: v for k, v in obj.items() if k not in known}
        return cls(obj["id"], obj["text"], sorted(spans), obj.get("source"), meta)
