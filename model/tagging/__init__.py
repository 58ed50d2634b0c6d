"""Entity tagging: label scheme and windows, the tagger and its runners, ONNX export."""

from medcoop.annotation.bio import bio_labels
from medcoop.tagging.tagger import SHIPPED_MODEL, Tagger, TaggerSettings, load_settings

__all__ = ["Tagger", "TaggerSettings", "SHIPPED_MODEL", "load_settings", "bio_labels"]
