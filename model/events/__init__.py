"""Cooperation events: people with their posts, agreements, parties, signatories, dates.

:func:`extract` scores the candidates of an article with the learnt event scorer
(:mod:`medcoop.events.scorer`) shipped with the model; :func:`medcoop.events.rules.extract`
is the rules alone, kept as a baseline and as the scorer's features.
"""

from medcoop.events.extractor import Party, extract, extract_document, extract_many, scorer_for
from medcoop.events.people import Person, Post, canonical_institutions
from medcoop.events.rules import AGREEMENT_TYPES, Document, Event, Signatory, agreement_type, extract_from_entities
from medcoop.events.scorer import EventScorer

__all__ = [
    "extract", "extract_many", "extract_document", "extract_from_entities", "scorer_for", "Document", "Event",
    "Party", "Signatory", "EventScorer", "AGREEMENT_TYPES", "agreement_type", "Person", "Post", "canonical_institutions",
]
