"""``medcoop network --engine ray``: extraction on Ray Data.

Batch inference is what Ray Data's ``map_batches`` with an actor pool is for:
each actor (:class:`ExtractionActor`) loads the model once and then extracts
batch after batch; Ray schedules the actors on the cluster's CPUs or, when the
cluster has GPUs, one GPU per actor. The same code runs on a laptop
(``ray.init()`` starts a local Ray) and on a cluster (``--ray-address`` or
``RAY_ADDRESS``), unchanged.

The corpus is fed to Ray in chunks of a few thousand documents, so the driver
holds one chunk at a time; results come back in input order and are written
by the job's writer exactly as the local engine writes them, which is what makes
the two engines' outputs identical (and ``--resume`` work the same).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator

from medcoop.network.inputs import InputDocument

__all__ = ["ExtractionActor", "extract_with_ray", "CHUNK_DOCUMENTS"]

CHUNK_DOCUMENTS = 2048
"""Documents handed to Ray at a time (the driver's memory bound; the actor pool is
started once per chunk, so larger chunks amortise model loading better)."""


class _Collector:
    """Stands in for the job's writer inside an actor: keeps results to send back."""

    def __init__(self):
        self.rows: list[tuple[str, str, str]] = []  # (origin, kind, payload)

    def records(self, records: list[dict]) -> None:
        self.rows += [(r["origin"], "record", json.dumps(r, ensure_ascii=False)) for r in records]

    def error(self, doc: InputDocument, message: str) -> None:
        self.rows.append((doc.origin, "error", message))


class ExtractionActor:
    """One Ray actor: builds the extractor once, then extracts the batches it is given."""

    def __init__(self, extractor: str | None, model: str | None, device: str, batch_size: int):
        from medcoop.network.extractors import load_extractor

        self.extractor = load_extractor(extractor, model, device, batch_size)

    def __call__(self, batch: dict) -> dict:
        from medcoop.network.job import write_batch

        docs = [InputDocument(str(i), str(o), str(t), json.loads(f))
                for i, o, t, f in zip(batch["id"], batch["origin"], batch["text"], batch["fields"])]
        collector = _Collector()
        write_batch(self.extractor, docs, collector)
        by_origin = {origin: (kind, payload) for origin, kind, payload in collector.rows}
        return {
            "order": list(batch["order"]),
            "kind": [by_origin[d.origin][0] for d in docs],
            "payload": [by_origin[d.origin][1] for d in docs],
        }


def extract_with_ray(pending: Iterator[InputDocument], writer, *, batch_size: int, address: str | None = None,
                     workers: int | None = None, extractor: str | None = None, model: str | None = None,
                     device: str = "auto", chunk: int = CHUNK_DOCUMENTS, progress: bool = False) -> None:
    """Extract ``pending`` on Ray and hand the results, in order, to ``writer``."""
    try:
        import ray
    except ImportError as e:
        raise ImportError("--engine ray needs Ray Data: pip install 'medcoop[network-ray]'", name="ray") from e
    from medcoop.network.job import in_batches

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address or os.environ.get("RAY_ADDRESS") or None, include_dashboard=False,
                 log_to_driver=False, logging_level=logging.WARNING, configure_logging=False)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = progress
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    gpus = int(ray.cluster_resources().get("GPU", 0))
    size = workers or gpus or max(1, int(ray.cluster_resources().get("CPU", 1)) // 2)
    try:
        for docs in in_batches(pending, chunk):
            rows = [{"order": k, "id": d.id, "origin": d.origin, "text": d.text, "fields": json.dumps(d.fields)}
                    for k, d in enumerate(docs)]
            dataset = ray.data.from_items(rows).map_batches(
                ExtractionActor,
                fn_constructor_kwargs={"extractor": extractor, "model": model,
                                       "device": "cuda" if gpus else device, "batch_size": batch_size},
                batch_size=batch_size,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=size),
                num_gpus=1 if gpus else None,
            )
            results = sorted(dataset.iter_rows(), key=lambda r: int(r["order"]))
            _write_in_order(docs, results, writer)
    finally:
        if started_here:
            ray.shutdown()


def _write_in_order(docs: list[InputDocument], results: list[dict], writer) -> None:
    if len(results) != len(docs):
        raise RuntimeError(f"Ray returned {len(results)} results for {len(docs)} documents")
    run: list[dict] = []
    for doc, row in zip(docs, results):
        if row["kind"] == "record":
            run.append(json.loads(row["payload"]))
        else:
            writer.records(run)
            run = []
            writer.error(doc, str(row["payload"]))
    writer.records(run)
