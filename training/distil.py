"""``python -m medcoop.training.distil --config configs/fast-NAME.yaml``: a small, fast
student tagger distilled from the accurate one.

1. The teacher (the shipped accurate model unless ``teacher`` names another folder)
   labels every document of every stage's data with its per-token label
   distribution, through the same normalisation, tokenizer and windows as
   ``Tagger.tag_many``. Its log-probabilities are cached on disk (``cache_dir``, one
   file per data spec and teacher) so reruns skip this slow step.
2. A small student shares the teacher's tokenizer: a plain ``BertForTokenClassification``
   or the dilated-convolution tagger of :mod:`medcoop.tagging.student` (registered with
   transformers, so loading, ONNX export and int8 quantisation stay the accurate model's
   paths either way); its embeddings start as the teacher's projected onto their
   principal components.
3. Stages, as in ``medcoop train``: each minimises ``soft_weight`` x the KL divergence
   to the teacher's distributions at ``temperature`` (times T^2) plus ``gold_weight`` x
   the cross-entropy on gold labels. Gold labels are used for our own annotations
   only: the public corpora's mapped labels are partial, so there the teacher, which
   reads them in our guideline, is the only target. Checkpoints are chosen on dev
   (raw-offset micro-F1, as ``medcoop evaluate``); the test split is refused.

The finished student goes to ``OUTPUT_DIR/model`` with its settings and a training
record; ``python -m medcoop.training.ship OUTPUT_DIR/model --name fast`` puts it into
the package.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import logging
import math
import platform
import time
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, Field

from medcoop.annotation.bio import bio_labels
from medcoop.annotation.document import Span
from medcoop.constants import DEFAULT_ANNOTATIONS, DEFAULT_SPLITS, LABELS
from medcoop.annotation.standoff import shared_dir
from medcoop.tagging.encoding import encode_texts, plan_windows, special_ids, token_labels
from medcoop.tagging.tagger import SHIPPED_MODEL, Tagger, TaggerSettings, TorchRunner, quiet_transformers
from medcoop.text.normalize import NORMALIZATION, normalize

from medcoop.training.config import _STRICT, load_yaml_model
from medcoop.training.data import file_digest, resolve_data
from medcoop.training.evaluate import evaluate_tagger

__all__ = ["DistilConfig", "StudentShape", "DistilStage", "load_distil_config", "distil", "teacher_targets"]

log = logging.getLogger("medcoop.distil")

CACHE_FORMAT = "medcoop.distil-cache.v1"


class StudentShape(BaseModel):
    """``bert``: ``layers`` transformer layers ``hidden`` wide, ``heads`` attention heads,
    feed-forward ``intermediate``. ``idcnn``: dilated convolutions ``hidden`` wide,
    ``blocks`` repeats of ``dilations`` (:mod:`medcoop.tagging.student`)."""

    model_config = _STRICT

    architecture: Literal["bert", "idcnn"] = "bert"
    dilations: list[int] = Field(default_factory=lambda: [1, 2, 4, 8])
    blocks: int = Field(2, ge=1)
    layers: int = Field(3, ge=1)
    hidden: int = Field(256, ge=8)
    heads: int = Field(4, ge=1)
    intermediate: int = Field(1024, ge=8)
    max_positions: int = Field(512, ge=16)
    embeddings: Literal["teacher-pca", "random"] = "teacher-pca"


class DistilStage(BaseModel):
    model_config = _STRICT

    name: str
    data: list[str] = Field(min_length=1)
    epochs: float = Field(3.0, gt=0)
    learning_rate: float = Field(1e-3, gt=0)
    warmup_ratio: float = Field(0.05, ge=0, lt=1)
    soft_weight: float = Field(1.0, ge=0)  # KL to the teacher
    gold_weight: float = Field(0.0, ge=0)  # cross-entropy on gold labels (our annotations only)
    early_stopping_patience: int = Field(0, ge=0)  # dev evaluations without improvement before stopping
    eval_every: int = Field(0, ge=0)  # steps between dev evaluations; 0 = once per epoch


class DistilConfig(BaseModel):
    model_config = _STRICT

    output_dir: str
    cache_dir: str  # teacher outputs, reused across runs; keep it outside the repository
    stages: list[DistilStage] = Field(min_length=1)
    student: StudentShape = Field(default_factory=StudentShape)
    teacher: str | None = None  # a model folder; None = the shipped accurate model
    init_from: str | None = None  # a student folder to continue from (its shape, not ``student``, is used)
    temperature: float = Field(2.0, gt=0)
    labels: list[str] = Field(default_factory=lambda: list(LABELS))
    dev: list[str] = Field(default_factory=lambda: ["annotations:dev"])
    splits: str = str(DEFAULT_SPLITS)
    annotations: list[str] = Field(default_factory=lambda: [str(p) for p in DEFAULT_ANNOTATIONS])
    datasets_dir: str = Field(default_factory=lambda: str(shared_dir() / "datasets"))
    batch_size: int = Field(32, ge=1)
    teacher_batch_size: int = Field(64, ge=1)
    max_length: int = Field(256, ge=16)
    margin: int = Field(32, ge=0)
    weight_decay: float = Field(0.01, ge=0)
    seed: int = 42
    threads: int | None = Field(None, ge=1)  # torch threads; None = torch's default

    def to_dict(self) -> dict:
        return self.model_dump()


def load_distil_config(path: str | Path, **overrides) -> DistilConfig:
    """Read a distillation YAML; unknown, missing and mistyped keys are errors naming the key."""
    return load_yaml_model(path, DistilConfig, **overrides)


def is_distil_config(path: str | Path) -> bool:
    """Whether a YAML recipe is a distillation (it names a ``student`` or a ``cache_dir``)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and ("student" in data or "cache_dir" in data)


