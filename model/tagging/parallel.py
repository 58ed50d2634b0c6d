"""Tagging on several processes: ``Tagger.tag_many(texts, n_process=N)``, ``medcoop tag --jobs N``.

N worker processes are started with the ``spawn`` method (a fresh interpreter each:
forking a process that already runs torch's thread pools is fragile), and each
loads the model once, the way the parent's tagger was loaded
(:meth:`~medcoop.tagging.tagger.Tagger.from_pretrained`), with ``cores // N`` torch (or
ONNX Runtime) threads so that the N workers together do not oversubscribe the cores.
The parent reads the input lazily, sends it in tasks of about 16,000 characters (at
batch size 32), keeps at most two tasks per worker in flight (bounded memory, whatever
the input's size) and yields the results in input order.

The workers batch the windows of smaller groups of texts than ``n_process=1`` does, so a
window shares its batch with other windows. With PyTorch that moves a probability in its
last bits at most: the entities are the same and a score can differ in its fourth
decimal (measured: 2 of 5,103 entities of the accurate model). An int8 ONNX model
quantises each batch's activations with one scale for the whole batch, so its output
depends on a window's batch neighbours, here as between ``tag(text)`` and ``tag_many``:
measured on the fast model, 65 of 9,722 entities differ between 1 and 2 processes.

Starting the workers costs a few seconds (each imports torch and loads the
model), so this pays off for large jobs only. As with any ``spawn`` pool, a script
that calls it must guard its entry point with ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator

__all__ = ["cpu_cores", "threads_per_worker", "tag_parallel"]

# Characters and documents per task, for a batch size of 32 (they scale with it): small
# enough that N workers share out a few hundred thousand characters evenly, large enough
# that a task fills whole batches (a GPU's batches of 512 get tasks of 256,000 characters).
TASK_CHARS = 16_000
TASK_BATCHES = 4

_tagger = None  # the worker's own tagger, loaded once by _start_worker


def cpu_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_per_worker(n_process: int) -> int:
    """Torch / ONNX Runtime threads for each of ``n_process`` workers: the cores shared out."""
    return max(1, cpu_cores() // n_process)


def _start_worker(load: dict, overrides: dict, threads: int) -> None:
    """Runs once in each worker: thread counts first, then the model."""
    global _tagger
    if threads == 1:
        os.environ["TOKENIZERS_PARALLELISM"] = "false"  # the Rust tokenizer's own thread pool
    import torch

    torch.set_num_threads(threads)
    from medcoop.tagging.tagger import OnnxRunner, Tagger

    OnnxRunner.threads = threads
    _tagger = Tagger.from_pretrained(**load)
    for name, value in overrides.items():  # settings the parent changed after loading
        setattr(_tagger, name, value)


def _tag_task(texts: list[str], batch_size: int) -> list:
    return list(_tagger.tag_many(texts, batch_size=batch_size))


def tag_parallel(load: dict, texts: Iterable[str], n_process: int, batch_size: int, progress: bool = False,
                 overrides: dict | None = None) -> Iterator[list]:
    """Entities of each text, in input order, tagged by ``n_process`` workers that each
    run ``Tagger.from_pretrained(**load)``; ``overrides`` are tagger attributes to set
    after loading (as the parent has them)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from medcoop.tagging.tagger import _chunks

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(unit="doc", desc=f"tagging ({n_process} processes)")
    pool = ProcessPoolExecutor(max_workers=n_process, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker,
                               initargs=(load, overrides or {}, threads_per_worker(n_process)))
    pending: deque = deque()
    finished = False
    try:
        for task in _chunks(texts, max_chars=max(1, TASK_CHARS * batch_size // 32), max_docs=TASK_BATCHES * batch_size):
            pending.append(pool.submit(_tag_task, task, batch_size))
            while len(pending) >= 2 * n_process:  # the input is read only as fast as results come back
                yield from _results(pending.popleft(), bar)
        while pending:
            yield from _results(pending.popleft(), bar)
        finished = True
    finally:
        # Stopped early (an error, or the caller left the loop): drop the queued tasks, and
        # leave the running ones to end on their own rather than wait for them.
        pool.shutdown(wait=finished, cancel_futures=not finished)
        if bar is not None:
            bar.close()


def _results(future, bar) -> Iterator[list]:
    results = future.result()
    if bar is not None:
        bar.update(len(results))
    yield from results
