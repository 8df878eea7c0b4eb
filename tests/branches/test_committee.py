"""Committee seats (委员会成员): people, not logins. Services, the organization page's card and forms, the API,
and the default attendees of a 支部委员会 meeting."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from branches import selectors, services
from branches.meetings import services as meeting_services
from branches.models import CommitteePosition, CommitteeSeat, MeetingType, Organization, OrgType, RoleKind
from members.codes import MemberCategory
from members.models import PartyMembership
from tests.factories import PersonFactory, RoleFactory, UserFactory, make_member

from .conftest import audit_entries, days

pytestmark = pytest.mark.django_db

JSON = "application/json"
P = CommitteePosition
START = datetime.date(2024, 1, 5)


def add(world, person, position=P.MEMBER, *, actor=None, org=None, starts_on=START, note=""):
    return services.seat_add(actor=actor or world.zuzhibu, organization=org or world.branch_a, person=person,
                             position=position, starts_on=starts_on, note=note)


def messages_of(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def reload(org: Organization) -> Organization:
    return Organization.objects.get(pk=org.pk)


# ---- services ------------------------------------------------------------------------------------------------


class TestSeatAdd:
    def test_seats_a_full_member_audited_and_names_the_secretary(self, world):
        seat = add(world, world.member_a, P.SECRETARY, note="甲党发〔2024〕3号")
        assert (seat.person, seat.position, seat.starts_on, seat.ends_on) == (world.member_a, P.SECRETARY, START, None)
        entry = audit_entries(seat, LogEntry.Action.CREATE).get()
        assert entry.actor == world.zuzhibu
        assert reload(world.branch_a).secretary_name == "张三"
        assert audit_entries(world.branch_a, LogEntry.Action.UPDATE).get().changes_dict["secretary_name"] == ["", "张三"]

    def test_other_positions_leave_the_secretary_name_alone(self, world):
        Organization.objects.filter(pk=world.branch_a.pk).update(secretary_name="刘书记")
        add(world, world.member_a, P.PROPAGANDA)
        assert reload(world.branch_a).secretary_name == "刘书记"

    def test_probationary_member_is_refused_and_nothing_saved(self, world):
        probationary = make_member(world.branch_a, name="钱堃", category=MemberCategory.PROBATIONARY)
        with pytest.raises(ValidationError) as exc:
            add(world, probationary, P.SECRETARY)
        assert "预备党员不能担任委员" in messages_of(exc)
        assert "person" in exc.value.message_dict
        assert not CommitteeSeat.objects.exists()
        assert reload(world.branch_a).secretary_name == ""

    def test_member_of_another_branch_is_refused_without_naming_them(self, world):
        with pytest.raises(ValidationError) as exc:
            add(world, world.member_b)
        assert "不在“第一党支部”（含下级组织）的人员名单中" in messages_of(exc)
        assert "李四" not in messages_of(exc)
        assert not CommitteeSeat.objects.exists()

    def test_non_member_and_suspended_member_are_refused(self, world):
        masses = PersonFactory(organization=world.branch_a, name="周敏")
        with pytest.raises(ValidationError, match="不是中共党员"):
            add(world, masses)
        suspended = make_member(world.branch_a, name="孙丽")
        PartyMembership.objects.filter(person=suspended).update(rights_suspended=True)
        with pytest.raises(ValidationError, match="停止党员权利或留党察看"):
            add(world, suspended)
        assert not CommitteeSeat.objects.exists()

    def test_start_before_becoming_a_full_member_is_refused(self, world):
        with pytest.raises(ValidationError) as exc:
            add(world, world.member_a, starts_on=datetime.date(2011, 1, 1))  # converted 2011-07-01
        assert "任职日期不能早于转正日期" in messages_of(exc)

    def test_second_sitting_secretary_is_refused(self, world):
        add(world, world.member_a, P.SECRETARY)
        other = make_member(world.branch_a, name="吴昊")
        with pytest.raises(ValidationError) as exc:
            add(world, other, P.SECRETARY, starts_on=days(-1))
        assert "已有在任书记 张三" in " ".join(exc.value.message_dict["position"])
        assert CommitteeSeat.objects.count() == 1
        assert reload(world.branch_a).secretary_name == "张三"

    def test_secretary_seat_overlapping_an_ended_one_is_refused(self, world):
        seat = add(world, world.member_a, P.SECRETARY)
        services.seat_end(actor=world.zuzhibu, seat=seat, ends_on=datetime.date(2025, 6, 30))
        other = make_member(world.branch_a, name="吴昊")
        with pytest.raises(ValidationError, match="已有在任书记"):
            add(world, other, P.SECRETARY, starts_on=datetime.date(2025, 6, 1))
        assert add(world, other, P.SECRETARY, starts_on=datetime.date(2025, 7, 1)).position == P.SECRETARY

    def test_person_already_sitting_is_refused_until_the_seat_ends(self, world):
        seat = add(world, world.member_a, P.ORGANIZATION)
        with pytest.raises(ValidationError, match="已是“第一党支部”的组织委员"):
            add(world, world.member_a, P.PROPAGANDA)
        services.seat_end(actor=world.zuzhibu, seat=seat, ends_on=days(-10))
        assert add(world, world.member_a, P.PROPAGANDA, starts_on=days(-5)).position == P.PROPAGANDA

    def test_future_start_is_refused(self, world):
        with pytest.raises(ValidationError) as exc:
            add(world, world.member_a, starts_on=days(3))
        assert "任职日期不能晚于今天" in " ".join(exc.value.message_dict["starts_on"])
        assert not CommitteeSeat.objects.exists()

    def test_organization_without_committee_is_refused(self, world):
        with pytest.raises(ValidationError) as exc:
            add(world, world.member_b, org=world.branch_b)
        assert "“第二党支部”未设委员会" in messages_of(exc)
        assert not CommitteeSeat.objects.exists()

    def test_party_committee_seats_members_of_its_subtree(self, world):
        Organization.objects.filter(pk=world.institute.pk).update(has_committee=True)
        seat = add(world, world.member_b, P.DISCIPLINE, org=world.institute)
        assert seat.organization == world.institute
        with pytest.raises(ValidationError, match="不在“甲所党委”"):
            add(world, world.member_other, org=world.institute)

    def test_scope(self, world, admin_yi):
        with pytest.raises(PermissionDenied):
            add(world, world.member_a, actor=world.shuji_a)
        with pytest.raises(Http404):
            add(world, world.member_a, actor=admin_yi)
        assert not CommitteeSeat.objects.exists()


class TestSeatEnd:
    def test_ends_with_reason_audited_and_clears_the_secretary(self, world):
        seat = add(world, world.member_a, P.SECRETARY, note="选举产生")
        services.seat_end(actor=world.zuzhibu, seat=seat, ends_on=days(-1), note="调离本所")
        seat.refresh_from_db()
        assert (seat.ends_on, seat.note) == (days(-1), "选举产生；调离本所")
        assert audit_entries(seat, LogEntry.Action.UPDATE).get().changes_dict["ends_on"][1] == str(days(-1))
        assert reload(world.branch_a).secretary_name == ""

    def test_end_before_start_is_refused_and_nothing_saved(self, world):
        seat = add(world, world.member_a, P.SECRETARY)
        with pytest.raises(ValidationError) as exc:
            services.seat_end(actor=world.zuzhibu, seat=seat, ends_on=START - datetime.timedelta(days=1))
        assert "不能早于任职日期（2024-01-05）" in " ".join(exc.value.message_dict["ends_on"])
        seat.refresh_from_db()
        assert seat.ends_on is None
        assert reload(world.branch_a).secretary_name == "张三"

    def test_future_end_and_second_end_are_refused(self, world):
        seat = add(world, world.member_a)
        with pytest.raises(ValidationError, match="离任日期不能晚于今天"):
            services.seat_end(actor=world.zuzhibu, seat=seat, ends_on=days(1))
        services.seat_end(actor=world.zuzhibu, seat=seat, ends_on=days(0))
        with pytest.raises(ValidationError, match="已于 .* 离任"):
            services.seat_end(actor=world.zuzhibu, seat=seat, ends_on=days(0))

    def test_scope(self, world, admin_yi):
        seat = add(world, world.member_a)
        with pytest.raises(PermissionDenied):
            services.seat_end(actor=world.shuji_a, seat=seat, ends_on=days(0))
        with pytest.raises(Http404):
            services.seat_end(actor=admin_yi, seat=seat, ends_on=days(0))
        seat.refresh_from_db()
        assert seat.ends_on is None


# ---- selectors -------------------------------------------------------------------------------------------------


class TestCommitteeOn:
    def test_sitting_on_a_day_secretary_first_in_one_query(self, world, django_assert_num_queries):
        member = add(world, world.member_a, P.MEMBER)
        secretary = add(world, make_member(world.branch_a, name="吴昊"), P.SECRETARY, starts_on=datetime.date(2025, 1, 1))
        left = add(world, make_member(world.branch_a, name="周敏"), P.ORGANIZATION)
        services.seat_end(actor=world.zuzhibu, seat=left, ends_on=datetime.date(2024, 12, 31))
        with django_assert_num_queries(1):
            seats = selectors.committee_on(organization=world.branch_a)
            names = [s.person.name for s in seats]
        assert seats == [secretary, member]
        assert names == ["吴昊", "张三"]
        assert selectors.committee_on(organization=world.branch_a, on=datetime.date(2024, 6, 1)) == [left, member]
        assert selectors.committee_on(organization=world.branch_b) == []


# ---- pages ----------------------------------------------------------------------------------------------------


def _detail(client, org) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/orgs/{org.pk}/")
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


class TestCommitteeCard:
    def test_lists_sitting_and_former_seats(self, world, login):
        add(world, world.member_a, P.SECRETARY)
        former = add(world, make_member(world.branch_a, name="周敏"), P.ORGANIZATION, note="选举产生")
        services.seat_end(actor=world.zuzhibu, seat=former, ends_on=datetime.date(2024, 12, 31), note="换届")
        body, _ = _detail(login("xuanchuan_a"), world.branch_a)
        assert 'id="committee"' in body
        assert "张三" in body
        assert "自 2024-01-05" in body
        assert "往届及离任委员 1 人" in body
        assert "2024-01-05 — 2024-12-31" in body
        assert "选举产生；换届" in body
        assert "/committee/add/" not in body
        assert "/end/" not in body
        body, _ = _detail(login("zuzhibu"), world.branch_a)
        assert f"/orgs/{world.branch_a.pk}/committee/add/" in body
        seat = CommitteeSeat.objects.get(ends_on__isnull=True)
        assert f"/orgs/{world.branch_a.pk}/committee/{seat.pk}/end/" in body

    def test_not_shown_for_an_organization_without_committee(self, world, login):
        body, _ = _detail(login("zuzhibu"), world.branch_b)
        assert 'id="committee"' not in body

    def test_query_count_does_not_grow_with_seats(self, world, login):
        add(world, world.member_a, P.SECRETARY)
        client = login("zuzhibu")
        _, few = _detail(client, world.branch_a)
        for i, position in enumerate([P.ORGANIZATION, P.PROPAGANDA, P.DISCIPLINE, P.YOUTH, P.WOMEN]):
            seat = add(world, make_member(world.branch_a, name=f"委员{i}"), position)
            if i % 2:
                services.seat_end(actor=world.zuzhibu, seat=seat, ends_on=days(-1))
        body, many = _detail(client, world.branch_a)
        assert "委员4" in body
        assert many == few


class TestSeatPages:
    def test_add_page_scope(self, world, login, admin_yi):
        url = f"/orgs/{world.branch_a.pk}/committee/add/"
        assert login("zuzhibu").get(url).status_code == 200
        assert login("shuji_a").get(url).status_code == 403
        assert login("zuzhibu_yi").get(url).status_code == 404
        assert login("zuzhibu_yi").post(url, {"person": world.member_a.pk, "position": "member",
                                              "starts_on": "2024-01-05"}).status_code == 404
        assert login("shuji_a").post(url, {"person": world.member_a.pk, "position": "member",
                                           "starts_on": "2024-01-05"}).status_code == 403
        assert not CommitteeSeat.objects.exists()

    def test_add_page_offers_full_members_only(self, world, login):
        make_member(world.branch_a, name="钱堃", category=MemberCategory.PROBATIONARY)
        body = login("zuzhibu").get(f"/orgs/{world.branch_a.pk}/committee/add/").content.decode()
        assert f'value="{world.member_a.pk}"' in body
        assert "钱堃" not in body
        assert "李四" not in body
        body = login("zuzhibu").get(f"/orgs/{world.branch_a.pk}/committee/add/?q=zs").content.decode()
        assert "张三" in body
        assert "赵喆" not in body

    def test_add_saves_through_the_service(self, world, login):
        client = login("zuzhibu")
        response = client.post(f"/orgs/{world.branch_a.pk}/committee/add/", {
            "person": world.member_a.pk, "position": "secretary", "starts_on": "2024-01-05", "note": ""})
        assert response.status_code == 302
        assert response["Location"] == f"/orgs/{world.branch_a.pk}/#committee"
        seat = CommitteeSeat.objects.get()
        assert (seat.person, seat.position) == (world.member_a, P.SECRETARY)

    def test_add_shows_the_service_refusal_and_saves_nothing(self, world, login):
        probationary = make_member(world.branch_a, name="钱堃", category=MemberCategory.PROBATIONARY)
        response = login("zuzhibu").post(f"/orgs/{world.branch_a.pk}/committee/add/", {
            "person": probationary.pk, "position": "member", "starts_on": "2024-01-05"})
        assert response.status_code == 200
        assert "预备党员不能担任委员" in response.content.decode()
        assert not CommitteeSeat.objects.exists()

    def test_end_page(self, world, login, admin_yi):
        seat = add(world, world.member_a, P.SECRETARY)
        url = f"/orgs/{world.branch_a.pk}/committee/{seat.pk}/end/"
        assert login("shuji_a").get(url).status_code == 403
        assert login("zuzhibu_yi").get(url).status_code == 404
        assert login("zuzhibu").get(f"/orgs/{world.branch_b.pk}/committee/{seat.pk}/end/").status_code == 404
        client = login("zuzhibu")
        response = client.post(url, {"ends_on": "2024-01-01", "note": ""})
        assert response.status_code == 200
        assert "不能早于任职日期" in response.content.decode()
        response = client.post(url, {"ends_on": days(0).isoformat(), "note": "调离"})
        assert response.status_code == 302
        seat.refresh_from_db()
        assert (seat.ends_on, seat.note) == (days(0), "调离")


# ---- API ------------------------------------------------------------------------------------------------------


class TestCommitteeApi:
    def url(self, world, org=None) -> str:
        return f"/api/v1/organizations/{(org or world.branch_a).pk}/committee/"

    def test_list_scope_and_day(self, world, login):
        add(world, world.member_a, P.SECRETARY)
        left = add(world, make_member(world.branch_a, name="周敏"), P.ORGANIZATION)
        services.seat_end(actor=world.zuzhibu, seat=left, ends_on=datetime.date(2024, 12, 31))
        response = login("xuanchuan_a").get(self.url(world))
        assert response.status_code == 200
        rows = response.json()
        assert [(r["person_name"], r["position"], r["is_active"]) for r in rows] == [
            ("张三", "secretary", True), ("周敏", "organization", False)]
        on = login("xuanchuan_a").get(self.url(world), {"on": "2024-06-01"}).json()
        assert {r["person_name"] for r in on} == {"张三", "周敏"}
        assert all(r["is_active"] for r in on)
        assert login("xuanchuan_a").get(self.url(world), {"on": "明天"}).status_code == 400
        assert login("shuji_b").get(self.url(world)).status_code == 404
        assert login("dangyuan").get(self.url(world)).status_code == 403

    def test_create(self, world, login):
        response = login("zuzhibu").post(self.url(world), {
            "person": world.member_a.pk, "position": "secretary", "starts_on": "2024-01-05"}, content_type=JSON)
        assert response.status_code == 201
        assert response.json()["person_name"] == "张三"
        assert reload(world.branch_a).secretary_name == "张三"

    def test_create_refusals_in_chinese(self, world, login):
        client = login("zuzhibu")
        probationary = make_member(world.branch_a, name="钱堃", category=MemberCategory.PROBATIONARY)
        response = client.post(self.url(world), {"person": probationary.pk, "position": "member",
                                                  "starts_on": "2024-01-05"}, content_type=JSON)
        assert response.status_code == 400
        assert "预备党员不能担任委员" in response.json()["person"][0]
        response = client.post(self.url(world), {"person": world.member_other.pk, "position": "member",
                                                  "starts_on": "2024-01-05"}, content_type=JSON)
        assert response.status_code == 400
        assert "王五" not in str(response.json())
        response = client.post(self.url(world), {"person": world.member_a.pk, "position": "member",
                                                  "starts_on": "2024-01-05", "ends_on": "2025-01-01"},
                               content_type=JSON)
        assert response.status_code == 400
        assert response.json()["ends_on"] == ["未知字段。"]
        assert not CommitteeSeat.objects.exists()

    def test_create_scope(self, world, login, admin_yi):
        data = {"person": world.member_a.pk, "position": "member", "starts_on": "2024-01-05"}
        assert login("shuji_a").post(self.url(world), data, content_type=JSON).status_code == 403
        assert login("zuzhibu_yi").post(self.url(world), data, content_type=JSON).status_code == 404
        assert not CommitteeSeat.objects.exists()

    def test_end(self, world, login, admin_yi):
        seat = add(world, world.member_a, P.SECRETARY)
        url = f"{self.url(world)}{seat.pk}/end/"
        assert login("shuji_a").post(url, {"ends_on": "2025-01-01"}, content_type=JSON).status_code == 403
        assert login("zuzhibu_yi").post(url, {"ends_on": "2025-01-01"}, content_type=JSON).status_code == 404
        client = login("zuzhibu")
        assert client.post(f"{self.url(world, world.branch_b)}{seat.pk}/end/", {"ends_on": "2025-01-01"},
                           content_type=JSON).status_code == 404
        response = client.post(url, {"ends_on": "2023-01-01"}, content_type=JSON)
        assert response.status_code == 400
        assert "不能早于任职日期" in response.json()["ends_on"][0]
        response = client.post(url, {"ends_on": "2025-01-01", "note": "换届"}, content_type=JSON)
        assert response.status_code == 200
        assert (response.json()["ends_on"], response.json()["note"], response.json()["is_active"]) == (
            "2025-01-01", "换届", False)
        assert reload(world.branch_a).secretary_name == ""


# ---- default attendees of a 支部委员会 meeting ------------------------------------------------------------------


class TestCommitteeMeetingAttendees:
    def committee(self, world, on=None):
        return meeting_services.default_attendees(organization=world.branch_a, meeting_type=MeetingType.COMMITTEE,
                                                  on=on)

    def test_without_seats_the_committee_roles_are_used(self, world):
        shuji = make_member(world.branch_a, name="吴昊", user=world.shuji_a)
        assert self.committee(world) == [shuji]

    def test_seats_replace_the_roles(self, world):
        make_member(world.branch_a, name="吴昊", user=world.shuji_a)  # holds a role, has no seat
        add(world, world.member_a, P.SECRETARY)
        no_login = make_member(world.branch_a, name="周敏")
        add(world, no_login, P.ORGANIZATION)
        assert {p.name for p in self.committee(world)} == {"张三", "周敏"}

    def test_seats_sitting_on_the_meeting_day(self, world):
        add(world, world.member_a, P.SECRETARY)
        left = add(world, make_member(world.branch_a, name="周敏"), P.ORGANIZATION)
        services.seat_end(actor=world.zuzhibu, seat=left, ends_on=datetime.date(2024, 12, 31))
        assert [p.name for p in self.committee(world)] == ["张三"]
        assert {p.name for p in self.committee(world, on=datetime.date(2024, 6, 1))} == {"张三", "周敏"}
        # Seats are on record, none was held that day: nobody, rather than the role holders.
        assert self.committee(world, on=datetime.date(2023, 1, 1)) == []

    def test_party_group_meeting_type_is_unchanged(self, world):
        add(world, world.member_a, P.SECRETARY)
        everyone = meeting_services.default_attendees(organization=world.branch_a,
                                                      meeting_type=MeetingType.GENERAL_ASSEMBLY)
        assert world.member_a in everyone
        assert len(everyone) == 2

    def test_through_the_api(self, world, login):
        add(world, world.member_a, P.SECRETARY)
        response = login("shuji_a").get("/api/v1/meetings/default-attendees/",
                                        {"organization": world.branch_a.pk, "meeting_type": "committee"})
        assert response.status_code == 200
        assert [row["name"] for row in response.json()] == ["张三"]


# ---- Django admin ----------------------------------------------------------------------------------------------


def test_admin_lists_seats_in_scope_and_only_ends_them(world, client):
    staff = UserFactory(username="staff_jia", is_staff=True)
    RoleFactory(user=staff, organization=world.institute, kind=RoleKind.ORG_DEPARTMENT)
    seat = add(world, world.member_a, P.SECRETARY)
    Organization.objects.filter(pk=world.other_branch.pk).update(has_committee=True)
    other = add(world, world.member_other, P.SECRETARY, actor=world.admin, org=world.other_branch)
    client.force_login(staff)
    body = client.get("/admin/branches/committeeseat/").content.decode()
    assert f"/admin/branches/committeeseat/{seat.pk}/change/" in body
    assert f"/admin/branches/committeeseat/{other.pk}/change/" not in body
    assert client.get("/admin/branches/committeeseat/add/").status_code == 403
    url = f"/admin/branches/committeeseat/{seat.pk}/change/"
    response = client.post(url, {"ends_on": "2023-01-01"})
    assert response.status_code == 200
    assert "离任日期不能早于任职日期" in response.content.decode()
    assert client.post(url, {"ends_on": days(0).isoformat()}).status_code == 302
    seat.refresh_from_db()
    assert seat.ends_on == days(0)
    assert reload(world.branch_a).secretary_name == ""


# ---- demo data ----------------------------------------------------------------------------------------------------


def test_demo_seats_follow_the_rules():
    from branches.demo import build_demo

    build_demo("small")
    seats = list(CommitteeSeat.objects.select_related("organization", "person__membership", "person__organization"))
    committees = Organization.objects.filter(has_committee=True, org_type__in=OrgType.branch_types())
    assert {s.organization for s in seats if s.organization.is_branch} == set(committees)
    # The institute committees (党委) have their seats too (the liaison work's 党委委员).
    institutes = Organization.objects.filter(depth=2, org_type=OrgType.COMMITTEE)
    assert {s.organization for s in seats if not s.organization.is_branch} == set(institutes)
    for org in institutes:
        assert 5 <= len(selectors.committee_on(organization=org)) <= 9
    for org in committees:
        sitting = selectors.committee_on(organization=org)
        assert sitting[0].position == P.SECRETARY
        assert sitting[0].person.name == org.secretary_name
        assert 3 <= len(sitting) <= 5
    for seat in seats:
        membership = seat.person.membership
        assert seat.person.organization.path.startswith(seat.organization.path)
        assert membership.category == MemberCategory.FULL
        assert membership.converted_on <= seat.starts_on <= days(0)
        assert seat.ends_on is None or seat.ends_on >= seat.starts_on
    shuji_a = selectors.committee_on(organization=Organization.objects.get(roles__user__username="shuji_a"))
    assert shuji_a[0].person.user.username == "shuji_a"
    # Ended seats: the member of branch A's previous committee who left at the election, and the previous terms of
    # re-elected secretaries and committee members, each ending the day before a current seat of theirs began.
    ended = CommitteeSeat.objects.filter(ends_on__isnull=False)
    assert ended.filter(note="换届").count() == 1
    for seat in ended.exclude(note="换届"):
        assert CommitteeSeat.objects.filter(person=seat.person, organization=seat.organization, ends_on__isnull=True,
                                            starts_on=seat.ends_on + datetime.timedelta(days=1)).exists()
