"""Cooperation events: who entered which agreement, signed by whom, when.

Rules over the tagged entities and sentence structure (measured against the gold
events of annotations/events.jsonl; see BENCHMARKS.md):

1. every AGR mention in a sentence with a signing or founding verb, or in the
   headline, anchors an event of its canonical type (:data:`AGREEMENT_TYPES`);
   mentions of one type belong to one event unless they name other parties;
   partnership descriptors (校地合作, 区校共建) join an event found otherwise;
2. the parties are the chain of INST mentions joined by 与/和/、… closest before
   the agreement (or the verb), leaving out venues (在…), organisers (由…主办) and
   the employers of people named in the sentence; the headline supplies them
   when the sentence names none;
3. signatories are the people of sentences that say 签字/签署/签订/代表…, with
   the posts and institution :mod:`medcoop.events.people` reads for them;
4. the date is the sentence's date made ISO with the article's year.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from medcoop.text.dates import find_date, is_date_line, iso_date
from medcoop.constants import CJK_BASIC
from medcoop.entity import Entity
from medcoop.text.normalize import normalize
from medcoop.events.lexicon import lexicon
from medcoop.events.people import Person

__all__ = ["AGREEMENT_TYPES", "agreement_type", "Party", "Signatory", "Event", "Document", "extract", "extract_from_entities",
           "rule_events"]

# Canonical agreement types, tried in order (data/lexicon.json): the first with a word in
# the (normalised) AGR mention wins, so specific kinds come before general ones.
AGREEMENT_TYPES: list[tuple[str, str]] = [
    (name, "|".join(map(re.escape, terms))) for name, terms in lexicon()["agreement_types"]
]

_SIGNING = re.compile(r"签署|签订|签约|签字|签下|揭牌|授牌|挂牌|成立|组建|建立|加入|加盟|结为|缔结|达成|启动|举行|携手|牵手|共建|合作")
# A bare place that signs (长兴县 in 浙医一院与长兴县签署…): not an entity (places are
# O in the guideline) but a party; found only between connectors and verbs.
_PLACE = re.compile(
    rf"(?:(?<=^)|(?<=[与和同、,，日]))([{CJK_BASIC}]{{1,6}}?(?:省|市|县|区|自治州|州|旗))"
    r"(?=与|和|同|、|签署|签订|签约|举行|共建|开展|正式|携手|达成|共同|日前|近日|今天|昨天|在|于|\d|副?[市县区州]长|[市县区]委)"
)
_CONNECTOR = re.compile(r"^\s*(与|和|同|及|以及|跟|、|,|，|/|暨|、以及)?\s*$")
_VENUE = re.compile(r"(在|于|位于|来到|走进|赴)\s*$")
# 校地合作, 区校共建, 银医合作: who partners with whom (a school and a locality), not
# which agreement - EVENTS.md counts such talk as part of the event it describes.
_DESCRIPTOR = re.compile(r"^[校院医区地政企银军市县省部厅局][校院医区地政企银军市县省部厅局](合作|共建)(协议书?|项目)?$")
_ORGANISER = re.compile(r"^\s*(主办|承办|指导|见证|支持)")


def agreement_type(agreement: str) -> str:
    """Canonical type of an agreement mention.

    >>> agreement_type("战略合作协议"), agreement_type("医联体"), agreement_type("银医合作")
    ('strategic_cooperation_agreement', 'medical_alliance', 'cooperation_agreement')
    """
    for name, pattern in AGREEMENT_TYPES:
        if re.search(pattern, agreement):
            return name
    return "other"


@dataclass
class Signatory:
    name: str
    party: str | None
    posts: list[str]


@dataclass
class Party:
    """An institution (or a bare place) that entered an agreement."""

    name: str  # the fullest name the article uses, normalised (simplified, no noise)
    mentions: list[tuple[int, int]] = field(default_factory=list)  # raw offsets of its mentions
    score: float | None = None  # the scorer's probability; None from the rules alone
    why: dict[str, float] = field(default_factory=dict)  # feature -> contribution to the score


@dataclass
class Event:
    type: str
    agreement: str  # the most specific AGR mention, as written
    agreement_span: tuple[int, int]
    parties: list[Party] = field(default_factory=list)  # names (str) only while the event is assembled
    signatories: list[Signatory] = field(default_factory=list)
    date: str | None = None  # ISO (YYYY-MM-DD, YYYY-MM or YYYY) or None
    date_text: str | None = None  # the date expression as the text gives it (normalised)
    evidence: list[tuple[int, int]] = field(default_factory=list)  # sentence offsets in the raw text


@dataclass
class Document:
    """What :func:`medcoop.extract` returns for one raw text."""

    text: str
    entities: list[Entity]
    people: list[Person]
    events: list[Event]

    def to_dict(self) -> dict:
        return {
            "entities": [e.to_dict() for e in self.entities],
            "people": [p.to_dict() for p in self.people],
            "events": [asdict(ev) for ev in self.events],
        }


def extract(text: str, tagger) -> Document:
    """Tag ``text`` with ``tagger`` and read its people and events by the rules alone."""
    return extract_from_entities(text, tagger.tag(text))


def extract_from_entities(text: str, entities: list[Entity]) -> Document:
    """People and events from already tagged entities, by the rules alone (the learnt
    extractor is :func:`medcoop.events.extract`)."""
    from medcoop.events.extractor import extract_document

    return extract_document(text, entities, None)


def rule_events(view) -> list[Event]:
    """The events the rules read from an :class:`~medcoop.events.view.ArticleView`."""
    text, gap, with_places, canonical = view.text, view.gap, view.with_places, view.canonical
    sentences, headline = view.sentences, view.headline
    events: list[Event] = []
    mentions = [e for e in view.entities if e.label == "AGR" and len(e.normalized) > 1]
    # Descriptors go last so that they can fold into the events the others found.
    mentions.sort(key=lambda e: bool(_DESCRIPTOR.match(e.normalized)))
    for agr in mentions:
        sentence = view.sentence_of(agr.start)
        clean_sentence = gap(*sentence)
        if sentence != headline and not _SIGNING.search(clean_sentence):
            continue
        kind = agreement_type(agr.normalized)
        in_sentence = [e for e in with_places if sentence[0] <= e.start and e.end <= sentence[1]]
        parties = [canonical.get(p, p) for p in _parties(in_sentence, agr, gap)]
        if _DESCRIPTOR.match(agr.normalized) and events:
            _fold_descriptor(events, parties, sentence)
            continue
        event = _event_for(events, kind, parties)
        if event is None:
            event = Event(kind, agr.text, (agr.start, agr.end))
            events.append(event)
        if len(agr.normalized) > len(normalize(event.agreement).clean):
            event.agreement, event.agreement_span = agr.text, (agr.start, agr.end)
        for p in parties:
            if p not in event.parties:
                event.parties.append(p)
        if sentence not in event.evidence:
            event.evidence.append(sentence)

    if events:
        _fill_from_headline(events, with_places, headline, gap, canonical)
        _add_signatories(text, events, with_places, view.people, sentences, gap)
        for event in events:
            event.date, event.date_text = _event_date(event, sentences, gap, view.reference)
            event.evidence.sort()
    return events


def _places(norm, entities: list[Entity]) -> list[Entity]:
    """Bare places acting as parties, as INST-like entities for the party rules;
    a place whose government the text names stands for that government."""
    taken = {i for e in entities for i in range(e.start, e.end)}
    governments = [e.normalized for e in entities if e.label == "INST" and "政府" in e.normalized]
    found = []
    for m in _PLACE.finditer(norm.clean):
        name = m.group(1)
        own = [g for g in governments if g.startswith(name)]
        place = norm.entity(m.start(1), m.end(1), "INST", 0.0, own[0] if len(own) == 1 else name)
        if place is None or any(i in taken for i in range(place.start, place.end)):
            continue
        found.append(place)
    return found


def _event_date(event: Event, sentences, gap, reference) -> tuple[str | None, str | None]:
    """``(date, date_text)``: the first date expression of the event's own sentences
    (a relative one such as 昨日 or 日前 included: 日前 there means the text does not say
    which day), else of the article's lead (news opens with ``11月8日,A与B…``, after a
    headline and page furniture; the page's date line dates the page, not the signing),
    made ISO with the article's date where it allows; without any, the article's own date."""
    own = [s for s in event.evidence if not is_date_line(gap(*s))]
    start = sentences[0][0] if sentences else 0
    lead = [s for s in sentences if s[0] - start < _LEAD_CHARS and s not in event.evidence and not is_date_line(gap(*s))]
    for group, vague in ((own, False), (own, True), (lead, False)):
        for sentence in group:
            clean = gap(*sentence)
            found = find_date(clean, vague=vague)
            if found:
                expression = clean[found[0]:found[1]]
                return iso_date(expression, reference), expression
    return (reference.isoformat(), None) if reference else (None, None)


def _parties(in_sentence: list[Entity], agr: Entity, gap) -> list[str]:
    """The INST chain closest before the agreement; else the first chain after it."""
    chains: list[list[Entity]] = []
    for i, e in enumerate(in_sentence):
        if e.label != "INST" or _is_employer(in_sentence, i, gap):
            continue
        if chains and chains[-1][-1] is in_sentence[i - 1] and _CONNECTOR.match(gap(in_sentence[i - 1].end, e.start)):
            chains[-1].append(e)
        else:
            chains.append([e])
    sentence_start = in_sentence[0].start if in_sentence else 0
    usable = [c for c in chains if not _is_venue_or_organiser(c, in_sentence, gap, sentence_start)]
    before = [c for c in usable if c[-1].end <= agr.start]
    after = [c for c in usable if c[0].start >= agr.end]
    chosen = max(before, key=len) if before and max(len(c) for c in before) > 1 else (before[-1] if before else None)
    if chosen is None or (len(chosen) == 1 and after and len(after[0]) > 1):
        chosen = after[0] if after else chosen
    return [e.normalized for e in chosen] if chosen else []


def _is_employer(entities: list[Entity], i: int, gap) -> bool:
    """An INST right before a post or a name is someone's employer, not a party."""
    nxt = entities[i + 1] if i + 1 < len(entities) else None
    return nxt is not None and nxt.label in ("ROLE", "PER") and gap(entities[i].end, nxt.start) in ("", "的")


