"""Rows of tests/test_url_matrix.py for this area's URLs (see Case there), and the objects they need."""

from tests.test_url_matrix import Case

LOGIN = 302

# Who sees branch A's pipelines (VIEW_PEOPLE or MANAGE_RECRUITMENT over the branch) and who records its branch
# steps (MANAGE_RECRUITMENT at the branch: the secretary, the organization department, the administrator).
_VIEWERS_A = {"admin": 200, "zuzhibu": 200, "dangwei": 200, "shuji_a": 200, "xuanchuan_a": 200,
              "shuji_b": 404, "outsider": 404, "dangyuan": 404}
_RECORDERS_A = {"admin": 200, "zuzhibu": 200, "shuji_a": 200, "dangwei": 403, "xuanchuan_a": 403,
                "shuji_b": 404, "outsider": 404, "dangyuan": 404}

CASES: dict = {
    "recruitment:board": Case("/recruitment/", {"anonymous": LOGIN, "dangyuan": 403}, default=200),
    "recruitment:create": Case("/recruitment/new/", {"anonymous": LOGIN, "admin": 200, "zuzhibu": 200,
                                                     "shuji_a": 200, "shuji_b": 200, "outsider": 200},
                               default=403),
    "recruitment:detail": Case(lambda w: f"/recruitment/{w.pipeline_a.pk}/", {"anonymous": LOGIN, **_VIEWERS_A}),
    "recruitment:step": Case(lambda w: f"/recruitment/{w.pipeline_a.pk}/step/talk/",
                             {"anonymous": LOGIN, **_RECORDERS_A}),
    "recruitment:stop": Case(lambda w: f"/recruitment/{w.pipeline_a.pk}/stop/", {"anonymous": LOGIN, **_RECORDERS_A}),
    "recruitment:attachment": Case(lambda w: f"/recruitment/attachments/{w.pipeline_attachment_a.pk}/",
                                   {"anonymous": LOGIN, **_VIEWERS_A}),
}


def prepare(world) -> None:
    """An applicant of branch A whose application (with its scan) is registered."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    from recruitment import services
    from recruitment.models import StepAttachment
    from tests.factories import PersonFactory

    person = PersonFactory(organization=world.branch_a, name="孙申请", birth_date=datetime.date(1998, 6, 1))
    scan = SimpleUploadedFile("入党申请书.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    pipeline = services.pipeline_open(actor=world.shuji_a, person=person, applied_on=datetime.date(2026, 10, 20),
                                      files=[scan])
    world.__dict__["pipeline_a"] = pipeline
    world.__dict__["pipeline_attachment_a"] = StepAttachment.objects.get(record__pipeline=pipeline)
