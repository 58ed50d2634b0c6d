"""The cooperation network of a corpus: resolved institutions, their events, and
an edge between every two institutions that are parties to one event.

>>> from medcoop.network import build
>>> doc = {"id": "a", "entities": [], "events": [{"type": "medical_alliance", "agreement": "医联体",
...        "parties": ["威海市中医院", "市中医院", "乳山市人民医院"], "signatories": [], "evidence": [[0, 9]]}]}
>>> network = build([doc])
>>> [(e.source, e.target, e.events) for e in network.edges]
[('乳山市人民医院', '威海市中医院', 1)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from medcoop.network.records import as_records, names_of, party_name
from medcoop.network.resolve import Institution, resolve

__all__ = ["build", "Network", "NetworkEvent", "Edge", "Frames", "EVENT_COLUMNS"]

EVENT_COLUMNS = ("document", "type", "agreement", "parties", "signatories", "date", "date_text", "evidence",
                 "evidence_text")
"""Columns of the events table; fields carried from the input come after ``document``
(named ``document_<field>`` where they would clash with these)."""


@dataclass
class NetworkEvent:
    """One event with canonical party names."""

    document: str
    type: str
    agreement: str
    parties: list[str]
    signatories: list[dict]  # {"name", "posts", "party"}; party canonical or None
    date: str | None
    date_text: str | None
    evidence: list[tuple[int, int]]
    evidence_text: list[str]
    fields: dict = field(default_factory=dict)


@dataclass
class Edge:
    """Two institutions (``source`` < ``target``) that are parties to ``events`` events."""

    source: str
    target: str
    events: int = 0
    types: dict[str, int] = field(default_factory=dict)  # agreement type -> events
    documents: list[str] = field(default_factory=list)


class Frames(NamedTuple):
    """The network as pandas tables: ``institutions, events, edges = network.to_frames()``."""

    institutions: "object"
    events: "object"
    edges: "object"


@dataclass
class Network:
    institutions: list[Institution]
    events: list[NetworkEvent]
    edges: list[Edge]
    fields: list[str] = field(default_factory=list)  # input fields carried, in first-seen order

    def activity(self) -> dict[str, int]:
        """Events per institution."""
        return {i.name: i.events for i in self.institutions}

    def to_frames(self) -> Frames:
        """``institutions`` (name, aliases joined by ``|``, documents, events), ``events``
        (one row per event; parties, signatories and evidence as lists) and ``edges``
        (source, target, events, types joined by ``|`` as ``type:count``, documents)."""
        import pandas as pd

        institutions = pd.DataFrame(
            [{"name": i.name, "aliases": "|".join(i.aliases), "documents": len(i.documents), "events": i.events}
             for i in self.institutions],
            columns=["name", "aliases", "documents", "events"],
        )
        renamed = {f: (f"document_{f}" if f in EVENT_COLUMNS else f) for f in self.fields}
        columns = ["document", *renamed.values(), *EVENT_COLUMNS[1:]]
        events = pd.DataFrame(
            [{"document": e.document, **{renamed[f]: e.fields.get(f) for f in self.fields}, "type": e.type,
              "agreement": e.agreement, "parties": e.parties, "signatories": e.signatories, "date": e.date,
              "date_text": e.date_text, "evidence": [list(s) for s in e.evidence], "evidence_text": e.evidence_text}
             for e in self.events],
            columns=columns,
        )
        edges = pd.DataFrame(
            [{"source": e.source, "target": e.target, "events": e.events, "types": _types_text(e.types),
              "documents": len(e.documents)} for e in self.edges],
            columns=["source", "target", "events", "types", "documents"],
        )
        return Frames(institutions, events, edges)

    def to_networkx(self, isolated: bool = False):
        """An undirected ``networkx.Graph``: institutions that are party to an event
        (every institution with ``isolated=True``), with their aliases, documents and
        events as node attributes; edges carry events, types and their most frequent
        type (``main_type``). Attributes are plain strings and numbers so that the
        graph writes as GraphML."""
        import networkx as nx

        graph = nx.Graph()
        for inst in self.institutions:
            if isolated or inst.events:
                graph.add_node(inst.name, aliases="|".join(inst.aliases), documents=len(inst.documents),
                               events=inst.events)
        for e in self.edges:
            graph.add_edge(e.source, e.target, events=e.events, weight=e.events, types=_types_text(e.types),
                           main_type=_main_type(e.types), documents=len(e.documents))
        return graph


def build(documents: Iterable) -> Network:
    """The network of ``documents``: ``medcoop.extract`` results as ``(id, document)``
    pairs, ``to_dict()`` dicts with an ``"id"`` (and ``"fields"``, ``"text"`` when
    known), or the lines of a job's ``documents.jsonl``."""
    records = list(as_records(documents))
    resolution = resolve((r["id"], names_of(r)) for r in records)
    by_name = {i.name: i for i in resolution.institutions}
    fields: list[str] = []
    events: list[NetworkEvent] = []
    for record in records:
        doc_id = record["id"]
        fields += [f for f in record["fields"] if f not in fields]
        for ev in record["events"]:
            parties = list(dict.fromkeys(resolution.canonical(doc_id, party_name(p)) for p in ev.get("parties", [])))
            signatories = [
                {"name": s["name"], "posts": list(s.get("posts") or []),
                 "party": resolution.canonical(doc_id, s["party"]) if s.get("party") else None}
                for s in ev.get("signatories", [])
            ]
            events.append(NetworkEvent(
                doc_id, ev["type"], ev.get("agreement", ""), parties, signatories, ev.get("date"), ev.get("date_text"),
                [tuple(s) for s in ev.get("evidence", [])], list(ev.get("evidence_text", [])), dict(record["fields"]),
            ))
    counts = Counter(p for e in events for p in e.parties)
    for name, n in counts.items():
        if name not in by_name:  # a party the resolver was not given (never happens for records it was)
            by_name[name] = Institution(name)
        by_name[name].events = n
    institutions = sorted(by_name.values(), key=lambda i: i.name)
    return Network(institutions, events, _edges(events), fields)


def _edges(events: list[NetworkEvent]) -> list[Edge]:
    edges: dict[tuple[str, str], Edge] = {}
    for event in events:
        for i, a in enumerate(event.parties):
            for b in event.parties[i + 1:]:
                pair = (min(a, b), max(a, b))
                edge = edges.setdefault(pair, Edge(*pair))
                edge.events += 1
                edge.types[event.type] = edge.types.get(event.type, 0) + 1
                if event.document not in edge.documents:
                    edge.documents.append(event.document)
    return [edges[pair] for pair in sorted(edges)]


def _types_text(types: dict[str, int]) -> str:
    return "|".join(f"{t}:{n}" for t, n in sorted(types.items(), key=lambda kv: (-kv[1], kv[0])))


def _main_type(types: dict[str, int]) -> str:
    return min(types.items(), key=lambda kv: (-kv[1], kv[0]))[0] if types else ""
