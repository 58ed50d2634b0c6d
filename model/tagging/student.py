"""A dilated-convolution character tagger (ID-CNN, Strubell et al. 2017) as a transformers
model, for the fast model: registered with ``AutoConfig`` and
``AutoModelForTokenClassification`` so ``Tagger.from_pretrained``, the runners, the ONNX
export and int8 quantisation treat it like any token classifier.

Each layer is a width-3 convolution with dilation ``d``, written as the concatenation of
the token's vector with those ``d`` positions to its left and right followed by one
linear map: the same function as ``Conv1d(kernel_size=3, dilation=d)``, but it exports to
a plain ``MatMul``, which ONNX Runtime's dynamic int8 quantisation speeds up. Padding is
zeroed before every layer, so a text's output never depends on what it is batched with.
``model_type`` carries the version of this architecture: change the computation, bump it.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForTokenClassification, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import TokenClassifierOutput

__all__ = ["IdCnnConfig", "IdCnnForTokenClassification", "MODEL_TYPE"]

MODEL_TYPE = "medcoop-idcnn-v1"


class IdCnnConfig(PretrainedConfig):
    model_type = MODEL_TYPE

    def __init__(self, vocab_size: int = 21128, hidden_size: int = 256, dilations=(1, 2, 4, 8), blocks: int = 2,
                 hidden_dropout_prob: float = 0.1, layer_norm_eps: float = 1e-12, initializer_range: float = 0.02,
                 pad_token_id: int = 0, **kwargs):
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.dilations = list(dilations)
        self.blocks = blocks
        self.hidden_dropout_prob = hidden_dropout_prob
        self.layer_norm_eps = layer_norm_eps
        self.initializer_range = initializer_range


class IdCnnLayer(nn.Module):
    def __init__(self, hidden: int, dilation: int, eps: float, dropout: float):
        super().__init__()
        self.dilation = dilation
        self.conv = nn.Linear(3 * hidden, hidden)
        self.norm = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        d = self.dilation
        padded = nn.functional.pad(x, (0, 0, d, d))
        window = torch.cat([padded[:, : -2 * d], x, padded[:, 2 * d :]], dim=-1)
        return self.norm(x + self.dropout(nn.functional.gelu(self.conv(window)))) * mask


class IdCnnPreTrainedModel(PreTrainedModel):
    config_class = IdCnnConfig
    base_model_prefix = "idcnn"

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(0.0, self.config.initializer_range)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.weight.data.fill_(1.0)
            module.bias.data.zero_()


class IdCnnForTokenClassification(IdCnnPreTrainedModel):
    def __init__(self, config: IdCnnConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        h = config.hidden_size
        self.word_embeddings = nn.Embedding(config.vocab_size, h)
        self.embeddings_norm = nn.LayerNorm(h, eps=config.layer_norm_eps)
        self.layers = nn.ModuleList(
            IdCnnLayer(h, d, config.layer_norm_eps, config.hidden_dropout_prob)
            for _ in range(config.blocks) for d in config.dilations
        )
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(h, config.num_labels)
        self.post_init()

    def get_input_embeddings(self):
        return self.word_embeddings

    def set_input_embeddings(self, value):
        self.word_embeddings = value

    def forward(self, input_ids=None, attention_mask=None, labels=None, return_dict=None, **kwargs):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        mask = attention_mask.unsqueeze(-1).to(self.word_embeddings.weight.dtype)
        x = self.embeddings_norm(self.word_embeddings(input_ids)) * mask
        for layer in self.layers:
            x = layer(x, mask)
        logits = self.classifier(self.dropout(x))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.reshape(-1, self.num_labels), labels.reshape(-1), ignore_index=-100)
        if return_dict is False or (return_dict is None and not self.config.return_dict):
            return (logits,) if loss is None else (loss, logits)
        return TokenClassifierOutput(loss=loss, logits=logits)


AutoConfig.register(MODEL_TYPE, IdCnnConfig)
AutoModelForTokenClassification.register(IdCnnConfig, IdCnnForTokenClassification)
