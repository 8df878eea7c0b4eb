"""The 党员名册 PDF: WeasyPrint with the CJK font shipped in static/, checked by extracting its text."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pypdf import PdfReader

from reports.exporters.roster import OrgRosterExporter
from reports.models import JobStatus
from reports.pdf import css_counter_content, css_string, render_pdf
from reports.services import job_run, job_start

from .conftest import result_bytes, start_and_run, user

pytestmark = pytest.mark.django_db


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_roster_pdf_has_the_organization_and_rare_name_characters(rworld):
    job = start_and_run("shuji_a", "org_roster", {"organization": rworld.branch_a.pk}, fmt="pdf")
    assert job.title == "党员名册 · 第一党支部"
    assert job.result_name.startswith("党员名册_第一党支部_")
    assert job.result_type == "application/pdf"
    reader = PdfReader(io.BytesIO(result_bytes(job)))
    text = "".join(page.extract_text() for page in reader.pages)
    assert rworld.branch_a.name in text
    assert "赵喆" in text
    assert "钱堃" in text
    assert "张三" in text
    assert "孙丽" not in text  # not a party member
    assert "第 1 页 共 1 页" in text
    assert "预备党员：1 人" in text
    assert "党员总数：3 人" in text
    assert "第一党小组" in text  # 钱堃's party group
    # Every glyph comes from the shipped font, declared with @font-face (never a system font).
    assert _fonts(reader) <= {"Portal-Sans-SC", "Portal-Sans-SC-Bold"}
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # A4 landscape
    assert round(float(reader.pages[0].mediabox.width)) == 842


def test_roster_of_a_committee_groups_its_branches(rworld):
    job = start_and_run("dangwei", "org_roster", {"organization": rworld.institute.pk}, fmt="pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(result_bytes(job))).pages)
    assert rworld.institute.name in text
    a, b = text.index(rworld.branch_a.name), text.index(rworld.branch_b.name)
    assert a < b
    assert "李四" in text[b:]
    assert "钱堃" in text[a:b]
    assert "王五" not in text  # another institute


def test_roster_refuses_too_large_an_organization_readably(rworld):
    job = job_start(actor=user("zuzhibu"), kind="org_roster", params={"organization": rworld.root.pk}, fmt="pdf")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(OrgRosterExporter, "max_people", 2)
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "超过单份名册上限 2 人" in job.error
    assert "下级党组织" in job.error


def test_roster_header_repeats_on_every_page(rworld):
    from tests.factories import make_member

    for i in range(60):
        make_member(rworld.branch_b, name=f"测试{i:02d}")
    job = start_and_run("shuji_b", "org_roster", {"organization": rworld.branch_b.pk}, fmt="pdf")
    reader = PdfReader(io.BytesIO(result_bytes(job)))
    assert len(reader.pages) >= 2
    pages = len(reader.pages)
    for n, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "序号" in text
        assert "入党日期" in text
        assert f"第 {n} 页 共 {pages} 页" in text


def test_page_counter_css_is_built_from_the_translated_text():
    assert css_counter_content("第 %(page)s 页 共 %(pages)s 页") == \
        '"第 " counter(page) " 页 共 " counter(pages) " 页"'
    assert css_counter_content("Page %(page)s of %(pages)s") == '"Page " counter(page) " of " counter(pages)'
    assert css_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm not installed")
def test_roster_renders_to_an_image(rworld, tmp_path):
    job = start_and_run("shuji_a", "org_roster", {"organization": rworld.branch_a.pk}, fmt="pdf")
    pdf = tmp_path / "roster.pdf"
    pdf.write_bytes(result_bytes(job))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 5000


def test_chinese_renders_without_any_system_font(tmp_path):
    """With fontconfig pointing at no fonts at all, the PDF still carries 喆 and 堃 from the shipped OTF."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>')
    script = textwrap.dedent("""
        import io, django
        django.setup()
        from pypdf import PdfReader
        from reports.pdf import render_pdf
        pdf = render_pdf("reports/pdf/org_roster.html", {
            "organization": {"name": "中共测试研究所第一支部委员会"}, "groups": [], "counts": {"total": 0},
            "running_title": "赵喆 钱堃",
        })
        reader = PdfReader(io.BytesIO(pdf))
        fonts = {str(f.get_object()["/BaseFont"]).split("+")[-1] for f in reader.pages[0]["/Resources"]["/Font"].values()}
        print(reader.pages[0].extract_text())
        print("FONTS", sorted(fonts))
    """)
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[2], check=True).stdout
    assert "中共测试研究所第一支部委员会" in out
    assert "赵喆" in out
    assert "钱堃" in out
    assert "FONTS ['Portal-Sans-SC']" in out


def test_render_pdf_returns_pdf_bytes():
    pdf = render_pdf("reports/pdf/org_roster.html", {"organization": {"name": "测试"}, "groups": [],
                                                      "counts": {"total": 0}})
    assert pdf.startswith(b"%PDF")
