"""The settings modules, each loaded fresh in a subprocess with a controlled environment.

Settings are read once per process, so every case starts Python anew with exactly the variables it
names (and no .env file) and reads the result back as JSON.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
STRONG_KEY = "x7Qp2vLr9Zt4Wm8Ks1Nd6Hf3Jb5Gc0Ye7Ua2Ro9Ti4Ep1Sw8Dq3Fz6Xk0Vn5Mh"
CONFIG_KEYS = (
    "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS", "DJANGO_HTTPS", "DJANGO_HSTS_SECONDS", "DJANGO_DEBUG", "DJANGO_STATIC_ROOT",
    "DJANGO_MEDIA_ROOT", "PORTAL_JOB_ROOT", "PORTAL_JOB_RESULT_DAYS", "DJANGO_SETTINGS_MODULE",
)

READ_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""), "port": str(db.get("PORT", "")),
    "user": db.get("USER", ""), "conn_max_age": db.get("CONN_MAX_AGE", 0),
    "broker": settings.CELERY_BROKER_URL,
    "transport_options": getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "debug": settings.DEBUG, "var_dir": str(settings.VAR_DIR),
    "job_result_days": settings.PORTAL_JOB_RESULT_DAYS,
    "session_cookie_secure": getattr(settings, "SESSION_COOKIE_SECURE", False),
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""

CHECK_DEPLOY = """
import django
from django.core.management import call_command
django.setup()
call_command("check", deploy=True, fail_level="WARNING")
"""
CHECK_DEPLOY_SECURITY = CHECK_DEPLOY.replace('fail_level="WARNING"', 'fail_level="WARNING", tags=["security"]')


def run_python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_KEYS}
    clean.update({"PORTAL_ENV_FILE": os.devnull, "PORTAL_VAR_DIR": str(tmp_path / "var"), **env})
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )


def read_settings(tmp_path: Path, module: str, **env: str) -> dict:
    result = run_python(READ_SETTINGS, tmp_path, **{"DJANGO_SETTINGS_MODULE": module, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        **extra,
    }


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = run_python(CHECK_DEPLOY, tmp_path, **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_catches_a_weak_secret_key(tmp_path):
    """The check above can fail: the development fallback key is reported."""
    weak = production_env(DJANGO_SECRET_KEY="dev-only-insecure-key-change-me")
    result = run_python(CHECK_DEPLOY_SECURITY, tmp_path, **weak)
    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = run_python(READ_SETTINGS, tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    env = production_env()
    del env["DJANGO_ALLOWED_HOSTS"]
    result = run_python(READ_SETTINGS, tmp_path, **env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_is_https_only_unless_told_otherwise(tmp_path):
    secure = read_settings(tmp_path, "config.settings.production", **production_env())
    assert secure["debug"] is False
    assert secure["session_cookie_secure"] is True
    assert secure["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    plain = read_settings(tmp_path, "config.settings.production", **production_env(DJANGO_HTTPS="false"))
    assert plain["session_cookie_secure"] is False


def test_default_settings_use_sqlite_and_the_filesystem_broker(tmp_path):
    s = read_settings(tmp_path, "config.settings.local")
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(tmp_path / "var" / "db.sqlite3")
    assert s["broker"].startswith("filesystem://")
    queue = Path(s["transport_options"]["data_folder_in"])
    assert queue == tmp_path / "var" / "broker" / "queue"
    assert queue.is_dir(), "the broker folder is created so the web process can enqueue before a worker ran"
    assert s["eager"] is False, "the Quick start runs jobs in its background worker, not inside requests"
    assert s["debug"] is True


def test_database_url_switches_to_postgresql(tmp_path):
    s = read_settings(
        tmp_path, "config.settings.local", DATABASE_URL="postgres://portal:secret@db.example.org:5433/portal"
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert (s["name"], s["host"], s["port"], s["user"]) == ("portal", "db.example.org", "5433", "portal")
    assert s["conn_max_age"] == 60


def test_celery_broker_url_switches_to_redis(tmp_path):
    s = read_settings(tmp_path, "config.settings.local", CELERY_BROKER_URL="redis://cache.example.org:6379/2")
    assert s["broker"] == "redis://cache.example.org:6379/2"
    assert s["transport_options"] == {}
    assert not (tmp_path / "var" / "broker").exists()


@pytest.mark.parametrize(
    ("env", "eager"),
    [({}, True), ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/9"}, False),
     ({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/9", "CELERY_TASK_ALWAYS_EAGER": "true"}, True)],
)
def test_test_settings_run_tasks_in_process_only_without_a_broker(tmp_path, env, eager):
    assert read_settings(tmp_path, "config.settings.test", **env)["eager"] is eager


def test_environment_values_reach_the_settings(tmp_path):
    s = read_settings(tmp_path, "config.settings.local", PORTAL_JOB_RESULT_DAYS="30")
    assert s["job_result_days"] == 30
    assert s["var_dir"] == str(tmp_path / "var")


def test_env_file_fills_in_unset_variables(tmp_path):
    env_file = tmp_path / "portal.env"
    env_file.write_text("PORTAL_JOB_RESULT_DAYS=11\nDATABASE_URL=sqlite:////tmp/from-env-file.sqlite3\n")
    s = read_settings(tmp_path, "config.settings.local", PORTAL_ENV_FILE=str(env_file), PORTAL_JOB_RESULT_DAYS="3")
    assert s["job_result_days"] == 3, "the environment wins over the file"
    assert s["name"] == "/tmp/from-env-file.sqlite3"


def test_docker_compose_runs_the_portal_on_postgresql_and_redis():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
        assert set(services[name]["depends_on"]) == {"postgres", "redis"}
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    # The worker writes export files that the web process serves: both mount the same volume there.
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    job_root = re.search(r"PORTAL_JOB_ROOT=(\S+)", dockerfile).group(1)
    for name in ("web", "worker"):
        assert f"jobs:{job_root}" in services[name]["volumes"]
    schedule = services["beat"]["command"][services["beat"]["command"].index("--schedule") + 1]
    assert any(schedule.startswith(v.split(":", 1)[1] + "/") for v in services["beat"]["volumes"])
    assert re.search(r"^USER portal$", dockerfile, re.M), "the image runs as a non-root user"
    assert "collectstatic" in dockerfile