# --- teacher targets ----------------------------------------------------------------


class DocTargets:
    """One document as the student sees it: token ids, the teacher's log-probabilities
    per token, and gold labels (-100 where there are none)."""

    __slots__ = ("ids", "logp", "gold")

    def __init__(self, ids: np.ndarray, logp: np.ndarray, gold: np.ndarray):
        self.ids, self.logp, self.gold = ids, logp, gold


def _teacher_digest(folder: Path) -> str:
    return file_digest(folder / "model.safetensors")[:16]


def teacher_targets(spec: str, docs, teacher: Tagger, teacher_id: str, cache_dir: Path, label2id: dict[str, int],
                    use_gold: bool, batch_size: int) -> tuple[list[DocTargets], dict]:
    """The teacher's per-token log-probabilities for ``docs`` (cached), with gold labels
    when ``use_gold``; returns them and a summary for the training record."""
    norms = [normalize(d.text) for d in docs]
    encoded = encode_texts(teacher.tokenizer, [n.clean for n in norms])
    texts_digest = hashlib.sha256("\x00".join(n.clean for n in norms).encode("utf-8")).hexdigest()[:16]
    key = hashlib.sha256(json.dumps([CACHE_FORMAT, spec, teacher_id, texts_digest, NORMALIZATION,
                                     teacher.settings.max_length, teacher.settings.margin]).encode()).hexdigest()[:16]
    safe = "".join(c if c.isalnum() else "_" for c in spec)
    path = cache_dir / f"{safe}-{key}.npz"
    started = time.time()
    if path.exists():
        cached = np.load(path)
        logp_all, lengths = cached["logp"], cached["lengths"]
        if list(lengths) != [len(e) for e in encoded]:
            raise ValueError(f"{path}: cached teacher outputs do not match the documents' tokens; delete it")
        log.info("teacher targets for %s from %s", spec, path)
        cached_hit = True
    else:
        log.info("teacher labels %s: %d documents, %d characters", spec, len(docs), sum(len(n.clean) for n in norms))
        parts = []
        step = 2000
        for i in range(0, len(encoded), step):
            probs = teacher._predict(encoded[i : i + step], batch_size, [()] * len(encoded[i : i + step]))
            parts += [np.log(np.maximum(p, 1e-7)).astype(np.float16) for p in probs]
            log.info("  %s: %d/%d documents, %.0f s", spec, min(i + step, len(encoded)), len(encoded), time.time() - started)
        lengths = np.array([len(e) for e in encoded], dtype=np.int64)
        logp_all = np.concatenate(parts) if parts else np.zeros((0, len(label2id)), np.float16)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial.npz")
        np.savez(tmp, logp=logp_all, lengths=lengths)
        tmp.rename(path)
        cached_hit = False
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    out = []
    for k, (doc, norm, enc) in enumerate(zip(docs, norms, encoded)):
        gold = np.full(len(enc), -100, dtype=np.int64)
        if use_gold:
            spans = []
            for s in doc.spans:
                lo, hi = norm.clean_span(s.start, s.end)
                if lo < hi:
                    spans.append(Span(lo, hi, s.label))
            gold = token_labels(enc, spans, label2id) if len(enc) else gold
            for start, end in doc.meta.get("ignore", ()):
                lo, hi = norm.to_clean(start, end)
                gold[(enc.starts < hi) & (enc.ends > lo)] = -100
        out.append(DocTargets(enc.ids, logp_all[offsets[k] : offsets[k + 1]], gold))
    summary = {"spec": spec, "documents": len(docs), "characters": sum(len(n.clean) for n in norms),
               "tokens": int(offsets[-1]), "gold": use_gold, "cache": str(path), "cached": cached_hit,
               "teacher_seconds": None if cached_hit else round(time.time() - started)}
    return out, summary


