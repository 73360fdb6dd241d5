"""One account for everything: log in, and be locked out for a while after repeated failures."""

import pytest

from wangge.org.services import create_account

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def account(db):
    return create_account(None, username="wangwu", full_name="王五", password=PASSWORD)


def log_in(client, password: str, username: str = "wangwu", ip: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_password_is_stored_as_an_argon2_hash(account):
    assert account.password.startswith("argon2")
    assert account.check_password(PASSWORD)


def test_a_user_logs_in_and_lands_on_my_work(client, account):
    response = log_in(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/cases/my/"
    assert client.get("/cases/my/").status_code == 200
    assert client.get("/").status_code == 200  # the workbench of every page they may open


def test_a_wrong_password_shows_an_error_and_no_session(client, account):
    response = log_in(client, "wrong")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, account, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong", ip="10.0.0.2")
    response = log_in(client, PASSWORD, ip="10.0.0.3")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_repeated_failures_from_one_address_lock_that_address(client, account, settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong", username=f"guess{number}", ip="10.0.0.4")
    assert log_in(client, PASSWORD, ip="10.0.0.4").status_code == 429
    assert log_in(client, PASSWORD, ip="10.0.0.5").status_code == 302


def test_pages_need_a_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_login_page_is_chinese_by_default(chinese_client, db):
    response = chinese_client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page
