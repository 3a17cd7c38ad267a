"""Whole architectures, one module per family, each with its registrations beside it (as data).

A module here defines compact reference networks (or builders of library networks, such as
Hugging Face ``transformers`` models built from their config classes with random weights, never
downloaded), their sample inputs and expected output shapes, and registers them with
``family=Family.ARCHITECTURE``. Registration is data: importing a module imports neither torch
nor transformers; building a network does. Modules are listed in
``implementations.registry.spec.REGISTRATION_MODULES``.

Worked examples: :mod:`implementations.architectures.feedforward` (``multilayer-perceptron``, a
reference module) and :mod:`implementations.architectures.hf_language` (``gpt-2``, a
``transformers`` model behind :class:`implementations.architectures._hf.HuggingFaceModel`).
"""