def _windows(targets: list[DocTargets], max_length: int, margin: int, first: int, last: int):
    """Training rows: ``(ids, logp, gold)`` per window, special tokens added (no target there)."""
    rows = []
    for t in targets:
        for start, end, _, _ in plan_windows(len(t.ids), max_length - 2, margin):
            if end <= start:
                continue
            ids = np.concatenate([[first], t.ids[start:end], [last]]).astype(np.int64)
            logp = np.zeros((end - start + 2, t.logp.shape[1]), dtype=np.float16)
            logp[1:-1] = t.logp[start:end]
            gold = np.concatenate([[-100], t.gold[start:end], [-100]]).astype(np.int64)
            rows.append((ids, logp, gold))
    return rows


def _batches(rows, batch_size: int, rng: np.random.Generator, pad_id: int):
    """Length-grouped, shuffled batches as tensors (ids, mask, soft mask, logp, gold)."""
    import torch

    order = np.argsort([len(r[0]) + rng.random() for r in rows])  # similar lengths together
    groups = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(groups)
    for group in groups:
        width = max(len(rows[i][0]) for i in group)
        n_labels = rows[group[0]][1].shape[1]
        ids = np.full((len(group), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(group), width), dtype=np.int64)
        soft = np.zeros((len(group), width), dtype=np.float32)
        logp = np.zeros((len(group), width, n_labels), dtype=np.float32)
        gold = np.full((len(group), width), -100, dtype=np.int64)
        for row, i in enumerate(group):
            r_ids, r_logp, r_gold = rows[i]
            n = len(r_ids)
            ids[row, :n], mask[row, :n], logp[row, :n], gold[row, :n] = r_ids, 1, r_logp, r_gold
            soft[row, 1 : n - 1] = 1.0
        yield tuple(torch.from_numpy(a) for a in (ids, mask, soft, logp, gold))


# --- the student ----------------------------------------------------------------------


