"""What turns a batch of texts into extracted documents for a corpus job.

The default is the shipped model through :func:`medcoop.Tagger.tag_many` (texts
batched through the network together) and the event rules of
:func:`medcoop.events.extract_many` (what ``medcoop.extract`` does). ``--extractor MODULE:NAME``
plugs in any other: ``NAME`` is a class or function that takes no arguments and
returns an object with ``extract_many(texts) -> list[Document]``. The Ray engine
builds it by that same string in each worker, so a custom extractor runs there too.
"""

from __future__ import annotations

import importlib
from typing import Protocol

__all__ = ["Extractor", "ModelExtractor", "load_extractor", "extractor_factory"]


class Extractor(Protocol):
    def extract_many(self, texts: list[str]) -> list:
        """One :class:`medcoop.events.Document` per text, in order."""


class ModelExtractor:
    """The shipped model (or ``model``, a folder) and the learnt event extractor, as ``medcoop.extract``."""

    def __init__(self, model: str | None = None, device: str = "auto", batch_size: int = 32):
        from medcoop import default_tagger
        from medcoop.tagging.tagger import Tagger

        if model is None and device == "auto":
            self.tagger = default_tagger()
        else:
            self.tagger = Tagger.from_pretrained(model, device=device)
        self.batch_size = batch_size

    def extract_many(self, texts: list[str]) -> list:
        from medcoop.events.extractor import extract_many

        return list(extract_many(texts, self.tagger, batch_size=self.batch_size))


def load_extractor(spec: str | None = None, model: str | None = None, device: str = "auto",
                   batch_size: int = 32) -> Extractor:
    """The extractor ``spec`` names (``"package.module:Name"``), else the model one."""
    if not spec:
        return ModelExtractor(model, device, batch_size)
    extractor = extractor_factory(spec)()
    if not callable(getattr(extractor, "extract_many", None)):
        raise ValueError(f"--extractor {spec!r}: what it builds has no extract_many(texts) method")
    return extractor


def extractor_factory(spec: str):
    """What ``spec`` names, imported but not yet called: a job checks it before it starts."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"--extractor {spec!r}: write it as MODULE:NAME, e.g. mypackage.extract:MyExtractor")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except ModuleNotFoundError as e:
        raise ValueError(f"--extractor {spec!r}: no module {e.name!r} (is it on PYTHONPATH?)") from None
    except AttributeError:
        raise ValueError(f"--extractor {spec!r}: module {module_name!r} has no {attr!r}") from None
