"""Users' files and stdin as text: the encoding found, the characters kept as stored.

Offsets must index the text exactly as the file holds it, so bytes are decoded
without newline translation (a CRLF file keeps its ``\\r``). Chinese news arrives in
UTF-8 (with or without BOM), GB18030/GBK and Big5; when it is not valid UTF-8 the
encoding is detected with charset-normalizer, which weighs the decoded text's
coherence rather than trusting the first codec that happens not to fail (GBK and
Big5 both decode most byte strings). Binary data is refused rather than tagged.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = ["InputText", "UnreadableInput", "decode", "read_file", "read_stdin", "CHINESE_ENCODINGS"]

CHINESE_ENCODINGS = ("gb18030", "big5")
"""Tried by detection when the bytes are not UTF-8 (GB18030 is a superset of GBK and GB2312)."""

# Share of control characters above which decoded "text" is taken for binary data:
# real articles hold none beyond tabs and newlines; a few stray ones are scraping noise.
_MAX_CONTROL_SHARE = 0.01


class UnreadableInput(ValueError):
    """Input that is not text in an encoding we can tell; the message says what to do."""


@dataclass(frozen=True)
class InputText:
    """One input: its name (path or ``<stdin>``), its text and the encoding it was read with."""

    name: str
    text: str
    encoding: str


def decode(data: bytes, name: str = "<stdin>", encoding: str | None = None) -> InputText:
    """The text of ``data``: with ``encoding`` when given, else UTF-8, else detected."""
    if encoding:
        try:
            return _checked(InputText(name, data.decode(encoding), encoding))
        except (UnicodeDecodeError, LookupError) as e:
            raise UnreadableInput(f"{name}: cannot be read as {encoding} ({e}); try another --encoding") from None
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableInput(f"{name}: looks like binary data (it holds NUL bytes), not text; give a text file")
    if data.startswith(b"\xef\xbb\xbf"):
        return _checked(InputText(name, data[3:].decode("utf-8", errors="strict"), "utf-8-sig"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _checked(InputText(name, data.decode("utf-16"), "utf-16"))
    try:
        return _checked(InputText(name, data.decode("utf-8"), "utf-8"))
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(CHINESE_ENCODINGS)).best()
    if best is None:
        raise UnreadableInput(
            f"{name}: not UTF-8, GB18030/GBK or Big5 text; if it is text, name its encoding with --encoding"
        )
    return _checked(InputText(name, str(best), best.encoding))


def _checked(read: InputText) -> InputText:
    if read.text:
        control = sum(1 for ch in read.text if ch not in "\t\n\r\f\v" and unicodedata.category(ch) == "Cc")
        if control / len(read.text) > _MAX_CONTROL_SHARE:
            raise UnreadableInput(f"{read.name}: looks like binary data ({control} control characters), not text")
    return read


def read_file(path: str | Path, encoding: str | None = None) -> InputText:
    """A text file as stored (no newline translation), its encoding found or given."""
    return decode(Path(path).read_bytes(), str(path), encoding)


def read_stdin(encoding: str | None = None) -> InputText:
    """Standard input, read as bytes and decoded exactly like a file."""
    return decode(sys.stdin.buffer.read(), "<stdin>", encoding)
