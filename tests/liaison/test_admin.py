"""The liaison admin: read-only, scoped, and never showing a talk's private notes."""

import pytest

pytestmark = pytest.mark.django_db
PRIVATE = "家庭困难，需保密"


def test_admin_shows_talks_without_private_notes(lworld, login):
    client = login("admin")
    response = client.get(f"/admin/liaison/talk/{lworld.talk_a.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "科研进展与团队建设" in html
    assert PRIVATE not in html
    assert client.get("/admin/liaison/talk/").status_code == 200
    for model in ("talentprofile", "liaisonpair", "followup", "review"):
        assert client.get(f"/admin/liaison/{model}/").status_code == 200


def test_admin_is_read_only_and_scoped(lworld, login):
    lworld.dangwei.is_staff = True
    lworld.dangwei.save(update_fields=["is_staff"])
    client = login("dangwei")
    response = client.get("/admin/liaison/liaisonpair/")
    assert response.status_code == 200
    assert "周博士" in response.content.decode()
    assert "钱教授" not in response.content.decode()  # the other institute
    assert client.get(f"/admin/liaison/liaisonpair/{lworld.pair_other.pk}/change/").status_code == 302  # not found
    assert client.get("/admin/liaison/liaisonpair/add/").status_code == 403
