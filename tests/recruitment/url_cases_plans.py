"""Rows of tests/test_url_matrix.py for the annual recruitment plans (see Case there).

The plan is the academy committee's (院党组, the root): only users with a role there see it (zuzhibu, admin);
everyone else gets 404. Branch A's target is also the branch secretary's page (to propose numbers); the others in
branch A's scope without manage_recruitment get 403."""

from tests.test_url_matrix import LOGIN, Case

ROOT_PLAN_VIEWERS = {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200}
BRANCH_A_TARGET = {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "shuji_a": 200, "dangwei": 403,
                   "xuanchuan_a": 403, "shuji_b": 404, "outsider": 404, "dangyuan": 404}

CASES: dict = {
    "recruitment:plans": Case("/recruitment/plans/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "recruitment:plan": Case(lambda w: f"/recruitment/plans/{w.plan.pk}/", ROOT_PLAN_VIEWERS, default=404),
    "recruitment:plan_target": Case(
        lambda w: f"/recruitment/plans/{w.plan.pk}/targets/{w.plan.targets.get(organization=w.branch_a).pk}/",
        BRANCH_A_TARGET),
    "recruitment:plan_actual": Case(lambda w: f"/recruitment/plans/{w.plan.pk}/actual/", ROOT_PLAN_VIEWERS,
                                    default=404),
}


def prepare(world) -> None:
    """The root's plan for 2027 (opened once, whichever area's rows need it first)."""
    from recruitment import plan_services
    from recruitment.models import RecruitmentPlan

    plan = RecruitmentPlan.objects.filter(organization=world.root, year=2027).first()
    if plan is None:
        plan = plan_services.plan_open(actor=world.zuzhibu, organization=world.root, year=2027)
    world.__dict__["plan"] = plan
