"""Reference components written here, by room, each beside its oracles.

``layers``: attention, positional encodings, gated units, MoE, blocks, graph layers, regularizers.
``training``: losses, optimizers, schedulers, initializers. ``oracles``: the closed forms the torch
built-ins are checked against.
"""
