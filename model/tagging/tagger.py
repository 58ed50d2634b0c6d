"""Tagging raw text: normalise, tokenise, run the model over windows, map spans back.

The hot path is batched and vectorised: one tokenizer call per chunk of
documents, windows sorted by length so batches carry little padding, numpy for
the per-token work, and no Python loop over characters.
"""

from __future__ import annotations

import json
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medcoop.tagging.decoding import DECODERS, allowed_transitions, decode_tags
from medcoop.tagging.device import gpu_precision, resolve_device
from medcoop.tagging.encoding import Encoded, decode_spans, encode_texts, plan_windows, sentence_starts, special_ids
from medcoop.entity import Entity
from medcoop.text.normalize import COMPATIBLE_NORMALIZATIONS, NORMALIZATION, normalize

__all__ = ["Tagger", "TaggerSettings", "SHIPPED_MODEL", "load_settings"]

SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "weights"
SETTINGS_FILE = "medcoop.json"
SETTINGS_FORMATS = ("medcoop.tagger.v1", "medcoop.tagger.v2")
EDGE_RULES = "medcoop.edges.v1"
"""Version of the decoding rules applied to the model's tags (strict BIO, punctuation off
the edges, no one-character entity but a surname): bump it when they change."""


# Texts are normalised and tokenised a chunk at a time (one tokenizer call each) and held
# only while their windows run: about 200,000 characters bound the memory, and 32 batches'
# worth of short documents per chunk let length-sorting fill batches with little padding.
_CHUNK_CHARS = 200_000
_CHUNK_BATCHES = 32


class ModelVersionWarning(UserWarning):
    """A model saved for other input rules than this code applies; its output may be worse."""


@dataclass(frozen=True)
class TaggerSettings:
    """What a saved model expects of its input; stored next to the weights as medcoop.json.

    ``format`` is versioned so that models saved by older releases keep loading: v1 held
    the window sizes only; v2 adds the versions of the normalisation the model was trained
    on and of the decoding rules, so that an old model with new code (or the reverse) is
    detected when it loads.
    """

    format: str = "medcoop.tagger.v2"
    max_length: int = 256
    margin: int = 32
    normalization: str = NORMALIZATION
    edge_rules: str = EDGE_RULES
    decoder: str = "argmax"  # or "viterbi" (medcoop.tagging.decoding); chosen on dev for each model

    def __post_init__(self):
        if self.decoder not in DECODERS:
            raise ValueError(f"unknown decoder {self.decoder!r} in the model settings; this medcoop has {', '.join(DECODERS)}")

    def save(self, folder: str | Path) -> None:
        Path(folder, SETTINGS_FILE).write_text(json.dumps(self.__dict__, indent=2) + "\n")


def load_settings(folder: Path) -> TaggerSettings:
    path = folder / SETTINGS_FILE
    if not path.exists():
        return TaggerSettings()  # a plain Hugging Face token-classification folder
    data = json.loads(path.read_text())
    if data.get("format") not in SETTINGS_FORMATS:
        raise ValueError(
            f"{path}: unknown model format {data.get('format')!r}; this medcoop reads {', '.join(SETTINGS_FORMATS)}. "
            "Upgrade medcoop to load this model."
        )
    if data["format"] == "medcoop.tagger.v1":  # saved before the versions were recorded: round-1 rules
        data = {**data, "normalization": "medcoop.normalize.v1", "edge_rules": "medcoop.edges.v1"}
    known = {k: v for k, v in data.items() if k in TaggerSettings.__dataclass_fields__ and k != "format"}
    settings = TaggerSettings(**known)
    for name, saved, current, compatible in (
        ("normalisation", settings.normalization, NORMALIZATION, COMPATIBLE_NORMALIZATIONS),
        ("decoding rules", settings.edge_rules, EDGE_RULES, ()),
    ):
        if saved != current and saved not in compatible:
            warnings.warn(f"{folder} was trained with {name} {saved}; this medcoop applies {current}. "
                          "Its entities may be off; retrain it, or use the medcoop release it was made with.",
                          ModelVersionWarning, stacklevel=3)
    return settings


