"""People and their posts, read from the patterns Chinese news writes them in.

* ``衡水市卫生健康委党组书记、主任王凤鸣``: institution, posts joined by 、/兼, name;
* ``中国科学院院士、中山大学医学部主任、…院长宋尔卫``: several institution + post groups;
* ``北京中医药大学东直门医院新任院长王勇``: status words (新任, 时任, 原, 代) between;
* ``记者 刘永胜``: bylines;
* ``王院长``: a surname before a post, linked to the full name when only one person fits.

A person mentioned several times is one record; the rules look only at the tagged
entities and the few characters between them, so they are cheap and predictable.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from medcoop.entity import Entity
from medcoop.events.names import canonical_names

__all__ = ["Post", "Person", "link_people", "canonical_institutions"]

# What may stand between the parts of "INST ROLE、ROLE NAME" (after normalisation).
_BETWEEN_POSTS = re.compile(r"^\s*(、|,|，|兼|/|及|和)?\s*(新任|时任|原任?|前任?|代理?|首任|现任)?\s*$")
_BEFORE_POST = re.compile(r"^\s*(的)?\s*(新任|时任|原任?|前任?|代理?|首任|现任)?\s*$")
_BEFORE_NAME = re.compile(r"^\s*$")


@dataclass
class Post:
    title: str
    institution: str | None = None


@dataclass
class Person:
    """One person of a text: normalised name, every mention, every post given."""

    name: str
    mentions: list[tuple[int, int]] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    institution: str | None = None  # the one the text ties them to first (a post's, or 华山医院周良辅)

    def add_post(self, post: Post) -> None:
        if all((p.title, p.institution) != (post.title, post.institution) for p in self.posts):
            # A post first seen without its institution gains it, rather than doubling.
            for p in self.posts:
                if p.title == post.title and p.institution is None and post.institution:
                    p.institution = post.institution
                    return
            if post.institution is None and any(p.title == post.title for p in self.posts):
                return
            self.posts.append(post)

    def to_dict(self) -> dict:
        return asdict(self)


def canonical_institutions(entities: list[Entity], normalized_gap=None) -> dict[str, str]:
    """Map each INST's normalised form to the fullest name the text uses for it
    (``市中医院`` -> ``威海市中医院``); see :mod:`medcoop.events.names`."""
    return canonical_names(entities, normalized_gap)


def link_people(entities: list[Entity], normalized_gap) -> list[Person]:
    """People of a text from its ``entities`` (sorted); ``normalized_gap(a, b)`` is the
    normalised raw text between offsets a and b."""
    canonical = canonical_institutions(entities, normalized_gap)
    people: dict[str, Person] = {}
    for i, e in enumerate(entities):
        if e.label != "PER":
            continue
        person = people.setdefault(e.normalized, Person(e.normalized))
        person.mentions.append((e.start, e.end))
        posts = _posts_before(entities, i, normalized_gap, canonical)
        employer = _employer_before(entities, i, normalized_gap, canonical) if not posts else None
        for post in posts + _posts_after(entities, i, normalized_gap):
            person.add_post(Post(post.title, post.institution or employer))
        if person.institution is None:
            person.institution = next((p.institution for p in person.posts if p.institution), employer)
    return _merge_surnames(list(people.values()))


def _posts_before(entities, i, gap, canonical) -> list[Post]:
    """Walk back from the name over ``[INST] ROLE (、 [INST] ROLE)*``."""
    posts: list[Post] = []
    j = i - 1
    boundary = _BEFORE_NAME
    while j >= 0 and entities[j].label == "ROLE" and boundary.match(gap(entities[j].end, entities[j + 1].start)):
        role = entities[j]
        institution = None
        if j >= 1 and entities[j - 1].label == "INST" and _BEFORE_POST.match(gap(entities[j - 1].end, role.start)):
            institution = canonical.get(entities[j - 1].normalized, entities[j - 1].normalized)
            j -= 1
        posts.insert(0, Post(role.normalized, institution))
        j -= 1
        boundary = _BETWEEN_POSTS
    # Posts without their own institution share the one of the group before them.
    for k in range(1, len(posts)):
        if posts[k].institution is None:
            posts[k].institution = posts[k - 1].institution
    return posts


def _employer_before(entities, i, gap, canonical) -> str | None:
    """``复旦大学附属华山医院周良辅院士``, ``乌什县人民医院邓志斌院长``: an institution
    written right before the name."""
    if i >= 1 and entities[i - 1].label == "INST" and gap(entities[i - 1].end, entities[i].start) == "":
        return canonical.get(entities[i - 1].normalized, entities[i - 1].normalized)
    return None


def _posts_after(entities, i, gap) -> list[Post]:
    """``王院长``, ``许德峰副院长``: a post written right after the name."""
    if i + 1 < len(entities) and entities[i + 1].label == "ROLE" and gap(entities[i].end, entities[i + 1].start) == "":
        return [Post(entities[i + 1].normalized)]
    return []


def _merge_surnames(people: list[Person]) -> list[Person]:
    """A one-character name (王 in 王院长) joins the one full name starting with it
    that holds the same post, when there is exactly one."""
    full = [p for p in people if len(p.name) > 1]
    kept = []
    for p in people:
        if len(p.name) == 1:
            titles = {post.title for post in p.posts}
            match = [f for f in full if f.name.startswith(p.name) and titles & {post.title for post in f.posts}]
            if len(match) == 1:
                match[0].mentions.extend(p.mentions)
                match[0].mentions.sort()
                continue
        kept.append(p)
    return kept