def _is_venue_or_organiser(chain: list[Entity], in_sentence: list[Entity], gap, sentence_start: int) -> bool:
    first, last = chain[0], chain[-1]
    before = gap(max(sentence_start, first.start - 4), first.start)
    after_index = in_sentence.index(last) + 1
    after_end = in_sentence[after_index].start if after_index < len(in_sentence) else last.end + 6
    after = gap(last.end, min(after_end, last.end + 6))
    return bool(_VENUE.search(before) or (re.search(r"由\s*$", before) and _ORGANISER.match(after)))


def _fold_descriptor(events: list[Event], parties: list[str], sentence: tuple[int, int]) -> None:
    """A descriptor (校地合作) names the kind of partners, not a new agreement: it is
    a further mention of the event it shares a party with (else the first one), and
    brings its parties only when it shares one, lest the partners of another
    signing told in the same sentence join this event."""
    event = next((ev for ev in events if set(parties) & set(ev.parties)), events[0])
    if set(parties) & set(event.parties):
        event.parties.extend(p for p in parties if p not in event.parties)
    if sentence not in event.evidence:
        event.evidence.append(sentence)


def _event_for(events: list[Event], kind: str, parties: list[str]) -> Event | None:
    """The event these parties and this kind belong to: same kind, and either no
    parties known yet on one side or at least one party in common."""
    for event in events:
        if event.type == kind and (not parties or not event.parties or set(parties) & set(event.parties)):
            return event
    return None


