"""Training components: losses, optimizers, learning-rate schedules, initializers, with their oracles."""
