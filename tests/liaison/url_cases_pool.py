"""Rows of tests/test_url_matrix.py for the pool pages (see Case there). The objects come from
tests/liaison/url_cases.py's prepare (tests/liaison/helpers.py), plus an entry kept by branch A itself."""

from tests.test_url_matrix import Case

LOGIN = 302

# review_liaisons over branch A: the secretary, the institute's committee member, the organization department
# and the administrator; branch A's 宣传委员 is in scope without it (403); everyone else is outside (404).
_REVIEWERS_A = {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200,
                "xuanchuan_a": 403, "shuji_b": 404, "outsider": 404, "dangyuan": 404}
_HOLDERS = {"anonymous": LOGIN, "xuanchuan_a": 403, "dangyuan": 403}


def _entry(path: str = ""):
    return lambda w: f"/liaison/pool/{w.talent_kept_by_branch_a.pk}/{path}"


CASES: dict = {
    "liaison:pool": Case("/liaison/pool/", _HOLDERS, default=200),
    "liaison:profile_new": Case("/liaison/pool/new/", _HOLDERS, default=200),
    "liaison:profile": Case(_entry(), _REVIEWERS_A),
    "liaison:profile_edit": Case(_entry("edit/"), _REVIEWERS_A),
    "liaison:profile_remove": Case(_entry("remove/"), _REVIEWERS_A),
    "liaison:pair_new": Case(_entry("pair/"), _REVIEWERS_A),
}


def prepare(world) -> None:
    """A non-party engineer in branch A's own pool."""
    from .helpers import non_party, profile

    entry = profile(non_party(world.branch_a, "孙工程师"), world.branch_a)
    world.__dict__["talent_kept_by_branch_a"] = entry
