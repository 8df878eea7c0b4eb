"""The annual recruitment plan as XLSX and PDF through the exporter registry, and the same workbook read back by
recruitment.plan_import: the round trip changes what was edited and nothing else; bad files change nothing."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from pypdf import PdfReader

from recruitment import plan_services as services
from recruitment.models import PlanChange, PlanTarget
from recruitment.plan_import import plan_import
from reports.exporters import EXPORTERS, exporters_for, get_exporter
from reports.exporters.recruitment_plan import plan_header
from reports.models import JobStatus
from reports.services import job_run, job_start
from tests.reports.conftest import read_xlsx, result_bytes, start_and_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 21, 10, 0))


@pytest.fixture
def plan(world):
    plan = services.plan_open(actor=world.zuzhibu, organization=world.root, year=2027)
    for org, numbers in ((world.branch_a, {"total": 3, "young": 2, "women": 1, "activists": 5}),
                         (world.branch_b, {"total": 2, "high_knowledge": 1, "activists": 3})):
        services.target_set(actor=world.zuzhibu, target=plan.targets.get(organization=org), numbers=numbers)
    services.target_propose(actor=world.shuji_a, target=plan.targets.get(organization=world.branch_a),
                            numbers={"total": 4})
    return plan


def export_bytes(world, plan, username="zuzhibu", fmt="xlsx") -> bytes:
    return result_bytes(start_and_run(username, "recruitment_plan", {"plan": plan.pk}, fmt=fmt))


def numbers_by_org(plan) -> dict[str, dict[str, int]]:
    return {t.organization.short_name: t.numbers() for t in plan.targets.select_related("organization")}


def _messages(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --- the export -------------------------------------------------------------------------------------------------


def test_registered_and_offered_to_viewers(world):
    assert "recruitment_plan" in EXPORTERS
    for username in ("zuzhibu", "dangwei", "shuji_a"):
        assert "recruitment_plan" in [e.identifier for e in exporters_for(getattr(world, username))], username
    for username in ("dangyuan", "xuanchuan_a"):  # no EXPORT anywhere
        assert "recruitment_plan" not in [e.identifier for e in exporters_for(getattr(world, username))]


def test_xlsx_layout(world, plan):
    job = start_and_run("zuzhibu", "recruitment_plan", {"plan": plan.pk})
    assert job.title == "年度发展党员计划 · 院党组 2027"
    book = read_xlsx(job)
    assert book.sheetnames == ["计划", "计划执行情况"]
    sheet = book["计划"]
    assert sheet["A1"].value == "中共测试科学院党组 2027年发展党员计划"
    assert "A1:J1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[2]] == plan_header()
    assert plan_header()[:3] == ["党组织", "发展党员总数", "高知群体"]
    assert sheet.freeze_panes == "B3"
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out of the file
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.column_dimensions["A"].width > 30
    rows = {r[0]: r for r in sheet.iter_rows(min_row=3, max_row=5, values_only=True)}
    assert rows["中共甲研究所第一支部委员会"][1:] == (3, 0, 2, 1, 0, 0, 0, 5, 4)
    assert rows["中共甲研究所第二支部委员会"][1:] == (2, 1, 0, 0, 0, 0, 0, 3, None)
    assert rows["中共乙研究所第一支部委员会"][1:9] == (0,) * 8
    assert sheet["A6"].value == "合计"
    assert sheet["B6"].value == "=SUM(B3:B5)"
    assert sheet["I6"].value == "=SUM(I3:I5)"
    cached = load_workbook(io.BytesIO(result_bytes(job)), data_only=True)["计划"]
    assert [cached["B6"].value, cached["I6"].value, cached["J6"].value] == [5, 8, 4]

    result = book["计划执行情况"]
    assert result["A1"].value == "中共测试科学院党组 2027年发展党员计划执行情况"
    assert result.freeze_panes == "B4"
    assert result.page_setup.orientation == "landscape"
    assert [result.cell(row=2, column=c).value for c in (1, 2, 4)] == ["党组织", "发展党员", "高知群体"]
    assert [result.cell(row=3, column=c).value for c in (2, 3)] == ["计划", "已发展"]
    branch_a = next(r for r in result.iter_rows(min_row=4, values_only=True) if r[0] == "中共甲研究所第一支部委员会")
    assert branch_a[1] == 3
    assert "不得突击发展" in branch_a[-1]  # a plan of 3 with nobody in the pipeline
    sums = next(r for r in result.iter_rows(min_row=4) if r[0].value == "合计")
    assert sums[1].value == "=SUM(B4:B6)"


def test_pdf_has_the_committee_the_numbers_and_the_signature_block(world, plan):
    pdf = export_bytes(world, plan, fmt="pdf")
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = "".join(text.split())
    assert "中共测试科学院党组2027年发展党员计划" in flat
    assert "编制中" in flat
    assert "中共甲研究所第一支部委员会" in flat
    for label in ("制表人", "审核人", "党组织（盖章）", "日期", "合计"):
        assert label in flat
    services.plan_approve(actor=world.zuzhibu, plan=plan)
    flat = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(export_bytes(world, plan, fmt="pdf"))).pages
                           ).split())
    assert "已批准（批准日期：2026-11-21）" in flat


def test_dangwei_may_export_a_plan_in_scope(world):
    plan = services.plan_open(actor=world.zuzhibu, organization=world.institute, year=2027)
    assert read_xlsx(start_and_run("dangwei", "recruitment_plan", {"plan": plan.pk}))["计划"]["A3"].value


def test_scope(world, plan):
    exporter = get_exporter("recruitment_plan")
    # shuji_b cannot reach the academy's plan: not among the choices, refused by the job, 404 by check_access.
    assert plan not in exporter.get_form(world.shuji_b).fields["plan"].queryset
    with pytest.raises(ValidationError) as excinfo:
        job_start(actor=world.shuji_b, kind="recruitment_plan", params={"plan": plan.pk}, fmt="xlsx")
    assert "该计划不存在或不在您的权限范围内" in str(excinfo.value)
    with pytest.raises(Http404):
        exporter.check_access(world.shuji_b, {"plan": plan.pk})
    with pytest.raises(Http404):
        exporter.render(user=world.shuji_b, params={"plan": plan.pk}, fmt="xlsx")
    other = services.plan_open(actor=world.zuzhibu, organization=world.other_institute, year=2027)
    with pytest.raises(Http404):
        exporter.check_access(world.dangwei, {"plan": other.pk})
    with pytest.raises(PermissionDenied):
        job_start(actor=world.dangyuan, kind="recruitment_plan", params={"plan": plan.pk}, fmt="xlsx")
    # A job started in scope fails readably when the plan has gone out of scope by the time it runs.
    job = job_start(actor=world.dangwei, kind="recruitment_plan",
                    params={"plan": services.plan_open(actor=world.zuzhibu, organization=world.institute,
                                                       year=2026).pk}, fmt="pdf")
    job.params = {"plan": other.pk}
    job.save(update_fields=["params"])
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_export_query_count_does_not_grow_with_targets(world, plan):
    from reports.exporters.recruitment_plan import RecruitmentPlanExporter

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            RecruitmentPlanExporter().render(user=world.zuzhibu, params={"plan": plan.pk}, fmt="xlsx")
        return len(ctx)

    few = count()
    from branches.models import OrgType
    from tests.factories import make_org

    for i in range(5):
        org = make_org(world.institute, org_type=OrgType.BRANCH, name=f"中共甲研究所第{i + 3}支部委员会",
                       short_name=f"第{i + 3}党支部")
        PlanTarget.objects.create(plan=plan, organization=org, total=i)
    assert count() == few


# --- the import -------------------------------------------------------------------------------------------------


def _edit(data: bytes, edit) -> io.BytesIO:
    book = load_workbook(io.BytesIO(data))
    edit(book["计划"] if "计划" in book.sheetnames else book)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _row_of(sheet, name: str) -> int:
    return next(c.row for c in sheet["A"] if c.value == name)


def test_round_trip(world, plan):
    before = numbers_by_org(plan)
    data = export_bytes(world, plan)

    def edit(sheet):
        sheet.cell(row=_row_of(sheet, "中共甲研究所第一支部委员会"), column=2).value = 6  # total 3 → 6
        sheet.cell(row=_row_of(sheet, "中共乙研究所第一支部委员会"), column=9).value = 4  # activists 0 → 4

    result = plan_import(actor=world.zuzhibu, plan=plan, file=_edit(data, edit))
    assert result == {"rows": 3, "changed": 2, "unchanged": 1}
    after = numbers_by_org(plan)
    assert after["第一党支部"] == {**before["第一党支部"], "total": 6}
    assert after["乙所第一党支部"] == {**before["乙所第一党支部"], "activists": 4}
    assert after["第二党支部"] == before["第二党支部"]
    # The unchanged file imports as a no-op.
    assert plan_import(actor=world.zuzhibu, plan=plan, file=io.BytesIO(export_bytes(world, plan)))["changed"] == 0


def test_after_approval_the_import_needs_a_reason_and_is_kept(world, plan):
    services.plan_approve(actor=world.zuzhibu, plan=plan)
    data = export_bytes(world, plan)

    def edit(sheet):
        sheet.cell(row=_row_of(sheet, "中共甲研究所第二支部委员会"), column=2).value = 1

    with pytest.raises(ValidationError) as excinfo:
        plan_import(actor=world.zuzhibu, plan=plan, file=_edit(data, edit))
    assert "计划已批准，导入将调整1个党组织的指标，须填写调整原因" in _messages(excinfo)
    assert plan.targets.get(organization=world.branch_b).total == 2
    plan_import(actor=world.zuzhibu, plan=plan, file=_edit(data, edit), reason="第二党支部发展对象转出")
    change = PlanChange.objects.get()
    assert (change.field, change.before, change.after, change.reason) == ("total", 2, 1, "第二党支部发展对象转出")


def test_import_permission(world, plan):
    data = export_bytes(world, plan)
    with pytest.raises(Http404):
        plan_import(actor=world.shuji_b, plan=plan, file=io.BytesIO(data))
    institute_plan = services.plan_open(actor=world.zuzhibu, organization=world.institute, year=2027)
    with pytest.raises(PermissionDenied):
        plan_import(actor=world.dangwei, plan=institute_plan, file=io.BytesIO(data))


def _encrypted_like() -> bytes:
    """The start of an OLE compound file holding an EncryptionInfo stream, as Excel writes a password-protected
    workbook."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 200


