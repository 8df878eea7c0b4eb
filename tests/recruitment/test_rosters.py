"""Rosters of applicants, activists, development objects and probationary members in a period, through the
exporter registry: who was at the stage at some time in the period, within the organization and the scope."""

import datetime
import io
import subprocess

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404
from pypdf import PdfReader

from recruitment import services
from reports.exporters import EXPORTERS, get_exporter
from tests.factories import PersonFactory
from tests.reports.conftest import read_xlsx, result_bytes, start_and_run

from .helpers import d, walk_to

pytestmark = pytest.mark.django_db
SH = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _travel():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SH), tick=False):
        yield


def open_pipeline(branch, actor, name, applied):
    person = PersonFactory(organization=branch, name=name, birth_date=datetime.date(1995, 4, 2))
    return services.pipeline_open(actor=actor, person=person, applied_on=d(applied))


@pytest.fixture
def roster_world(world, committee_user, full_members):
    """甲发展: applicant 2023-03-01, activist 2023-05-01, candidate 2024-05-06, probationary (approved) 2024-08-01;
    乙撤回: applied 2023-01-01, stopped 2023-02-01; 丙新申: applied 2025-01-01; 丁乙所: another institute."""
    walk_to(open_pipeline(world.branch_a, world.shuji_a, "甲发展", "2023-03-01"), "approval",
            branch_user=world.shuji_a, committee_user=committee_user, contacts=full_members[1:3],
            sponsors=full_members[0:2])
    stopped = open_pipeline(world.branch_a, world.shuji_a, "乙撤回", "2023-01-01")
    services.pipeline_stop(actor=world.shuji_a, pipeline=stopped, on=d("2023-02-01"), reason="本人撤回申请")
    open_pipeline(world.branch_b, world.shuji_b, "丙新申", "2025-01-01")
    open_pipeline(world.other_branch, world.outsider, "丁乙所", "2023-02-01")
    return world


def names(job):
    sheet = read_xlsx(job).active
    return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize(("stage", "start", "end", "expected"), [
    ("applicant", "2023-01-01", "2023-03-31", ["乙撤回", "甲发展"]),  # in order of the stage date
    ("applicant", "2023-02-02", "2023-04-30", ["甲发展"]),  # 乙撤回 ended on 2023-02-01
    ("applicant", "2023-05-01", "2024-12-31", []),  # 甲发展 became an activist on 2023-05-01
    ("applicant", "2025-01-01", "2025-12-31", ["丙新申"]),
    ("activist", "2024-01-01", "2024-03-31", ["甲发展"]),
    ("activist", "2024-05-06", "2024-12-31", []),
    ("candidate", "2024-05-06", "2024-05-06", ["甲发展"]),
    ("probationary", "2024-01-01", "2024-07-31", []),
    ("probationary", "2024-08-01", "2026-06-01", ["甲发展"]),
])
def test_roster_content_by_period(roster_world, stage, start, end, expected):
    job = start_and_run("zuzhibu", "recruitment_roster", {"organization": roster_world.institute.pk, "stage": stage,
                                                           "date_from": start, "date_to": end})
    assert names(job) == expected


def test_xlsx_columns_and_dates(roster_world):
    job = start_and_run("shuji_a", "recruitment_roster", {"organization": roster_world.branch_a.pk,
                                                          "stage": "candidate", "date_from": "2024-01-01",
                                                          "date_to": "2024-12-31"})
    assert job.title == "发展对象名册 · 第一党支部"
    sheet = read_xlsx(job).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["序号", "姓名", "性别"]
    assert "确定发展对象日期" in header
    row = [c.value for c in sheet[2]]
    assert row[1] == "甲发展"
    assert row[5] == "第一党支部"
    assert row[header.index("确定发展对象日期")].date() == datetime.date(2024, 5, 6)
    assert row[header.index("目前阶段")] == "预备党员"


def test_pdf_reads_correctly(roster_world, tmp_path):
    job = start_and_run("zuzhibu", "recruitment_roster", {"organization": roster_world.root.pk, "stage": "applicant",
                                                           "date_from": "2023-01-01", "date_to": "2023-03-31"},
                        fmt="pdf")
    data = result_bytes(job)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    for fragment in ("入党申请人名册", "中共测试科学院党组", "2023-01-01", "甲发展", "乙撤回", "丁乙所", "已终止",
                     "共 3 人"):
        assert fragment in text, fragment
    assert "丙新申" not in text
    pdf = tmp_path / "roster.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert next(tmp_path.glob("page*.png")).stat().st_size > 1000


def test_scope_other_institute_never_appears_and_out_of_scope_is_404(roster_world):
    job = start_and_run("dangwei", "recruitment_roster", {"organization": roster_world.institute.pk,
                                                          "stage": "applicant", "date_from": "2023-01-01",
                                                          "date_to": "2025-12-31"})
    assert "丁乙所" not in names(job)
    assert "丙新申" in names(job)
    exporter = get_exporter("recruitment_roster")
    params = {"organization": roster_world.branch_a.pk, "stage": "applicant", "date_from": "2023-01-01",
              "date_to": "2023-12-31"}
    with pytest.raises(Http404):
        exporter.render(user=roster_world.shuji_b, params=params, fmt="xlsx")
    with pytest.raises(Http404):
        exporter.check_access(roster_world.outsider, params)
    with pytest.raises(PermissionDenied):
        exporter.check_access(roster_world.xuanchuan_a, params)  # in scope without EXPORT


def test_registered_and_form_refuses_a_reversed_period(roster_world):
    assert "recruitment_roster" in EXPORTERS
    exporter = get_exporter("recruitment_roster")
    form = exporter.get_form(roster_world.shuji_a, data={"organization": roster_world.branch_a.pk,
                                                         "stage": "activist", "date_from": "2024-05-01",
                                                         "date_to": "2024-01-01"})
    assert not form.is_valid()
    assert "期间止不能早于期间起。" in form.errors["date_to"]


def test_overview_page_has_roster_buttons(roster_world, login):
    html = login("zuzhibu").get("/recruitment/committee/").content.decode()
    assert "/jobs/export/recruitment_roster/?stage=activist" in html
    assert "/jobs/export/recruitment_roster/?stage=probationary&amp;format=pdf" in html
