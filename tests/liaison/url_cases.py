"""Rows of tests/test_url_matrix.py for the liaison person's pages and the pool (see Case there)."""

from tests.test_url_matrix import Case

from .helpers import prepare as prepare_liaison

LOGIN = 302

# Who reaches pair_a (甲所党委's, kept by dangwei's person): its liaison, and whoever reviews 甲所党委 (zuzhibu from
# the root, the administrator). Branch roles below it and other institutes do not see it (404).
_PAIR_A = {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 404, "shuji_b": 404,
           "xuanchuan_a": 404, "dangyuan": 404, "outsider": 404}

CASES: dict = {
    "liaison:mine": Case("/liaison/", {"anonymous": LOGIN}, default=200),
    "liaison:card": Case("/liaison/card/", {"anonymous": LOGIN}, default=200),
    "liaison:pairs": Case("/liaison/pairs/", {"anonymous": LOGIN, "xuanchuan_a": 403, "dangyuan": 403}, default=200),
    "liaison:pair": Case(lambda w: f"/liaison/pairs/{w.pair_a.pk}/", _PAIR_A),
    "liaison:talk_new": Case(lambda w: f"/liaison/pairs/{w.pair_a.pk}/talk/", _PAIR_A),
    "liaison:pair_measures": Case(lambda w: f"/liaison/pairs/{w.pair_a.pk}/measures/", _PAIR_A),
    "liaison:pair_end": Case(lambda w: f"/liaison/pairs/{w.pair_a.pk}/end/", _PAIR_A),
    "liaison:follow_up_close": Case(lambda w: f"/liaison/follow-ups/{w.follow_up_a.pk}/close/", _PAIR_A),
}


def prepare(world) -> None:
    prepare_liaison(world)
