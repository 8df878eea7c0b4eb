"""Rows of tests/test_url_matrix.py for the periodic reports (see Case there): 甲所党委's 三会一课 report of October
2026 (generated, with files) and its plan report of the third quarter.

A report is seen by whoever holds its kind's capability over the report's organization: the compliance report by
those who view people over 甲所党委 (the 党委委员 too), the plan report by those who manage recruitment there (the
党委委员 gets 403). Branch roles below 甲所党委 and the other institute do not see either (404)."""

import datetime

from reports.models import JobStatus, PeriodicReport
from tests.test_url_matrix import API_ANON, Case

LOGIN = 302
_VIEWERS = {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 404, "shuji_b": 404,
            "xuanchuan_a": 404, "dangyuan": 404, "outsider": 404}
_PLAN = {**_VIEWERS, "dangwei": 403}
_API_VIEWERS = {**_VIEWERS, "anonymous": API_ANON}
_API_PLAN = {**_PLAN, "anonymous": API_ANON}
# Rerun: a redirect back to the report for those who may see it (dangwei holds export there too).
_RERUN = {**_VIEWERS, "admin": 302, "zuzhibu": 302, "dangwei": 302}


def _r(path: str = "", attr: str = "periodic_compliance"):
    return lambda w: f"/reports/{getattr(w, attr).pk}/{path}"


CASES: dict = {
    "periodic_reports:list": Case("/reports/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "periodic_reports:card": Case("/reports/card/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "periodic_reports:generate": Case("/reports/generate/", {"anonymous": LOGIN, "dangyuan": 403,
                                                             "xuanchuan_a": 403}, default=200),
    "periodic_reports:detail": Case(_r(), _VIEWERS),
    "periodic_reports:status": Case(_r("status/"), _VIEWERS),
    "periodic_reports:rerun": Case(_r("rerun/", "periodic_plan"), {**_PLAN, "admin": 302, "zuzhibu": 302},
                                   method="post"),
    "periodic_reports:download": Case(_r("download/pdf/"), _VIEWERS),
    "api-periodic-reports": Case("/api/v1/reports/", {"anonymous": API_ANON, "dangyuan": 403}, default=200),
    "api-periodic-report": Case(lambda w: f"/api/v1/reports/{w.periodic_plan.pk}/", _API_PLAN),
    "api-periodic-report-download": Case(lambda w: f"/api/v1/reports/{w.periodic_compliance.pk}/download/xlsx/",
                                         _API_VIEWERS),
}


def prepare(world) -> None:
    from django.core.files.base import ContentFile

    # Stored files without rendering (every matrix case prepares the world; the tests beside this file render).
    compliance = PeriodicReport(
        kind="compliance_monthly", organization=world.institute, period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31), period_label="2026年10月", status=JobStatus.SUCCEEDED,
        summary="测试摘要")
    compliance.pdf.save("compliance.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    compliance.xlsx.save("compliance.xlsx", ContentFile(b"PK test"), save=False)
    compliance.save()
    plan = PeriodicReport.objects.create(
        kind="plan_quarterly", organization=world.institute, period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30), period_label="2026年第三季度", status=JobStatus.FAILED,
        error="测试")
    world.__dict__.update(periodic_compliance=compliance, periodic_plan=plan)
