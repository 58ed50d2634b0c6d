"""medcoop training: encoder conversion, data preparation, fine-tuning and evaluation."""
