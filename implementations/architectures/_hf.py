"""Hugging Face ``transformers`` models as architectures: built from a config class, random weights, one output tensor.

``transformers`` is imported only when a model is built (about 4–5 s the first time in a
process), never when a registration is read. Nothing is downloaded: models are made from their
config classes, never with ``from_pretrained``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class HuggingFaceModel(nn.Module):
    """A ``transformers`` model built from its config class, returning one tensor of its output.

    Args:
        config_class: Name of the config class in ``transformers`` (``"GPT2Config"``).
        model_class: Name of the model class (``"GPT2LMHeadModel"``).
        output: The output field to return (``"logits"``, ``"last_hidden_state"``).
        config: Keyword arguments of the config class (sizes, activation, …).

    """

    def __init__(self, config_class: str, model_class: str, output: str, **config: Any) -> None:
        super().__init__()
        import transformers

        transformers.logging.set_verbosity_error()  # no config warnings about special tokens of a tiny vocabulary
        self.config = getattr(transformers, config_class)(**config)
        self.model = getattr(transformers, model_class)(self.config)
        self.output = output

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        """Run the model on positional inputs and return the selected output field."""
        result: torch.Tensor = getattr(self.model(*inputs), self.output)
        return result


def token_ids(args: Any) -> tuple[torch.Tensor, ...]:
    """Token ids ``[2, 8]`` below ``vocab_size`` (the caller seeds the generator)."""
    return (torch.randint(0, int(args.get("vocab_size", 100)), (2, 8)),)


def logits_shape(args: Any, inputs: tuple[torch.Tensor, ...]) -> tuple[int, ...]:
    """``[batch, length, vocab_size]``: a language model's logits for its input ids."""
    batch, length = inputs[0].shape
    return (int(batch), int(length), int(args["vocab_size"]))
