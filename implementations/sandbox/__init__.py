"""The sandbox: a zygote process (torch imported once) and a pool of limited workers that build and smoke-test implementations."""
