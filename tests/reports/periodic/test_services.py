"""Generating, rerunning, scheduling and failing periodic reports; the files they produce."""

import io
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.models import JobStatus, PeriodicReport
from reports.periodic import services
from reports.periodic.kinds import REPORT_KINDS
from reports.tasks import periodic_report_generate_task
from tests.compliance.helpers import at, meeting

from .helpers import D, october_meetings, plan_2026, recruitment_2026

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-21 10:00 +0800", tick=False):
        yield


def _request(world, user="zuzhibu", kind="compliance_monthly", org=None, start=None):
    return services.report_request(actor=world.users[user], kind=kind, organization=org or world.root,
                                   period_start=start or D(2026, 10, 1))


def test_generate_stores_pdf_and_xlsx_with_summary(world, django_capture_on_commit_callbacks):
    october_meetings(world)
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(world)
    report.refresh_from_db()
    assert report.status == JobStatus.SUCCEEDED
    assert report.attempts == 1
    assert report.period_label == "2026年10月"
    assert report.period_end == D(2026, 10, 31)
    assert "落实率" in report.summary
    assert report.figures["branches"] == 3
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.pdf.read())).pages)
    assert "院党组三会一课月度落实情况" in text
    assert "第一党支部" in text
    assert "各单位本月三会一课落实率" in text
    sheet = load_workbook(io.BytesIO(report.xlsx.read())).active
    assert sheet["A2"].value == "所属单位"
    assert sheet["B2"].value == "党支部"
    assert sheet.freeze_panes == "B3"
    assert sheet.max_row == 2 + 3


def test_rerun_reproduces_a_past_period_and_replaces_files(world, django_capture_on_commit_callbacks):
    plan_2026(world)
    recruitment_2026(world)
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(world, kind="plan_quarterly", org=world.institute, start=D(2026, 7, 1))
    report.refresh_from_db()
    first_figures, first_files = report.figures, (report.pdf.name, report.xlsx.name)
    storage = report.pdf.storage
    # Data dated after the third quarter: an admission in October, a meeting, a pipeline applied in November.
    from .helpers import pipeline

    pipeline(world.branch_b, name="乙二", applied=D(2024, 1, 1), activist_on=D(2024, 3, 1),
             candidate_on=D(2025, 3, 1), admitted_on=D(2026, 11, 2))
    meeting(world.branch_a, "committee", at(2026, 10, 5))
    with django_capture_on_commit_callbacks(execute=True):
        again = _request(world, user="admin", kind="plan_quarterly", org=world.institute, start=D(2026, 7, 1))
    assert again.pk == report.pk
    again.refresh_from_db()
    assert PeriodicReport.objects.filter(kind="plan_quarterly").count() == 1
    assert again.figures == first_figures
    assert again.status == JobStatus.SUCCEEDED
    assert again.requested_by == world.admin
    for name in first_files:
        if name not in (again.pdf.name, again.xlsx.name):
            assert not storage.exists(name)
    assert storage.exists(again.pdf.name)
    assert storage.exists(again.xlsx.name)


def test_request_checks_scope_capability_and_period(world):
    with pytest.raises(Http404):
        _request(world, user="outsider", org=world.institute)
    with pytest.raises(PermissionDenied):  # 甲所党委 in dangwei's scope, without manage_recruitment
        _request(world, user="dangwei", kind="plan_quarterly", org=world.institute, start=D(2026, 7, 1))
    with pytest.raises(PermissionDenied):  # no export
        _request(world, user="xuanchuan_a", org=world.branch_a)
    with pytest.raises(ValidationError) as exc:
        _request(world, start=D(2026, 10, 2))
    assert "起始日" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        _request(world, start=D(2026, 11, 1))
    assert "尚未结束" in str(exc.value)
    with pytest.raises(ValidationError):
        _request(world, kind="nonsense")
    assert not PeriodicReport.objects.exists()


def test_request_while_pending_is_refused(world):
    _request(world)  # on_commit never runs inside the test transaction: stays pending
    with pytest.raises(ValidationError) as exc:
        _request(world)
    assert "正在生成" in str(exc.value)


