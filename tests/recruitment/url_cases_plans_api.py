"""Rows of tests/test_url_matrix.py for the annual recruitment plan's API (see Case there), with a plan of its own:
甲所党委's plan for 2026 (a draft), with targets for its two branches.

The plan is read by whoever views people or manages recruitment over 甲所党委 (the 党委委员 too) and changed only
by the organization department; a branch's target is read by whoever views that branch, and proposed for by its
secretary."""

from tests.test_url_matrix import API_ANON, Case

_PLAN_VIEWERS = {"anonymous": API_ANON, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 404,
                 "shuji_b": 404, "xuanchuan_a": 404, "outsider": 404, "dangyuan": 404}
_PLAN_MANAGERS = {**_PLAN_VIEWERS, "dangwei": 403}
_TARGET_A_VIEWERS = {"anonymous": API_ANON, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200,
                     "xuanchuan_a": 200, "shuji_b": 404, "outsider": 404, "dangyuan": 404}
# An empty proposal by someone allowed is refused as bad input (400); the others never get that far.
_TARGET_A_PROPOSERS = {**_TARGET_A_VIEWERS, "admin": 400, "zuzhibu": 400, "shuji_a": 400, "dangwei": 403,
                       "xuanchuan_a": 403}


def _plan(path: str = ""):
    return lambda w: f"/api/v1/recruitment/plans/{w.api_plan_institute.pk}/{path}"


def _target_a(path: str = ""):
    return lambda w: (f"/api/v1/recruitment/plans/{w.api_plan_institute.pk}/targets/"
                      f"{w.api_plan_target_a.pk}/{path}")


CASES: dict = {
    "api-plans": Case("/api/v1/recruitment/plans/", {"anonymous": API_ANON, "dangyuan": 403}, default=200),
    "api-plan": Case(_plan(), _PLAN_VIEWERS),
    "api-plan-targets": Case(_plan("targets/"), _PLAN_VIEWERS),
    "api-plan-actual": Case(_plan("actual/"), _PLAN_VIEWERS),
    "api-plan-approve": Case(_plan("approve/"), _PLAN_MANAGERS, method="post"),
    # An empty import is refused (400) for who may import; the rest as for approving.
    "api-plan-import": Case(_plan("import/"), {**_PLAN_MANAGERS, "admin": 400, "zuzhibu": 400}, method="post"),
    "api-plan-target": Case(_target_a(), _TARGET_A_VIEWERS),
    "api-plan-target-propose": Case(_target_a("propose/"), _TARGET_A_PROPOSERS, method="post"),
}


def prepare(world) -> None:
    """甲所党委's 2026 plan, written directly so that it does not depend on today's year."""
    from recruitment.models import PlanTarget, RecruitmentPlan

    plan = RecruitmentPlan.objects.create(organization=world.institute, year=2026)
    target_a = PlanTarget.objects.create(plan=plan, organization=world.branch_a)
    PlanTarget.objects.create(plan=plan, organization=world.branch_b)
    world.__dict__["api_plan_institute"] = plan
    world.__dict__["api_plan_target_a"] = target_a
