"""Rows of tests/test_url_matrix.py for the committee-seat URLs of the organization pages and API."""

from tests.test_url_matrix import API_ANON, LOGIN, ORG_ADMIN_ON_BRANCH_A, Case

_API_VIEWERS_A = {"anonymous": API_ANON, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200,
                  "xuanchuan_a": 200, "shuji_b": 404, "outsider": 404, "dangyuan": 403}
# An empty POST by an administrator is refused as bad input (400); nobody else holds ADMINISTER anywhere.
_API_ADMINISTRATORS = {"anonymous": API_ANON, "admin": 400, "zuzhibu": 400}

CASES: dict = {
    "branches:seat_add": Case(lambda w: f"/orgs/{w.branch_a.pk}/committee/add/",
                              {"anonymous": LOGIN, **ORG_ADMIN_ON_BRANCH_A}),
    "branches:seat_end": Case(lambda w: f"/orgs/{w.branch_a.pk}/committee/{w.seat_a.pk}/end/",
                              {"anonymous": LOGIN, **ORG_ADMIN_ON_BRANCH_A}),
    "api-organization-committee": Case(lambda w: f"/api/v1/organizations/{w.branch_a.pk}/committee/",
                                       _API_VIEWERS_A),
    "api-organization-committee-end": Case(
        lambda w: f"/api/v1/organizations/{w.branch_a.pk}/committee/{w.seat_a.pk}/end/",
        _API_ADMINISTRATORS, method="post", default=403),
}


def prepare(world) -> None:
    """A sitting committee member of branch A (张三 as 组织委员)."""
    import datetime

    from branches.models import CommitteePosition, CommitteeSeat

    world.__dict__["seat_a"] = CommitteeSeat.objects.create(
        organization=world.branch_a, person=world.member_a, position=CommitteePosition.ORGANIZATION,
        starts_on=datetime.date(2024, 1, 5),
    )
