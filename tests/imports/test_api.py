"""The import API: list, upload (multipart), status, rows, commit, template, failed rows — same rules as the pages."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from imports.models import ImportBatch, ImportStatus
from members.models import Person

from .test_views import people_rows, person_row
from .ui_helpers import XLSX, run_batch, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_upload_check_rows_and_commit(api, world, django_capture_on_commit_callbacks):
    as_user(api, world.zuzhibu)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/imports/", {"kind": "people", "file": upload("people", people_rows(3))},
                            format="multipart")
    assert response.status_code == 201, response.content
    uuid = response.json()["uuid"]
    detail = api.get(f"/api/v1/imports/{uuid}/").json()
    assert detail["status"] == ImportStatus.CHECKED
    assert detail["new_count"] == 3
    assert detail["can_commit"]

    rows = api.get(f"/api/v1/imports/{uuid}/rows/?status=new&offset=1&limit=1").json()
    assert rows["count"] == 3
    assert len(rows["results"]) == 1
    assert rows["results"][0]["row"] == 3

    listing = api.get("/api/v1/imports/").json()
    assert [b["uuid"] for b in listing["results"]] == [uuid]

    before = Person.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/imports/{uuid}/commit/")
    assert response.status_code == 202
    assert api.get(f"/api/v1/imports/{uuid}/").json()["status"] == ImportStatus.IMPORTED
    assert Person.objects.count() == before + 3


def test_errors_are_listed_and_commit_is_refused(api, world, django_capture_on_commit_callbacks):
    rows = [person_row("错", datetime.date(1990, 1, 1), birth_date="1990-02-30"), *people_rows(1)]
    batch = run_batch(world.zuzhibu, "people", rows, django_capture_on_commit_callbacks)
    as_user(api, world.zuzhibu)
    errors = api.get(f"/api/v1/imports/{batch.uuid}/rows/?status=error").json()
    assert errors["count"] == 1
    assert errors["results"][0]["row"] == 2
    assert errors["results"][0]["errors"]
    response = api.post(f"/api/v1/imports/{batch.uuid}/commit/")
    assert response.status_code == 400
    assert "错误" in str(response.json())
    failed = api.get(f"/api/v1/imports/{batch.uuid}/failed/")
    assert failed.status_code == 200
    assert failed["Content-Type"] == XLSX
    assert load_workbook(io.BytesIO(failed.content)).active.max_row == 2


def test_bad_upload_is_a_400_in_chinese(api, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    as_user(api, world.zuzhibu)
    response = api.post("/api/v1/imports/", {"kind": "people", "file": SimpleUploadedFile("a.xlsx", b"not a zip")},
                        format="multipart")
    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    response = api.post("/api/v1/imports/", {"kind": "nonsense", "file": upload("people", [])}, format="multipart")
    assert response.status_code == 400
    assert "kind" in response.json()
    response = api.post("/api/v1/imports/", {"kind": "people", "file": upload("people", []), "extra": "1"},
                        format="multipart")
    assert response.status_code == 400
    assert response.json()["extra"] == ["未知字段。"]
    assert not ImportBatch.objects.exists()


def test_rows_filter_is_validated(api, world, django_capture_on_commit_callbacks):
    batch = run_batch(world.zuzhibu, "people", people_rows(1), django_capture_on_commit_callbacks)
    as_user(api, world.zuzhibu)
    assert api.get(f"/api/v1/imports/{batch.uuid}/rows/?status=bad").status_code == 400
    assert api.get(f"/api/v1/imports/{batch.uuid}/rows/?limit=100000").status_code == 400


@pytest.mark.parametrize(("persona", "status"), [("zuzhibu", 201), ("xuanchuan_a", 403), ("dangwei", 403)])
def test_upload_needs_the_kinds_capability(api, world, persona, status, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(api, world.users[persona]).post(
            "/api/v1/imports/", {"kind": "people", "file": upload("people", people_rows(1))}, format="multipart")
    assert response.status_code == status


def test_anonymous_is_refused(api, world):
    assert api.get("/api/v1/imports/").status_code == 403
    assert api.post("/api/v1/imports/", {}, format="multipart").status_code == 403


@pytest.mark.parametrize(("suffix", "method"), [("", "get"), ("rows/", "get"), ("failed/", "get"), ("commit/", "post")])
def test_another_users_batch_is_404(api, world, django_capture_on_commit_callbacks, suffix, method):
    rows = [person_row("甲", datetime.date(1990, 1, 1), birth_date="1990-02-30")]
    batch = run_batch(world.shuji_a, "people", rows, django_capture_on_commit_callbacks)
    response = getattr(as_user(api, world.shuji_b), method)(f"/api/v1/imports/{batch.uuid}/{suffix}")
    assert response.status_code == 404


def test_template(api, world):
    response = as_user(api, world.shuji_a).get("/api/v1/imports/templates/talent_pool/")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["党外人才", "说明"]
    assert as_user(api, world.shuji_a).get("/api/v1/imports/templates/organizations/").status_code == 403
    assert as_user(api, world.shuji_a).get("/api/v1/imports/templates/nonsense/").status_code == 404


def test_schema_documents_the_import_endpoints(api, world):
    schema = as_user(api, world.admin).get("/api/schema/?format=json").json()
    assert {"/api/v1/imports/", "/api/v1/imports/{batch_uuid}/rows/",
            "/api/v1/imports/{batch_uuid}/commit/"} <= set(schema["paths"])
