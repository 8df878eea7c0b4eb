import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members import idcard
from members.codes import PoliticalStatus, Sex
from members.models import PartyMembership, Person
from tests.factories import make_member

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1992, 3, 8)


def form_data(world, **overrides):
    data = {
        "name": "钱堃",
        "sex": Sex.MALE,
        "ethnicity": "01",
        "birth_date": BIRTH.isoformat(),
        "id_number": idcard.make("110101", BIRTH, 9, Sex.MALE),
        "political_status": PoliticalStatus.MASSES,
        "organization": world.branch_a.pk,
        "education": "11",
        "title_level": "intermediate",
        "phone": "13900000000",
        "m-status": "normal",
    }
    data.update(overrides)
    return data


def member_form_data(world, **overrides):
    data = form_data(world, political_status=PoliticalStatus.CPC_MEMBER)
    data.update({"m-admitted_on": "2015-07-01", "m-converted_on": "2016-07-01", "m-party_group": world.group_a.pk})
    data.update(overrides)
    return data


class TestList:
    def test_secretary_sees_own_branch_only(self, world, login):
        response = login("shuji_a").get("/people/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "张三" in html
        assert "赵喆" in html
        assert "李四" not in html
        assert "王五" not in html
        assert response.context["page"].paginator.count == 2

    def test_id_numbers_are_masked(self, world, login):
        html = login("zuzhibu").get("/people/").content.decode()
        assert world.member_a.masked_id_number in html
        assert world.member_a.id_number not in html

    def test_view_only_role_gets_the_list_without_export(self, world, login):
        response = login("xuanchuan_a").get("/people/")
        assert response.status_code == 200
        assert "/jobs/export/people/" not in response.content.decode()
        assert "新增人员" not in response.content.decode()

    def test_export_link_carries_the_current_filters(self, world, login):
        html = login("shuji_a").get("/people/?q=zs&political_status=01&page=1").content.decode()
        assert 'href="/jobs/export/people/?q=zs&amp;political_status=01"' in html

    def test_member_without_role_is_forbidden(self, world, login):
        assert login("dangyuan").get("/people/").status_code == 403

    def test_anonymous_is_sent_to_login(self, world, client):
        response = client.get("/people/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    @pytest.mark.parametrize("q", ["zhangsan", "zs", "ZhangSan", "张", "zhang san"])
    def test_search_by_name_pinyin_and_initials(self, world, login, q):
        page = login("zuzhibu").get("/people/", {"q": q}).context["page"]
        assert [row["name"] for row in page.object_list] == ["张三"]

    def test_search_by_id_tail(self, world, login):
        tail = world.member_b.id_number[-6:]
        page = login("zuzhibu").get("/people/", {"q": tail.lower()}).context["page"]
        assert [row["url"] for row in page.object_list] == [f"/people/{world.member_b.pk}/"]

    def test_org_filter_includes_subtree(self, world, login):
        page = login("zuzhibu").get("/people/", {"org": world.institute.pk}).context["page"]
        assert {row["name"] for row in page.object_list} == {"张三", "赵喆", "李四"}

    def test_org_filter_outside_scope_finds_nothing(self, world, login):
        page = login("shuji_a").get("/people/", {"org": world.branch_b.pk}).context["page"]
        assert page.paginator.count == 0

    def test_org_select_only_lists_the_users_scope(self, world, login):
        options = str(login("shuji_a").get("/people/").context["org_options"])
        assert options == f'<option value="{world.branch_a.pk}">第一党支部</option>'
        selected = str(login("zuzhibu").get("/people/", {"org": world.branch_b.pk}).context["org_options"])
        assert f'<option value="{world.branch_b.pk}" selected>' in selected
        assert "乙所第一党支部" in selected

    def test_pagination_keeps_the_filters(self, world, login):
        for i in range(55):
            make_member(world.branch_b, name=f"李{'一二三四五六七八九十'[i % 10]}")
        response = login("zuzhibu").get("/people/", {"org": world.branch_b.pk})
        page = response.context["page"]
        assert page.paginator.count == 56
        assert len(page.object_list) == 50
        assert f'href="?org={world.branch_b.pk}&amp;page=2"' in response.content.decode()
        second = login("zuzhibu").get("/people/", {"org": world.branch_b.pk, "page": 2}).context["page"]
        assert len(second.object_list) == 6

    def test_sorting_by_age(self, world, login):
        make_member(world.branch_a, name="年轻人", birth_date=datetime.date(2000, 1, 1))
        page = login("shuji_a").get("/people/", {"ordering": "-birth_date"}).context["page"]
        assert page.object_list[0]["name"] == "年轻人"

    def test_flags_show_as_badges(self, world, login):
        PartyMembership.objects.filter(person=world.member_a).update(
            lost_contact=True, lost_contact_on=datetime.date(2024, 1, 1))
        html = login("shuji_a").get("/people/").content.decode()
        assert "badge-danger-soft\">失联" in html

    def test_query_count_does_not_grow_with_rows(self, world, login):
        client = login("zuzhibu")

        def count() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/people/").status_code == 200
            return len(ctx.captured_queries)

        for _ in range(5):
            make_member(world.branch_b)
        few = count()
        for _ in range(45):
            make_member(world.branch_b)
        assert Person.objects.count() >= 54
        assert count() == few


class TestDetail:
    def test_secretary_sees_masked_number_and_buttons(self, world, login):
        response = login("shuji_a").get(f"/people/{world.member_a.pk}/")
        html = response.content.decode()
        assert response.status_code == 200
        assert world.member_a.masked_id_number in html
        assert world.member_a.id_number not in html
        assert "显示完整号码" in html
        assert f"/people/{world.member_a.pk}/edit/" in html

    def test_view_only_role_sees_no_reveal_or_edit(self, world, login):
        html = login("xuanchuan_a").get(f"/people/{world.member_a.pk}/").content.decode()
        assert "显示完整号码" not in html
        assert "/edit/" not in html
        assert "/move/" not in html

    @pytest.mark.parametrize("persona", ["shuji_b", "outsider"])
    def test_other_branches_get_404(self, world, login, persona):
        assert login(persona).get(f"/people/{world.member_a.pk}/").status_code == 404

    def test_member_opens_own_record_only(self, world, login):
        client = login("dangyuan")
        own = Person.objects.get(user=world.dangyuan)
        response = client.get(f"/people/{own.pk}/")
        assert response.status_code == 200
        assert "本人" in response.content.decode()
        assert own.id_number not in response.content.decode()
        assert client.get(f"/people/{world.member_a.pk}/").status_code == 404

    def test_anonymous_is_sent_to_login(self, world, client):
        assert client.get(f"/people/{world.member_a.pk}/").status_code == 302

    def test_unknown_person_is_404(self, world, login):
        assert login("admin").get("/people/999999/").status_code == 404


class TestRevealIdNumber:
    def url(self, world):
        return f"/people/{world.member_a.pk}/id-number/"

    def access_entries(self, world):
        return LogEntry.objects.get_for_object(world.member_a).filter(action=LogEntry.Action.ACCESS)

    def test_post_returns_full_number_and_writes_one_access_entry(self, world, login):
        response = login("shuji_a").post(self.url(world), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert world.member_a.id_number in response.content.decode()
        entry = self.access_entries(world).get()
        assert entry.actor == world.shuji_a
        assert entry.additional_data == {"what": "id_number"}

    def test_get_is_not_allowed(self, world, login):
        response = login("shuji_a").get(self.url(world))
        assert response.status_code == 405
        assert not self.access_entries(world).exists()

    @pytest.mark.parametrize(("persona", "status"), [("xuanchuan_a", 403), ("dangwei", 403), ("shuji_b", 404),
                                                     ("outsider", 404), ("dangyuan", 404)])
    def test_others_are_refused_and_nothing_logged(self, world, login, persona, status):
        response = login(persona).post(self.url(world))
        assert response.status_code == status
        assert world.member_a.id_number not in response.content.decode()
        assert not self.access_entries(world).exists()

    def test_member_without_capability_cannot_reveal_own_number(self, world, login):
        own = Person.objects.get(user=world.dangyuan)
        assert login("dangyuan").post(f"/people/{own.pk}/id-number/").status_code == 403

    def test_anonymous_is_sent_to_login(self, world, client):
        assert client.post(self.url(world)).status_code == 302
        assert not self.access_entries(world).exists()


class TestCreate:
    def test_form_lists_only_editable_organizations(self, world, login):
        response = login("shuji_a").get("/people/new/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "第一党支部" in html
        assert "第二党支部" not in html

    @pytest.mark.parametrize(("persona", "status"), [("xuanchuan_a", 403), ("dangwei", 403), ("dangyuan", 403)])
    def test_without_edit_capability_is_forbidden(self, world, login, persona, status):
        assert login(persona).get("/people/new/").status_code == status

    def test_anonymous_is_sent_to_login(self, world, client):
        assert client.get("/people/new/").status_code == 302

    def test_creates_a_member_with_membership(self, world, login):
        response = login("shuji_a").post("/people/new/", member_form_data(world))
        person = Person.objects.get(name="钱堃")
        assert response.status_code == 302
        assert response["Location"] == f"/people/{person.pk}/"
        assert person.name_pinyin == "qiankun"
        assert person.membership.party_group == world.group_a
        assert person.membership.category == "full"

    def test_non_member_needs_no_membership_fields(self, world, login):
        response = login("shuji_a").post("/people/new/", form_data(world))
        assert response.status_code == 302
        assert not PartyMembership.objects.filter(person__name="钱堃").exists()

    def test_invalid_id_number_shows_message_and_saves_nothing(self, world, login):
        response = login("shuji_a").post("/people/new/", form_data(world, id_number="110101199203080000"))
        assert response.status_code == 200
        assert "公民身份号码校验位不正确，请核对是否录入有误。" in response.content.decode()
        assert "is-invalid" in response.content.decode()
        assert not Person.objects.filter(name="钱堃").exists()

    def test_conversion_before_admission_saves_nothing(self, world, login):
        response = login("shuji_a").post("/people/new/", member_form_data(world, **{"m-converted_on": "2014-01-01"}))
        assert response.status_code == 200
        assert "转正日期必须晚于入党日期。" in response.content.decode()
        assert not Person.objects.filter(name="钱堃").exists()
        assert response.context["mform"].errors["converted_on"] == ["转正日期必须晚于入党日期。"]

    def test_organization_outside_scope_is_not_found(self, world, login):
        response = login("shuji_a").post("/people/new/", form_data(world, organization=world.other_branch.pk))
        assert response.status_code == 200
        assert response.context["form"].errors["organization"] == ["未找到该党组织。"]
        assert not Person.objects.filter(name="钱堃").exists()


class TestEdit:
    def url(self, world):
        return f"/people/{world.member_a.pk}/edit/"

    def test_secretary_edits(self, world, login):
        person = world.member_a
        data = member_form_data(world, name="张三丰", sex=person.sex, birth_date=person.birth_date.isoformat(),
                                id_number=person.id_number, **{"m-admitted_on": "2010-07-01",
                                                               "m-converted_on": "2011-07-01"})
        data.pop("organization")
        response = login("shuji_a").post(self.url(world), data)
        assert response.status_code == 302
        person.refresh_from_db()
        assert (person.name, person.name_initials) == ("张三丰", "zsf")

    def test_birth_in_future_shows_message_and_saves_nothing(self, world, login):
        person = world.member_a
        future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        data = member_form_data(world, sex=person.sex, birth_date=future, id_number="")
        response = login("shuji_a").post(self.url(world), data)
        assert response.status_code == 200
        assert "出生日期不能晚于今天。" in response.content.decode()
        assert Person.objects.get(pk=person.pk).birth_date == person.birth_date

    @pytest.mark.parametrize(("persona", "status"), [("shuji_a", 200), ("xuanchuan_a", 403), ("dangwei", 403),
                                                     ("shuji_b", 404), ("outsider", 404), ("dangyuan", 404)])
    def test_access(self, world, login, persona, status):
        assert login(persona).get(self.url(world)).status_code == status

    def test_member_cannot_edit_own_record(self, world, login):
        own = Person.objects.get(user=world.dangyuan)
        assert login("dangyuan").get(f"/people/{own.pk}/edit/").status_code == 403

    def test_anonymous_is_sent_to_login(self, world, client):
        assert client.get(self.url(world)).status_code == 302


class TestMove:
    def url(self, world):
        return f"/people/{world.member_a.pk}/move/"

    def test_target_outside_scope_is_refused_and_nothing_saved(self, world, login):
        response = login("shuji_a").post(self.url(world), {"organization": world.branch_b.pk, "confirm": "on"})
        assert response.status_code == 200
        assert "未找到该党组织。" in response.content.decode()
        assert Person.objects.get(pk=world.member_a.pk).organization == world.branch_a

    def test_committee_staff_moves(self, world, login):
        response = login("zuzhibu").post(self.url(world), {"organization": world.branch_b.pk, "confirm": "on"})
        assert response.status_code == 302
        assert Person.objects.get(pk=world.member_a.pk).organization == world.branch_b

    def test_confirmation_is_required(self, world, login):
        response = login("zuzhibu").post(self.url(world), {"organization": world.branch_b.pk})
        assert response.status_code == 200
        assert Person.objects.get(pk=world.member_a.pk).organization == world.branch_a

    @pytest.mark.parametrize(("persona", "status"), [("zuzhibu", 200), ("xuanchuan_a", 403), ("shuji_b", 404),
                                                     ("outsider", 404), ("dangyuan", 404)])
    def test_access(self, world, login, persona, status):
        assert login(persona).get(self.url(world)).status_code == status

    def test_anonymous_is_sent_to_login(self, world, client):
        assert client.get(self.url(world)).status_code == 302
