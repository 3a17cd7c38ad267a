"""The ``nnvocab`` command line (typer + rich), one module per group of commands.

* :mod:`service.cli.commands`: the graph (``concept``, ``pairs``, ``stats``, ``query``, ``export``,
  ``load``, ``validate``, ``build``, ``serve``) and the ``app`` that gathers every command;
* :mod:`service.cli.implementations`: ``instantiate``, ``smoke``, ``coverage``;
* :mod:`service.cli.pairs`: the pairs table and its JSON;
* :mod:`service.cli.sweep`: ``verify-pairings`` (the pairing sweep);
* :mod:`service.cli.admin`: ``reload``.
"""

from service.cli.commands import app, main

__all__ = ["app", "main"]
