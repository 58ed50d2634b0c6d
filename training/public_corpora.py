"""Public Chinese NER corpora (CLUENER2020, Resume, MSRA) mapped to our four labels.

They are auxiliary training data: plenty of persons, organisations and posts, no
agreements. Each source label is mapped to ours, or turned into ``O`` where our
guideline leaves such mentions unlabelled, or - where the source's notion is too
far from ours to say either way - the whole sentence is left out, so the model is
taught neither a wrong label nor a wrong ``O``. Every decision is counted.

Mapping (see annotations/README.md for the measured counts):

* CLUENER: name -> PER; government, company -> INST; organization -> INST only
  for institutions (universities, associations, institutes...) - most of it is
  sports teams, leagues and bands, whose sentences are left out; position -> ROLE
  only for posts (院长, 总经理, 主任...): occupations (专家, 主持人, 导演, 学生) are
  generic people, ``O`` in our guideline; 记者/通讯员 -> ROLE only before a name
  (the byline rule); address, book, game, movie, scene -> O.
* Resume: NAME -> PER, ORG -> INST, TITLE -> ROLE except party membership
  (中共党员) and professional or academic titles (高级工程师, 教授), which our
  guideline leaves ``O``; EDU, PRO, CONT, RACE, LOC -> O.
* MSRA: PER -> PER, ORG -> INST, LOC -> O.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from medcoop.annotation.bio import tags_to_spans
from medcoop.constants import CJK_BASIC
from medcoop.annotation.document import AnnotatedDocument, Span

__all__ = ["ConversionReport", "convert_cluener", "convert_resume", "convert_msra", "load_public", "CORPORA"]

_POST = re.compile(
    r"(长|主任|书记|经理|总监|董事|主席|委员|秘书|总裁|理事|干事|参事|调研员|巡视员|督学|总编|主编|教练|主帅|"
    r"领队|监事|掌门人|首席执行官|CEO|总经济师|总会计师|总工程师|助理|专员|大使|领事|议员|司令|政委|参谋|代表处首席)$"
)
_BYLINE = re.compile(r"^(记者|通讯员|本报记者|特约记者|见习记者)$")
_NOT_A_POST = re.compile(
    r"(党员|团员|工程师|经济师|会计师|审计师|政工师|评估师|统计师|律师|教授|讲师|研究员|导师|博士|博士后|硕士|学者|"
    r"医师|药师|技术员|会员|干部|教师|人大代表|顾问|专家)$"
)
_INSTITUTION = re.compile(
    r"(大学|学院|学校|中学|小学|医院|研究院|研究所|研究中心|科学院|协会|学会|委员会|基金会|联合会|商会|银行|集团|"
    r"公司|政府|党|部|局|厅|署|办|社|报|台|网|出版社|中心|法院|检察院|组织|联盟|机构|总会|工会)$"
)


# What a corpus never annotates must not be taught as O: MSRA has no posts and no
# corpus has agreements, so characters of such words are left out of the loss
# (their positions go into meta["ignore"], read by medcoop.training.data).
_AGREEMENT_WORDS = re.compile(r"战略|合作|协议|协定|框架|备忘录|意向书|联盟|医联体|医共体|联合体|帮扶|支援|托管|共建|结对|援建")
_POST_WORDS = re.compile(
    r"(?:副|常务副|执行)?(?:书记|院长|校长|部长|局长|厅长|市长|县长|区长|省长|州长|镇长|乡长|主任|主席|总理|委员|"
    r"秘书长|董事长|总经理|经理|会长|理事长|行长|所长|司长|处长|科长|馆长|社长|总裁|主编|记者|通讯员|常委|总书记|司令员|政委)"
)
_UNANNOTATED = {"cluener2020": (_AGREEMENT_WORDS,), "resume": (_AGREEMENT_WORDS,), "msra": (_AGREEMENT_WORDS, _POST_WORDS)}


def _ignore_regions(corpus: str, text: str, spans: list[Span]) -> list[list[int]]:
    """Stretches of ``text`` that ``corpus`` would have left unlabelled whatever they
    are, outside its own spans."""
    taken = set()
    for s in spans:
        taken.update(range(s.start, s.end))
    return [
        [m.start(), m.end()]
        for pattern in _UNANNOTATED.get(corpus, ())
        for m in pattern.finditer(text)
        if not taken.intersection(range(m.start(), m.end()))
    ]


@dataclass
class ConversionReport:
    """How each source label was treated, counted in spans (and sentences left out)."""

    corpus: str
    sentences: int = 0
    sentences_left_out: int = 0
    mapped: Counter = field(default_factory=Counter)  # "name->PER": n
    to_o: Counter = field(default_factory=Counter)  # source label: n
    left_out: Counter = field(default_factory=Counter)  # source label: n (whole sentence)

    def __str__(self) -> str:
        rows = [f"{self.corpus}: {self.sentences} sentences, {self.sentences_left_out} left out"]
        for key, n in sorted(self.mapped.items()):
            rows.append(f"  mapped  {key:<22} {n:>7}")
        for key, n in sorted(self.to_o.items()):
            rows.append(f"  to O    {key:<22} {n:>7}")
        for key, n in sorted(self.left_out.items()):
            rows.append(f"  left out with sentence {key:<8} {n:>7}")
        return "\n".join(rows)


# A mapper takes (label, text of the span, sentence text, span start/end) and returns
# our label, None for O, or "DROP" to leave the sentence out.
Mapper = Callable[[str, str, str, int, int], str | None]


def _cluener_label(label: str, text: str, sentence: str, start: int, end: int) -> str | None:
    if label == "name":
        return "PER"
    if label in ("government", "company"):
        return "INST"
    if label == "organization":
        return "INST" if _INSTITUTION.search(text) else "DROP"
    if label == "position":
        if _BYLINE.match(text):
            return "ROLE" if _name_follows(sentence, end) else None
        return "ROLE" if _POST.search(text) and not _NOT_A_POST.search(text) else None
    return None


def _name_follows(sentence: str, end: int) -> bool:
    """A byline: 记者 directly followed by (a space and) two or three Han characters."""
    return re.match(rf"\s?[{CJK_BASIC}]{{2,3}}", sentence[end:]) is not None


def _resume_label(label: str, text: str, *_) -> str | None:
    if label == "NAME":
        return "PER"
    if label == "ORG":
        return "INST"
    if label == "TITLE":
        return None if _NOT_A_POST.search(text) else "ROLE"
    return None


def _msra_label(label: str, *_) -> str | None:
    return {"PER": "PER", "ORG": "INST"}.get(label)


def _apply(corpus: str, items, mapper: Mapper) -> tuple[list[AnnotatedDocument], ConversionReport]:
    """``items``: (doc_id, source, text, [(start, end, label)]) in source order."""
    report = ConversionReport(corpus)
    docs = []
    for doc_id, source, text, spans in items:
        report.sentences += 1
        ours, to_o, drop = [], Counter(), None
        for start, end, label in spans:
            target = mapper(label, text[start:end], text, start, end)
            if target == "DROP":
                drop = label
            elif target is None:
                to_o[label] += 1
            else:
                ours.append((Span(start, end, target), f"{label}->{target}"))
        if drop is not None:
            report.sentences_left_out += 1
            report.left_out.update(label for _, _, label in spans)
            continue
        report.to_o.update(to_o)
        report.mapped.update(key for _, key in ours)
        kept = _trim_overlaps([s for s, _ in ours])
        ignore = _ignore_regions(corpus, text, kept)
        docs.append(AnnotatedDocument(doc_id, text, kept, source, {"ignore": ignore} if ignore else {}))
    return docs, report


def _trim_overlaps(spans: list[Span]) -> list[Span]:
    kept: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if not kept or s.start >= kept[-1].end:
            kept.append(s)
    return kept


def convert_cluener(path: Path) -> tuple[list[AnnotatedDocument], ConversionReport]:
    """CLUENER2020 JSON lines; its span ends are inclusive."""
    def items():
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                obj = json.loads(line)
                spans = [
                    (start, end + 1, label)
                    for label, surfaces in obj.get("label", {}).items()
                    for positions in surfaces.values()
                    for start, end in positions
                ]
                yield f"cluener-{path.stem}-{number}", f"{path.name}:{number}", obj["text"], sorted(spans)

    return _apply("cluener2020", items(), _cluener_label)


def read_char_tagged(path: Path, sep: str | None):
    """Sentences of a one-character-per-line file (BIO or BMES tags) as (text, spans)."""
    chars: list[str] = []
    tags: list[str] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.strip():
                ch, tag = line.split(sep) if sep else line.split()
                chars.append(ch)
                tags.append(tag)
            elif chars:
                yield "".join(chars), tags_to_spans(tags)
                chars, tags = [], []
    if chars:
        yield "".join(chars), tags_to_spans(tags)


def convert_resume(path: Path) -> tuple[list[AnnotatedDocument], ConversionReport]:
    items = (
        (f"resume-{path.stem.split('.')[0]}-{n}", f"{path.name}#{n}", text, spans)
        for n, (text, spans) in enumerate(read_char_tagged(path, " "), 1)
    )
    return _apply("resume", items, _resume_label)


def convert_msra(path: Path) -> tuple[list[AnnotatedDocument], ConversionReport]:
    items = (
        (f"msra-{path.name}-{n}", f"{path.name}#{n}", text, spans)
        for n, (text, spans) in enumerate(read_char_tagged(path, "\t"), 1)
    )
    return _apply("msra", items, _msra_label)


CORPORA = {
    "cluener": ("cluener2020", {"train": "train.json", "dev": "dev.json"}, convert_cluener),
    "resume": ("resume-ner", {"train": "train.char.bmes", "dev": "dev.char.bmes", "test": "test.char.bmes"}, convert_resume),
    "msra": ("msra-ner", {"train": "msra_train_bio", "test": "msra_test_bio"}, convert_msra),
}


def load_public(name: str, split: str, datasets_dir: str | Path) -> tuple[list[AnnotatedDocument], ConversionReport]:
    """Convert one split of one public corpus found under ``datasets_dir``
    (normally ``../shared/datasets``)."""
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; choose from {', '.join(CORPORA)}")
    folder, files, convert = CORPORA[name]
    if split not in files:
        raise ValueError(f"{name} has no {split!r} split; it has {', '.join(files)}")
    path = Path(datasets_dir) / folder / files[split]
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; point --datasets at the folder holding {folder}/ (../shared/datasets)")
    return convert(path)
