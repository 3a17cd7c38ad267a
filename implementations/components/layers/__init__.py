"""Layer components: attention, positional encodings, gated units, mixture of experts, blocks, graph layers, regularizers."""
