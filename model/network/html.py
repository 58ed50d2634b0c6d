"""``network.html``: the cooperation network as one self-contained page.

Institutions are circles sized by the events they are party to, edges are
coloured by their most frequent agreement type (legend at the top), and clicking
an institution lists its events with the sentences they were read from. The page
loads nothing from anywhere: the layout is computed here (networkx's spring
layout per connected component, components packed in rows, largest first) and a
few lines of plain JavaScript draw it as SVG, pan, zoom and answer clicks.
"""

from __future__ import annotations

import html
import json
import math

__all__ = ["render_network", "TYPE_COLOURS", "layout"]

# One colour per agreement type of medcoop.events.rules.AGREEMENT_TYPES.
TYPE_COLOURS = {
    "strategic_cooperation_agreement": "#d62728",
    "cooperation_agreement": "#1f77b4",
    "framework_agreement": "#9467bd",
    "memorandum_of_understanding": "#8c564b",
    "medical_alliance": "#2ca02c",
    "county_medical_community": "#17becf",
    "specialty_alliance": "#bcbd22",
    "paired_assistance": "#ff7f0e",
    "trusteeship": "#e377c2",
    "co_construction": "#7f7f7f",
    "other": "#aec7e8",
}
_OTHER_COLOUR = "#999999"
_LABELLED = 40  # institutions named on the map; the others on hover and click


