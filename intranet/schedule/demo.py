"""Demo data for the schedule area."""


def seed(rng) -> dict:
    return {}
