"""Every URL of the portal, for every persona.

`CASES` lists each named URL with the path to request and the status each persona must get. The first test fails
as soon as a URL is added without a row here, so no page or endpoint escapes the scope tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

PERSONAS = ["anonymous", "admin", "zuzhibu", "dangwei", "shuji_a", "shuji_b", "xuanchuan_a", "dangyuan", "outsider"]

# URLs that are not the portal's own pages: Django admin (guarded by is_staff and tested in the admin tests),
# static serving in DEBUG.
IGNORED_PREFIXES = ("admin:",)


def iter_url_names(patterns=None, namespace: str | None = None):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from iter_url_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name


@dataclass
class Case:
    path: Callable[[object], str] | str
    expect: dict[str, int]
    method: str = "get"
    data: dict = field(default_factory=dict)
    default: int | None = None  # status for personas not named in expect

    def status_for(self, persona: str) -> int:
        if persona in self.expect:
            return self.expect[persona]
        assert self.default is not None, f"no expectation for {persona}"
        return self.default


LOGIN = 302  # anonymous users are sent to the login page
API_ANON = 403  # DRF with session auth answers 403 to anonymous users
ALL_OK = {p: 200 for p in PERSONAS if p != "anonymous"}

CASES: dict[str, Case] = {
    "dashboard": Case("/", {"anonymous": LOGIN}, default=200),
    "login": Case("/accounts/login/", {"anonymous": 200}, default=302),
    "logout": Case("/accounts/logout/", {}, method="post", default=302),
    "password_change": Case("/accounts/password/", {"anonymous": LOGIN}, default=200),
    "password_change_done": Case("/accounts/password/done/", {"anonymous": LOGIN}, default=200),
    "set_language": Case("/i18n/setlang/", {}, method="post", data={"language": "en", "next": "/"}, default=302),
    "api-schema": Case("/api/schema/", {"anonymous": API_ANON}, default=200),
    "api-docs": Case("/api/docs/", {"anonymous": API_ANON}, default=200),
    "api-redoc": Case("/api/redoc/", {"anonymous": API_ANON}, default=200),
}

# Shorthands for who reaches what in the persona world (see tests/conftest.py).
ROLE_HOLDERS = {p: 200 for p in PERSONAS if p not in ("anonymous", "dangyuan")}
BRANCH_A_VIEWERS = {"admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200, "xuanchuan_a": 200,
                    "shuji_b": 404, "outsider": 404, "dangyuan": 404}
ORG_ADMIN_ON_BRANCH_A = {"admin": 200, "zuzhibu": 200, "dangwei": 403, "shuji_a": 403, "xuanchuan_a": 403,
                         "shuji_b": 404, "outsider": 404, "dangyuan": 404}
ADMINISTRATORS = {"admin": 200, "zuzhibu": 200}
PEOPLE_EDITORS_ON_BRANCH_A = {"admin": 200, "zuzhibu": 200, "shuji_a": 200, "dangwei": 403, "xuanchuan_a": 403,
                              "shuji_b": 404, "outsider": 404, "dangyuan": 404}
OWNER_ONLY = {"shuji_a": 200}  # a finished job of shuji_a's; everyone else: 404


def _api_post_denied(status_ok: int) -> dict[str, int]:
    return {"anonymous": API_ANON, **{k: (status_ok if v == 200 else v) for k, v in ORG_ADMIN_ON_BRANCH_A.items()}}


CASES.update({
    # branches
    "branches:tree": Case("/orgs/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "branches:search": Case("/orgs/search/?q=党支部", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "branches:detail": Case(lambda w: f"/orgs/{w.branch_a.pk}/", {"anonymous": LOGIN, **BRANCH_A_VIEWERS}),
    "branches:children": Case(lambda w: f"/orgs/{w.institute.pk}/children/",
                              {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "dangwei": 200}, default=404),
    "branches:create_child": Case(lambda w: f"/orgs/{w.institute.pk}/add-child/",
                                  {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "dangwei": 403}, default=404),
    "branches:edit": Case(lambda w: f"/orgs/{w.branch_a.pk}/edit/", {"anonymous": LOGIN, **ORG_ADMIN_ON_BRANCH_A}),
    "branches:move": Case(lambda w: f"/orgs/{w.branch_a.pk}/move/", {"anonymous": LOGIN, **ORG_ADMIN_ON_BRANCH_A}),
    "branches:close": Case(lambda w: f"/orgs/{w.branch_a.pk}/close/", {"anonymous": LOGIN, **ORG_ADMIN_ON_BRANCH_A}),
    "branches:roles": Case("/orgs/roles/", {"anonymous": LOGIN, **ADMINISTRATORS}, default=403),
    "branches:role_grant": Case("/orgs/roles/grant/", {"anonymous": LOGIN, **ADMINISTRATORS}, default=403),
    "branches:user_candidates": Case("/orgs/roles/users/?q=shu", {"anonymous": LOGIN, **ADMINISTRATORS},
                                     default=403),
    "branches:role_end": Case(lambda w: f"/orgs/roles/{w.shuji_a.portal_roles.get().pk}/end/",
                              {"anonymous": LOGIN, **ORG_ADMIN_ON_BRANCH_A}),
    "branches:audit": Case("/orgs/audit/", {"anonymous": LOGIN, "admin": 200}, default=403),
    "api-organizations": Case("/api/v1/organizations/", {"anonymous": API_ANON, "dangyuan": 403}, default=200),
    "api-organization": Case(lambda w: f"/api/v1/organizations/{w.branch_a.pk}/",
                             {"anonymous": API_ANON, **BRANCH_A_VIEWERS}),
    # An empty POST by someone allowed is refused as bad input (400); the others never get that far.
    "api-organization-move": Case(lambda w: f"/api/v1/organizations/{w.branch_a.pk}/move/",
                                  _api_post_denied(400), method="post"),
    "api-organization-close": Case(lambda w: f"/api/v1/organizations/{w.branch_a.pk}/close/",
                                   _api_post_denied(400), method="post"),
    "api-roles": Case("/api/v1/roles/", {"anonymous": API_ANON, **ADMINISTRATORS}, default=403),
    "api-role-end": Case(lambda w: f"/api/v1/roles/{w.shuji_a.portal_roles.get().pk}/end/",
                         _api_post_denied(400), method="post"),
    "api-me": Case("/api/v1/me/", {"anonymous": API_ANON}, default=200),
    # Obtaining a token needs credentials, whoever is logged in: an empty POST is refused.
    "api-token": Case("/api/v1/auth/token/", {}, method="post", default=400),
    # members
    "members:list": Case("/people/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "members:create": Case("/people/new/", {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "shuji_a": 200,
                                            "shuji_b": 200, "outsider": 200}, default=403),
    "members:detail": Case(lambda w: f"/people/{w.member_a.pk}/", {"anonymous": LOGIN, **BRANCH_A_VIEWERS}),
    "members:edit": Case(lambda w: f"/people/{w.member_a.pk}/edit/",
                         {"anonymous": LOGIN, **PEOPLE_EDITORS_ON_BRANCH_A}),
    "members:move": Case(lambda w: f"/people/{w.member_a.pk}/move/",
                         {"anonymous": LOGIN, **PEOPLE_EDITORS_ON_BRANCH_A}),
    "members:id_number": Case(lambda w: f"/people/{w.member_a.pk}/id-number/",
                              {"anonymous": LOGIN, **PEOPLE_EDITORS_ON_BRANCH_A}, method="post"),
    "api-people": Case("/api/v1/people/", {"anonymous": API_ANON, "dangyuan": 403}, default=200),
    "api-person": Case(lambda w: f"/api/v1/people/{w.member_a.pk}/", {"anonymous": API_ANON, **BRANCH_A_VIEWERS}),
    "api-person-move": Case(lambda w: f"/api/v1/people/{w.member_a.pk}/move/",
                            {"anonymous": API_ANON, **PEOPLE_EDITORS_ON_BRANCH_A, "admin": 400, "zuzhibu": 400,
                             "shuji_a": 400}, method="post"),
    "api-person-id-number": Case(lambda w: f"/api/v1/people/{w.member_a.pk}/id-number/",
                                 {"anonymous": API_ANON, **PEOPLE_EDITORS_ON_BRANCH_A}),
    # reports
    "reports:jobs": Case("/jobs/", {"anonymous": LOGIN}, default=200),
    "reports:export_start": Case(lambda w: f"/jobs/export/org_roster/?organization={w.branch_a.pk}",
                                 {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200,
                                  "shuji_b": 404, "outsider": 404, "xuanchuan_a": 403, "dangyuan": 403}),
    "reports:job_detail": Case(lambda w: f"/jobs/{w.job.uuid}/", {"anonymous": LOGIN, **OWNER_ONLY}, default=404),
    "reports:job_progress": Case(lambda w: f"/jobs/{w.job.uuid}/progress/", {"anonymous": LOGIN, **OWNER_ONLY},
                                 default=404),
    "reports:job_download": Case(lambda w: f"/jobs/{w.job.uuid}/download/", {"anonymous": LOGIN, **OWNER_ONLY},
                                 default=404),
    "api-exporters": Case("/api/v1/exporters/", {"anonymous": API_ANON}, default=200),
    "api-jobs": Case("/api/v1/jobs/", {"anonymous": API_ANON}, default=200),
    "api-job-detail": Case(lambda w: f"/api/v1/jobs/{w.job.uuid}/", {"anonymous": API_ANON, **OWNER_ONLY},
                           default=404),
    "api-job-download": Case(lambda w: f"/api/v1/jobs/{w.job.uuid}/download/",
                             {"anonymous": API_ANON, **OWNER_ONLY}, default=404),
})


# Each area keeps its rows beside its tests; a `prepare(world)` there adds the objects its paths need.
from tests.branches import url_cases as branch_cases  # noqa: E402
from tests.compliance import url_cases as compliance_cases  # noqa: E402
from tests.imports import url_cases as import_cases  # noqa: E402
from tests.liaison import url_cases as liaison_cases  # noqa: E402
from tests.liaison import url_cases_api as liaison_api_cases  # noqa: E402
from tests.liaison import url_cases_pool as liaison_pool_cases  # noqa: E402
from tests.liaison import url_cases_review as liaison_review_cases  # noqa: E402
from tests.meetings import url_cases as meeting_cases  # noqa: E402
from tests.notices import url_cases as notice_cases  # noqa: E402
from tests.notifications import url_cases as notification_cases  # noqa: E402
from tests.recruitment import url_cases as recruitment_cases  # noqa: E402
from tests.recruitment import url_cases_committee as recruitment_committee_cases  # noqa: E402
from tests.recruitment import url_cases_plans as plan_cases  # noqa: E402
from tests.recruitment import url_cases_plans_api as plan_api_cases  # noqa: E402
from tests.reports.periodic import url_cases as periodic_report_cases  # noqa: E402

AREAS = (meeting_cases, compliance_cases, notice_cases, notification_cases, branch_cases, recruitment_cases,
         recruitment_committee_cases, liaison_cases, liaison_pool_cases,
         liaison_review_cases, liaison_api_cases, plan_cases, plan_api_cases, import_cases,
         periodic_report_cases)
for _area in AREAS:
    CASES.update(_area.CASES)


def test_every_url_has_a_row_in_the_matrix():
    names = {n for n in iter_url_names() if not n.startswith(IGNORED_PREFIXES)}
    missing = sorted(names - set(CASES))
    assert not missing, f"URLs without persona expectations in tests/test_url_matrix.py: {missing}"
    stale = sorted(set(CASES) - names)
    assert not stale, f"rows for URLs that no longer exist: {stale}"


@pytest.fixture
def matrix_world(world):
    from reports.services import job_run, job_start

    job = job_start(actor=world.shuji_a, kind="people", params={}, fmt="xlsx")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    world.__dict__["job"] = job
    for area in AREAS:
        area.prepare(world)
    return world


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_persona_gets_expected_status(name, matrix_world, client):
    """Each persona's request runs in a savepoint that is rolled back, so a request that changes something (an
    allowed POST) cannot change what the next persona gets; the world is built once per URL, not per persona."""
    case = CASES[name]
    path = case.path(matrix_world) if callable(case.path) else case.path
    wrong = []
    for persona in PERSONAS:
        client.cookies.clear()
        with transaction.atomic():
            if persona != "anonymous":
                client.force_login(matrix_world.users[persona])
            response = getattr(client, case.method)(path, case.data)
            transaction.set_rollback(True)
        if response.status_code != case.status_for(persona):
            wrong.append(f"{persona} {case.method.upper()} {path}: {response.status_code}, "
                         f"expected {case.status_for(persona)}")
    assert not wrong, "\n".join(wrong)
