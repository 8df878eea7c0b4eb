"""Login, logout, password change, throttling of failed logins, and session expiry."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_login_lands_on_the_dashboard(world, client):
    response = client.post("/accounts/login/", {"username": "shuji_a", "password": "dangjian2026"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "dashboards/branch.html" in [t.name for t in response.templates]


def test_wrong_password_shows_a_chinese_message_and_no_session(world, client):
    response = client.post("/accounts/login/", {"username": "shuji_a", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(world, login):
    client = login("shuji_a")
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_requires_the_old_password(world, login):
    client = login("shuji_a")
    bad = client.post("/accounts/password/", {"old_password": "nope", "new_password1": "Xq7!long-enough",
                                              "new_password2": "Xq7!long-enough"})
    assert bad.status_code == 200
    assert User.objects.get(username="shuji_a").check_password("dangjian2026")
    ok = client.post("/accounts/password/", {"old_password": "dangjian2026", "new_password1": "Xq7!long-enough",
                                             "new_password2": "Xq7!long-enough"})
    assert ok.status_code == 302
    assert User.objects.get(username="shuji_a").check_password("Xq7!long-enough")


def test_repeated_failed_logins_lock_the_account_for_a_while(world, client, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "shuji_a", "password": "wrong"})
    # Even the right password is refused now, with a page that says how long to wait.
    response = client.post("/accounts/login/", {"username": "shuji_a", "password": "dangjian2026"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "15 分钟后重试" in body
    assert "PT15M" not in body
    assert "_auth_user_id" not in client.session


def test_sessions_expire_after_a_working_day_and_with_the_browser(world, client):
    client.post("/accounts/login/", {"username": "shuji_a", "password": "dangjian2026"})
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 8 * 3600
    assert client.session.get_expire_at_browser_close()
