"""API clients authenticate with a token obtained with their password."""

import pytest


@pytest.mark.django_db
def test_token_from_password_authenticates_api_calls(world, client):
    response = client.post("/api/v1/auth/token/", {"username": "shuji_a", "password": "dangjian2026"})
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "shuji_a"
    # The token sees exactly the session's scope: another branch's person does not exist for it.
    other = client.get(f"/api/v1/people/{world.member_b.pk}/", HTTP_AUTHORIZATION=f"Token {token}")
    assert other.status_code == 404


@pytest.mark.django_db
def test_wrong_password_gets_no_token(world, client):
    response = client.post("/api/v1/auth/token/", {"username": "shuji_a", "password": "wrong"})
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.django_db
def test_bad_token_is_refused(world, client):
    # DRF answers 403 (not 401) because session authentication comes first and sends no challenge.
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token nope").status_code == 403
