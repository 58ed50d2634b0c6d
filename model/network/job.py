"""``medcoop network``: extract a whole corpus, document by document, and write its
cooperation network.

The job streams: documents are read, extracted in batches and appended to
``DIR/documents.jsonl`` as each batch finishes (flushed and synced), so memory
stays bounded whatever the corpus size and a killed job loses at most the batch
in flight. A document that cannot be read or extracted is written to
``DIR/errors.csv`` with the reason, and the job goes on. ``resume=True`` skips
every document already in either file (a half-written last line, from a kill in
mid-write, is dropped and its document done again), so a resumed run ends with
exactly the files of an uninterrupted one. Only then are the network files
written (:mod:`medcoop.network.outputs`) from ``documents.jsonl``.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from medcoop.network.inputs import InputDocument, count_inputs, iter_inputs
from medcoop.network.records import record_of

__all__ = [
    "run_job", "JobSummary", "read_records", "write_batch", "record_for", "in_batches", "DOCUMENTS", "ERRORS", "ENGINES",
]

DOCUMENTS = "documents.jsonl"
ERRORS = "errors.csv"
ENGINES = ("local", "ray")
_ERROR_COLUMNS = ["id", "origin", "error"]


@dataclass
class JobSummary:
    """What a run did: documents extracted in all (``documents``) and in this run
    (``extracted``), skipped as done by an earlier run, failed in all, and the
    network's size."""

    out: Path
    documents: int = 0
    extracted: int = 0
    skipped: int = 0
    failed: int = 0
    events: int = 0
    institutions: int = 0
    edges: int = 0
    seconds: float = 0.0
    files: list[Path] = field(default_factory=list)


