"""Rows of tests/test_url_matrix.py for the committee's review pages and the liaison API (see Case there). The
objects come from tests/liaison/url_cases.py's prepare."""

CASES: dict = {}


def prepare(world) -> None:
    """Nothing of its own: url_cases.prepare adds the liaison objects."""
