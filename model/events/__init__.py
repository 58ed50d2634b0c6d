"""Cooperation events: people with their posts, agreements, parties, signatories, dates."""

from medcoop.events.people import Person, Post, canonical_institutions
from medcoop.events.rules import AGREEMENT_TYPES, Document, Event, Signatory, agreement_type, extract, extract_from_entities

__all__ = [
    "extract", "extract_from_entities", "Document", "Event", "Signatory", "AGREEMENT_TYPES", "agreement_type",
    "Person", "Post", "canonical_institutions",
]