def _fill_from_headline(events, entities, headline, gap, canonical) -> None:
    """Headlines name the parties most plainly (``A与B签署战略合作协议``)."""
    in_headline = [e for e in entities if headline[0] <= e.start and e.end <= headline[1]]
    for event in events:
        if len(event.parties) >= 2:
            continue
        agr = next((e for e in in_headline if e.label == "AGR" and agreement_type(e.normalized) == event.type), None)
        if agr is None and in_headline:
            agr = Entity(headline[1], headline[1], "AGR", "", 1.0, "")
        if agr is not None:
            for p in (canonical.get(p, p) for p in _parties(in_headline, agr, gap)):
                if p not in event.parties:
                    event.parties.append(p)


def _add_signatories(text, events, entities, people, sentences, gap) -> None:
    """People who sign: those in a clause with a signing verb, and those listed in
    the clauses just before it (``A党委副书记、副院长李刚,B…许德峰共同在协议上签字``);
    clauses about attending, witnessing or chairing do not count."""
    by_name = {p.name: p for p in people}
    for start, end in sentences:
        in_sentence = [e for e in entities if start <= e.start and e.end <= end]
        kinds = {agreement_type(e.normalized) for e in in_sentence if e.label == "AGR"}
        signers = []
        for _, _, names in _signing_clauses(text, start, end, in_sentence, gap):
            signers += names
        if not signers:
            continue
        event = next((ev for ev in events if ev.type in kinds), events[0])
        for e in signers:
            person = by_name.get(e.normalized)
            if person is None or any(s.name == person.name for s in event.signatories):
                continue
            event.signatories.append(
                Signatory(person.name, _party_of(person.institution, event.parties), [p.title for p in person.posts])
            )
        if (start, end) not in event.evidence:
            event.evidence.append((start, end))


