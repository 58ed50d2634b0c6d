"""Raw scraped text -> clean simplified Chinese, with an alignment back to the raw text.

The model reads clean text; users get offsets into the text they gave. Everything
here is therefore a *local*, deterministic rewrite: each raw character is kept
(converted one-for-one), removed as noise, or folded with its neighbours into one
clean character. Because the rewrite is local, normalising a raw span gives the
same clean text as normalising the whole document and cutting the span out of it,
which is what lets training labels and predictions move between the two strings.

What is rewritten, in priority order (an earlier kind wins where two overlap):

1. mis-decoded text: ``??`` / U+FFFD and the garbled characters around them
   (``??疲ㄖ嗅t(yī)``), and UTF-8 read as cp1252 (``åŒ»é™¢``) -> one U+FFFD;
2. anti-copy junk: runs of short random ASCII tokens (``1 f) W8 ]* |; x#``) -> removed;
3. pinyin pasted after a character: ``醫(yī)院`` -> ``医院``;
4. zero-width and control characters -> removed;
5. whitespace runs -> one space, or one newline when the run holds a line break;
6. every other character: traditional -> simplified (OpenCC, one character at a
   time so lengths stay aligned), full-width -> half-width.

OpenCC is used for step 6 because it is the maintained reference converter with
curated character tables (hanziconv and zhconv are unmaintained since 2016/2021);
per-character conversion trades its phrase-level disambiguation for exact
alignment, which matters more for a tagger than the rare ambiguous character.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from medcoop.constants import CJK

__all__ = [
    "NormalizedText", "normalize", "PLACEHOLDER", "NORMALIZATION",
    "char_flags", "trim_spans", "PUNCT_OR_SPACE", "WHITESPACE",
]

NORMALIZATION = "medcoop.normalize.v2"
"""Version of the text the model reads: bump it whenever ``normalize`` changes what a
character becomes, so models trained on other text are detected (TaggerSettings)."""
COMPATIBLE_NORMALIZATIONS = ("medcoop.normalize.v1",)
"""Older versions whose models read the current text just as well: v2 only repairs
UTF-8-shown-as-cp1252 runs that v1 turned into one placeholder (none occur in the
annotated corpus), and leaves every other character as v1 did."""

PLACEHOLDER = "\ufffd"
"""Stands in the clean text for a run of lost or garbled characters."""

_CJK = CJK
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜḿńňǹ"
_PINYIN_LETTERS = "a-zü" + _TONED
_DETONE = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜḿńňǹ",
    "aaaaeeeeiiiioooouuuuüüüümnnn",
)
_SYLLABLE = re.compile(
    r"(?:[bpmfdtnlgkhjqxrzcsyw]|zh|ch|sh)?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|üan|ai|ei|ao|ou|an|en|in|un|ün"
    r"|ia|ie|iu|ua|uo|ui|ue|üe|er|a|o|e|i|u|ü)|m|n|ng|hm|hng"
)

# A pinyin group: tone-marked syllable in ASCII or full-width brackets.
_PINYIN_GROUP = rf"[(（][{_PINYIN_LETTERS}]{{1,6}}[)）]"
# Garbled text sometimes eats the opening bracket: ``坡?lián)`` is 聯(lián) mis-decoded.
_PINYIN_TAIL = rf"[(（]?[{_PINYIN_LETTERS}]{{1,6}}[)）]"

# Characters that do not occur in clean Chinese news but do in mis-decoded text:
# bopomofo, enclosed numbers, private use, half-width katakana, surrogates.
_SUSPECT = r"[\u3100-\u312f\u31a0-\u31bf\u2460-\u24ff\ue000-\uf8ff\uff61-\uff9f\ud800-\udfff]"
# Inside a garbled run, a lone ASCII letter or symbol wedged between characters is
# garbage too (``茖W校``, ``ㄔO單``, ``茖<壹``); never a run's start, or X光 and B超
# would go.
_WEDGED_ASCII = rf"(?<=[{_CJK}\u3100-\u312f])[A-Za-z<>\[\]{{}}|\\^~`@#$%&*_=+](?=[^A-Za-z0-9])"
# A lost character: U+FFFD, or '?' next to a non-ASCII character or another '?'
# (an ASCII question mark in Chinese prose is rare; the full-width one is the norm).
_LOST = r"\ufffd|(?<=[^\x00-\x7f?])\?|\?(?=[^\x00-\x7f]|\?)|(?<=\?)\?"
_GARBLE_QM = re.compile(
    rf"(?:{_LOST}|{_SUSPECT})"
    rf"(?:{_PINYIN_TAIL}|[{_CJK}]?{_PINYIN_TAIL}|[{_CJK}]{{0,3}}(?:{_LOST}|{_SUSPECT}|{_WEDGED_ASCII}))*"
    rf"(?:{_PINYIN_TAIL})?"
)

# UTF-8 bytes shown as cp1252: a lead byte char followed by continuation byte chars.
_CONT = "\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
_UTF8_AS_CP1252 = re.compile(
    rf"(?:[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}})+"
)

# Anti-copy junk: >= 5 tokens of one or two printable ASCII characters separated by
# single spaces ('?' excepted: it marks lost characters, handled above all else);
# the last token may be glued to following text (``o) h2019年``), so
# it takes two characters only when a non-ASCII character follows. Lookarounds that
# need a real neighbour (never "or end of text") keep the decision the same for a
# span cut out of the document as for the document itself.
_JUNK = re.compile(
    r"(?:[\x21-\x3e\x40-\x7e]{1,2} ){4,}(?:[\x21-\x3e\x40-\x7e]{2}(?=[^\x21-\x7e])|[\x21-\x3e\x40-\x7e])"
)
_JUNK_MIN_SYMBOL_TOKENS = 3

_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000e-\u001b\u007f-\u009f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+")
_SPACE = re.compile(r"\s+")
_NEWLINES = "\n\r\u0085\u2028\u2029\u000b\u000c\u001c\u001d\u001e"
_MASK = "\uffff"
# Whitespace in a name next to a CJK character is scraping noise; between Latin words it is not.
_NAME_SPACE = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


@dataclass(frozen=True)
class NormalizedText:
    """A raw text, its clean form and the alignment between the two.

    Clean character ``i`` stands for raw characters ``raw_start[i]:raw_end[i]``.

    >>> n = normalize("威海市中醫(yī)院")
    >>> n.clean
    '威海市中医院'
    >>> n.to_raw(0, 6)
    (0, 10)
    """

    raw: str
    clean: str
    raw_start: np.ndarray
    raw_end: np.ndarray
    placeholder: np.ndarray  # True where the clean character stands for garbled text

    def to_raw(self, start: int, end: int) -> tuple[int, int] | None:
        """Map clean span ``[start, end)`` to the raw span it covers.

        Whitespace and placeholders at either end are trimmed first, so the raw span
        never starts or ends on noise; returns ``None`` when nothing is left.
        """
        start, end = self.trim(start, end)
        if start >= end:
            return None
        return int(self.raw_start[start]), int(self.raw_end[end - 1])

    def to_clean(self, start: int, end: int) -> tuple[int, int]:
        """Map raw span ``[start, end)`` to the clean characters that overlap it."""
        lo = int(np.searchsorted(self.raw_end, start, side="right"))
        hi = int(np.searchsorted(self.raw_start, end, side="left"))
        return lo, max(lo, hi)

    def clean_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw span ``[start, end)`` as the clean span of real text it covers (a gold span
        moved onto the text the model reads; empty when it covers only noise)."""
        return self.trim(*self.to_clean(start, end))

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """Shrink clean span ``[start, end)`` until it starts and ends on real text."""
        start, end = max(0, start), min(len(self.clean), end)
        while start < end and self._is_filler(start):
            start += 1
        while end > start and self._is_filler(end - 1):
            end -= 1
        return start, end

    def entity(self, start: int, end: int, label: str, score: float, normalized: str | None = None):
        """The :class:`~medcoop.entity.Entity` of clean span ``[start, end)``: raw offsets,
        the raw text, and its normalised form, or ``None`` when only noise is there.

        ``normalized`` holds no line breaks, nor spaces beside CJK characters (a name that
        scraping broke across lines reads whole: 北京中\\n\\n医药大学 -> 北京中医药大学); the
        space of Latin names stays (Johnson & Johnson). A lost character stays
        visible as U+FFFD (山东中医药高等�校): we never guess what it was."""
        from medcoop.entity import Entity

        raw = self.to_raw(start, end)
        if raw is None:
            return None
        lo, hi = self.trim(start, end)
        name = normalized if normalized is not None else self.clean[lo:hi]
        name = _NAME_SPACE.sub("", _SPACE.sub(" ", name))
        return Entity(raw[0], raw[1], label, self.raw[raw[0]:raw[1]], score, name)

    def entities(self, starts, ends, labels, scores) -> list:
        """The :meth:`entity` of every clean span ``[starts[i], ends[i])`` that holds real
        text, in order: ``[self.entity(s, e, l, p) for ...]`` without the ``None`` results, with
        the trimming and offset mapping done for all spans at once."""
        from medcoop.entity import Entity

        n = len(self.clean)
        starts = np.maximum(np.asarray(starts, dtype=np.int64), 0)
        ends = np.minimum(np.asarray(ends, dtype=np.int64), n)
        valid = starts < ends
        space = (self.char_flags & WHITESPACE).astype(bool)
        lo, hi = trim_spans(self.placeholder | space, np.where(valid, starts, 0), np.where(valid, ends, 0))
        keep = np.flatnonzero(valid & (lo < hi))
        lo, hi = lo[keep], hi[keep]
        spaces = np.concatenate(([0], np.cumsum(space)))
        spaced = spaces[hi] - spaces[lo] > 0  # only a name with whitespace needs the regexes
        raw, clean, out = self.raw, self.clean, []
        for i, a, b, l, h, sp in zip(keep.tolist(), self.raw_start[lo].tolist(), self.raw_end[hi - 1].tolist(),
                                     lo.tolist(), hi.tolist(), spaced.tolist()):
            name = _NAME_SPACE.sub("", _SPACE.sub(" ", clean[l:h])) if sp else clean[l:h]
            out.append(Entity(a, b, labels[i], raw[a:b], scores[i], name))
        return out

    @cached_property
    def char_flags(self) -> np.ndarray:
        """:func:`char_flags` of the clean text."""
        return char_flags(self.clean)

    def _is_filler(self, i: int) -> bool:
        return bool(self.placeholder[i]) or self.clean[i].isspace()

    @cached_property
    def raw_noise(self) -> np.ndarray:
        """Boolean mask over the raw text: True where a span must not start or end."""
        mask = np.ones(len(self.raw), dtype=bool)
        real = ~self.placeholder & ~(self.char_flags & WHITESPACE).astype(bool)
        # A real character's raw stretch is one character, or the bytes of a repaired
        # mojibake character: a span may start on its first and end on its last.
        mask[self.raw_start[real]] = False
        mask[self.raw_end[real] - 1] = False
        return mask