def build_student(shape: StudentShape, teacher_model, labels: list[str], pad_id: int):
    """A fresh ``BertForTokenClassification`` of ``shape`` sharing the teacher's vocabulary;
    with ``teacher-pca`` its word, position and type embeddings are the teacher's
    projected onto their top ``hidden`` principal directions (of the word embeddings)."""
    import torch
    from transformers import BertConfig, BertForTokenClassification

    t_config = teacher_model.config
    labels_config = dict(id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    if shape.architecture == "idcnn":
        from medcoop.tagging.student import IdCnnConfig, IdCnnForTokenClassification

        student = IdCnnForTokenClassification(IdCnnConfig(
            vocab_size=t_config.vocab_size, hidden_size=shape.hidden, dilations=shape.dilations, blocks=shape.blocks,
            pad_token_id=pad_id, **labels_config))
        if shape.embeddings == "teacher-pca":
            with torch.no_grad():
                student.word_embeddings.weight.copy_(_pca(teacher_model.base_model.embeddings.word_embeddings.weight, shape.hidden)[0])
        return student
    if shape.hidden % shape.heads:
        raise ValueError(f"student hidden {shape.hidden} is not a multiple of heads {shape.heads}")
    config = BertConfig(
        vocab_size=t_config.vocab_size, hidden_size=shape.hidden, num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads, intermediate_size=shape.intermediate,
        max_position_embeddings=shape.max_positions, type_vocab_size=t_config.type_vocab_size,
        pad_token_id=pad_id, layer_norm_eps=1e-12, **labels_config,
    )
    student = BertForTokenClassification(config)
    if shape.embeddings == "teacher-pca":
        t_emb = teacher_model.base_model.embeddings
        with torch.no_grad():
            words, proj = _pca(t_emb.word_embeddings.weight, shape.hidden)
            s_emb = student.bert.embeddings
            s_emb.word_embeddings.weight.copy_(words)
            positions = t_emb.position_embeddings.weight.float()[: shape.max_positions]
            s_emb.position_embeddings.weight[: len(positions)].copy_((positions - positions.mean(0)) @ proj)
            types = t_emb.token_type_embeddings.weight.float()
            s_emb.token_type_embeddings.weight.copy_((types - types.mean(0)) @ proj)
    return student


def _pca(weight, k: int):
    """``weight`` (rows = vocabulary) centred and projected onto its top ``k`` principal
    directions, and the projection ``[teacher hidden, k]``."""
    import torch

    words = weight.detach().float()
    centred = words - words.mean(0, keepdim=True)
    _, _, v = torch.linalg.svd(centred, full_matrices=False)
    if k > v.shape[0]:
        raise ValueError(f"student hidden {k} exceeds the teacher's {v.shape[0]}: use embeddings: random")
    proj = v[:k].T
    return centred @ proj, proj


def _evaluate(model, tokenizer, settings, dev_docs, labels, batch_size):
    from medcoop.training.train import _LiveRunner

    tagger = Tagger(_LiveRunner(model), tokenizer, model.config.id2label, settings, batch_size=batch_size)
    return evaluate_tagger(tagger, dev_docs, labels)


def _run_stage(model, stage: DistilStage, rows, config: DistilConfig, tokenizer, settings, dev_docs, rng) -> dict:
    import torch
    import torch.nn.functional as F

    steps_per_epoch = max(1, math.ceil(len(rows) / config.batch_size))
    total = max(1, int(steps_per_epoch * stage.epochs))
    warmup = int(stage.warmup_ratio * total)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim > 1 and "LayerNorm" not in name else no_decay).append(p)
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=stage.learning_rate)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / max(1, warmup) if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    T = config.temperature
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    history, best, best_state, stale, step, started = [], -1.0, None, 0, 0, time.time()
    eval_every = stage.eval_every or steps_per_epoch
    running = []

    def evaluate() -> bool:
        nonlocal best, best_state, stale
        scores = _evaluate(model, tokenizer, settings, dev_docs, config.labels, config.batch_size * 2)
        f1 = scores.micro.f1
        entry = {"step": step, "epoch": round(step / steps_per_epoch, 2), "loss": round(float(np.mean(running)), 4) if running else None,
                 "dev_f1": f1, **{f"dev_f1_{k}": v.f1 for k, v in scores.per_label.items()},
                 "seconds": round(time.time() - started)}
        running.clear()
        history.append(entry)
        log.info("stage %s %s", stage.name, entry)
        if f1 > best:
            best, best_state, stale = f1, copy.deepcopy(model.state_dict()), 0
        else:
            stale += 1
        return bool(stage.early_stopping_patience and stale >= stage.early_stopping_patience)

    stop = False
    while step < total and not stop:
        for ids, mask, soft, logp, gold in _batches(rows, config.batch_size, rng, pad_id):
            model.train()
            logits = model(input_ids=ids, attention_mask=mask).logits
            loss = torch.zeros(())
            if stage.soft_weight:
                target = F.softmax(logp / T, dim=-1)
                kl = (target * (F.log_softmax(logp / T, dim=-1) - F.log_softmax(logits / T, dim=-1))).sum(-1)
                loss = loss + stage.soft_weight * T * T * (kl * soft).sum() / soft.sum().clamp(min=1)
            if stage.gold_weight and (gold != -100).any():
                loss = loss + stage.gold_weight * F.cross_entropy(logits.reshape(-1, logits.shape[-1]), gold.reshape(-1),
                                                                  ignore_index=-100)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            running.append(loss.item())
            step += 1
            if step % 100 == 0:
                log.info("stage %s step %d/%d loss %.4f (%.0f s)", stage.name, step, total, np.mean(running[-100:]),
                         time.time() - started)
            if dev_docs and step % eval_every == 0:
                stop = evaluate()
            if step >= total or stop:
                break
    if dev_docs and (not history or history[-1]["step"] != step):
        evaluate()
    if best_state is not None:
        model.load_state_dict(best_state)
    return {"stage": stage.name, "seconds": round(time.time() - started), "windows": len(rows), "steps": step,
            "best_dev": best if dev_docs else None, "log": history}


