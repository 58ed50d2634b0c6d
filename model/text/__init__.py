"""Text as the model reads it: normalisation with offset maps, sentences, dates."""

from medcoop.text.dates import article_date, find_date, iso_date
from medcoop.text.normalize import PLACEHOLDER, NormalizedText, normalize
from medcoop.text.sentences import split_sentences

__all__ = ["normalize", "NormalizedText", "PLACEHOLDER", "split_sentences", "article_date", "find_date", "iso_date"]
