"""A self-contained HTML page: the text with entities highlighted by label, a
colour legend, and the cooperation events listed under each document."""

from __future__ import annotations

import html

from medcoop.constants import LABELS
from medcoop.entity import Entity

__all__ = ["render_page", "COLOURS"]

COLOURS = dict(zip(LABELS, ("#cfe3ff", "#ffe2b8", "#d6f5d0", "#f7cdea")))
NAMES = dict(zip(LABELS, ("organisation", "post", "person", "agreement")))

_STYLE = """
body{font:16px/1.8 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:60em;color:#222}
h1{font-size:1.3em} h2{font-size:1.1em;border-bottom:1px solid #ddd;margin-top:2em}
.legend span,mark{border-radius:3px;padding:0 2px}
mark{box-decoration-break:clone;-webkit-box-decoration-break:clone}
mark sub{font-size:.6em;color:#555;margin-left:2px;font-family:sans-serif}
.text{white-space:pre-wrap;background:#fafafa;padding:1em;border:1px solid #eee}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:.2em .6em;vertical-align:top;text-align:left}
"""


def _marked(text: str, entities: list[Entity]) -> str:
    out, pos = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        out.append(html.escape(text[pos:e.start]))
        title = html.escape(f"{e.label} {e.score:.2f} {e.normalized}")
        out.append(f'<mark class="{e.label}" style="background:{COLOURS.get(e.label, "#eee")}" title="{title}">'
                   f"{html.escape(text[e.start:e.end])}<sub>{e.label}</sub></mark>")
        pos = e.end
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _events_table(events) -> str:
    if not events:
        return "<p>No cooperation event found.</p>"
    rows = ["<table><tr><th>type</th><th>agreement</th><th>parties</th><th>signatories</th><th>date</th></tr>"]
    for ev in events:
        signers = "<br>".join(
            html.escape(f"{s.name} ({'、'.join(s.posts)}{', ' + s.party if s.party else ''})") for s in ev.signatories
        )
        rows.append(
            f"<tr><td>{html.escape(ev.type)}</td><td>{html.escape(ev.agreement)}</td>"
            f"<td>{'<br>'.join(html.escape(p.name) for p in ev.parties)}</td><td>{signers}</td>"
            f"<td>{html.escape(ev.date or '')}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def render_page(documents, title: str = "medcoop") -> str:
    """``documents``: ``(name, text, entities, events_or_None)`` tuples. Events are
    listed only where given (``medcoop extract``); ``medcoop tag`` passes None."""
    legend = " ".join(
        f'<span style="background:{colour}">{label} {NAMES[label]}</span>' for label, colour in COLOURS.items()
    )
    parts = [
        f"<!DOCTYPE html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1><p class=\"legend\">{legend}</p>"
    ]
    for name, text, entities, events in documents:
        parts.append(f"<h2>{html.escape(name)}</h2><div class=\"text\">{_marked(text, entities)}</div>")
        if events is not None:
            parts.append(f"<h3>Cooperation events</h3>{_events_table(events)}")
    parts.append("</body></html>")
    return "".join(parts)
