"""One canonical name per institution across a corpus.

Articles write one institution many ways: 威海市中醫(yī)院 (traditional, pinyin
noise), 威海市中医院, 市中医院 (a short form only its article can resolve),
衡水市人民医院(哈励逊国际和平医院) (an alternative name in brackets), 港中大 (an
abbreviation). :func:`resolve` groups the names of a corpus in three passes:

1. **written variants** share a key (:mod:`medcoop.network.names`: script, noise,
   variant characters, 人民政府 = 政府, 卫健委 = 卫生健康委员会) and are one name
   everywhere, with or without their leading place's 省/市 (上海卫健委, 上海市卫健委);
2. **inside an article**, a short form stands for the one fuller name of the
   same article it ends (市中医院 -> 威海市中医院), abbreviates (港中大 ->
   香港中文大学) or brands (华为 -> 华为技术有限公司); with two candidates it stays
   unresolved. A short form that only has meaning inside its article (市政府,
   人民医院, 我院) and stays unresolved is kept *in its article*: two articles'
   市政府 are two institutions;
3. **across articles**: bracketed alternatives join their name, a short form
   resolved to one and the same full name wherever its article resolves it joins
   that name in the articles that do not, a name that ends exactly one longer name
   of the corpus after a parent (华山医院, 复旦大学附属华山医院) joins it, and a name
   with lost characters joins the one name it fits (rapidfuzz finds candidates,
   the placeholder pattern decides).

Similar names alone never merge (威海市中医院 and 威海市中心医院 stay apart).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from medcoop.text.normalize import PLACEHOLDER

from medcoop.network.names import (
    abbreviates, ends_with, fits_garbled, has_legal_form_of, is_generic, is_relative, key, names_institution, placeless,
    split_alternative, surface,
)

__all__ = ["Institution", "Resolution", "resolve", "scoped_name"]

# What may stand before a name that ends a longer one for the two to be one
# institution across articles: a parent (复旦大学附属 华山医院, 中国医学科学院 北京协和医院).
_PARENT = re.compile(r"(附属|附设|大学|学院|科学院|研究院|省|自治区|集团)$")
_MIN_CROSS_SUFFIX = 4
_MAX_CARRIED = 4


@dataclass
class Institution:
    """One resolved institution: ``name`` (canonical, simplified), every form seen
    as written (``aliases``), the documents naming it, ``scope``: the one document
    its name means something in (市政府 left unresolved), else ``None``, and the
    number of ``events`` it is a party to (filled by :func:`medcoop.network.build`)."""

    name: str
    aliases: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    scope: str | None = None
    events: int = 0


@dataclass
class Resolution:
    """Result of :func:`resolve`: ``names[(doc_id, name as given)]`` is the canonical
    name; ``institutions`` are sorted by name."""

    names: dict[tuple[str, str], str]
    institutions: list[Institution]
    by_surface: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    def canonical(self, doc_id: str, name: str) -> str:
        """Canonical name of ``name`` in document ``doc_id``; a name the resolver was
        not given is looked up by its clean form, else returned cleaned."""
        found = self.names.get((doc_id, name))
        if found is None:
            clean = surface(name)
            found = self.by_surface.get((doc_id, clean), clean)
        return found

    def clusters(self) -> dict[str, list[tuple[str, str]]]:
        """``canonical name -> [(doc_id, name), ...]``: the grouping itself, for scoring."""
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for pair, name in self.names.items():
            out[name].append(pair)
        return dict(out)


def scoped_name(name: str, doc_id: str) -> str:
    """The canonical name of a short form kept inside its article: ``市政府 [x0012]``."""
    return f"{name} [{doc_id}]"


def resolve(documents: Iterable[tuple[str, Iterable[str | tuple[str, str]]]]) -> Resolution:
    """Resolve the institution names of a corpus: ``documents`` gives each
    document's id and its names as written (INST mentions, event parties); a pair
    ``(name, alternative)`` says the text writes ``name(alternative)``, the two
    tagged apart (衡水市人民医院 and 哈励逊国际和平医院).

    >>> r = resolve([("a", ["威海市中医院", "市中医院", "威海市中心医院"]), ("b", ["威海市中醫(yī)院"])])
    >>> r.canonical("a", "市中医院"), r.canonical("b", "威海市中醫(yī)院"), r.canonical("a", "威海市中心医院")
    ('威海市中医院', '威海市中医院', '威海市中心医院')
    """
    corpus = _Corpus()
    for doc_id, names in documents:
        corpus.add(str(doc_id), names)
    return corpus.resolve()


class _UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb, key=repr)] = min(ra, rb, key=repr)  # deterministic roots


class _Corpus:
    """The names of every document, then the three passes of the module docstring."""

    def __init__(self):
        self.written: dict[str, dict[str, str]] = {}  # doc -> written -> surface
        self.pairs: dict[str, list[tuple[str, str]]] = {}  # doc -> (main surface, alternative surface)
        self.order: list[str] = []

    def add(self, doc_id: str, names: Iterable[str | tuple[str, str]]) -> None:
        if doc_id not in self.written:
            self.written[doc_id] = {}
            self.pairs[doc_id] = []
            self.order.append(doc_id)
        seen = self.written[doc_id]
        for item in names:
            if isinstance(item, tuple):
                main, alternative = (self._add_name(seen, n) for n in item)
                if main and alternative and main != alternative and names_institution(alternative):
                    self.pairs[doc_id].append((main, alternative))
            else:
                self._add_name(seen, item)

    @staticmethod
    def _add_name(seen: dict[str, str], name) -> str:
        if not isinstance(name, str):
            raise TypeError(f"a name is a str or a (name, alternative) pair, not {type(name).__name__}: {name!r}")
        if name not in seen:
            clean = surface(name)
            if not clean:
                return ""
            seen[name] = clean
        return seen[name]

    def resolve(self) -> Resolution:
        uf = _UnionFind()
        node_of: dict[tuple[str, str], object] = {}  # (doc, surface) -> node
        heads: set[tuple[str, str]] = set()  # (doc, surface) that stand for themselves
        alternatives: set[str] = set()  # keys written as a bracketed alternative name
        resolved_to: dict[str, set] = defaultdict(set)  # short key -> nodes it stood for
        unresolved: dict[str, list] = defaultdict(list)  # short key -> nodes where it stood alone

        for doc_id in self.order:
            surfaces = set(self.written[doc_id].values())
            pairs = [(key(a), key(b)) for a, b in self.pairs[doc_id]]
            target = _in_article(surfaces, pairs, alternatives)
            for s in sorted(surfaces):
                k, t = key(s), target[key(s)]
                node = (doc_id, t) if is_relative(t) or is_generic(t) else t
                node_of[(doc_id, s)] = node
                uf.find(node)
                if t == k:
                    heads.add((doc_id, s))
                    unresolved[k].append(node)
                else:
                    resolved_to[k].add(node)
            for outer, inner in pairs + [tuple(map(key, p)) for p in map(split_alternative, sorted(surfaces)) if p]:
                t = target.get(outer, outer)
                node = (doc_id, t) if is_relative(t) or is_generic(t) else t
                for part in (outer, inner):
                    if not isinstance(node, tuple) and not (is_relative(part) or is_generic(part)):
                        uf.union(node, part)

        # A short form resolved to one and the same institution wherever resolved. Only
        # abbreviations travel so: a longer name (中国工程院) is a name of its own.
        for k, nodes in unresolved.items():
            targets = {uf.find(n) for n in resolved_to.get(k, ())}
            if len(targets) == 1 and len(k) <= _MAX_CARRIED and not (is_relative(k) or is_generic(k)):
                for n in nodes:
                    uf.union(n, next(iter(targets)))
        names = {n for n in uf.parent if isinstance(n, str)}
        _join_placeless(names, uf)
        _join_suffixes(names, uf)
        _join_garbled(names, uf)
        return self._result(uf, node_of, heads, alternatives)

    def _result(self, uf, node_of, heads, alternatives) -> Resolution:
        members: dict[object, list[tuple[str, str]]] = defaultdict(list)
        for pair, node in node_of.items():
            members[uf.find(node)].append(pair)
        counts = Counter(s for d in self.written.values() for s in d.values())
        canonical: dict[object, str] = {}
        for root, pairs in members.items():
            best = max(
                pairs,
                key=lambda p: (PLACEHOLDER not in p[1], p in heads and key(p[1]) not in alternatives,
                               split_alternative(p[1]) is None, len(p[1]), counts[p[1]], p[1]),
            )
            name = best[1]
            canonical[root] = scoped_name(name, root[0]) if isinstance(root, tuple) else name
        names: dict[tuple[str, str], str] = {}
        by_surface: dict[tuple[str, str], str] = {}
        institutions: dict[str, Institution] = {}
        for doc_id in self.order:
            for written, s in self.written[doc_id].items():
                root = uf.find(node_of[(doc_id, s)])
                name = canonical[root]
                names[(doc_id, written)] = by_surface[(doc_id, s)] = name
                inst = institutions.setdefault(name, Institution(name, scope=root[0] if isinstance(root, tuple) else None))
                if written not in inst.aliases:
                    inst.aliases.append(written)
                if not inst.documents or inst.documents[-1] != doc_id:
                    inst.documents.append(doc_id)
        return Resolution(names, sorted(institutions.values(), key=lambda i: i.name), by_surface)


def _in_article(surfaces: set[str], pairs: list[tuple[str, str]], alternatives: set[str]) -> dict[str, str]:
    """Key -> key of the fullest name of the article it stands for (itself when none
    or several fit). Bracketed names count as their main name and their alternative."""
    keys = {key(s) for s in surfaces}
    bracket: dict[str, str] = {}
    for s in surfaces:
        pair = split_alternative(s)
        if pair:
            outer, inner = (key(p) for p in pair)
            bracket[key(s)] = bracket[inner] = outer
            alternatives.add(inner)
    for outer, inner in pairs:
        if inner not in bracket.values():
            bracket[inner] = bracket.get(outer, outer)
            alternatives.add(inner)
    combined = {key(s) for s in surfaces if split_alternative(s)}
    names = (keys - combined) | set(bracket) - combined | set(bracket.values())
    main = lambda n: bracket.get(n, n)

    def stands_for(long: str, short: str) -> bool:
        if ends_with(long, short):
            return True
        return abbreviates(long, short) or (not is_relative(short) and has_legal_form_of(long, short))

    target: dict[str, str] = {}
    for k in names:
        longer = [n for n in names if n != k and main(n) != main(k) and stands_for(n, k)]
        fullest = {main(n) for n in longer if not any(p != n and stands_for(p, n) for p in longer)}
        target[k] = fullest.pop() if len(fullest) == 1 else k
    for k in keys | names:
        target[k] = target.get(main(k), main(k)) if k in bracket else target.get(k, k)
    return target


def _join_placeless(names: set[str], uf: _UnionFind) -> None:
    """上海卫健委 and 上海市卫健委: one name with and without its place's 省/市."""
    first: dict[str, str] = {}
    for name in sorted(names):
        loose = placeless(name)
        if loose in first:
            uf.union(first[loose], name)
        else:
            first[loose] = name


