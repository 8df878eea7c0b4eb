"""Rows of tests/test_url_matrix.py for the liaison API (see Case there), with objects of branch A's own: a pool
entry and a one-to-one pairing with a talk and an open follow-up."""

from tests.test_url_matrix import API_ANON, Case

# review_liaisons over branch A: the secretary, the institute's committee member, the organization department and
# the administrator; branch A's 宣传委员 is in scope without it (403); everyone else is outside (404).
_REVIEWERS_A = {"anonymous": API_ANON, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200,
                "xuanchuan_a": 403, "shuji_b": 404, "outsider": 404, "dangyuan": 404}
# Lists: whoever holds review_liaisons somewhere (each sees their own scope).
_HOLDERS = {"anonymous": API_ANON, "xuanchuan_a": 403, "dangyuan": 403}


def _refused(expect: dict[str, int]) -> dict[str, int]:
    """An empty POST by someone allowed is refused as bad input (400); the others never get that far."""
    return {k: (400 if v == 200 else v) for k, v in expect.items()}


def _entry(path: str = ""):
    return lambda w: f"/api/v1/liaison/pool/{w.api_talent_a.pk}/{path}"


def _pair(path: str = ""):
    return lambda w: f"/api/v1/liaison/pairs/{w.api_pair_a.pk}/{path}"


CASES: dict = {
    "api-liaison-mine": Case("/api/v1/liaison/mine/", {"anonymous": API_ANON}, default=200),
    "api-liaison-pool": Case("/api/v1/liaison/pool/", _HOLDERS, default=200),
    "api-liaison-profile": Case(_entry(), _REVIEWERS_A),
    "api-liaison-profile-remove": Case(_entry("remove/"), _refused(_REVIEWERS_A), method="post"),
    "api-liaison-pairs": Case("/api/v1/liaison/pairs/", _HOLDERS, default=200),
    "api-liaison-pair": Case(_pair(), _REVIEWERS_A),
    "api-liaison-pair-end": Case(_pair("end/"), _refused(_REVIEWERS_A), method="post"),
    "api-liaison-pair-talks": Case(_pair("talks/"), _REVIEWERS_A),
    "api-liaison-follow-up-close": Case(lambda w: f"/api/v1/liaison/follow-ups/{w.api_follow_up_a.pk}/close/",
                                        _refused(_REVIEWERS_A), method="post"),
    "api-liaison-coverage": Case("/api/v1/liaison/coverage/", _HOLDERS, default=200),
    "api-liaison-reviews": Case("/api/v1/liaison/reviews/", _HOLDERS, default=200),
    "api-liaison-funnel": Case("/api/v1/liaison/funnel/", _HOLDERS, default=200),
}


def prepare(world) -> None:
    """A non-party researcher in branch A's own pool, paired with a party member of the branch since
    2026-01-05, with one talk and its open follow-up."""
    import datetime

    from liaison.models import FollowUp, LiaisonPair, LiaisonRole, PairKind, Talk
    from tests.factories import make_member

    from .helpers import START, non_party, profile

    talent = profile(non_party(world.branch_a, "冯研究员"), world.branch_a)
    pair = LiaisonPair.objects.create(organization=world.branch_a, kind=PairKind.PAIRING,
                                      liaison=make_member(world.branch_a, name="褚骨干"),
                                      liaison_role=LiaisonRole.BACKBONE, talent=talent, started_on=START)
    talk = Talk.objects.create(pair=pair, held_on=datetime.date(2026, 2, 1), topics="科研与家庭情况",
                               private_notes="内部备注")
    follow_up = FollowUp.objects.create(talk=talk, text="协调实验用房", owner="褚骨干",
                                        due_on=datetime.date(2026, 12, 31), is_request=True)
    world.__dict__.update(api_talent_a=talent, api_pair_a=pair, api_follow_up_a=follow_up)
