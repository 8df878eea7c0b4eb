"""Rows of tests/test_url_matrix.py for the import pages and API (see Case there). `import_batch` is shuji_a's
checked people batch with one error row: only its owner reaches it, everyone else gets 404."""

from tests.test_url_matrix import API_ANON, LOGIN, Case

# EDIT_PEOPLE somewhere: the people import.
_PEOPLE_EDITORS = {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200, "shuji_a": 200, "shuji_b": 200,
                   "outsider": 200, "dangwei": 403, "xuanchuan_a": 403, "dangyuan": 403}
_OWNER = {"anonymous": LOGIN, "shuji_a": 200}


def _batch(suffix: str = ""):
    return lambda w: f"/imports/{w.import_batch.uuid}/{suffix}"


def _api_batch(suffix: str = ""):
    return lambda w: f"/api/v1/imports/{w.import_batch.uuid}/{suffix}"


CASES: dict = {
    "imports:index": Case("/imports/", {"anonymous": LOGIN, "xuanchuan_a": 403, "dangyuan": 403}, default=200),
    "imports:upload": Case("/imports/new/people/", _PEOPLE_EDITORS),
    "imports:template": Case("/imports/template/people/", _PEOPLE_EDITORS),
    "imports:detail": Case(_batch(), _OWNER, default=404),
    "imports:progress": Case(_batch("progress/"), _OWNER, default=404),
    "imports:failed": Case(_batch("failed/"), _OWNER, default=404),
    # The owner's commit is refused (errors remain) and sent back to the batch page.
    "imports:commit": Case(_batch("commit/"), {"anonymous": LOGIN, "shuji_a": 302}, method="post", default=404),
    "api-imports": Case("/api/v1/imports/", {"anonymous": API_ANON}, default=200),
    "api-import-template": Case("/api/v1/imports/templates/people/",
                                {**_PEOPLE_EDITORS, "anonymous": API_ANON}),
    "api-import-detail": Case(_api_batch(), {"anonymous": API_ANON, "shuji_a": 200}, default=404),
    "api-import-rows": Case(_api_batch("rows/"), {"anonymous": API_ANON, "shuji_a": 200}, default=404),
    "api-import-failed": Case(_api_batch("failed/"), {"anonymous": API_ANON, "shuji_a": 200}, default=404),
    "api-import-commit": Case(_api_batch("commit/"), {"anonymous": API_ANON, "shuji_a": 400}, method="post",
                              default=404),
}


def prepare(world) -> None:
    """shuji_a's people file with a bad birth date, checked (the worker step run directly)."""
    import datetime

    from imports.services import import_check, import_start
    from tests.factories import valid_id

    from .ui_helpers import upload

    birth = datetime.date(1990, 3, 1)
    batch = import_start(actor=world.shuji_a, kind="people", file=upload("people", [
        {"name": "矩阵", "sex": "男", "birth_date": "1990-02-30", "id_number": valid_id(birth, "1"),
         "organization": "第一党支部"}]))
    import_check(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.error_count == 1, batch.error
    world.__dict__["import_batch"] = batch