PUNCT_OR_SPACE = 1
"""In :func:`char_flags`: a punctuation mark or separator (Unicode category P* or Z*)."""
WHITESPACE = 2
"""In :func:`char_flags`: whitespace (``str.isspace``, the same characters as ``\\s``)."""
_bmp_flags: np.ndarray | None = None


def _flags_of(ch: str) -> int:
    return (PUNCT_OR_SPACE if unicodedata.category(ch)[0] in "PZ" else 0) | (WHITESPACE if ch.isspace() else 0)


def char_flags(text: str) -> np.ndarray:
    """Per character of ``text``, a ``uint8`` of :data:`PUNCT_OR_SPACE` and :data:`WHITESPACE`
    bits: a table lookup over the code points, no Python loop (but for characters
    outside the Basic Multilingual Plane, looked up one by one)."""
    global _bmp_flags
    if _bmp_flags is None:  # built once, on first use (about 30 ms)
        _bmp_flags = np.array([_flags_of(chr(cp)) for cp in range(0x10000)], dtype=np.uint8)
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    astral = np.flatnonzero(cps > 0xFFFF)
    if not len(astral):
        return _bmp_flags[cps]
    flags = _bmp_flags[np.minimum(cps, 0xFFFF)]
    for i in astral.tolist():
        flags[i] = _flags_of(text[i])
    return flags