def layout(graph, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions of the nodes: each connected component laid out on its own and the
    components packed row by row, so small pairs do not scatter around a big one."""
    import networkx as nx

    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    boxes = []
    for nodes in components:
        radius = 30 * math.sqrt(len(nodes)) if len(nodes) > 1 else 0.0
        if len(nodes) == 1:
            pos = {nodes[0]: (0.0, 0.0)}
        else:
            sub = nx.Graph()  # built in sorted order: a subgraph view iterates in set order
            sub.add_nodes_from(nodes)
            sub.add_weighted_edges_from(sorted((a, b, d.get("weight", 1)) if a < b else (b, a, d.get("weight", 1))
                                               for a, b, d in graph.subgraph(nodes).edges(data=True)))
            pos = nx.spring_layout(sub, seed=seed, k=1.5 / math.sqrt(len(nodes)), iterations=60)
            pos = {n: (float(x) * radius, float(y) * radius) for n, (x, y) in pos.items()}
        boxes.append((pos, radius + 24))
    width = max(600.0, math.sqrt(sum((2 * r) ** 2 for _, r in boxes)) * 1.2)
    placed: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for pos, half in boxes:
        if x > 0 and x + 2 * half > width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for n, (px, py) in pos.items():
            placed[n] = (round(x + half + px, 1), round(y + half + py, 1))
        x += 2 * half
        row_height = max(row_height, 2 * half)
    return placed


def render_network(network, title: str = "medcoop: cooperation network") -> str:
    """The page of a :class:`medcoop.network.Network`."""
    graph = network.to_networkx()
    positions = layout(graph)
    names = list(graph.nodes)
    index = {n: i for i, n in enumerate(names)}
    events_of: dict[str, list[int]] = {n: [] for n in names}
    events = []
    for k, e in enumerate(network.events):
        events.append({"doc": e.document, "type": e.type, "agreement": e.agreement, "parties": e.parties,
                       "signatories": [_signatory(s) for s in e.signatories], "date": e.date or e.date_text or "",
                       "evidence": e.evidence_text})
        for p in e.parties:
            if p in events_of:
                events_of[p].append(k)
    ranked = sorted(names, key=lambda n: (-graph.nodes[n]["events"], n))[:_LABELLED]
    nodes = [{"name": n, "x": positions[n][0], "y": positions[n][1], "events": graph.nodes[n]["events"],
              "documents": graph.nodes[n]["documents"], "aliases": graph.nodes[n]["aliases"].split("|"),
              "r": round(4 + 2.2 * math.sqrt(graph.nodes[n]["events"]), 1), "label": n in ranked,
              "list": events_of[n]} for n in names]
    edges = [{"s": index[a], "t": index[b], "events": d["events"], "type": d["main_type"], "types": d["types"]}
             for a, b, d in graph.edges(data=True)]
    used = sorted({e["type"] for e in edges} | {e["type"] for e in events})
    colours = {t: TYPE_COLOURS.get(t, _OTHER_COLOUR) for t in used}
    data = {"nodes": nodes, "edges": edges, "events": events, "colours": colours}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    legend = "".join(f'<span><i style="background:{c}"></i>{html.escape(t.replace("_", " "))}</span>'
                     for t, c in colours.items())
    summary = (f"{len(nodes)} institutions with events, {len(edges)} links, {len(events)} events "
               f"from {len({e.document for e in network.events})} documents")
    return _PAGE.format(title=html.escape(title), legend=legend, summary=html.escape(summary), data=payload,
                        script=_SCRIPT, style=_STYLE)


def _signatory(s: dict) -> str:
    posts = "、".join(s.get("posts") or [])
    return s["name"] + (f"（{posts}）" if posts else "") + (f" {s['party']}" if s.get("party") else "")


_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;color:#222;display:flex;flex-direction:column;height:100vh}
header{padding:.5em 1em;border-bottom:1px solid #ddd;display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:center}
header h1{font-size:1.1em;margin:0}
.legend span{margin-right:.9em;white-space:nowrap;font-size:.85em}
.legend i{display:inline-block;width:1.6em;height:.35em;margin-right:.3em;vertical-align:middle;border-radius:2px}
main{flex:1;display:flex;min-height:0}
svg{flex:1;background:#fcfcfc;cursor:grab;min-width:0}
svg text{font-size:10px;fill:#333;pointer-events:none;paint-order:stroke;stroke:#fff;stroke-width:3px}
circle{fill:#4a78b5;stroke:#fff;stroke-width:1;cursor:pointer}
circle.on{fill:#e8590c} circle.near{fill:#f2a65a} .dim{opacity:.15}
aside{width:26em;max-width:40%;overflow:auto;border-left:1px solid #ddd;padding:.8em 1em;background:#fff}
aside h2{font-size:1.05em;margin:.2em 0} aside .muted{color:#666;font-size:.85em}
.event{border-top:1px solid #eee;padding:.5em 0}
.event b{display:inline-block;padding:0 .4em;border-radius:3px;color:#fff;font-size:.8em;font-weight:normal}
.event blockquote{margin:.3em 0 .3em .5em;padding-left:.6em;border-left:3px solid #ddd;color:#444;font-size:.9em}
input{font:inherit;padding:.1em .4em;width:14em}
"""

_PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>{style}</style></head>
<body>
<header><h1>{title}</h1><span class="muted">{summary}</span>
<input id="find" list="names" placeholder="find an institution"><datalist id="names"></datalist>
<div class="legend">{legend}</div></header>
<main><svg id="map" role="img" aria-label="cooperation network"><g id="view"></g></svg>
<aside id="side"><h2>Click an institution</h2><p class="muted">Circles: institutions, sized by the events they are party to.
Lines: institutions that are parties to the same event, coloured by agreement type. Drag to move, wheel to zoom.</p></aside></main>
<script type="application/json" id="data">{data}</script>
<script>{script}</script>
</body></html>
"""

_SCRIPT = r"""
(function(){
const D=JSON.parse(document.getElementById('data').textContent);
const NS='http://www.w3.org/2000/svg', svg=document.getElementById('map'), view=document.getElementById('view');
const side=document.getElementById('side');
function el(tag,attrs,parent){const e=document.createElementNS(NS,tag);for(const k in attrs)e.setAttribute(k,attrs[k]);parent.appendChild(e);return e;}
function h(tag,text,parent,cls){const e=document.createElement(tag);if(text!==undefined)e.textContent=text;if(cls)e.className=cls;parent.appendChild(e);return e;}
const lines=D.edges.map(e=>{const a=D.nodes[e.s],b=D.nodes[e.t];
  const l=el('line',{x1:a.x,y1:a.y,x2:b.x,y2:b.y,stroke:D.colours[e.type]||'#999','stroke-width':1+Math.log2(e.events),'stroke-opacity':.75},view);
  const t=el('title',{},l);t.textContent=a.name+' — '+b.name+': '+e.types.replace(/\|/g,', ');return l;});
const circles=D.nodes.map((n,i)=>{const c=el('circle',{cx:n.x,cy:n.y,r:n.r},view);
  el('title',{},c).textContent=n.name+' ('+n.events+' events)';c.addEventListener('click',ev=>{ev.stopPropagation();show(i);});return c;});
D.nodes.forEach(n=>{if(n.label){const t=el('text',{x:n.x+n.r+2,y:n.y+3},view);t.textContent=n.name;}});
const list=document.getElementById('names');D.nodes.forEach(n=>{const o=document.createElement('option');o.value=n.name;list.appendChild(o);});
document.getElementById('find').addEventListener('change',e=>{const i=D.nodes.findIndex(n=>n.name===e.target.value);if(i>=0){show(i);centre(D.nodes[i]);}});
function show(i){const n=D.nodes[i],near=new Set();
  D.edges.forEach((e,k)=>{const on=e.s===i||e.t===i;lines[k].classList.toggle('dim',!on);if(on){near.add(e.s);near.add(e.t);}});
  circles.forEach((c,k)=>{c.classList.toggle('on',k===i);c.classList.toggle('near',k!==i&&near.has(k));c.classList.toggle('dim',!near.has(k)&&k!==i);});
  side.textContent='';h('h2',n.name,side);
  h('p',n.events+' events · '+n.documents+' documents · written as: '+n.aliases.join('、'),side,'muted');
  n.list.forEach(k=>{const e=D.events[k],box=h('div',undefined,side,'event');
    const b=h('b',e.type.replace(/_/g,' '),box);b.style.background=D.colours[e.type]||'#999';
    h('span',' '+e.agreement+(e.date?' · '+e.date:'')+' · '+e.doc,box);
    h('div',e.parties.join(' · '),box);
    if(e.signatories.length)h('div','signed by: '+e.signatories.join('; '),box,'muted');
    e.evidence.forEach(s=>h('blockquote',s,box));});}
svg.addEventListener('click',()=>{lines.forEach(l=>l.classList.remove('dim'));circles.forEach(c=>c.classList.remove('on','near','dim'));});
let box=bounds(),drag=null;
function bounds(){const xs=D.nodes.map(n=>n.x),ys=D.nodes.map(n=>n.y);if(!xs.length)return{x:0,y:0,w:100,h:100};
  const x0=Math.min(...xs)-40,y0=Math.min(...ys)-40;return{x:x0,y:y0,w:Math.max(...xs)+160-x0,h:Math.max(...ys)+40-y0};}
function apply(){svg.setAttribute('viewBox',box.x+' '+box.y+' '+box.w+' '+box.h);}
function centre(n){box.x=n.x-box.w/2;box.y=n.y-box.h/2;apply();}
svg.addEventListener('wheel',e=>{e.preventDefault();const f=e.deltaY>0?1.15:1/1.15,r=svg.getBoundingClientRect();
  const px=box.x+(e.clientX-r.left)/r.width*box.w,py=box.y+(e.clientY-r.top)/r.height*box.h;
  box={x:px-(px-box.x)*f,y:py-(py-box.y)*f,w:box.w*f,h:box.h*f};apply();},{passive:false});
svg.addEventListener('mousedown',e=>{drag={x:e.clientX,y:e.clientY,b:Object.assign({},box)};});
window.addEventListener('mousemove',e=>{if(!drag)return;const r=svg.getBoundingClientRect(),s=Math.max(box.w/r.width,box.h/r.height);
  box.x=drag.b.x-(e.clientX-drag.x)*s;box.y=drag.b.y-(e.clientY-drag.y)*s;apply();});
window.addEventListener('mouseup',()=>{drag=null;});
apply();
})();
"""
