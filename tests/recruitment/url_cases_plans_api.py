"""Rows of tests/test_url_matrix.py for the annual recruitment plans (see Case there)."""

CASES: dict = {}


def prepare(world) -> None:
    """The plan objects the rows need (none yet)."""
