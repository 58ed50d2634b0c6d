"""Events assembled from scored candidates: the learnt extractor behind ``extract()``.

The rules (:mod:`medcoop.events.rules`) propose events with their parties and
signatories; the learnt scorer (:mod:`medcoop.events.scorer`) then decides which
agreement types are events, which institutions are parties and which people signed,
from features that include the rules' own choices. Accepted parties and signers the
rules did not place join the event whose sentences mention them (else the nearest
agreement mention). Each party keeps its canonical name, the raw offsets of the
mentions it came from, its score and the features that decided it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator

from medcoop.entity import Entity
from medcoop.events.features import Candidate, party_candidates, self_institution, signer_candidates, type_candidates
from medcoop.events.lexicon import words
from medcoop.events.rules import Document, Event, Party, Signatory, _event_date, _party_of, rule_events
from medcoop.events.scorer import EventScorer
from medcoop.events.view import ArticleView, build_view

__all__ = ["Party", "extract", "extract_many", "extract_events", "extract_document", "scorer_for", "signer_party"]


def scorer_for(tagger) -> EventScorer | None:
    """The event scorer to use with ``tagger``: the one saved in its model folder, else
    the one shipped with the accurate model (any tagger's entities will do), else None
    (the rules alone). Loaded once per folder."""
    from medcoop.tagging.tagger import SHIPPED_MODEL

    for folder in (getattr(tagger, "folder", None), SHIPPED_MODEL):
        if folder is not None:
            key = str(folder)
            if key not in _SCORERS:
                _SCORERS[key] = EventScorer.load(folder)
            if _SCORERS[key] is not None:
                return _SCORERS[key]
    return None


_SCORERS: dict[str, EventScorer | None] = {}


def extract(text: str, tagger) -> Document:
    """Tag ``text`` with ``tagger`` and read its people and events (learnt when a scorer
    ships with the tagger or the package)."""
    return extract_document(text, tagger.tag(text), scorer_for(tagger))


def extract_many(texts: Iterable[str], tagger, batch_size: int | None = None, progress: bool = False) -> Iterator[Document]:
    """:func:`extract` over many texts, in input order, tagging them in batches."""
    texts = iter(texts) if not isinstance(texts, str) else texts
    scorer = scorer_for(tagger)
    pending: deque[str] = deque()  # texts read by tag_many and not yet extracted

    def remember(stream):
        for text in stream:
            pending.append(text)
            yield text

    for entities in tagger.tag_many(remember(texts), batch_size=batch_size, progress=progress):
        yield extract_document(pending.popleft(), entities, scorer)


def extract_document(text: str, entities: list[Entity], scorer: EventScorer | None) -> Document:
    """People and events of ``text`` from its tagged ``entities``: learnt when a scorer
    is given, else by the rules alone."""
    view = build_view(text, entities)
    return Document(text, view.entities, view.people, extract_events(view, scorer))


def extract_events(view: ArticleView, scorer: EventScorer | None) -> list[Event]:
    events = rule_events(view)
    if scorer is None:
        return [_with_parties(view, ev, {}) for ev in events]
    types = {c.key: c for c in type_candidates(view, events)}
    accepted_types = set(_accepted(scorer, types))
    events = [ev for ev in events if ev.type in accepted_types]
    for kind in sorted(accepted_types - {ev.type for ev in events}, key=lambda k: types[k].mentions[0].start):
        events.append(_new_event(view, types[kind]))
    if not events:
        return []

    parties = {c.key: c for c in party_candidates(view, events)}
    accepted = _accepted(scorer, parties)
    for ev in events:
        ev.parties = [p for p in ev.parties if p in accepted]
    placed = {p for ev in events for p in ev.parties}
    for name, c in sorted(accepted.items(), key=lambda kv: kv[1].mentions[0].start):
        if name not in placed:
            _nearest_event(view, events, c.mentions).parties.append(name)

    signers = {c.key: c for c in signer_candidates(view, events, set(accepted))}
    chosen = set(_accepted(scorer, signers))
    people = {p.name: p for p in view.people}
    for ev in events:
        ev.signatories = [s for s in ev.signatories if s.name in chosen]
    listed = {s.name for ev in events for s in ev.signatories}
    for name in sorted(chosen - listed, key=lambda n: signers[n].mentions[0].start):
        ev = _nearest_event(view, events, signers[name].mentions)
        ev.signatories.append(Signatory(name, None, [p.title for p in people[name].posts]))
    for ev in events:
        for s in ev.signatories:
            s.party = signer_party(view, people[s.name], ev.parties) if s.name in people else s.party
    details = {name: (scorer.kinds["party"].probability(c.features), scorer.kinds["party"].explain(c.features), c.mentions)
               for name, c in accepted.items()}
    return [_with_parties(view, ev, details) for ev in events]


def signer_party(view: ArticleView, person, parties: list[str]) -> str | None:
    """The party a signer signed for: their institution (or the party it names, 开化县委
    for 开化县人民政府), else the one party their post belongs to (a 区长 signs for the
    government, a 院长 for a hospital), else the party named closest before them in
    their sentence, else the article's own institution when it is a party (我院 signs)."""
    if person.institution:
        return _party_of(person.institution, parties)
    for post in person.posts:
        kind = next((pattern for suffix, pattern in _POST_FITS.items() if post.title.endswith(suffix)), None)
        fitting = [p for p in parties if kind is not None and kind.search(p)]
        if len(fitting) == 1:
            return fitting[0]
    for start, _ in person.mentions:
        sentence = view.sentence_of(start)
        before = [e for e in view.inside((sentence[0], start)) if e.label == "INST" and view.name(e) in parties]
        if before:
            return view.name(before[-1])
    own = self_institution(view)
    return own if own in parties else None


# The kind of institution a post heads, by how the post ends: 县长 -> a government.
_GOVERNMENT = re.compile("政府|[省市县区州镇乡旗]$")
_POST_FITS = {
    **{f"{level}长": _GOVERNMENT for level in "省市县区州镇乡旗"},
    "院长": re.compile("院$"), "校长": re.compile("大学|学院|学校"), "局长": re.compile("局$"),
    "厅长": re.compile("厅$"), "董事长": re.compile("公司|集团"), "总裁": re.compile("公司|集团"),
}


def _accepted(scorer: EventScorer, candidates: dict[str, Candidate]) -> dict[str, Candidate]:
    if not candidates:
        return {}
    kind = next(iter(candidates.values())).kind
    verdicts = scorer.kinds[kind].accept([c.features for c in candidates.values()])
    return {k: c for (k, c), ok in zip(candidates.items(), verdicts) if ok}


def _new_event(view: ArticleView, candidate: Candidate) -> Event:
    mentions = candidate.mentions
    best = max(mentions, key=lambda m: len(m.normalized))
    event = Event(candidate.key, best.text, (best.start, best.end))
    sentences = sorted({view.sentence_of(m.start) for m in mentions})
    signing = [s for s in sentences if s == view.headline or words("signing").search(view.gap(*s))]
    event.evidence = signing or sentences[:1]
    event.date, event.date_text = _event_date(event, view.sentences, view.gap, view.reference)
    return event


def _nearest_event(view: ArticleView, events: list[Event], mentions: list[Entity]) -> Event:
    """The event whose sentences mention one of ``mentions``, else the one whose
    agreement is nearest."""
    sentences = {view.sentence_of(m.start) for m in mentions}
    for ev in events:
        if sentences & set(ev.evidence):
            return ev
    return min(events, key=lambda ev: min(abs(ev.agreement_span[0] - m.start) for m in mentions))


def _with_parties(view: ArticleView, event: Event, details: dict) -> Event:
    """The event with :class:`Party` records instead of bare names."""
    parties = []
    for name in event.parties:
        score, why, mentions = details.get(name, (None, {}, None))
        if mentions is None:
            mentions = [e for e in view.with_places if e.label == "INST" and view.name(e) == name]
        parties.append(Party(name, [(m.start, m.end) for m in mentions], None if score is None else round(score, 4), why))
    event.parties = parties
    return event

