"""Rows of tests/test_url_matrix.py for this area's URLs (see Case there), and the objects they need."""

CASES: dict = {}


def prepare(world) -> None:
    return None
