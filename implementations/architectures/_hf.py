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

        transformers.logging.set_verbosity_error()  # type: ignore[no-untyped-call]  # no config warnings about special tokens of a tiny vocabulary
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


class HuggingFaceKeywordModel(HuggingFaceModel):
    """A :class:`HuggingFaceModel` whose positional inputs are passed to the model by name.

    For models whose ``forward`` does not take the sample tensors in positional order (an
    encoder-decoder's ``decoder_input_ids``, CLIP's ``pixel_values``, Whisper's ``input_features``).

    Args:
        config_class: Name of the config class in ``transformers``.
        model_class: Name of the model class.
        output: The output field to return.
        input_names: The keyword of each positional input, in order (``("input_ids", "decoder_input_ids")``).
        config: Keyword arguments of the config class.

    """

    def __init__(self, config_class: str, model_class: str, output: str, input_names: tuple[str, ...], **config: Any) -> None:
        super().__init__(config_class, model_class, output, **config)
        self.input_names = input_names

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        """Run the model on the inputs passed by name and return the selected output field."""
        result: torch.Tensor = getattr(self.model(**dict(zip(self.input_names, inputs, strict=True))), self.output)
        return result


def freeze(module: nn.Module, prefixes: tuple[str, ...]) -> None:
    """Stop training the parameters whose names start with one of ``prefixes`` (parts a forward pass never uses)."""
    for name, parameter in module.named_parameters():
        if name.startswith(prefixes):
            parameter.requires_grad_(False)


def seq2seq_ids(args: Any) -> tuple[torch.Tensor, ...]:
    """Encoder ids ``[2, 8]`` and decoder ids ``[2, 6]`` below ``vocab_size``."""
    vocab = int(args.get("vocab_size", 100))
    return torch.randint(0, vocab, (2, 8)), torch.randint(0, vocab, (2, 6))


def decoder_logits_shape(args: Any, inputs: tuple[torch.Tensor, ...]) -> tuple[int, ...]:
    """``[batch, decoder length, vocab_size]``: an encoder-decoder's logits for its decoder ids (the second input)."""
    batch, length = inputs[1].shape
    return (int(batch), int(length), int(args["vocab_size"]))