def run_job(inputs: Iterable[str | Path], out: str | Path, *, resume: bool = False, engine: str = "local",
            batch_size: int = 32, progress: bool = False, extractor: str | None = None, model: str | None = None,
            device: str = "auto", encoding: str | None = None, ray_address: str | None = None,
            workers: int | None = None) -> JobSummary:
    """Extract every document of ``inputs`` into ``out`` and write the network files.

    ``extractor`` names a custom extractor (:mod:`medcoop.network.extractors`);
    ``engine="ray"`` runs extraction on Ray Data (:mod:`medcoop.network.ray_engine`),
    on ``ray_address`` or a local Ray. Prints nothing; ``progress`` shows a bar."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be 1 or more, got {batch_size}")
    inputs = [Path(p) for p in inputs]
    if not inputs:
        raise ValueError("no input given: name text files, folders of .txt files or JSON Lines files")
    for path in inputs:
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder")
    if extractor:
        from medcoop.network.extractors import extractor_factory

        extractor_factory(extractor)  # a misspelt --extractor fails here, before anything is written
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    docs_path, errors_path = out / DOCUMENTS, out / ERRORS
    if resume:
        done = _finished(docs_path, errors_path)
    else:
        if _has_content(docs_path) or _has_content(errors_path):
            raise FileExistsError(f"{out} already holds a run ({DOCUMENTS}); add --resume to continue it, "
                                  f"or choose another --out")
        done = set()
        docs_path.write_text("", encoding="utf-8")
        errors_path.write_text("", encoding="utf-8")
    summary = JobSummary(out)
    bar = _progress_bar(inputs, len(done)) if progress else None
    options = dict(extractor=extractor, model=model, device=device, batch_size=batch_size)
    with docs_path.open("a", encoding="utf-8") as docs_file, errors_path.open("a", encoding="utf-8", newline="") as errors_file:
        writer = _Writer(docs_file, errors_file, bar)
        pending = _pending(iter_inputs(inputs, encoding), done, writer, summary)
        if engine == "ray":
            from medcoop.network.ray_engine import extract_with_ray

            extract_with_ray(pending, writer, address=ray_address, workers=workers, progress=progress, **options)
        else:
            _extract_locally(pending, writer, options)
    if bar is not None:
        bar.close()
    summary.extracted = writer.extracted

    from medcoop.network.build import build
    from medcoop.network.outputs import write_outputs

    network = build(read_records(docs_path))
    summary.files = [docs_path, errors_path, *write_outputs(network, out)]
    summary.documents = sum(1 for _ in _lines(docs_path))
    summary.failed = max(0, sum(1 for _ in _lines(errors_path)) - 1)
    summary.events, summary.institutions, summary.edges = len(network.events), len(network.institutions), len(network.edges)
    summary.seconds = time.perf_counter() - started
    return summary


def read_records(path: str | Path) -> Iterator[dict]:
    """The records of a ``documents.jsonl``, slimmed to what the network needs
    (INST mentions, events, fields), so building holds no more than that."""
    for line in _lines(Path(path)):
        record = json.loads(line)
        record["entities"] = [{"label": "INST", "text": e["text"]} for e in record.get("entities", [])
                              if e.get("label") == "INST"]  # alternatives were read from the text already
        record.pop("people", None)
        yield record


class _Writer:
    """Appends results in input order: records to documents.jsonl, failures to errors.csv."""

    def __init__(self, docs_file, errors_file, bar):
        self.docs_file, self.errors_file, self.bar = docs_file, errors_file, bar
        self.errors = csv.writer(errors_file)
        if errors_file.tell() == 0:
            self.errors.writerow(_ERROR_COLUMNS)
            errors_file.flush()
        self.extracted = 0

    def error(self, doc: InputDocument, message: str) -> None:
        self.errors.writerow([doc.id, doc.origin, " ".join(message.split())])
        _sync(self.errors_file)
        if self.bar is not None:
            self.bar.update(1)

    def records(self, records: list[dict]) -> None:
        for record in records:
            self.docs_file.write(json.dumps(record, ensure_ascii=False) + "\n")
        _sync(self.docs_file)
        self.extracted += len(records)
        if self.bar is not None:
            self.bar.update(len(records))


def _pending(docs: Iterator[InputDocument], done: set[str], writer: _Writer, summary: JobSummary) -> Iterator[InputDocument]:
    """Documents still to extract; unreadable ones go straight to errors.csv."""
    for doc in docs:
        if doc.origin in done:
            summary.skipped += 1
        elif doc.error is not None:
            writer.error(doc, doc.error)
        else:
            yield doc


def _extract_locally(pending: Iterator[InputDocument], writer: _Writer, options: dict) -> None:
    from medcoop.network.extractors import load_extractor

    extractor = None  # loaded at the first document: a finished run resumed loads no model
    for batch in in_batches(pending, options["batch_size"]):
        if extractor is None:
            extractor = load_extractor(options["extractor"], options["model"], options["device"], options["batch_size"])
        write_batch(extractor, batch, writer)


def write_batch(extractor, batch: list[InputDocument], writer) -> None:
    """Extract one batch and write it; when the batch fails, each document is tried
    alone so that one bad document costs only itself."""
    try:
        results = [(doc, d) for doc, d in zip(batch, extractor.extract_many([doc.text for doc in batch]))]
    except Exception:  # noqa: BLE001 - a document the extractor cannot handle must not end the job
        results = []
        for doc in batch:
            try:
                results.append((doc, extractor.extract_many([doc.text])[0]))
            except Exception as e:  # noqa: BLE001
                results.append((doc, e))
    good = []
    for doc, result in results:
        if isinstance(result, Exception):
            writer.records(good)
            good = []
            writer.error(doc, f"extraction failed: {type(result).__name__}: {result}")
        else:
            good.append(record_for(doc, result))
    writer.records(good)


def record_for(doc: InputDocument, extracted) -> dict:
    """The documents.jsonl line of one extracted input: its record, with ``origin``."""
    record = record_of(doc.id, extracted, doc.fields)
    return {"id": record["id"], "origin": doc.origin, **{k: v for k, v in record.items() if k != "id"}}


def in_batches(items: Iterator, size: int) -> Iterator[list]:
    """Lists of ``size`` items (the last one shorter), read lazily."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _finished(docs_path: Path, errors_path: Path) -> set[str]:
    """Origins already written by an earlier run; a half-written last line is cut off."""
    done: set[str] = set()
    _drop_partial_line(docs_path)
    _drop_partial_line(errors_path)
    for line in _lines(docs_path):
        try:
            done.add(json.loads(line)["origin"])
        except (json.JSONDecodeError, KeyError):
            raise ValueError(f"{docs_path}: a line that is not a document record ({line[:60]!r}); "
                             "this folder was not written by medcoop network, choose another --out") from None
    if errors_path.exists():
        with errors_path.open(encoding="utf-8", newline="") as f:
            rows = csv.reader(f)
            header = next(rows, None)
            if header is not None and header != _ERROR_COLUMNS:
                raise ValueError(f"{errors_path}: unexpected columns {header}; choose another --out")
            done.update(row[1] for row in rows if len(row) == len(_ERROR_COLUMNS))
    return done


def _drop_partial_line(path: Path) -> None:
    """Cut a file back to its last complete line (a kill can stop a write midway)."""
    if not path.exists():
        return
    with path.open("rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size == 0:
            return
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        pos = size
        step = 65536
        while pos > 0:
            start = max(0, pos - step)
            f.seek(start)
            chunk = f.read(pos - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                f.truncate(start + cut + 1)
                return
            pos = start
        f.truncate(0)


def _lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line


def _has_content(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def _sync(file) -> None:
    file.flush()
    os.fsync(file.fileno())


def _progress_bar(inputs: list[Path], done: int):
    from tqdm.auto import tqdm

    return tqdm(total=count_inputs(inputs), initial=done, unit="doc", desc="extracting", smoothing=0.1)