class TorchRunner:
    """Runs a transformers token-classification model; fp16/bf16 on a GPU."""

    def __init__(self, model, device: str):
        import torch

        self.torch = torch
        self.device = torch.device(device)
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(gpu_precision(), torch.float32)
        if self.device.type != "cuda":
            dtype = torch.float32
        self.model = model.to(self.device, dtype=dtype).eval()

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        torch = self.torch
        with torch.inference_mode():
            logits = self.model(
                input_ids=torch.from_numpy(ids).to(self.device),
                attention_mask=torch.from_numpy(mask).to(self.device),
            ).logits
            return logits.float().cpu().numpy()


class OnnxRunner:
    """Runs an exported ONNX model with ONNX Runtime (see ``medcoop export``)."""

    def __init__(self, path: Path, device: str):
        import onnxruntime as ort

        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device.startswith("cuda") else ["CPUExecutionProvider"]
        self.session = ort.InferenceSession(str(path), providers=providers)

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self.session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]




class Tagger:
    """A loaded model, reused across calls; safe to share between threads.

    >>> tagger = Tagger.from_pretrained()          # the model shipped in the package
    >>> [e.text for e in tagger.tag("威海市中醫(yī)院副院長許德峰")]
    ['威海市中醫(yī)院', '副院長', '許德峰']
    """

    def __init__(self, runner, tokenizer, id2label: dict[int, str], settings: TaggerSettings, batch_size: int = 32):
        self.runner = runner
        self.tokenizer = tokenizer
        self.id2label = {int(k): v for k, v in id2label.items()}
        self.settings = settings
        self.batch_size = batch_size
        self.first_id, self.last_id = special_ids(tokenizer)
        self.transitions = allowed_transitions(self.id2label)
        # Windows along sentence ends make a repeated article's copies agree (51-54 -> 52
        # entities per copy of seed 003) but cost 0.3 dev points with the round-1 model and
        # break the seed-003 example; off until a retrained model is measured with them.
        self.sentence_windows = False
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    @classmethod
    def from_pretrained(
        cls, path_or_name: str | Path | None = None, device: str = "auto", batch_size: int = 32, onnx: str | None = None
    ) -> "Tagger":
        """Load a tagger: ``None`` for the shipped model, a folder written by ``medcoop
        train`` or ``medcoop export``, or a Hugging Face model name.

        A folder with ``model.onnx`` (or ``model.int8.onnx``) runs on ONNX Runtime when
        ``onnx`` names that file; otherwise the transformers weights are used.
        """
        from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, got {batch_size}")
        device = resolve_device(device)
        source = SHIPPED_MODEL if path_or_name is None else path_or_name
        folder = Path(source)
        if path_or_name is None and not (folder / "config.json").exists():
            raise FileNotFoundError(
                f"no model is shipped in {folder}; train one with `medcoop train` and pass its folder"
            )
        if folder.is_dir() and not (folder / "config.json").exists():
            raise FileNotFoundError(f"{folder} is not a model folder (no config.json); pass a folder written by medcoop train or ship")
        settings = load_settings(folder) if folder.is_dir() else TaggerSettings()
        if onnx and not (folder / onnx).is_file():
            raise FileNotFoundError(f"{folder / onnx} does not exist; write it with medcoop export --onnx --out {folder}")
        with quiet_transformers():
            try:
                tokenizer = AutoTokenizer.from_pretrained(source)
                config = AutoConfig.from_pretrained(source)
            except OSError as e:
                raise FileNotFoundError(
                    f"{source!s}: no such model folder, and no model of that name could be loaded from the Hugging Face "
                    f"hub ({str(e).splitlines()[0]}); pass a folder written by medcoop train, or leave it out for the shipped model"
                ) from None
            if onnx:
                runner = OnnxRunner(folder / onnx, device)
            else:
                # Weights ship in fp16 to stay small; TorchRunner picks the compute precision.
                runner = TorchRunner(AutoModelForTokenClassification.from_pretrained(source, dtype="auto"), device)
        return cls(runner, tokenizer, config.id2label, settings, batch_size)

    # --- public API ---------------------------------------------------------------

    def tag(self, text: str) -> list[Entity]:
        """Entities of one raw text, with offsets into ``text``."""
        return next(self.tag_many([text]))

    def tag_many(self, texts: Iterable[str], batch_size: int | None = None, progress: bool = False) -> Iterator[list[Entity]]:
        """Entities of each text, yielded in input order; any number of texts in
        bounded memory (they are read in chunks of about 200,000 characters).

        Wrong arguments are refused here, when called, not at the first ``next()``."""
        if isinstance(texts, str):
            raise TypeError("tag_many() takes an iterable of texts, not one str (it would tag each character); "
                            "use tag(text), or tag_many([text])")
        batch_size = self.batch_size if batch_size is None else batch_size
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number of 1 or more, got {batch_size!r}")
        return self._stream(texts, batch_size, progress)

    def _stream(self, texts: Iterable[str], batch_size: int, progress: bool) -> Iterator[list[Entity]]:
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(unit="doc", desc="tagging")
        for chunk in _chunks(texts, max_chars=_CHUNK_CHARS, max_docs=_CHUNK_BATCHES * batch_size):
            for entities in self._tag_chunk(chunk, batch_size):
                if bar is not None:
                    bar.update(1)
                yield entities
        if bar is not None:
            bar.close()

    # --- the batched path -------------------------------------------------------------

    def _tag_chunk(self, texts: list[str], batch_size: int) -> list[list[Entity]]:
        norms = [normalize(t) for t in texts]
        encoded = encode_texts(self.tokenizer, [n.clean for n in norms])
        breaks = [sentence_starts(enc, norm.clean) if self.sentence_windows else () for enc, norm in zip(encoded, norms)]
        results = []
        for norm, enc, p in zip(norms, encoded, self._predict(encoded, batch_size, breaks)):
            t, s = decode_tags(p, self.settings.decoder, self.transitions)
            entities = []
            for start, end, label, score in decode_spans(enc, t, s, self.id2label):
                start, end = _guideline_edges(norm.clean, start, end)
                if end - start < 2 and label != "PER":
                    continue  # only a surname (王 in 王院长) is a one-character entity
                entity = norm.entity(start, end, label, round(score, 4))
                if entity is not None:
                    entities.append(entity)
            results.append(entities)
        return results

    def _predict(self, encoded: list[Encoded], batch_size: int, breaks) -> list[np.ndarray]:
        """Label probabilities ``[tokens, labels]`` of every text, each token from the
        window whose core holds it."""
        size = self.settings.max_length - 2
        windows = [
            (doc, w)
            for doc, enc in enumerate(encoded)
            for w in plan_windows(len(enc), size, self.settings.margin, breaks[doc])
            if len(enc)
        ]
        windows.sort(key=lambda dw: dw[1][0] - dw[1][1])  # longest first: little padding
        probs = [np.zeros((len(e), len(self.id2label)), dtype=np.float32) for e in encoded]
        for b in range(0, len(windows), batch_size):
            batch = windows[b : b + batch_size]
            width = max(end - start for _, (start, end, _, _) in batch) + 2
            ids = np.full((len(batch), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, (doc, (start, end, _, _)) in enumerate(batch):
                n = end - start
                ids[row, 0] = self.first_id
                ids[row, 1 : n + 1] = encoded[doc].ids[start:end]
                ids[row, n + 1] = self.last_id
                mask[row, : n + 2] = 1
            p = _softmax(self.runner(ids, mask))
            for row, (doc, (start, _, core_start, core_end)) in enumerate(batch):
                lo, hi = core_start - start + 1, core_end - start + 1
                probs[doc][core_start:core_end] = p[row, lo:hi]
        return probs


@contextmanager
def quiet_transformers():
    """Silence transformers while a model loads (its "Loading weights" bar and load
    reports): a library call prints nothing unless asked. Restores the caller's settings."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _guideline_edges(clean: str, start: int, end: int) -> tuple[int, int]:
    """Brackets, quotes and other punctuation never begin or end a span in the
    guideline (《合作协议》 -> 合作协议); the model sometimes takes one in."""
    while start < end and unicodedata.category(clean[start])[0] in "PZ":
        start += 1
    while end > start and unicodedata.category(clean[end - 1])[0] in "PZ":
        end -= 1
    return start, end


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Label probabilities, computed stably in numpy."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)


def _chunks(texts: Iterable[str], max_chars: int, max_docs: int) -> Iterator[list[str]]:
    """Group texts into lists small enough to hold at once; checks each input's type."""
    chunk: list[str] = []
    size = 0
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(f"tag() takes str, not {type(text).__name__}; decode bytes first (text.decode('utf-8'))")
        chunk.append(text)
        size += len(text)
        if size >= max_chars or len(chunk) >= max_docs:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk
