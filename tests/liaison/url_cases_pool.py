"""Rows of tests/test_url_matrix.py for this part of the liaison work (see Case there). The objects come from
tests/liaison/url_cases.py's prepare (tests/liaison/helpers.py)."""

CASES: dict = {}


def prepare(world) -> None:
    """Nothing of its own."""