def _join_suffixes(names: set[str], uf: _UnionFind) -> None:
    """华山医院 (one article) and 复旦大学附属华山医院 (another): one institution when
    the longer is the only name of the corpus the shorter ends after a parent."""
    by_last: dict[str, list[str]] = defaultdict(list)
    for n in names:
        by_last[n[-2:]].append(n)
    for short in sorted(names):
        if len(short) < _MIN_CROSS_SUFFIX or is_relative(short) or is_generic(short) or PLACEHOLDER in short:
            continue
        longer = [n for n in by_last[short[-2:]] if ends_with(n, short)]
        if len(longer) == 1 and _PARENT.search(longer[0][: -len(short)]):
            uf.union(short, longer[0])


def _join_garbled(names: set[str], uf: _UnionFind) -> None:
    """A name with lost characters joins the one legible name of the corpus it fits."""
    garbled = [n for n in names if PLACEHOLDER in n]
    if not garbled:
        return
    from rapidfuzz import fuzz, process

    legible = sorted(n for n in names if PLACEHOLDER not in n)
    for name in garbled:
        # rapidfuzz narrows thousands of names to a few close ones; the pattern decides.
        close = process.extract(name.replace(PLACEHOLDER, ""), legible, scorer=fuzz.ratio, limit=20, score_cutoff=50)
        fits = [c for c, _, _ in close if fits_garbled(name, c)]
        if len(fits) == 1:
            uf.union(name, fits[0])
