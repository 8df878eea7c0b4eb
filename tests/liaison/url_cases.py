"""Rows of tests/test_url_matrix.py for the liaison person's pages and the pool (see Case there)."""

from tests.test_url_matrix import Case

from .helpers import prepare as prepare_liaison

LOGIN = 302

CASES: dict = {
    "liaison:mine": Case("/liaison/", {"anonymous": LOGIN}, default=200),
}


def prepare(world) -> None:
    prepare_liaison(world)
