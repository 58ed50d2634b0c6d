"""The files of a network: tables for spreadsheets and pandas, a graph for network
tools, a page for people.

* ``institutions.csv``: name, aliases (as written, ``|``-separated), documents, events;
* ``events.csv`` (lists flattened to text) and ``events.parquet`` (lists kept);
* ``edges.csv``: source, target, events, types (``type:count|...``), documents;
* ``network.graphml`` (networkx) and ``network.html`` (:mod:`medcoop.network.html`).

Each file is written under a temporary name and renamed, so a file that exists
is complete.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_outputs", "flat_events", "OUTPUT_FILES"]

OUTPUT_FILES = ("institutions.csv", "events.csv", "events.parquet", "edges.csv", "network.graphml", "network.html")


def write_outputs(network, out: str | Path) -> list[Path]:
    """Write the network's files into ``out``; returns their paths."""
    import networkx as nx

    from medcoop.network.html import render_network

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = network.to_frames()
    written = []

    def put(name: str, write) -> None:
        path = out / name
        tmp = out / f".{name}.tmp"
        write(tmp)
        os.replace(tmp, path)
        written.append(path)

    put("institutions.csv", lambda p: frames.institutions.to_csv(p, index=False))
    put("events.csv", lambda p: flat_events(frames.events).to_csv(p, index=False))
    put("events.parquet", lambda p: frames.events.to_parquet(p, index=False))
    put("edges.csv", lambda p: frames.edges.to_csv(p, index=False))
    put("network.graphml", lambda p: nx.write_graphml(network.to_networkx(), p))
    put("network.html", lambda p: p.write_text(render_network(network), encoding="utf-8"))
    return written


def flat_events(events):
    """The events table with its lists as text, for CSV: parties ``A|B``,
    signatories ``name (post、post) party|...``, evidence ``start-end|...``; the
    evidence sentences stay in the Parquet file and the page."""
    flat = events.drop(columns=["evidence_text"]).copy()
    flat["parties"] = [("|".join(p)) for p in events["parties"]]
    flat["signatories"] = ["|".join(_signatory(s) for s in row) for row in events["signatories"]]
    flat["evidence"] = ["|".join(f"{a}-{b}" for a, b in row) for row in events["evidence"]]
    return flat


def _signatory(s: dict) -> str:
    posts = "、".join(s.get("posts") or [])
    text = s["name"] + (f" ({posts})" if posts else "")
    return f"{text} {s['party']}" if s.get("party") else text
