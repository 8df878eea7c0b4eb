import pytest

from .helpers import prepare


@pytest.fixture
def lworld(world):
    """The personas' world with the liaison objects of tests/liaison/helpers.py."""
    prepare(world)
    return world