# The lead (headline, date line, page furniture, first sentence or two) dates the signing
# a story is about.
_LEAD_CHARS = 300
_SIGN_VERB = re.compile(r"(签署|签订|签字|签下|签约)(?!仪式|暨|授牌|揭牌|活动)")
_NOT_SIGNING = re.compile(r"出席|参加|参会|见证|主持|致辞|讲话|陪同")
_LIST_FILLER = re.compile(rf"^[、和与及以及\s]*([{CJK_BASIC}]{{0,4}})?[、和与及以及\s]*$")


def _signing_clauses(text, start, end, in_sentence, gap):
    """``(start, end, PER entities)`` of the clauses of a sentence that sign."""
    bounds = [start] + [start + m.end() for m in re.finditer(r"[,，;；]", text[start:end])] + [end]
    clauses = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    found = []
    for k, (a, b) in enumerate(clauses):
        clean = gap(a, b)
        if not _SIGN_VERB.search(clean) or _NOT_SIGNING.search(clean):
            continue
        names = [e for e in in_sentence if a <= e.start < b and e.label == "PER"]
        j = k - 1
        while j >= 0 and _only_people(*clauses[j], in_sentence, gap):
            names = [e for e in in_sentence if clauses[j][0] <= e.start < clauses[j][1] and e.label == "PER"] + names
            j -= 1
        found.append((a, b, names))
    return found


def _only_people(a, b, in_sentence, gap) -> bool:
    """A clause that is nothing but ``[INST] ROLE … NAME`` items (a list of signers)."""
    inside = [e for e in in_sentence if a <= e.start and e.end <= b]
    if not any(e.label == "PER" for e in inside):
        return False
    bounds = [a] + [x for e in inside for x in (e.start, e.end)] + [b]
    leftover = "".join(gap(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)).strip(" ,，;；")
    return _LIST_FILLER.match(leftover) is not None


def _party_of(institution: str | None, parties: list[str]) -> str | None:
    """The event party a signer's institution stands for: itself, or the party it
    shares the longest prefix with (开化县委 signs for 开化县人民政府)."""
    if institution is None or institution in parties:
        return institution
    def shared(p: str) -> int:
        n = 0
        while n < min(len(p), len(institution)) and p[n] == institution[n]:
            n += 1
        return n
    best = max(parties, key=shared, default=None)
    return best if best is not None and shared(best) >= 2 else institution