# --- the run ----------------------------------------------------------------------------


def distil(config: DistilConfig, teacher_only: bool = False) -> Path:
    """Distil the teacher into a student as ``config`` says; returns the student's folder
    (with ``teacher_only``, only fill the teacher cache and return its folder)."""
    import torch

    out = Path(config.output_dir).resolve()
    if out == SHIPPED_MODEL.resolve() or SHIPPED_MODEL.parent.resolve() in out.parents:
        raise ValueError(f"output_dir {out} is inside the package; train into a run folder and ship deliberately")
    if out.exists() and any(out.iterdir()) and not teacher_only:
        raise FileExistsError(f"{out} is not empty; choose a new --output-dir")
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    labels = bio_labels(config.labels)
    label2id = {l: i for i, l in enumerate(labels)}
    data_args = dict(splits=config.splits, annotations=config.annotations, datasets_dir=config.datasets_dir)

    teacher_folder = Path(config.teacher) if config.teacher else SHIPPED_MODEL
    teacher = Tagger.from_pretrained(teacher_folder, device="cpu", batch_size=config.teacher_batch_size, onnx=False)
    if [teacher.id2label[i] for i in range(len(teacher.id2label))] != labels:
        raise ValueError(f"the teacher's labels {teacher.id2label} are not {labels}")
    teacher_id = _teacher_digest(teacher_folder)
    tokenizer = teacher.tokenizer
    first, last = special_ids(tokenizer)
    settings = TaggerSettings(max_length=config.max_length, margin=config.margin)

    dev_docs, sources = [], []
    for spec in config.dev:
        docs, note = resolve_data(spec, **data_args)
        dev_docs += docs
        sources.append(note)
    dev_ids = {str(d.id) for d in dev_docs}
    cache_dir = Path(config.cache_dir)
    targets: dict[str, list[DocTargets]] = {}
    summaries = []
    for stage in config.stages:
        for spec in stage.data:
            if spec in targets:
                continue
            docs, note = resolve_data(spec, **data_args)
            if any(str(d.id) in dev_ids for d in docs):
                raise ValueError(f"{spec} holds dev documents; dev is kept for choosing checkpoints")
            sources.append(note)
            use_gold = not spec.startswith("public:")
            targets[spec], summary = teacher_targets(spec, docs, teacher, teacher_id, cache_dir, label2id, use_gold,
                                                     config.teacher_batch_size)
            summaries.append(summary)
    if teacher_only:
        return cache_dir
    # The teacher's dev figure from its own record (scoring it again costs minutes on a CPU).
    teacher_record = teacher_folder / "training_record.json"
    teacher_scores = json.loads(teacher_record.read_text()).get("dev") if teacher_record.exists() else None

    out.mkdir(parents=True, exist_ok=True)
    if config.init_from:
        from transformers import AutoModelForTokenClassification

        import medcoop.tagging.student  # noqa: F401  (registers the ID-CNN student)

        with quiet_transformers():
            student = AutoModelForTokenClassification.from_pretrained(config.init_from, dtype=torch.float32)
    else:
        student = build_student(config.student, teacher.runner.model, labels, teacher.pad_id)
    del teacher
    history = []
    for stage in config.stages:
        rows = [r for spec in stage.data for r in _windows(targets[spec], config.max_length, config.margin, first, last)]
        log.info("stage %s: %d windows, %d tokens", stage.name, len(rows), sum(len(r[0]) for r in rows))
        history.append(_run_stage(student, stage, rows, config, tokenizer, settings, dev_docs, rng))

    final = out / "model"
    student.save_pretrained(final)
    tokenizer.save_pretrained(final)
    settings.save(final)
    tagger = Tagger(TorchRunner(student, "cpu"), tokenizer, student.config.id2label, settings)
    dev_scores = evaluate_tagger(tagger, dev_docs, config.labels).to_dict() if dev_docs else None
    _write_record(final, config, teacher_folder, teacher_id, sources, summaries, history, dev_scores,
                  teacher_scores, student)
    log.info("finished: %s (dev micro F1 %s)", final, dev_scores and dev_scores["micro"]["f1"])
    return final


