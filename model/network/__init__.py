"""From articles to a cooperation network: institutions resolved across documents
(:mod:`~medcoop.network.resolve`), events with canonical parties and the edges
between institutions that sign together (:mod:`~medcoop.network.build`), and the
corpus job behind ``medcoop network`` (:mod:`~medcoop.network.job`).

>>> from medcoop.network import build
>>> network = build([("a", {"entities": [], "events": [{"type": "medical_alliance", "agreement": "医联体",
...     "parties": ["威海市中医院", "乳山市人民医院"], "signatories": [], "evidence": []}]})])
>>> [i.name for i in network.institutions]
['乳山市人民医院', '威海市中医院']
"""

from medcoop.network.build import Edge, Frames, Network, NetworkEvent, build
from medcoop.network.resolve import Institution, Resolution, resolve

__all__ = ["build", "Network", "NetworkEvent", "Edge", "Frames", "resolve", "Resolution", "Institution"]
