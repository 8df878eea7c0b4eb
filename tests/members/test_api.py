import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from members import idcard
from members.codes import PoliticalStatus, Sex
from members.models import PartyMembership, Person
from tests.factories import make_member

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1988, 11, 2)


@pytest.fixture
def api():
    def _api(username: str | None) -> APIClient:
        client = APIClient()
        if username:
            from django.contrib.auth.models import User

            client.force_authenticate(User.objects.get(username=username))
        return client

    return _api


def payload(world, **overrides):
    data = {
        "name": "孙丽",
        "sex": Sex.FEMALE,
        "birth_date": BIRTH.isoformat(),
        "id_number": idcard.make("440301", BIRTH, 4, Sex.FEMALE),
        "organization": world.branch_a.pk,
        "political_status": PoliticalStatus.CPC_PROBATIONARY,
        "membership": {"category": "probationary", "admitted_on": "2025-06-30"},
    }
    data.update(overrides)
    return data


class TestList:
    def test_lists_scope_with_masked_numbers(self, world, api):
        response = api("shuji_a").get("/api/v1/people/")
        assert response.status_code == 200
        assert response.data["count"] == 2
        row = next(r for r in response.data["results"] if r["id"] == world.member_a.pk)
        assert row["id_number_masked"] == world.member_a.masked_id_number
        assert world.member_a.id_number not in response.content.decode()
        assert row["membership"]["category"] == "full"
        assert row["organization"]["id"] == world.branch_a.pk

    def test_filters_and_ordering_match_the_page(self, world, api):
        client = api("zuzhibu")
        assert [r["name"] for r in client.get("/api/v1/people/", {"q": "zs"}).data["results"]] == ["张三"]
        in_institute = client.get("/api/v1/people/", {"org": world.institute.pk}).data
        assert in_institute["count"] == 3
        ordered = client.get("/api/v1/people/", {"ordering": "-birth_date"}).data["results"]
        births = [r["birth_date"] for r in ordered]
        assert births == sorted(births, reverse=True)

    def test_invalid_filter_value_is_400(self, world, api):
        response = api("zuzhibu").get("/api/v1/people/", {"political_status": "99"})
        assert response.status_code == 400
        assert "political_status" in response.data

    def test_org_outside_scope_returns_nothing(self, world, api):
        assert api("shuji_a").get("/api/v1/people/", {"org": world.other_branch.pk}).data["count"] == 0

    def test_member_without_role_is_forbidden(self, world, api):
        assert api("dangyuan").get("/api/v1/people/").status_code == 403

    def test_anonymous_is_refused(self, world, api):
        assert api(None).get("/api/v1/people/").status_code in (401, 403)

    def test_token_auth_works(self, world):
        token = Token.objects.create(user=world.shuji_a)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        assert client.get("/api/v1/people/").status_code == 200
        assert APIClient().get("/api/v1/people/", HTTP_AUTHORIZATION="Token nope").status_code in (401, 403)

    def test_query_count_does_not_grow_with_rows(self, world, api):
        def count() -> int:
            client = api("zuzhibu")
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/api/v1/people/").status_code == 200
            return len(ctx.captured_queries)

        for _ in range(5):
            make_member(world.branch_b)
        few = count()
        for _ in range(45):
            make_member(world.branch_b)
        assert count() == few


class TestDetail:
    def test_in_scope(self, world, api):
        response = api("xuanchuan_a").get(f"/api/v1/people/{world.member_a.pk}/")
        assert response.status_code == 200
        assert response.data["name"] == "张三"
        assert "id_number" not in response.data

    @pytest.mark.parametrize("persona", ["shuji_b", "outsider", "dangyuan"])
    def test_outside_scope_is_404(self, world, api, persona):
        assert api(persona).get(f"/api/v1/people/{world.member_a.pk}/").status_code == 404

    def test_member_reads_own_record(self, world, api):
        own = Person.objects.get(user=world.dangyuan)
        assert api("dangyuan").get(f"/api/v1/people/{own.pk}/").status_code == 200

    def test_anonymous_is_refused(self, world, api):
        assert api(None).get(f"/api/v1/people/{world.member_a.pk}/").status_code in (401, 403)