def _write_record(folder: Path, config: DistilConfig, teacher_folder: Path, teacher_id: str, sources, summaries, history,
                  dev_scores, teacher_dev, student) -> None:
    import torch
    import transformers

    files = [Path(p) for p in [config.splits, *config.annotations] if Path(p).exists()]
    record = {
        "kind": "distillation",
        "config": config.to_dict(),
        "seed": config.seed,
        "teacher": {"folder": str(teacher_folder), "weights_sha256_16": teacher_id, "dev_from_its_record": teacher_dev},
        "student_parameters": sum(p.numel() for p in student.parameters()),
        "data": sources,
        "teacher_targets": summaries,
        "data_sha256": {str(p): file_digest(p) for p in files},
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__},
        "device": platform.processor() or platform.machine(),
        "stages": history,
        "dev": dev_scores,
    }
    if config.init_from and (Path(config.init_from) / "training_record.json").exists():
        record["init_from_record"] = json.loads((Path(config.init_from) / "training_record.json").read_text())
    (folder / "training_record.json").write_text(json.dumps(record, indent=1, ensure_ascii=False, default=str))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--output-dir", help="override the config's output_dir")
    parser.add_argument("--teacher-only", action="store_true", help="only label the data with the teacher (fill the cache)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    folder = distil(load_distil_config(args.config, output_dir=args.output_dir), teacher_only=args.teacher_only)
    print(f"{'teacher outputs cached in' if args.teacher_only else 'model written to'} {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
