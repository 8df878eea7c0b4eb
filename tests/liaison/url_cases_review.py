"""Rows of tests/test_url_matrix.py for the committee's review pages and the liaison API (see Case there). The
objects come from tests/liaison/url_cases.py's prepare; a periodic review of 甲所党委 is added here."""

import datetime

from tests.test_url_matrix import Case

LOGIN = 302
# review_liaisons over branch A: 甲所党委 and above, and branch A's secretary; xuanchuan_a and dangyuan hold it
# nowhere (403); branch B and the other institute do not reach branch A (404).
REVIEWERS_OF_BRANCH_A = {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200,
                         "shuji_b": 404, "outsider": 404, "xuanchuan_a": 403, "dangyuan": 403}
REVIEWERS_OF_INSTITUTE = {**REVIEWERS_OF_BRANCH_A, "shuji_a": 404}

CASES: dict = {
    "liaison:review": Case(lambda w: f"/liaison/review/?unit={w.branch_a.pk}", REVIEWERS_OF_BRANCH_A),
    "liaison:gaps": Case(lambda w: f"/liaison/review/gaps/?unit={w.branch_a.pk}", REVIEWERS_OF_BRANCH_A),
    "liaison:funnel": Case(lambda w: f"/liaison/review/funnel/?unit={w.branch_a.pk}&year=2026",
                           REVIEWERS_OF_BRANCH_A),
    "liaison:review_new": Case(lambda w: f"/liaison/review/reviews/new/?unit={w.branch_a.pk}",
                               REVIEWERS_OF_BRANCH_A),
    "liaison:review_detail": Case(lambda w: f"/liaison/review/reviews/{w.liaison_review.pk}/",
                                  REVIEWERS_OF_INSTITUTE),
}


def prepare(world) -> None:
    """A periodic review of 甲所党委 (url_cases.prepare adds the other liaison objects)."""
    from liaison.models import Review

    world.__dict__["liaison_review"] = Review.objects.create(
        organization=world.institute, reviewed_on=datetime.date(2026, 1, 10), conclusions="年度梳理",
        snapshot={"pool": 2, "uncovered": 1})