class TestCreate:
    def test_creates_person_with_nested_membership(self, world, api):
        response = api("shuji_a").post("/api/v1/people/", payload(world), format="json")
        assert response.status_code == 201, response.data
        person = Person.objects.get(pk=response.data["id"])
        assert person.name_pinyin == "sunli"
        assert person.membership.category == "probationary"
        assert response.data["political_status"] == PoliticalStatus.CPC_PROBATIONARY
        assert LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.CREATE).actor == world.shuji_a

    def test_unknown_fields_are_400_and_nothing_saved(self, world, api):
        response = api("shuji_a").post("/api/v1/people/", payload(world, nickname="丽丽"), format="json")
        assert response.status_code == 400
        assert response.data == {"nickname": ["未知字段。"]}
        assert not Person.objects.filter(name="孙丽").exists()

    def test_unknown_nested_fields_are_400(self, world, api):
        data = payload(world)
        data["membership"]["sponsor"] = "张三"
        response = api("shuji_a").post("/api/v1/people/", data, format="json")
        assert response.status_code == 400
        assert response.data["membership"] == {"sponsor": ["未知字段。"]}

    def test_invalid_id_number_is_400_with_chinese_message(self, world, api):
        valid = idcard.make("440301", BIRTH, 4, Sex.FEMALE)
        wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
        response = api("shuji_a").post("/api/v1/people/", payload(world, id_number=wrong_check), format="json")
        assert response.status_code == 400
        assert response.data["id_number"] == ["公民身份号码校验位不正确，请核对是否录入有误。"]
        assert not Person.objects.filter(name="孙丽").exists()

    def test_conversion_before_admission_saves_nothing(self, world, api):
        data = payload(world, political_status=PoliticalStatus.CPC_MEMBER,
                       membership={"category": "full", "admitted_on": "2015-07-01", "converted_on": "2015-01-01"})
        response = api("shuji_a").post("/api/v1/people/", data, format="json")
        assert response.status_code == 400
        assert response.data["membership.converted_on"] == ["转正日期必须晚于入党日期。"]
        assert not Person.objects.filter(name="孙丽").exists()
        assert not PartyMembership.objects.filter(person__name="孙丽").exists()

    def test_birth_in_future_is_400(self, world, api):
        future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
        response = api("shuji_a").post("/api/v1/people/", payload(world, birth_date=future, id_number=""),
                                       format="json")
        assert response.status_code == 400
        assert "出生日期不能晚于今天。" in response.data["birth_date"]

    def test_organization_outside_scope_is_not_found(self, world, api):
        response = api("shuji_a").post("/api/v1/people/", payload(world, organization=world.branch_b.pk),
                                       format="json")
        assert response.status_code == 400
        assert response.data["organization"] == ["未找到该党组织。"]
        assert not Person.objects.filter(name="孙丽").exists()

    @pytest.mark.parametrize("persona", ["xuanchuan_a", "dangwei", "dangyuan"])
    def test_without_edit_capability_is_403(self, world, api, persona):
        assert api(persona).post("/api/v1/people/", payload(world), format="json").status_code == 403
        assert not Person.objects.filter(name="孙丽").exists()


