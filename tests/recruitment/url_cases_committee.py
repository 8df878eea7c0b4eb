"""Rows of tests/test_url_matrix.py for this area's URLs (see Case there), and the objects they need.

The committee pages are for committee-level users (党委委员, 组织部, system administrator): branch people get
403 and use their branch's board. The API follows the pipeline's scope: branch A's pipeline is 404 for
shuji_b and the other institute."""

from tests.test_url_matrix import API_ANON, BRANCH_A_VIEWERS, LOGIN, Case

COMMITTEE_VIEWERS = {"admin": 200, "zuzhibu": 200, "dangwei": 200}
COMMITTEE_RECORDERS = {"admin": 200, "zuzhibu": 200}  # 党委委员 (dangwei) has no MANAGE_RECRUITMENT
BRANCH_A_RECRUITERS = {"admin": 400, "zuzhibu": 400, "shuji_a": 400, "dangwei": 403, "xuanchuan_a": 403,
                       "shuji_b": 404, "outsider": 404, "dangyuan": 404}

CASES: dict = {
    "recruitment:committee": Case("/recruitment/committee/", {"anonymous": LOGIN, **COMMITTEE_VIEWERS}, default=403),
    "recruitment:committee_stuck": Case("/recruitment/committee/stuck/", {"anonymous": LOGIN, **COMMITTEE_VIEWERS},
                                        default=403),
    "recruitment:committee_violations": Case("/recruitment/committee/violations/",
                                             {"anonymous": LOGIN, **COMMITTEE_VIEWERS}, default=403),
    "recruitment:committee_pending": Case("/recruitment/committee/pending/",
                                          {"anonymous": LOGIN, **COMMITTEE_RECORDERS}, default=403),
    "recruitment:committee_due": Case("/recruitment/committee/due/", {"anonymous": LOGIN, **COMMITTEE_VIEWERS},
                                      default=403),
    "api-recruitment-pipelines": Case("/api/v1/recruitment/pipelines/", {"anonymous": API_ANON, "dangyuan": 403},
                                      default=200),
    "api-recruitment-pipeline": Case(lambda w: f"/api/v1/recruitment/pipelines/{w.pipeline_a.pk}/",
                                     {"anonymous": API_ANON, **BRANCH_A_VIEWERS}),
    # An empty POST by someone allowed is refused as bad input (400); the others never get that far.
    "api-recruitment-pipeline-steps": Case(lambda w: f"/api/v1/recruitment/pipelines/{w.pipeline_a.pk}/steps/",
                                           {"anonymous": API_ANON, **BRANCH_A_RECRUITERS}, method="post"),
    "api-recruitment-pipeline-stop": Case(lambda w: f"/api/v1/recruitment/pipelines/{w.pipeline_a.pk}/stop/",
                                          {"anonymous": API_ANON, **BRANCH_A_RECRUITERS}, method="post"),
    "api-recruitment-overview": Case("/api/v1/recruitment/overview/", {"anonymous": API_ANON, **COMMITTEE_VIEWERS},
                                     default=403),
    "api-recruitment-due": Case("/api/v1/recruitment/due/", {"anonymous": API_ANON, "dangyuan": 403}, default=200),
}


def prepare(world) -> None:
    """An applicant's pipeline in branch A."""
    import datetime

    from recruitment import services
    from tests.factories import PersonFactory

    person = PersonFactory(organization=world.branch_a, name="钱申请", birth_date=datetime.date(1996, 5, 1))
    world.__dict__["pipeline_a"] = services.pipeline_open(actor=world.shuji_a, person=person,
                                                          applied_on=datetime.date(2026, 1, 5))
