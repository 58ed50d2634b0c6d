"""One document's extraction as a plain JSON-able record: what a corpus job writes
to ``documents.jsonl`` line by line and what :func:`medcoop.network.build` reads.

A record is ``Document.to_dict()`` plus the document's ``id``, the extra fields
its input carried (``source``, ``date`` ...) and, for each event, the text of its
evidence sentences: the network view shows them, and keeping them in the record
lets the network be built without holding any article's full text.

Parties may be plain names (``"威海市中医院"``) or parties with their mentions
(``{"name": ..., "mentions": [[s, e], ...]}``, or objects with ``.name``); both
read the same here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, is_dataclass

__all__ = ["party_name", "record_of", "as_records", "names_of", "bracketed_pairs"]


def party_name(party) -> str:
    """The name of a party written as a string, a ``{"name", "mentions"}`` dict or
    an object with ``.name``."""
    if isinstance(party, str):
        return party
    if isinstance(party, Mapping):
        return str(party["name"])
    name = getattr(party, "name", None)
    if isinstance(name, str):
        return name
    raise TypeError(f"a party is a name or has a 'name', not {type(party).__name__}: {party!r}")


def record_of(doc_id: str, document, fields: Mapping | None = None) -> dict:
    """The record of one extracted document: ``document`` is a
    :class:`medcoop.events.Document` or its ``to_dict()`` (with ``"text"`` when the
    evidence sentences are to be shown; a dict that already holds ``evidence_text``
    keeps it)."""
    if isinstance(document, Mapping):
        data, text = dict(document), document.get("text")
    elif hasattr(document, "to_dict"):
        data, text = document.to_dict(), getattr(document, "text", None)
    else:
        raise TypeError(f"document {doc_id!r}: expected a medcoop.extract result or its to_dict(), "
                        f"not {type(document).__name__}")
    events = []
    for event in data.get("events", []):
        event = asdict(event) if is_dataclass(event) else dict(event)
        event["parties"] = [p if isinstance(p, str) else _plain(p) for p in event.get("parties", [])]
        event["evidence"] = [list(span) for span in event.get("evidence", [])]
        if text is not None:
            event["evidence_text"] = [text[s:e].strip() for s, e in event["evidence"]]
        else:
            event.setdefault("evidence_text", [])
        events.append(event)
    entities = [e if isinstance(e, Mapping) else e.to_dict() for e in data.get("entities", [])]
    people = [p if isinstance(p, Mapping) else p.to_dict() for p in data.get("people", [])]
    record = {"id": str(doc_id), "fields": dict(fields or data.get("fields") or {}),
              "entities": entities, "people": people, "events": events}
    pairs = bracketed_pairs(text, entities) if text is not None else data.get("alternatives", [])
    if pairs:
        record["alternatives"] = [list(p) for p in pairs]
    return record


def bracketed_pairs(text: str, entities: list) -> list[tuple[str, str]]:
    """``(name, alternative)`` for INST mentions written ``name(alternative)``:
    衡水市人民医院(哈励逊国际和平医院), 附属医疗及社会福利机构管理会（医福会）; the
    guideline tags the two apart, and they are one institution.

    >>> text = "衡水市人民医院(哈励逊国际和平医院)与"
    >>> bracketed_pairs(text, [{"start": 0, "end": 7, "label": "INST"}, {"start": 8, "end": 17, "label": "INST"}])
    [('衡水市人民医院', '哈励逊国际和平医院')]
    """
    inst = sorted((_span(e) for e in entities if _get(e, "label") == "INST"))
    return [(text[a:b], text[c:d]) for (a, b), (c, d) in zip(inst, inst[1:])
            if text[b:c].strip() in ("(", "（") and text[d:d + 1] in (")", "）")]


def _get(entity, name):
    return entity[name] if isinstance(entity, Mapping) else getattr(entity, name)


def _span(entity) -> tuple[int, int]:
    return int(_get(entity, "start")), int(_get(entity, "end"))


def as_records(documents: Iterable) -> Iterator[dict]:
    """Records of ``documents``: dicts with an ``"id"``, ``(id, document)`` pairs, or
    bare ``medcoop.extract`` results (numbered from 1 in the order given)."""
    for number, item in enumerate(documents, start=1):
        if isinstance(item, tuple) and len(item) == 2:
            yield record_of(str(item[0]), item[1])
        elif isinstance(item, Mapping):
            if "id" not in item:
                raise ValueError(f"document {number} has no 'id'; give dicts with an 'id' or (id, document) pairs")
            yield record_of(str(item["id"]), item, item.get("fields"))
        else:
            yield record_of(str(getattr(item, "id", number)), item)


def names_of(record: Mapping) -> list[str]:
    """Every institution name of a record, as written: INST mentions (raw text),
    ``(name, alternative)`` pairs written in brackets, event parties and the
    parties signatories sign for."""
    names: list = [e["text"] for e in record.get("entities", []) if e.get("label") == "INST"]
    names += [tuple(pair) for pair in record.get("alternatives", [])]
    for event in record.get("events", []):
        names += [party_name(p) for p in event.get("parties", [])]
        names += [s["party"] for s in event.get("signatories", []) if s.get("party")]
    return names


def _plain(party) -> dict:
    if isinstance(party, Mapping):
        return {"name": str(party["name"]), "mentions": [list(m) for m in party.get("mentions", [])]}
    return {"name": party_name(party), "mentions": [list(m) for m in getattr(party, "mentions", [])]}
