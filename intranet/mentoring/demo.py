"""Demo data for the mentoring area."""


def seed(rng) -> dict:
    return {}
