"""``medcoop train --config configs/NAME.yaml``: fine-tune a tagger, stage by stage.

Each stage is a transformers ``Trainer`` run (which brings accelerate: CPU, one
GPU or ``accelerate launch`` on several, mixed precision, checkpoints and
resuming). Between stages the model carries over; the dev split of our own
annotations picks the best checkpoint and stops a stage early when it stops
improving. The finished model is written to ``OUTPUT_DIR/model`` with its label
dictionary, window settings and a record of how it was made; nothing is ever
written into the shipped model folder.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import time
from pathlib import Path

import numpy as np

from medcoop.tagging.device import gpu_precision, resolve_device
from medcoop.annotation.bio import bio_labels
from medcoop.tagging.tagger import SHIPPED_MODEL, Tagger, TaggerSettings, TorchRunner

from medcoop.training.encoder.base_model import load_base
from medcoop.training.config import Stage, TrainConfig
from medcoop.training.data import documents_to_windows, file_digest, resolve_data
from medcoop.training.evaluate import evaluate_tagger

__all__ = ["train"]

log = logging.getLogger("medcoop.train")


def train(config: TrainConfig, resume: bool = False) -> Path:
    """Run every stage of ``config``; returns the folder of the finished model.

    Every input is checked before the output folder is made, and a run that fails
    before writing anything removes the folder it made: no empty ``runs/`` folders."""
    out = _check_output_dir(config, resume)
    created = not out.exists()
    try:
        return _train(config, resume, out)
    except BaseException:
        if created and out.exists() and not any(p.is_file() for p in out.rglob("*")):
            shutil.rmtree(out, ignore_errors=True)
        raise


def _train(config: TrainConfig, resume: bool, out: Path) -> Path:
    from transformers import DataCollatorForTokenClassification, EarlyStoppingCallback, set_seed

    set_seed(config.seed)
    labels = bio_labels(config.labels)
    label2id = {l: i for i, l in enumerate(labels)}
    data_args = dict(splits=config.splits, annotations=config.annotations, datasets_dir=config.datasets_dir)

    dev_docs, sources = [], []
    for spec in config.dev:
        docs, note = resolve_data(spec, **data_args)
        dev_docs += docs
        sources.append(note)
    stage_docs = []
    for stage in config.stages:
        docs = []
        for spec in stage.data:
            part, note = resolve_data(spec, **data_args)
            docs += part
            sources.append(note)
        stage_docs.append(docs)

    out.mkdir(parents=True, exist_ok=True)
    model, tokenizer = load_base(config, labels, texts=[d.text for docs in stage_docs for d in docs] + [d.text for d in dev_docs])
    settings = TaggerSettings(max_length=config.max_length, margin=config.margin)
    collator = DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=8)
    dev_windows = _dataset(dev_docs, tokenizer, label2id, config)
    history = []
    for number, (stage, docs) in enumerate(zip(config.stages, stage_docs)):
        stage_dir = out / f"stage{number}-{stage.name}"
        if (stage_dir / "done.json").exists():
            log.info("stage %s already finished; loading its model", stage.name)
            model = model.from_pretrained(stage_dir / "best")
            history.append(json.loads((stage_dir / "done.json").read_text()))
            continue
        train_windows = _dataset(docs, tokenizer, label2id, config)
        log.info("stage %s: %d documents -> %d windows", stage.name, len(docs), len(train_windows))
        args = _training_arguments(config, stage, stage_dir, len(train_windows), has_dev=bool(dev_docs))
        callbacks = [EarlyStoppingCallback(stage.early_stopping_patience)] if stage.early_stopping_patience and dev_docs else []
        trainer = _trainer_class(dev_docs, tokenizer, settings, config.labels)(
            model=model, args=args, train_dataset=train_windows, eval_dataset=dev_windows if len(dev_docs) else None,
            data_collator=collator, callbacks=callbacks, optimizers=(_optimizer(model, stage, config.weight_decay), None),
        )
        checkpoint = resume and any(stage_dir.glob("checkpoint-*"))
        started = time.time()
        trainer.train(resume_from_checkpoint=True if checkpoint else None)
        model = trainer.model
        trainer.save_model(stage_dir / "best")
        tokenizer.save_pretrained(stage_dir / "best")  # each stage's best is a loadable tagger too
        settings.save(stage_dir / "best")
        record = {"stage": stage.name, "seconds": round(time.time() - started), "windows": len(train_windows),
                  "best_dev": trainer.state.best_metric, "log": trainer.state.log_history[-20:]}
        (stage_dir / "done.json").write_text(json.dumps(record, indent=1, default=str))
        history.append(record)

    final = out / "model"
    model.config.id2label = dict(enumerate(labels))
    model.config.label2id = label2id
    model.save_pretrained(final)
    tokenizer.save_pretrained(final)
    settings.save(final)
    tagger = Tagger(TorchRunner(model, resolve_device("auto")), tokenizer, model.config.id2label, settings)
    dev_scores = evaluate_tagger(tagger, dev_docs, config.labels).to_dict() if dev_docs else None
    _write_record(final, config, sources, history, dev_scores)
    log.info("finished: %s (dev micro F1 %s)", final, dev_scores and dev_scores["micro"]["f1"])
    return final


def _check_output_dir(config: TrainConfig, resume: bool) -> Path:
    out = Path(config.output_dir).resolve()
    if out == SHIPPED_MODEL.resolve() or SHIPPED_MODEL.resolve() in out.parents:
        raise ValueError(f"output_dir {out} is the shipped model folder; train into a new folder and copy deliberately")
    if out.exists() and any(out.iterdir()) and not resume:
        raise FileExistsError(f"{out} is not empty; pass --resume to continue that run, or choose a new --output-dir")
    if resume and not out.exists():
        raise FileNotFoundError(f"--resume: there is no run in {out} to continue; leave --resume out to start one")
    return out


def _trainer_class(docs, tokenizer, settings: TaggerSettings, labels):
    """A ``Trainer`` whose evaluation tags ``docs`` whole, as the shipped tagger would."""
    from transformers import Trainer

    class RawOffsetTrainer(Trainer):
        """Checkpoints are chosen by the evaluation users see (``medcoop evaluate``): strict
        spans on raw offsets over whole dev documents, after the tagger's decoding and edge
        rules, not seqeval over overlapping token windows (where tokens in overlaps count twice)."""

        def evaluate(self, eval_dataset=None, ignore_keys=None, metric_key_prefix="eval"):
            tagger = Tagger(_LiveRunner(self.model), tokenizer, self.model.config.id2label, settings,
                            batch_size=self.args.per_device_eval_batch_size)
            scores = evaluate_tagger(tagger, docs, labels)
            metrics = {f"{metric_key_prefix}_f1": scores.micro.f1}
            metrics.update({f"{metric_key_prefix}_f1_{label}": prf.f1 for label, prf in scores.per_label.items()})
            self.log(metrics)
            self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
            return metrics

    return RawOffsetTrainer


class _LiveRunner:
    """Runs the model being trained as it is (device and precision untouched), in eval mode."""

    def __init__(self, model):
        self.model = model

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        device = next(self.model.parameters()).device
        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode():
                logits = self.model(input_ids=torch.from_numpy(ids).to(device),
                                    attention_mask=torch.from_numpy(mask).to(device)).logits
            return logits.float().cpu().numpy()
        finally:
            self.model.train(was_training)


def _dataset(docs, tokenizer, label2id, config: TrainConfig):
    from datasets import Dataset

    return Dataset.from_dict(documents_to_windows(docs, tokenizer, label2id, config.max_length, config.margin))


def _optimizer(model, stage: Stage, weight_decay: float):
    """AdamW with its own learning rate for the fresh classifier head: with one
    shared rate the head of an e5 encoder learns only the label prior (its hidden
    states are small), see the encoder notes."""
    import torch

    groups: dict[tuple[bool, bool], list] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        head = name.startswith("classifier")
        decay = param.ndim > 1 and "LayerNorm" not in name
        groups.setdefault((head, decay), []).append(param)
    return torch.optim.AdamW([
        {"params": params, "lr": stage.head_learning_rate if head else stage.learning_rate,
         "weight_decay": weight_decay if decay else 0.0}
        for (head, decay), params in groups.items()
    ])


def _training_arguments(config: TrainConfig, stage: Stage, stage_dir: Path, n_windows: int, has_dev: bool = True):
    import torch
    from transformers import TrainingArguments

    cuda = torch.cuda.is_available()
    precision = gpu_precision() if config.mixed_precision == "auto" else config.mixed_precision
    evaluate = ("steps" if stage.eval_every else "epoch") if has_dev else "no"
    steps_per_epoch = max(1, -(-n_windows // config.batch_size))
    return TrainingArguments(
        output_dir=str(stage_dir),
        num_train_epochs=stage.epochs,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size * 2,
        learning_rate=stage.learning_rate,
        warmup_steps=int(stage.warmup_ratio * steps_per_epoch * stage.epochs),
        weight_decay=config.weight_decay,
        eval_strategy=evaluate,
        save_strategy=evaluate if has_dev else "steps",
        eval_steps=stage.eval_every or None,
        save_steps=stage.eval_every or config.save_steps,
        save_total_limit=2,
        load_best_model_at_end=has_dev,  # without a dev split the last model is kept
        metric_for_best_model="f1" if has_dev else None,
        greater_is_better=True,
        logging_steps=config.logging_steps,
        seed=config.seed,
        data_seed=config.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        report_to="none",
        use_cpu=not cuda,
        dataloader_num_workers=0,
        train_sampling_strategy="group_by_length",  # similar lengths together: little padding
    )


def _write_record(folder: Path, config: TrainConfig, sources: list[str], history: list, dev_scores) -> None:
    import accelerate
    import datasets
    import torch
    import transformers

    files = [Path(p) for p in [config.splits, *config.annotations] if Path(p).exists()]
    record = {
        "config": config.to_dict(),
        "seed": config.seed,
        "data": sources,
        "data_sha256": {str(p): file_digest(p) for p in files},
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
                     "datasets": datasets.__version__, "accelerate": accelerate.__version__},
        "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else platform.processor() or platform.machine(),
        "stages": history,
        "dev": dev_scores,
    }
    (folder / "training_record.json").write_text(json.dumps(record, indent=1, ensure_ascii=False, default=str))
