"""Builders, sample inputs and output shapes of the language, speech and multimodal architectures.

Each builder takes its ``transformers`` config class's own field names (plus, for the two wrappers
written here, one argument of their own), so a published configuration is a set of arguments of
the same registration (see :mod:`implementations.architectures.hf_language`). ``transformers`` is
imported only when a model is built.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from implementations.architectures._hf import HuggingFaceKeywordModel, HuggingFaceModel, freeze

_SEQ2SEQ = ("input_ids", "decoder_input_ids")


def build_gpt2(**config: Any) -> HuggingFaceModel:
    """GPT-2: a decoder-only Transformer LM with pre-LN blocks and learned positions.

    Radford, Wu, Child, Luan, Amodei & Sutskever (2019), "Language Models are Unsupervised
    Multitask Learners" (OpenAI report, no arXiv id).

    Args:
        **config: ``transformers.GPT2Config`` fields (``n_embd``, ``n_layer``, ``n_head``, ``vocab_size`` …).

    """
    return HuggingFaceModel("GPT2Config", "GPT2LMHeadModel", "logits", **config)


def build_gpt1(**config: Any) -> HuggingFaceModel:
    """GPT-1: the first generatively pre-trained decoder-only Transformer (post-LN blocks, GELU).

    Radford, Narasimhan, Salimans & Sutskever (2018), "Improving Language Understanding by
    Generative Pre-Training" (OpenAI report, no arXiv id).

    Args:
        **config: ``transformers.OpenAIGPTConfig`` fields (``n_embd``, ``n_layer``, ``n_head``, ``afn`` …).

    """
    return HuggingFaceModel("OpenAIGPTConfig", "OpenAIGPTLMHeadModel", "logits", **config)


def build_bert(**config: Any) -> HuggingFaceModel:
    """BERT with its masked-language-model head (no pooler: every parameter takes part).

    Devlin, Chang, Lee & Toutanova (2019), "BERT: Pre-training of Deep Bidirectional Transformers
    for Language Understanding", arXiv:1810.04805.

    Args:
        **config: ``transformers.BertConfig`` fields (``hidden_size``, ``num_hidden_layers`` …).

    """
    return HuggingFaceModel("BertConfig", "BertForMaskedLM", "logits", **config)


def build_llama(**config: Any) -> HuggingFaceModel:
    """LLaMA: pre-RMSNorm decoder with rotary positions, a SwiGLU MLP and (optionally) grouped KV heads.

    Touvron et al. (2023), "LLaMA: Open and Efficient Foundation Language Models", arXiv:2302.13971.

    Args:
        **config: ``transformers.LlamaConfig`` fields (``hidden_size``, ``num_key_value_heads``, ``rope_parameters`` …).

    """
    return HuggingFaceModel("LlamaConfig", "LlamaForCausalLM", "logits", **config)


def build_mamba(**config: Any) -> HuggingFaceModel:
    """Mamba: a selective state-space language model (input-dependent step size and projections, gated by SiLU).

    Gu & Dao (2023), "Mamba: Linear-Time Sequence Modeling with Selective State Spaces", arXiv:2312.00752.

    Args:
        **config: ``transformers.MambaConfig`` fields (``hidden_size``, ``state_size``, ``expand``, ``conv_kernel`` …).

    """
    return HuggingFaceModel("MambaConfig", "MambaForCausalLM", "logits", **config)


def build_rwkv(**config: Any) -> HuggingFaceModel:
    """RWKV: time-mixing with a linear-attention recurrence (WKV) and channel-mixing, run as an RNN or in parallel.

    Peng et al. (2023), "RWKV: Reinventing RNNs for the Transformer Era", arXiv:2305.13048.

    Args:
        **config: ``transformers.RwkvConfig`` fields (``hidden_size``, ``attention_hidden_size``, ``context_length`` …).

    """
    return HuggingFaceModel("RwkvConfig", "RwkvForCausalLM", "logits", **config)


def build_t5(**config: Any) -> HuggingFaceModel:
    """T5: an encoder-decoder with relative position buckets and RMS-style layer norms.

    Raffel et al. (2020), "Exploring the Limits of Transfer Learning with a Unified Text-to-Text
    Transformer", arXiv:1910.10683.

    Args:
        **config: ``transformers.T5Config`` fields (``d_model``, ``d_kv``, ``d_ff``, ``feed_forward_proj`` …).

    """
    return HuggingFaceKeywordModel("T5Config", "T5ForConditionalGeneration", "logits", _SEQ2SEQ, **config)


def build_switch(**config: Any) -> HuggingFaceModel:
    """Switch Transformer: T5 with top-1 routed mixture-of-experts feed-forward layers.

    Fedus, Zoph & Shazeer (2022), "Switch Transformers: Scaling to Trillion Parameter Models with
    Simple and Efficient Sparsity", arXiv:2101.03961.

    Args:
        **config: ``transformers.SwitchTransformersConfig`` fields (``num_experts``, ``expert_capacity`` …).

    """
    return HuggingFaceKeywordModel("SwitchTransformersConfig", "SwitchTransformersForConditionalGeneration", "logits", _SEQ2SEQ, **config)


def build_bart(**config: Any) -> HuggingFaceModel:
    """BART: a bidirectional encoder and an autoregressive decoder joined by cross-attention.

    Lewis et al. (2020), "BART: Denoising Sequence-to-Sequence Pre-training for Natural Language
    Generation, Translation, and Comprehension", arXiv:1910.13461.

    Args:
        **config: ``transformers.BartConfig`` fields (``d_model``, ``encoder_layers``, ``decoder_layers`` …).

    """
    return HuggingFaceKeywordModel("BartConfig", "BartForConditionalGeneration", "logits", _SEQ2SEQ, **config)


def build_perceiver(**config: Any) -> HuggingFaceModel:
    """Perceiver IO for masked language modelling: latents cross-attend to the bytes, queries decode them.

    Jaegle et al. (2022), "Perceiver IO: A General Architecture for Structured Inputs & Outputs",
    arXiv:2107.14795 (after Jaegle et al. (2021), "Perceiver: General Perception with Iterative
    Attention", arXiv:2103.03206).

    Args:
        **config: ``transformers.PerceiverConfig`` fields (``num_latents``, ``d_latents``, ``d_model`` …).

    """
    return HuggingFaceModel("PerceiverConfig", "PerceiverForMaskedLM", "logits", **config)


class PrefixLanguageModel(nn.Module):
    """A prefix LM: one LLaMA-style decoder whose mask is bidirectional over a prefix and causal after it.

    ``allowed(i, j) = (j < P) or (j ≤ i)``. Raffel et al. (2020), "Exploring the Limits of Transfer
    Learning with a Unified Text-to-Text Transformer", arXiv:1910.10683 (§3.2.1); Dong et al.
    (2019), "Unified Language Model Pre-training for Natural Language Understanding and
    Generation", arXiv:1905.03197.

    Args:
        prefix_length: P, the number of leading positions that see each other in both directions.
        **config: ``transformers.LlamaConfig`` fields.

    """

    def __init__(self, prefix_length: int = 4, **config: Any) -> None:
        super().__init__()
        self.decoder = build_llama(**config)
        self.prefix_length = prefix_length

    def mask(self, length: int) -> torch.Tensor:
        """The ``[length, length]`` boolean mask: True where query ``i`` may attend to key ``j``."""
        j = torch.arange(length)
        return (j[None, :] < self.prefix_length) | (j[None, :] <= j[:, None])

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Logits ``[batch, length, vocab]`` under the prefix-LM mask (a 4-D mask passed to the decoder)."""
        batch, length = input_ids.shape
        mask = self.mask(length).to(input_ids.device)[None, None].expand(batch, 1, length, length)
        logits: torch.Tensor = self.decoder.model(input_ids=input_ids, attention_mask=mask).logits
        return logits


class TransformerXL(nn.Module):
    """Transformer-XL: the input is read in segments, each attending to the cached (gradient-stopped) states of the last.

    Dai et al. (2019), "Transformer-XL: Attentive Language Models Beyond a Fixed-Length Context",
    arXiv:1901.02860. ``transformers`` 5 no longer ships ``TransfoXLModel``; XLNet keeps its
    backbone (relative sinusoidal positions with the ``u``/``v`` biases, segment-level memory), and
    with ``attn_type="uni"`` and no permutation mask it is the Transformer-XL language model (Yang
    et al. (2019), "XLNet: Generalized Autoregressive Pretraining for Language Understanding",
    arXiv:1906.08237). XLNet's own additions, the segment-type embeddings and the two-stream mask
    embedding, take no part and are frozen.

    Args:
        segment_length: Tokens per segment; the input is cut into segments of this length.
        **config: ``transformers.XLNetConfig`` fields (``d_model``, ``n_layer``, ``n_head``, ``mem_len`` …).

    """

    def __init__(self, segment_length: int = 4, **config: Any) -> None:
        super().__init__()
        self.lm = HuggingFaceModel("XLNetConfig", "XLNetLMHeadModel", "logits", **{"attn_type": "uni", "use_mems_train": True, **config})
        layers = range(self.lm.config.n_layer)
        unused = tuple(f"transformer.layer.{i}.rel_attn.{name}" for i in layers for name in ("r_s_bias", "seg_embed"))
        freeze(self.lm.model, ("transformer.mask_emb", *unused))
        self.segment_length = segment_length

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """Logits ``[batch, length, vocab]``, segment after segment, each reading the memory the last one left."""
        mems, logits = None, []
        for segment in input_ids.split(self.segment_length, dim=1):  # type: ignore[no-untyped-call]
            out = self.lm.model(input_ids=segment, mems=mems, use_mems=True)
            mems = out.mems
            logits.append(out.logits)
        return torch.cat(logits, dim=1)


class RetrievalAugmentedGenerator(nn.Module):
    """RAG-Token: a DPR question encoder scores retrieved passages, a BART generator reads each, the outputs are marginalised.

    ``p(y_i | x, y_<i) = Σ_z p(z | x) p(y_i | x, z, y_<i)`` with ``p(z | x) ∝ exp(d(z)·q(x))``.
    Lewis et al. (2020), "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks",
    arXiv:2005.11401. The top-k search over an index is no part of the network: the inputs carry
    the retrieved passages and their fixed document-encoder vectors ``d(z)``, as ``RagRetriever`` returns them,
    and the question ids serve both the question encoder and the generator (one tokenizer here).

    Args:
        **config: ``transformers.RagConfig`` fields (``question_encoder`` and ``generator`` as dicts with a ``model_type``).

    """

    def __init__(self, **config: Any) -> None:
        super().__init__()
        self.rag = HuggingFaceModel("RagConfig", "RagTokenForGeneration", "logits", **config)

    def doc_scores(self, input_ids: torch.Tensor, passage_vectors: torch.Tensor) -> torch.Tensor:
        """``q(x)·d(z)`` for each retrieved passage: ``[batch, n_docs]``."""
        question = self.rag.model.rag.question_encoder(input_ids).pooler_output
        return torch.bmm(question[:, None], passage_vectors.transpose(1, 2)).squeeze(1)

    def forward(
        self, input_ids: torch.Tensor, passage_ids: torch.Tensor, passage_vectors: torch.Tensor, decoder_input_ids: torch.Tensor
    ) -> torch.Tensor:
        """Marginal next-token log-probabilities ``[batch, decoder length, vocab]``; each context is passage + question."""
        n_docs = passage_ids.shape[1]
        context = torch.cat([passage_ids, input_ids[:, None].expand(-1, n_docs, -1)], dim=2).flatten(0, 1)
        out = self.rag.model(
            context_input_ids=context,
            context_attention_mask=torch.ones_like(context),
            doc_scores=self.doc_scores(input_ids, passage_vectors),
            decoder_input_ids=decoder_input_ids,
            n_docs=n_docs,
            do_marginalize=True,
        )
        logits: torch.Tensor = out.logits
        return logits


def perceiver_ids(args: Any) -> tuple[torch.Tensor, ...]:
    """Token ids ``[2, max_position_embeddings]`` (Perceiver IO decodes one query per position)."""
    return (torch.randint(0, int(args["vocab_size"]), (2, int(args["max_position_embeddings"]))),)


def perceiver_logits_shape(args: Any, inputs: tuple[torch.Tensor, ...]) -> tuple[int, ...]:
    """``[batch, max_position_embeddings, vocab_size]``."""
    return (int(inputs[0].shape[0]), int(args["max_position_embeddings"]), int(args["vocab_size"]))


def rag_inputs(args: Any) -> tuple[torch.Tensor, ...]:
    """Question ids ``[2, 8]``, ``n_docs`` retrieved passages ``[2, n_docs, 8]`` with their vectors, decoder ids ``[2, 6]``."""
    question_encoder, generator, n_docs = args["question_encoder"], args["generator"], int(args["n_docs"])
    vocab = int(generator["vocab_size"])
    question = torch.randint(0, min(vocab, int(question_encoder["vocab_size"])), (2, 8))  # ids both encoders read
    passages = torch.randint(0, vocab, (2, n_docs, 8))
    return question, passages, torch.randn(2, n_docs, int(question_encoder["hidden_size"])), torch.randint(0, vocab, (2, 6))


def rag_logits_shape(args: Any, inputs: tuple[torch.Tensor, ...]) -> tuple[int, ...]:
    """``[batch, decoder length, generator vocab_size]``."""
    return (int(inputs[0].shape[0]), int(inputs[3].shape[1]), int(args["generator"]["vocab_size"]))
