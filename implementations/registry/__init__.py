"""The data about implementations: specs and the registry, the factory, smoke checks, sample inputs, coverage reasons.

Nothing here imports torch at import time; building or smoke-testing an implementation does.
The registry never imports the registration modules statically: it loads the explicit list
:data:`implementations.registry.spec.REGISTRATION_MODULES` on first use, so registrations
(which import the registry) and the registry never form an import circle.
"""