def _bad_files(data: bytes):
    def rename_sheet(book):
        book["计划"].title = "Sheet1"

    def set_cell(name, col, value):
        def edit(sheet):
            sheet.cell(row=_row_of(sheet, name), column=col).value = value
        return edit

    def rename_column(sheet):
        sheet["C2"].value = "高知人数"

    def drop_title(sheet):
        sheet["A2"].value = None

    def duplicate(sheet):
        row = _row_of(sheet, "中共甲研究所第一支部委员会")
        sheet.cell(row=row + 1, column=1).value = "中共甲研究所第一支部委员会"

    def outside(sheet):
        sheet.cell(row=_row_of(sheet, "中共甲研究所第二支部委员会"), column=1).value = "中共丙研究所第一支部委员会"

    def several(sheet):
        sheet.cell(row=_row_of(sheet, "中共甲研究所第一支部委员会"), column=2).value = 9  # a valid change …
        sheet.cell(row=_row_of(sheet, "中共甲研究所第二支部委员会"), column=2).value = -1  # … and a bad one

    return [
        ("not_xlsx", io.BytesIO("党组织,发展党员总数\n第一党支部,3\n".encode()), "文件不是 Excel 工作簿"),
        ("password", io.BytesIO(_encrypted_like()), "文件设有打开密码"),
        ("old_xls", io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "旧版 Excel（.xls）"),
        ("corrupt", io.BytesIO(data[: len(data) // 2]), "文件已损坏"),
        ("no_sheet", _edit_book(data, rename_sheet), "工作簿中没有名为“计划”的工作表"),
        ("renamed_column", _edit(data, rename_column), "表头缺少列：高知群体"),
        ("no_header", _edit(data, drop_title), "没有找到表头"),
        ("negative", _edit(data, set_cell("中共甲研究所第一支部委员会", 2, -2)), "第3行（第一党支部）：发展党员总数不能小于0"),
        ("not_integer", _edit(data, set_cell("中共甲研究所第一支部委员会", 9, 2.5)),
         "第3行（第一党支部）：培养入党积极分子须为整数，而不是“2.5”"),
        ("text", _edit(data, set_cell("中共甲研究所第一支部委员会", 2, "三")), "发展党员总数须为整数，而不是“三”"),
        ("group_over_total", _edit(data, set_cell("中共甲研究所第二支部委员会", 4, 5)),
         "第4行（第二党支部）：35岁及以下（5）不能多于发展党员总数（2）"),
        ("duplicate", _edit(data, duplicate), "第4行：“中共甲研究所第一支部委员会”与第3行重复"),
        ("outside", _edit(data, outside), "第4行：“中共丙研究所第一支部委员会”不是本计划（院党组 2027年）的党组织"),
        ("several", _edit(data, several), "第4行（第二党支部）：发展党员总数不能小于0"),
    ]


def _edit_book(data: bytes, edit) -> io.BytesIO:
    book = load_workbook(io.BytesIO(data))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_bad_files_are_refused_and_nothing_changes(world, plan):
    data = export_bytes(world, plan)
    before = numbers_by_org(plan)
    for case, file, message in _bad_files(data):
        with pytest.raises(ValidationError) as excinfo:
            plan_import(actor=world.zuzhibu, plan=plan, file=file)
        assert message in _messages(excinfo), (case, _messages(excinfo))
        assert numbers_by_org(plan) == before, case


def test_every_problem_is_named_at_once(world, plan):
    def edit(sheet):
        sheet.cell(row=_row_of(sheet, "中共甲研究所第一支部委员会"), column=2).value = -1
        sheet.cell(row=_row_of(sheet, "中共甲研究所第二支部委员会"), column=1).value = "不存在的支部"

    with pytest.raises(ValidationError) as excinfo:
        plan_import(actor=world.zuzhibu, plan=plan, file=_edit(export_bytes(world, plan), edit))
    assert len(excinfo.value.messages) == 2


def test_file_size_limit(world, plan, settings):
    settings.PORTAL_IMPORT_MAX_BYTES = 1024
    data = export_bytes(world, plan)
    with pytest.raises(ValidationError) as excinfo:
        plan_import(actor=world.zuzhibu, plan=plan, file=io.BytesIO(data))
    assert "导入文件不能超过" in _messages(excinfo)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.xlsx", data)
    with pytest.raises(ValidationError):
        plan_import(actor=world.zuzhibu, plan=plan, file=upload)
    settings.PORTAL_IMPORT_MAX_BYTES = 10 * 1024 * 1024
    assert plan_import(actor=world.zuzhibu, plan=plan, file=SimpleUploadedFile("plan.xlsx", data))["rows"] == 3


def test_pdf_of_a_large_plan_sums_per_lower_committee(world, plan, monkeypatch):
    monkeypatch.setattr("reports.exporters.recruitment_plan.PDF_DETAIL_ROWS", 2)
    pdf = export_bytes(world, plan, fmt="pdf")
    flat = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "中共测试科学院甲研究所委员会2个党组织5" in flat  # 3 + 2 planned in its two branches
    assert "中共测试科学院乙研究所委员会1个党组织0" in flat
    assert "中共甲研究所第一支部委员会" not in flat
    assert "表中按下一级党组织合计" in flat


def test_import_from_the_plan_page(world, plan, login):
    """The page's import form: a good file changes the numbers; a bad one shows its messages and changes nothing;
    only who manages the plan may import."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = export_bytes(world, plan)

    def edit(sheet):
        sheet.cell(row=_row_of(sheet, "中共甲研究所第一支部委员会"), column=2).value = 7

    def upload(content: bytes) -> SimpleUploadedFile:
        return SimpleUploadedFile("plan.xlsx", content,
                                  content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    client = login("zuzhibu")
    url = f"/recruitment/plans/{plan.pk}/"
    response = client.post(url, {"action": "import", "file": upload(_edit(data, edit).getvalue())}, follow=True)
    assert "已导入 3 行：1 个党组织的指标有变化，2 个未变。" in response.content.decode()
    assert numbers_by_org(plan)["第一党支部"]["total"] == 7
    before = numbers_by_org(plan)

    def bad(sheet):
        sheet.cell(row=_row_of(sheet, "中共甲研究所第二支部委员会"), column=2).value = -1

    response = client.post(url, {"action": "import", "file": upload(_edit(data, bad).getvalue())})
    assert response.status_code == 200
    assert "发展党员总数不能小于0" in response.content.decode()
    assert numbers_by_org(plan) == before
    response = client.post(url, {"action": "import"})
    assert "请选择要导入的 Excel 文件" in response.content.decode()
    assert login("dangwei").post(url, {"action": "import", "file": upload(data)}).status_code == 404


def test_import_through_the_api(world, plan):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    data = export_bytes(world, plan)

    def edit(sheet):
        sheet.cell(row=_row_of(sheet, "中共甲研究所第一支部委员会"), column=2).value = 8

    client = APIClient()
    client.force_authenticate(world.zuzhibu)
    url = f"/api/v1/recruitment/plans/{plan.pk}/import/"
    response = client.post(url, {"file": SimpleUploadedFile("plan.xlsx", _edit(data, edit).getvalue())},
                           format="multipart")
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 3, "changed": 1, "unchanged": 2}
    assert numbers_by_org(plan)["第一党支部"]["total"] == 8
    before = numbers_by_org(plan)
    response = client.post(url, {"file": SimpleUploadedFile("plan.csv", b"a,b\n1,2\n")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert client.post(url, {"file": SimpleUploadedFile("plan.xlsx", data), "extra": "1"},
                       format="multipart").status_code == 400
    assert numbers_by_org(plan) == before
    client.force_authenticate(world.shuji_b)
    assert client.post(url, {"file": SimpleUploadedFile("plan.xlsx", data)}, format="multipart").status_code == 404
