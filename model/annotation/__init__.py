"""Annotated documents: the span format, its file formats, stand-off storage and the checks."""

from medcoop.annotation.document import LABELS, AnnotatedDocument, Span
from medcoop.annotation.formats import FORMATS, read_any, read_jsonl, write_any, write_jsonl
from medcoop.annotation.standoff import StandoffError, shared_dir
from medcoop.annotation.validate import Problem, validate_file

__all__ = [
    "LABELS", "AnnotatedDocument", "Span", "FORMATS", "read_any", "read_jsonl", "write_any", "write_jsonl",
    "StandoffError", "shared_dir", "Problem", "validate_file",
]
