import os
import secrets
import stat
import string
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from comptoir.config.env import env_bool, env_int, env_list, local_secret_key
from tests.conftest import database_vendor

sqlite_only = pytest.mark.skipif(
    database_vendor() != "sqlite", reason="SQLite pragmas only apply to SQLite runs"
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_env_bool_reads_the_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("COMPTOIR_FLAG", raw)

    assert env_bool("COMPTOIR_FLAG", default=not expected) is expected


def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("COMPTOIR_FLAG", raising=False)

    assert env_bool("COMPTOIR_FLAG", default=True) is True


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "yes please"])
def test_env_bool_refuses_anything_else_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("COMPTOIR_FLAG", raw)

    with pytest.raises(ImproperlyConfigured) as error:
        env_bool("COMPTOIR_FLAG")

    assert str(error.value) == f"COMPTOIR_FLAG must be true or false, not {raw!r}"


@pytest.mark.parametrize(("raw", "expected"), [("42", 42), ("-3", -3), (" 7 ", 7), ("", 5)])
def test_env_int_reads_whole_numbers(monkeypatch, raw, expected):
    monkeypatch.setenv("COMPTOIR_N", raw)

    assert env_int("COMPTOIR_N", 5) == expected


@pytest.mark.parametrize("raw", ["1.5", "ten", "0x10", "1e3"])
def test_env_int_refuses_what_is_not_a_whole_number(monkeypatch, raw):
    monkeypatch.setenv("COMPTOIR_N", raw)

    with pytest.raises(ImproperlyConfigured) as error:
        env_int("COMPTOIR_N", 5)

    assert str(error.value) == f"COMPTOIR_N must be a whole number, not {raw!r}"


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("COMPTOIR_HOSTS", " a.example, ,b.example ,")

    assert env_list("COMPTOIR_HOSTS", ["default"]) == ["a.example", "b.example"]


def test_local_secret_key_is_generated_once_and_kept(tmp_path):
    # when
    first = local_secret_key(tmp_path / "data")
    second = local_secret_key(tmp_path / "data")

    # then
    assert first == second
    assert len(first) >= 50
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_local_secret_key_differs_between_installs(tmp_path):
    assert local_secret_key(tmp_path / "one") != local_secret_key(tmp_path / "two")


def _run_comptoir(tmp_path, *args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "COMPTOIR_ENV",
            "COMPTOIR_SERVE_MEDIA",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    clean.update(COMPTOIR_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "comptoir", *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _production_env():
    alphabet = string.ascii_letters + string.digits + "!@%^&*(-_=+)"
    return {
        "COMPTOIR_ENV": "production",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "ALLOWED_HOSTS": "shop.example",
        "COMPTOIR_SERVE_MEDIA": "false",
        "DEBUG": "false",
        "COMPTOIR_BANK_IBAN": "FR76 1234 5678 9012 3456 7890 123",
    }


def test_a_bad_boolean_stops_the_start_with_the_variables_name(tmp_path):
    result = _run_comptoir(tmp_path, "check", DEBUG="maybe")

    assert result.returncode == 1
    assert "ImproperlyConfigured: DEBUG must be true or false, not 'maybe'" in result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    env = _production_env()
    del env["SECRET_KEY"]

    result = _run_comptoir(tmp_path, "check", **env)

    assert result.returncode == 1
    assert "SECRET_KEY must be set when COMPTOIR_ENV=production" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_is_clean_for_a_production_configuration(tmp_path):
    result = _run_comptoir(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production_env()
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_django_serves_media_in_production(tmp_path):
    env = {**_production_env(), "COMPTOIR_SERVE_MEDIA": "true"}

    result = _run_comptoir(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode == 1
    assert "comptoir.W001" in result.stderr


@sqlite_only
@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        busy_timeout = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        foreign_keys = cursor.execute("PRAGMA foreign_keys").fetchone()[0]

    assert journal_mode == "wal"
    assert busy_timeout == 20_000
    assert foreign_keys == 1


@sqlite_only
def test_sqlite_takes_the_write_lock_when_a_transaction_starts():
    from django.conf import settings

    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_production_offers_no_demo_payment_details(tmp_path):
    env = _production_env()
    del env["COMPTOIR_BANK_IBAN"]

    result = _run_comptoir(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode != 0
    assert "comptoir.W002" in result.stderr + result.stdout