class TestUpdate:
    def url(self, world):
        return f"/api/v1/people/{world.member_a.pk}/"

    def test_patch_changes_only_given_fields(self, world, api):
        response = api("shuji_a").patch(self.url(world), {"title": "研究员", "title_level": "senior"}, format="json")
        assert response.status_code == 200, response.data
        person = Person.objects.get(pk=world.member_a.pk)
        assert (person.title, person.title_level, person.name) == ("研究员", "senior", "张三")

    def test_patch_membership_flags(self, world, api):
        response = api("shuji_a").patch(self.url(world), {"membership": {
            "mobile": True, "mobile_since": "2025-03-01", "mobile_destination": "广东深圳"}}, format="json")
        assert response.status_code == 200, response.data
        assert response.data["membership"]["mobile"] is True
        assert PartyMembership.objects.get(person=world.member_a).mobile_destination == "广东深圳"

    def test_organization_is_not_patchable(self, world, api):
        response = api("zuzhibu").patch(self.url(world), {"organization": world.branch_b.pk}, format="json")
        assert response.status_code == 400
        assert response.data == {"organization": ["未知字段。"]}

    def test_bad_input_saves_nothing(self, world, api):
        response = api("shuji_a").patch(self.url(world), {"post": "组长", "membership": {
            "converted_on": "2009-01-01"}}, format="json")
        assert response.status_code == 400
        assert Person.objects.get(pk=world.member_a.pk).post == ""

    @pytest.mark.parametrize(("persona", "status"), [("xuanchuan_a", 403), ("dangwei", 403), ("shuji_b", 404),
                                                     ("outsider", 404), ("dangyuan", 404)])
    def test_access(self, world, api, persona, status):
        assert api(persona).patch(self.url(world), {"post": "x"}, format="json").status_code == status
        assert Person.objects.get(pk=world.member_a.pk).post == ""


class TestMove:
    def url(self, world):
        return f"/api/v1/people/{world.member_a.pk}/move/"

    def test_moves(self, world, api):
        response = api("zuzhibu").post(self.url(world), {"organization": world.branch_b.pk}, format="json")
        assert response.status_code == 200
        assert response.data["organization"]["id"] == world.branch_b.pk

    def test_target_outside_scope_is_not_found_and_nothing_saved(self, world, api):
        response = api("shuji_a").post(self.url(world), {"organization": world.branch_b.pk}, format="json")
        assert response.status_code == 400
        assert response.data["organization"] == ["未找到该党组织。"]
        assert Person.objects.get(pk=world.member_a.pk).organization == world.branch_a

    def test_unknown_field_is_400(self, world, api):
        response = api("zuzhibu").post(self.url(world), {"organization": world.branch_b.pk, "reason": "x"},
                                       format="json")
        assert response.status_code == 400
        assert Person.objects.get(pk=world.member_a.pk).organization == world.branch_a

    @pytest.mark.parametrize(("persona", "status"), [("xuanchuan_a", 403), ("shuji_b", 404), ("outsider", 404),
                                                     ("dangyuan", 404)])
    def test_access(self, world, api, persona, status):
        response = api(persona).post(self.url(world), {"organization": world.branch_b.pk}, format="json")
        assert response.status_code == status

    def test_anonymous_is_refused(self, world, api):
        assert api(None).post(self.url(world), {"organization": world.branch_b.pk}).status_code in (401, 403)


class TestIdNumber:
    def url(self, world):
        return f"/api/v1/people/{world.member_a.pk}/id-number/"

    def entries(self, world):
        return LogEntry.objects.get_for_object(world.member_a).filter(action=LogEntry.Action.ACCESS)

    def test_full_number_and_one_audit_entry(self, world, api):
        response = api("shuji_a").get(self.url(world))
        assert response.status_code == 200
        assert response.data == {"id": world.member_a.pk, "id_number": world.member_a.id_number}
        assert self.entries(world).get().actor == world.shuji_a

    @pytest.mark.parametrize(("persona", "status"), [("xuanchuan_a", 403), ("dangwei", 403), ("shuji_b", 404),
                                                     ("outsider", 404), ("dangyuan", 404)])
    def test_refused_and_not_logged(self, world, api, persona, status):
        assert api(persona).get(self.url(world)).status_code == status
        assert not self.entries(world).exists()

    def test_anonymous_is_refused(self, world, api):
        assert api(None).get(self.url(world)).status_code in (401, 403)
        assert not self.entries(world).exists()


def test_schema_documents_people_endpoints(world, api):
    response = api("admin").get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/people/" in paths
    assert "/api/v1/people/{id}/id-number/" in paths
    params = {p["name"] for p in paths["/api/v1/people/"]["get"]["parameters"]}
    assert {"q", "org", "political_status", "ordering", "page"} <= params
