"""Demo data for the suggestions area."""


def seed(rng) -> dict:
    return {}