def trim_spans(skip: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shrink every span ``[starts[i], ends[i])`` (``0 <= start <= end <= len(skip)``) while it
    starts or ends on a position where ``skip`` is True, all at once; an emptied span ends
    where it starts. The same as the loops of :meth:`NormalizedText.trim`."""
    n = len(skip)
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    if n == 0 or not len(starts):
        return starts, ends
    positions = np.arange(n)
    # next_real[i]: the first position >= i not skipped (n if none); last_real[i]: the last <= i (-1 if none).
    next_real = np.append(np.minimum.accumulate(np.where(skip, n, positions)[::-1])[::-1], n)
    last_real = np.maximum.accumulate(np.where(skip, -1, positions))
    new_starts = np.minimum(next_real[starts], ends)
    new_ends = np.where(ends > new_starts, np.maximum(last_real[ends - 1] + 1, new_starts), new_starts)
    return new_starts, new_ends


def normalize(raw: str) -> NormalizedText:
    """Clean ``raw`` for the model, keeping an alignment back to it.

    >>> normalize("戰(zhàn)略合作協(xié)議").clean
    '战略合作协议'
    """
    if not isinstance(raw, str):
        raise TypeError(f"normalize() takes a str, not {type(raw).__name__}")
    segments = _noise_segments(raw)
    pieces: list[str] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    holes: list[np.ndarray] = []
    pos = 0
    for seg_start, seg_end, replacement in segments:
        if seg_start > pos:
            _emit_kept(raw, pos, seg_start, pieces, starts, ends, holes)
        if replacement:
            pieces.append(replacement)
            starts.append(np.array([seg_start]))
            ends.append(np.array([seg_end]))
            holes.append(np.array([replacement == PLACEHOLDER]))
        pos = seg_end
    if pos < len(raw):
        _emit_kept(raw, pos, len(raw), pieces, starts, ends, holes)
    clean = "".join(pieces).translate(_table_for(raw))
    cat = (lambda parts, dtype: np.concatenate(parts).astype(dtype)) if pieces else (lambda parts, dtype: np.zeros(0, dtype))
    return NormalizedText(raw, clean, cat(starts, np.int64), cat(ends, np.int64), cat(holes, bool))


def _emit_kept(raw, start, end, pieces, starts, ends, holes):
    pieces.append(raw[start:end])
    starts.append(np.arange(start, end))
    ends.append(np.arange(start + 1, end + 1))
    holes.append(np.zeros(end - start, dtype=bool))


def _noise_segments(raw: str) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, replacement)`` for every rewritten raw stretch.

    Each kind of noise is searched in the text with the stretches already claimed
    masked out (by U+FFFF, which no pattern matches), so a later pattern can
    neither overlap an earlier one nor be shadowed by it: the outcome for a stretch
    depends only on its neighbourhood, never on where a search happened to start.
    """
    taken: list[tuple[int, int, str]] = []
    masked = raw

    def claim_all(found) -> None:
        nonlocal masked
        chars = list(masked) if found else None
        for start, end, replacement in found:
            taken.append((start, end, replacement))
            chars[start:end] = _MASK * (end - start)
        if found:
            masked = "".join(chars)

    claim_all([(m.start(), m.end(), PLACEHOLDER) for m in _GARBLE_QM.finditer(masked)])
    claim_all([
        (m.start() + lo, m.start() + hi, ch)
        for m in _UTF8_AS_CP1252.finditer(masked)
        for lo, hi, ch in _repaired_utf8(m.group())
    ])
    claim_all([(start, end, "") for start, end in _junk_runs(masked)])
    claim_all([
        (m.start(), m.end(), "")
        for m in re.finditer(_PINYIN_GROUP, masked)
        if m.start() > 0 and re.match(f"[{_CJK}]", masked[m.start() - 1]) and _is_pinyin(m.group()[1:-1])
    ])
    claim_all([(m.start(), m.end(), "") for m in _CONTROL.finditer(masked)])
    claim_all([
        (m.start(), m.end(), "\n" if any(c in _NEWLINES for c in m.group()) else " ")
        for m in _SPACE.finditer(masked)
        if m.group() not in (" ", "\n")
    ])
    taken.sort()
    return taken


def _junk_runs(raw: str):
    """Junk runs with enough symbol tokens; a rejected candidate is retried one
    character later so the outcome never depends on where scanning started."""
    pos = 0
    while (m := _JUNK.search(raw, pos)) is not None:
        tokens = m.group().split(" ")
        if sum(not t.isalnum() for t in tokens) >= _JUNK_MIN_SYMBOL_TOKENS:
            yield m.start(), m.end()
            pos = m.end()
        else:
            pos = m.start() + 1


def _is_pinyin(body: str) -> bool:
    """A tone-marked pinyin syllable: ordinary bracketed words are left alone."""
    return any(c in _TONED for c in body) and _SYLLABLE.fullmatch(body.translate(_DETONE)) is not None


def _repaired_utf8(text: str) -> list[tuple[int, int, str]]:
    """UTF-8 that was shown as cp1252 (``åŒ»é™¢`` for 医院), repaired as ftfy would, but
    one character at a time so offsets stay exact: ``(start, end, character)`` per
    repaired character, its raw stretch being that character's UTF-8 bytes. Empty when
    the run is not such text (it must decode to CJK, not to Latin accents)."""
    try:
        decoded = text.encode("cp1252", errors="strict").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return []
    if not any(ord(c) > 0x2E7F for c in decoded):
        return []
    out, pos = [], 0
    for ch in decoded:
        width = len(ch.encode("utf-8"))  # one cp1252 character per byte
        out.append((pos, pos + width, ch))
        pos += width
    return out


# Character table: traditional -> simplified and full-width -> half-width, one
# character to one character, filled lazily for the characters actually seen.
_table: dict[int, str] = {}
_seen: set[str] = set()  # the characters _table holds, for a set difference in C
_table_lock = threading.Lock()
_converter = None


def _table_for(text: str) -> dict[int, str]:
    missing = set(text).difference(_seen)
    if missing:
        with _table_lock:
            for ch in missing:
                _table[ord(ch)] = _convert_char(ch)
            _seen.update(missing)
    return _table


def _convert_char(ch: str) -> str:
    global _converter
    if "\uff01" <= ch <= "\uffee":
        folded = unicodedata.normalize("NFKC", ch)
        return folded if len(folded) == 1 else ch
    if not re.match(f"[{_CJK}]", ch):
        return ch
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    converted = _converter.convert(ch)
    return converted if len(converted) == 1 else ch
