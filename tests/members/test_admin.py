import pytest

from members.models import Person

pytestmark = pytest.mark.django_db


def test_admin_list_masks_id_numbers(world, login):
    response = login("admin").get("/admin/members/person/")
    html = response.content.decode()
    assert response.status_code == 200
    assert world.member_a.masked_id_number in html
    assert world.member_a.id_number not in html


def test_admin_change_page_is_read_only_and_masked(world, login):
    response = login("admin").get(f"/admin/members/person/{world.member_a.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert world.member_a.masked_id_number in html
    assert world.member_a.id_number not in html
    assert 'name="name"' not in html


def test_admin_search_uses_pinyin(world, login):
    response = login("admin").get("/admin/members/person/", {"q": "zs"})
    assert list(response.context["cl"].result_list) == [world.member_a]


def test_staff_admin_is_scoped_by_roles(world, login):
    world.shuji_a.is_staff = True
    world.shuji_a.save()
    client = login("shuji_a")
    response = client.get("/admin/members/person/")
    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == set(Person.objects.filter(organization=world.branch_a))
    other = client.get(f"/admin/members/person/{world.member_b.pk}/change/")
    assert other.status_code == 302  # the admin's "does not exist" redirect
    memberships = client.get("/admin/members/partymembership/")
    assert {m.person for m in memberships.context["cl"].result_list} == set(
        Person.objects.filter(organization=world.branch_a))


def test_nothing_can_be_added_or_deleted_in_admin(world, login):
    client = login("admin")
    assert client.get("/admin/members/person/add/").status_code == 403
    assert client.post(f"/admin/members/person/{world.member_a.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=world.member_a.pk).exists()


def test_staff_without_people_scope_sees_no_people_admin(world, login):
    world.dangyuan.is_staff = True
    world.dangyuan.save()
    assert login("dangyuan").get("/admin/members/person/").status_code == 403
