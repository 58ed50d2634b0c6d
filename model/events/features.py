"""Candidates of an article's events and their features.

Three kinds of candidate, each scored by a learnt model (:mod:`medcoop.events.scorer`):

* ``type``: an agreement type the article has AGR mentions of - is it an event?
* ``party``: an institution (all its mentions, under its fullest name) or a bare place -
  did it enter an agreement?
* ``signer``: a person - did they sign?

The rules of :mod:`medcoop.events.rules` are features here (``rule_*``), next to the
cues they were built from (connector chains, venue, organiser and witness words,
distances, the headline), so the scorer learns how far to trust each one. Every
feature is a number in about [0, 1]; a feature that did not fire is absent.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from medcoop.entity import Entity
from medcoop.events.lexicon import lexicon, words
from medcoop.events.rules import Event, _CONNECTOR, _DESCRIPTOR, _signing_clauses, agreement_type
from medcoop.events.view import ArticleView

__all__ = ["Candidate", "type_candidates", "party_candidates", "signer_candidates", "self_institution"]

KINDS = ("type", "party", "signer")


@dataclass
class Candidate:
    kind: str  # "type", "party" or "signer"
    key: str  # the agreement type, the institution's canonical name, the person's name
    mentions: list[Entity]
    features: dict[str, float] = field(default_factory=dict)


def _log(n: float, scale: float = 3.0) -> float:
    return min(1.0, math.log1p(n) / scale)


def _clauses(view: ArticleView, sentence: tuple[int, int]) -> list[tuple[int, int]]:
    start, end = sentence
    bounds = [start] + [start + m.end() for m in re.finditer(r"[,，;；:：]", view.text[start:end])] + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _clause_of(view: ArticleView, pos: int) -> tuple[int, int]:
    for clause in _clauses(view, view.sentence_of(pos)):
        if clause[0] <= pos < clause[1]:
            return clause
    return pos, pos + 1


def _agreements(view: ArticleView) -> list[Entity]:
    return [e for e in view.entities if e.label == "AGR" and len(e.normalized) > 1]


def _is_event_sentence(view: ArticleView, sentence: tuple[int, int]) -> bool:
    return sentence == view.headline or bool(words("signing").search(view.gap(*sentence)))


def type_candidates(view: ArticleView, rule_events: list[Event]) -> list[Candidate]:
    agreements = _agreements(view)
    by_type: dict[str, list[Entity]] = {}
    for agr in agreements:
        by_type.setdefault(agreement_type(agr.normalized), []).append(agr)
    rule_types = {ev.type for ev in rule_events}
    length = max(1, len(view.text))
    found = []
    for kind, mentions in by_type.items():
        sentences = {view.sentence_of(m.start) for m in mentions}
        cleans = [view.gap(*s) for s in sentences]
        f = {
            f"type={kind}": 1.0,
            "rule_event": float(kind in rule_types),
            "in_headline": float(view.headline in sentences),
            "mentions": _log(len(mentions)),
            "share_of_agreements": len(mentions) / len(agreements),
            "types_in_article": _log(len(by_type) - 1),
            "signing_sentence": float(any(words("signing").search(c) for c in cleans)),
            "sign_verb_sentence": float(any(words("sign_verbs").search(c) for c in cleans)),
            "unveiling_sentence": float(any(words("unveiling").search(c) for c in cleans)),
            "only_plans": float(all(words("plan").search(c) for c in cleans)),
            "meeting_sentence": float(any(words("meeting").search(c) for c in cleans)),
            "only_descriptors": float(all(_DESCRIPTOR.match(m.normalized) for m in mentions)),
            "with_institutions": float(any(sum(e.label == "INST" for e in view.inside(s)) >= 2 for s in sentences)),
            "first_position": mentions[0].start / length,
            "longest_mention": min(1.0, max(len(m.normalized) for m in mentions) / 12),
            "tagger_confidence": max(m.score for m in mentions),
        }
        found.append(Candidate("type", kind, mentions, {k: v for k, v in f.items() if v}))
    return found


def self_institution(view: ArticleView) -> str | None:
    """The institution an article means by 我院 / 我校 (the round-2 convention): the one
    its source line names, else its most mentioned hospital (院) or school (校)."""
    insts = [e for e in view.with_places if e.label == "INST"]
    if not insts or not words("self_reference").search(view.norm.clean):
        return None
    for line_start, line_end in view.sentences[:12]:
        line = view.gap(line_start, line_end)
        if words("source_line").search(line[:6]):
            named = view.inside((line_start, line_end), insts)
            if named:
                return view.name(named[0])
    self_words = "".join(words("self_reference").findall(view.norm.clean))
    wanted = "校" if "校" in self_words else "院"
    counts: dict[str, int] = {}
    for e in insts:
        name = view.name(e)
        if (wanted == "校" and re.search("大学|学院|学校", name)) or (wanted == "院" and name.endswith("院")):
            counts[name] = counts.get(name, 0) + 1
    return max(counts, key=counts.get) if counts else None


def party_candidates(view: ArticleView, rule_events: list[Event]) -> list[Candidate]:
    by_name: dict[str, list[Entity]] = {}
    for e in view.with_places:
        if e.label == "INST":
            by_name.setdefault(view.name(e), []).append(e)
    rule_parties = {p for ev in rule_events for p in ev.parties}
    rule_signer_parties = {s.party for ev in rule_events for s in ev.signatories if s.party}
    agreements = _agreements(view)
    event_sentences = {s for s in (view.sentence_of(a.start) for a in agreements) if _is_event_sentence(view, s)}
    self_name = self_institution(view)
    self_in_event = any(words("self_reference").search(view.gap(*s)) for s in event_sentences)
    signers = {s.name for ev in rule_events for s in ev.signatories}
    signer_institutions = {p.institution for p in view.people if p.name in signers and p.institution}
    length = max(1, len(view.text))
    first_event_sentence = min(event_sentences, default=None)
    found = []
    for name, mentions in by_name.items():
        is_place = all(m.score == 0.0 for m in mentions)
        sentences = [view.sentence_of(m.start) for m in mentions]
        f = {
            "rule_party": float(name in rule_parties),
            "rule_signer_party": float(name in rule_signer_parties),
            "signer_institution": float(name in signer_institutions),
            "in_headline": float(view.headline in sentences),
            "mentions": _log(len(mentions)),
            "in_event_sentence": float(any(s in event_sentences for s in sentences)),
            "in_first_event_sentence": float(first_event_sentence in sentences),
            "event_sentences": _log(len(set(sentences) & event_sentences), 2),
            "part_of_another": float(any(o != name and name.startswith(o) for o in by_name)),
            "in_agreement_sentence": float(any(view.sentence_of(a.start) in sentences for a in agreements)),
            "in_chain": float(any(_in_chain(view, m) for m, s in zip(mentions, sentences) if s in event_sentences)),
            "before_signing_in_clause": float(any(_signing_after_in_clause(view, m) for m in mentions)),
            "near_agreement": float(any(_distance(m, a) <= 15 for m in mentions for a in agreements)),
            "agreement_distance": _log(min((_distance(m, a) for m in mentions for a in agreements), default=9999), 9),
            "employer_share": sum(_is_employer(view, m) for m in mentions) / len(mentions),
            "venue": float(any(words("venue_before").search(view.gap(max(s[0], m.start - 3), m.start)) for m, s in zip(mentions, sentences))),
            "organiser": float(any(re.search("由$", view.gap(max(s[0], m.start - 2), m.start))
                                   and words("organiser_after").match(view.gap(m.end, m.end + 4)) for m, s in zip(mentions, sentences))),
            "witness_clause": float(all(_witness_clause(view, m) for m in mentions)),
            "place": float(is_place),
            "government": float("政府" in name),
            "party_committee": float(bool(re.search("[党市县区省州]委$|党工委$", name))),
            "hospital": float(bool(re.search("医院$|卫生院$|保健院$|[^学]院$", name))),
            "university": float(bool(re.search("大学|学院$|学校$", name))),
            "health_authority": float(bool(re.search("卫健委|卫生健康|卫生局|卫计|卫生厅|管理局", name))),
            "company": float(bool(re.search("公司|集团", name))),
            "media": float(name.endswith(tuple(lexicon()["media_suffixes"]))),
            "self_reference": float(name == self_name and self_in_event),
            "first_position": mentions[0].start / length,
            "candidates": _log(len(by_name)),
            "name_length": min(1.0, len(name) / 15),
        }
        found.append(Candidate("party", name, mentions, {k: v for k, v in f.items() if v}))
    return found


def signer_candidates(view: ArticleView, rule_events: list[Event], party_names: set[str]) -> list[Candidate]:
    rule_signers = {s.name for ev in rule_events for s in ev.signatories}
    signing_people = set()
    for start, end in view.sentences:
        in_sentence = view.inside((start, end))
        for _, _, names in _signing_clauses(view.text, start, end, in_sentence, view.gap):
            signing_people.update(e.normalized for e in names)
    by_name = {p.name: p for p in view.people}
    mentions_of: dict[str, list[Entity]] = {}
    for e in view.entities:
        if e.label == "PER" and e.normalized in by_name:
            mentions_of.setdefault(e.normalized, []).append(e)
    found = []
    for name, person in by_name.items():
        mentions = mentions_of.get(name, [])
        if not mentions:
            continue
        clauses = [view.gap(*_clause_of(view, m.start)) for m in mentions]
        sentences = [view.gap(*view.sentence_of(m.start)) for m in mentions]
        f = {
            "rule_signer": float(name in rule_signers),
            "signing_clause_rule": float(name in signing_people),
            "sign_verb_clause": float(any(words("sign_verbs").search(c) for c in clauses)),
            "sign_verb_sentence": float(any(words("sign_verbs").search(s) for s in sentences)),
            "not_signing_clause": float(all(words("not_signing").search(c) for c in clauses)),
            "witness_sentence": float(any(words("witness").search(s) for s in sentences)),
            "representing": float(any(words("representing").search(c) for c in clauses)),
            "posts": _log(len(person.posts), 2),
            "institution": float(person.institution is not None),
            "institution_is_party": float(person.institution in party_names),
            "mentions": _log(len(mentions)),
            "people_in_sentence": _log(max(sum(e.label == "PER" for e in view.inside(view.sentence_of(m.start))) for m in mentions)),
            "byline": float(any(words("source_line").search(view.gap(max(0, m.start - 4), m.start)) for m in mentions)),
            "one_character": float(len(name) == 1),
        }
        found.append(Candidate("signer", name, mentions, {k: v for k, v in f.items() if v}))
    return found


def _distance(a: Entity, b: Entity) -> int:
    return max(0, b.start - a.end, a.start - b.end)


def _in_chain(view: ArticleView, m: Entity) -> bool:
    """Joined to another institution by 与/和/、 (``A与B签署``)."""
    insts = [e for e in view.inside(view.sentence_of(m.start)) if e.label == "INST"]
    k = next((i for i, e in enumerate(insts) if e.start == m.start), None)
    if k is None:
        return False
    before = k > 0 and _CONNECTOR.match(view.gap(insts[k - 1].end, m.start))
    after = k + 1 < len(insts) and _CONNECTOR.match(view.gap(m.end, insts[k + 1].start))
    return bool(before or after)


def _signing_after_in_clause(view: ArticleView, m: Entity) -> bool:
    clause = _clause_of(view, m.start)
    return bool(words("signing").search(view.gap(m.end, clause[1])))


def _is_employer(view: ArticleView, m: Entity) -> bool:
    following = [e for e in view.with_places if e.start >= m.end][:1]
    return bool(following) and following[0].label in ("ROLE", "PER") and view.gap(m.end, following[0].start) in ("", "的")


def _witness_clause(view: ArticleView, m: Entity) -> bool:
    clause = view.gap(*_clause_of(view, m.start))
    return bool(words("witness").search(clause)) and not words("sign_verbs").search(clause)