def test_schedule_is_idempotent(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = services.reports_schedule(today=D(2026, 11, 21))
    # Five kinds for the academy and its two institutes.
    assert len(ids) == 15
    assert len(callbacks) == 15
    assert set(PeriodicReport.objects.values_list("period_label", flat=True)) == {
        "2026年10月", "2026年第三季度", "2025年", "2026年上半年"}
    assert PeriodicReport.objects.filter(requested_by__isnull=True, status=JobStatus.PENDING).count() == 15
    assert services.reports_schedule(today=D(2026, 11, 21)) == []
    assert PeriodicReport.objects.count() == 15
    # The next day changes nothing; the next month adds the monthly reports only.
    assert services.reports_schedule(today=D(2026, 11, 22)) == []
    assert len(services.reports_schedule(today=D(2026, 12, 1))) == 3


def test_schedule_retries_failed_reports_and_skips_succeeded(world):
    services.reports_schedule(today=D(2026, 11, 21))
    PeriodicReport.objects.filter(kind="liaison_yearly").update(status=JobStatus.FAILED, error="x")
    PeriodicReport.objects.filter(kind="compliance_monthly").update(status=JobStatus.SUCCEEDED)
    ids = services.reports_schedule(today=D(2026, 11, 21))
    assert set(PeriodicReport.objects.filter(pk__in=ids).values_list("kind", flat=True)) == {"liaison_yearly"}


def test_schedule_queues_again_a_report_whose_message_was_lost(world):
    import datetime

    from django.utils import timezone

    services.reports_schedule(today=D(2026, 11, 21))
    assert services.reports_schedule(today=D(2026, 11, 21)) == []  # pending, recently: still on its way
    PeriodicReport.objects.filter(kind="plan_quarterly").update(
        updated_at=timezone.now() - datetime.timedelta(hours=3))
    ids = services.reports_schedule(today=D(2026, 11, 21))
    assert set(PeriodicReport.objects.filter(pk__in=ids).values_list("kind", flat=True)) == {"plan_quarterly"}
    assert len(ids) == 3


def test_generation_is_retried_then_failed_with_a_reason(world, caplog):
    report = _request(world)
    boom = mock.patch.object(REPORT_KINDS["compliance_monthly"], "compute", side_effect=RuntimeError("boom"))
    with boom as compute, mock.patch.object(periodic_report_generate_task, "retry",
                                            wraps=periodic_report_generate_task.retry) as retry:
        periodic_report_generate_task.apply(args=[report.pk])
    report.refresh_from_db()
    assert compute.call_count == 4  # the first run and three retries
    assert retry.call_count == 3
    assert report.status == JobStatus.FAILED
    assert report.attempts == 4
    assert "内部错误" in report.error
    assert "重试3次" in report.error
    assert "boom" in caplog.text


def test_expected_errors_keep_their_message(world):
    report = _request(world)
    error = services.ReportError("该党组织已撤销，无法生成报表。")
    with mock.patch.object(REPORT_KINDS["compliance_monthly"], "compute", side_effect=error):
        periodic_report_generate_task.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.status == JobStatus.FAILED
    assert report.error == "该党组织已撤销，无法生成报表。"


def test_generate_twice_does_nothing_the_second_time(world):
    report = _request(world)
    assert services.report_generate(report_id=report.pk) is not None
    assert services.report_generate(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.attempts == 1


@pytest.mark.parametrize(("kind", "org", "start"), [
    ("plan_quarterly", "institute", D(2026, 7, 1)), ("liaison_yearly", "root", D(2025, 1, 1)),
    ("study_semester", "root", D(2026, 1, 1)), ("recruitment_yearly", "institute", D(2025, 1, 1))])
def test_every_kind_generates(world, kind, org, start):
    report = _request(world, kind=kind, org=getattr(world, org), start=start)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == JobStatus.SUCCEEDED, report.error
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(report.pdf.read())).pages)
    assert str(REPORT_KINDS[kind].label) in text


def test_a_long_table_is_printed_per_unit_in_the_pdf_and_whole_in_the_xlsx(
        world, django_capture_on_commit_callbacks, monkeypatch):
    from reports.periodic import render

    october_meetings(world)
    monkeypatch.setattr(render, "PDF_DETAIL_ROWS", 2)  # the persona world has 3 branches
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(world)
    report.refresh_from_db()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.pdf.read())).pages)
    assert "本报表明细共 3 行，下表按下一级单位汇总" in text
    assert "甲所党委" in text
    assert "乙所党委" in text
    assert "第一党支部" not in text  # the branches are summed into their institutes
    sheet = load_workbook(io.BytesIO(report.xlsx.read())).active
    assert sheet.max_row == 2 + 3  # the XLSX keeps every branch
    assert {sheet.cell(row=r, column=2).value for r in range(3, 6)} >= {"第一党支部", "第二党支部"}


def test_a_chart_over_many_units_shows_the_lowest_and_says_so():
    from reports.periodic.kinds import CHART_ITEMS, ComplianceMonthly

    units = [{"name": f"单位{i}", "rate": float(i), "done": i, "required": 100} for i in range(60)]
    (svg,) = ComplianceMonthly().charts({"units": units})
    assert f"本月三会一课落实率最低的{CHART_ITEMS}个单位" in svg
    assert "单位0<" in svg
    assert f"单位{CHART_ITEMS - 1}<" in svg
    assert f"单位{CHART_ITEMS}<" not in svg
    (few,) = ComplianceMonthly().charts({"units": units[:5]})
    assert "各单位本月三会一课落实率" in few


def test_the_schedule_command_queues_what_the_nightly_task_would(world, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        call_command("schedule_reports", stdout=out)
    assert "已排队生成 15 份定期报表" in out.getvalue()
    assert len(callbacks) == 15
    out = io.StringIO()
    call_command("schedule_reports", stdout=out)
    assert "已排队生成 0 份定期报表" in out.getvalue()
