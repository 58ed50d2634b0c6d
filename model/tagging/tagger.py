"""Tagging raw text: normalise, tokenise, run the model over windows, map spans back.

The hot path is batched and vectorised: one tokenizer call per chunk of
documents, windows sorted by length so batches carry little padding, numpy for
the per-token work, and no Python loop over characters.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medcoop.tagging.decoding import DECODERS, allowed_transitions, decode_tags
from medcoop.tagging.device import gpu_precision, resolve_device
from medcoop.tagging.encoding import Encoded, encode_texts, label_scheme, plan_windows, sentence_starts, special_ids, token_spans
from medcoop.entity import Entity
from medcoop.text.normalize import (COMPATIBLE_NORMALIZATIONS, NORMALIZATION, PUNCT_OR_SPACE, NormalizedText, normalize,
                                    trim_spans)

__all__ = ["Tagger", "TaggerSettings", "SHIPPED_MODEL", "SHIPPED_MODELS", "load_settings"]

SHIPPED_MODEL = Path(__file__).resolve().parents[1] / "weights"
SHIPPED_MODELS = {"accurate": SHIPPED_MODEL, "fast": SHIPPED_MODEL.with_name("weights_fast")}
"""The models inside the package, by the name ``Tagger.from_pretrained`` and ``--model`` accept."""
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
    cpu_onnx: str | None = None  # an ONNX file of the folder to run on CPU when ONNX Runtime is installed

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

    threads: int | None = None
    """Intra-op threads of new sessions; None leaves ONNX Runtime's default (all cores).
    Set by the workers of ``tag_many(n_process=N)`` to share the cores out."""

    def __init__(self, path: Path, device: str):
        import onnxruntime as ort

        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device.startswith("cuda") else ["CPUExecutionProvider"]
        options = ort.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
        # Idle pool threads sleep instead of spinning: spinning took the cores the Python side
        # (normalisation, decoding) and other processes needed, +28-40% characters/s measured
        # on 2 busy cores (BENCHMARKS.md); the numbers computed are the same.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(path), sess_options=options, providers=providers)

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
        self.scheme = label_scheme(self.id2label)
        # Windows along sentence ends make a repeated article's copies agree (51-54 -> 52
        # entities per copy of seed 003) but cost 0.3 dev points with the round-1 model and
        # break the seed-003 example; off until a retrained model is measured with them.
        self.sentence_windows = False
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.folder: Path | None = None  # the model folder it was loaded from (its event scorer lives there)
        # How from_pretrained loaded this tagger, so that the workers of tag_many(n_process=N)
        # load the same model; None for a tagger built by hand.
        self.source: dict | None = None

    @classmethod
    def from_pretrained(
        cls, path_or_name: str | Path | None = None, device: str = "auto", batch_size: int = 32,
        onnx: str | bool | None = None,
    ) -> "Tagger":
        """Load a tagger: ``None`` or ``"accurate"`` for the shipped accurate model, ``"fast"``
        for the shipped fast one, a folder written by ``medcoop train`` or ``medcoop export``
        (write ``./fast`` for a folder of that name), or a Hugging Face model name.

        ``onnx`` names an ONNX file of the folder to run on ONNX Runtime; ``False`` runs the
        transformers weights on PyTorch; ``None`` (the default) runs the file the folder's
        settings name in ``cpu_onnx`` (the fast model's int8 file) when the device is the CPU
        and ONNX Runtime is installed, and PyTorch otherwise.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, got {batch_size}")
        device = resolve_device(device)
        named = path_or_name is None or (isinstance(path_or_name, str) and path_or_name in SHIPPED_MODELS)
        source = SHIPPED_MODELS["accurate" if path_or_name is None else path_or_name] if named else path_or_name
        folder = Path(source)
        if named and not (folder / "config.json").exists():
            raise FileNotFoundError(
                f"no model is shipped in {folder}; train one with `medcoop train` and pass its folder"
            )
        if folder.is_dir() and not (folder / "config.json").exists():
            raise FileNotFoundError(f"{folder} is not a model folder (no config.json); pass a folder written by medcoop train or ship")
        settings = load_settings(folder) if folder.is_dir() else TaggerSettings()
        if onnx is None:
            onnx = settings.cpu_onnx if settings.cpu_onnx and device == "cpu" and _has_onnxruntime() else False
        if onnx and not (folder / onnx).is_file():
            raise FileNotFoundError(f"{folder / onnx} does not exist; write it with medcoop export --onnx --out {folder}")
        if onnx and _OnnxTokenizer.fits(folder):
            # ONNX Runtime with the tokenizers library alone: neither transformers nor PyTorch
            # is imported (about 250 MB less memory and a faster start), same tokens.
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            tagger = cls(OnnxRunner(folder / onnx, device), _OnnxTokenizer(folder), config["id2label"], settings, batch_size)
            tagger.folder = folder
            tagger.source = {"path_or_name": source, "device": device, "batch_size": batch_size, "onnx": onnx}
            return tagger
        from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

        import medcoop.tagging.student  # noqa: F401  (registers the fast model's architecture with transformers)

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
        tagger = cls(runner, tokenizer, config.id2label, settings, batch_size)
        tagger.folder = folder if folder.is_dir() else None
        tagger.source = {"path_or_name": source, "device": device, "batch_size": batch_size, "onnx": onnx}
        return tagger

    # --- public API ---------------------------------------------------------------

    def tag(self, text: str) -> list[Entity]:
        """Entities of one raw text, with offsets into ``text``."""
        return next(self.tag_many([text]))

    def tag_many(self, texts: Iterable[str], batch_size: int | None = None, progress: bool = False,
                 n_process: int = 1) -> Iterator[list[Entity]]:
        """Entities of each text, yielded in input order; any number of texts in
        bounded memory (they are read in chunks of about 200,000 characters).

        ``n_process=N`` tags on N worker processes, each loading this model once
        (:mod:`medcoop.tagging.parallel`; ``-1``: one per core): for large jobs on a
        CPU, since starting them takes seconds. Windows are batched in smaller groups,
        which can move a score in its fourth decimal (PyTorch) or, with an int8 ONNX
        model, whose batches share one quantisation scale, change a few entities (as
        ``tag`` and ``tag_many`` can differ). A script that uses it needs the
        ``if __name__ == "__main__":`` guard.

        Wrong arguments are refused here, when called, not at the first ``next()``."""
        if isinstance(texts, str):
            raise TypeError("tag_many() takes an iterable of texts, not one str (it would tag each character); "
                            "use tag(text), or tag_many([text])")
        batch_size = self.batch_size if batch_size is None else batch_size
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a whole number of 1 or more, got {batch_size!r}")
        if not isinstance(n_process, int) or isinstance(n_process, bool) or not (n_process >= 1 or n_process == -1):
            raise ValueError(f"n_process must be a whole number of 1 or more (or -1: one per core), got {n_process!r}")
        if n_process == -1:
            from medcoop.tagging.parallel import cpu_cores

            n_process = cpu_cores()
        if n_process > 1:
            if self.source is None:
                raise ValueError("n_process > 1 needs a tagger loaded with Tagger.from_pretrained: each worker "
                                 "process loads the model the same way")
            from medcoop.tagging.parallel import tag_parallel

            overrides = {"settings": self.settings, "sentence_windows": self.sentence_windows}
            return tag_parallel(self.source, texts, n_process, batch_size, progress, overrides)
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
            tags, scores = decode_tags(p, self.settings.decoder, self.transitions)
            results.append(_spans_to_entities(norm, enc, token_spans(tags, scores, self.scheme), self.scheme.names))
        return results

    def _predict(self, encoded: list[Encoded], batch_size: int, breaks) -> list[np.ndarray]:
        """Label probabilities ``[tokens, labels]`` of every text, each token from the
        window whose core holds it."""
        probs = [np.zeros((len(e), len(self.id2label)), dtype=np.float32) for e in encoded]
        for ids, mask, batch in self._batches(encoded, batch_size, breaks):
            p = _softmax(self.runner(ids, mask))
            for row, (doc, (start, _, core_start, core_end)) in enumerate(batch):
                lo, hi = core_start - start + 1, core_end - start + 1
                probs[doc][core_start:core_end] = p[row, lo:hi]
        return probs

    def _batches(self, encoded: list[Encoded], batch_size: int, breaks):
        """``(ids, mask, windows)`` per batch: the windows of all texts, longest first (little
        padding), each ``(doc, (start, end, core_start, core_end))``, with special tokens."""
        size = self.settings.max_length - 2
        windows = [
            (doc, w)
            for doc, enc in enumerate(encoded)
            for w in plan_windows(len(enc), size, self.settings.margin, breaks[doc])
            if len(enc)
        ]
        windows.sort(key=lambda dw: dw[1][0] - dw[1][1])
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
            yield ids, mask, batch


class _OnnxTokenizer:
    """A folder's ``tokenizer.json`` read by the tokenizers library directly, with the special
    token ids the tagger needs. Used on the ONNX path for tokenizer classes that transformers
    loads from that file unchanged (a generic fast tokenizer, as both shipped models have);
    for others (BERT, XLM-R classes that transformers may rebuild) AutoTokenizer is used."""

    CLASSES = ("TokenizersBackend", "PreTrainedTokenizerFast")

    def __init__(self, folder: Path):
        from tokenizers import Tokenizer

        self.backend_tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        config = _tokenizer_config(folder)
        for name in ("cls", "sep", "bos", "eos", "pad"):
            token = config.get(f"{name}_token")
            token = token.get("content") if isinstance(token, dict) else token
            setattr(self, f"{name}_token_id", self.backend_tokenizer.token_to_id(token) if token else None)

    @classmethod
    def fits(cls, folder: Path) -> bool:
        return (folder / "tokenizer.json").is_file() and _tokenizer_config(folder).get("tokenizer_class") in cls.CLASSES


def _tokenizer_config(folder: Path) -> dict:
    config = {}
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        if (folder / name).is_file():
            config.update(json.loads((folder / name).read_text(encoding="utf-8")))
    return config


def _has_onnxruntime() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


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


def _spans_to_entities(norm: NormalizedText, enc: Encoded, spans, names: tuple[str, ...]) -> list[Entity]:
    """Entities of one text from its token spans (:func:`token_spans`): character offsets,
    the guideline's edge rules, raw offsets; all spans at once but the Entity objects."""
    starts, ends, name_ids, means = spans
    if not len(starts):
        return []
    char_starts, char_ends = _guideline_edges(norm, enc.starts[starts], enc.ends[ends - 1])
    per = names.index("PER") if "PER" in names else -1
    # Only a surname (王 in 王院长) is a one-character entity.
    keep = np.flatnonzero((char_ends - char_starts >= 2) | (name_ids == per))
    labels = [names[i] for i in name_ids[keep].tolist()]
    scores = [round(score, 4) for score in means[keep].tolist()]
    return norm.entities(char_starts[keep], char_ends[keep], labels, scores)


def _guideline_edges(norm: NormalizedText, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brackets, quotes and other punctuation never begin or end a span in the
    guideline (《合作协议》 -> 合作协议); the model sometimes takes one in."""
    return trim_spans((norm.char_flags & PUNCT_OR_SPACE).astype(bool), starts, ends)


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Label probabilities, computed stably in numpy (in place: no temporaries)."""
    exp = logits - logits.max(axis=-1, keepdims=True)
    np.exp(exp, out=exp)
    exp /= exp.sum(axis=-1, keepdims=True)
    return exp.astype(np.float32, copy=False)


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
