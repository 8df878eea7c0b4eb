"""Settings shared by every environment. Everything that varies comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
# A .env file beside manage.py fills in what the environment does not set (PORTAL_ENV_FILE: another file).
env.read_env(env.str("PORTAL_ENV_FILE", default=str(BASE_DIR / ".env")))
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "axes",
    "auditlog",
    "import_export",
    "django_htmx",
    "branches",
    "members",
    "recruitment",
    "liaison",
    "ratings",
    "reports",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "branches.context_processors.portal",
            ],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL says otherwise (postgres://user:pass@host:5432/name).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL plus immediate transactions lets the web process and the worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles any query with a large cost estimate; for the tree's counted queries
        # the compiling took 1.2 s of 1.7 s at `cas` scale. Page queries are short: switch it off.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache shared by the web processes (CACHE_URL=redis://…/1 in production); one per process otherwise.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after a working day, or when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = False

# Repeated failed logins are throttled (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
# Each language is offered under its own name.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Result files of jobs live outside MEDIA_URL: they are only ever served through the owner-checked view.
PORTAL_JOB_ROOT = env.str("PORTAL_JOB_ROOT", default=str(VAR_DIR / "jobs"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="党建工作管理平台 <noreply@localhost>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "branches.api_utils.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "党建工作管理平台 API",
    "DESCRIPTION": "Party-building administration portal: organizations, people, roles, jobs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AttendanceStatusEnum": "branches.models.meetings.AttendanceStatus",
        "AttachmentKindEnum": "branches.models.meetings.AttachmentKind",
        "MeetingStatusEnum": "branches.models.meetings.MeetingStatus",
        "RoleKindEnum": "branches.models.tree.RoleKind",
        "PipelineStatusEnum": "recruitment.models.PipelineStatus",
        "ImportKindEnum": "imports.models.ImportKind",
        "ReportKindEnum": "reports.models.ReportKind",
    },
}

# Celery. With nothing configured the broker is a folder on disk, so jobs run without any server;
# CELERY_BROKER_URL=redis://… switches to Redis in production.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # kombu expects the folders to exist; the web process may enqueue before a worker ever ran.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-expired-jobs": {"task": "reports.tasks.purge_expired_jobs_task", "schedule": 3600.0},
    # Uploaded import files (they hold ID numbers) are kept PORTAL_JOB_RESULT_DAYS, like export results.
    "purge-old-imports": {"task": "imports.tasks.purge_old_batches_task", "schedule": 3600.0},
    # Daily reminders for branch secretaries, 06:30 in CELERY_TIMEZONE (Asia/Shanghai).
    "reminders-daily": {"task": "branches.tasks.reminders_daily_task", "schedule": crontab(hour=6, minute=30)},
    # 三会一课 summaries for the new day (due turns overdue at midnight), 00:10 Asia/Shanghai.
    "compliance-summaries": {"task": "branches.tasks.refresh_compliance_summaries_task",
                             "schedule": crontab(hour=0, minute=10)},
    # Development pipeline: next steps and due dates for the new day (00:20), then its reminders (06:20, before
    # the 06:30 e-mail digest, which includes them).
    "recruitment-refresh": {"task": "recruitment.tasks.refresh_pipelines_task", "schedule": crontab(hour=0, minute=20)},
    "recruitment-reminders": {"task": "recruitment.tasks.reminders_daily_task", "schedule": crontab(hour=6, minute=20)},
    # Liaison coverage summaries for the new day ("talk overdue" moves with the date), 00:30.
    "liaison-summaries": {"task": "liaison.tasks.refresh_liaison_summaries_task", "schedule": crontab(hour=0, minute=30)},
    # Periodic reports (reports.periodic) of the periods that ended, 02:00 Asia/Shanghai.
    "periodic-reports": {"task": "reports.tasks.periodic_reports_schedule_task", "schedule": crontab(hour=2, minute=0)},
}
# E-mail each secretary a digest of the day's new reminders (the portal's notification list shows them anyway).
PORTAL_REMINDER_EMAIL_DIGEST = env.bool("PORTAL_REMINDER_EMAIL_DIGEST", default=True)
# Reminder windows in days (branches.reminders.reminder_rules): a required meeting is reminded as due
# `due_lead_days` before its period ends, and as overdue for `overdue_days` after a missed period ends, so in
# January December's, the fourth quarter's and last year's yearly meetings are still reminded.
PORTAL_REMINDERS = {
    "due_lead_days": {"month": 7, "quarter": 15, "year": 30},
    "overdue_days": {"month": 31, "quarter": 92, "year": 31},
    "notice_lead_days": 3,
}

# Development pipeline due lists and reminders: talks and assessments are listed this many days before they fall
# due (probation ending uses the rule set's probation_notice_days).
PORTAL_RECRUITMENT_REMINDERS = {"lead_days": 14}

# The annual recruitment plan (recruitment.plan_selectors): who counts as young and as frontline (local practice),
# how long before the year's end an activist must be ready to count in the forecast, and after how many years
# without a new member an organization is flagged.
PORTAL_RECRUITMENT_PLAN = {
    "young_age": 35,
    "frontline_posts": ["科研人员", "课题组长", "工程技术人员", "实验技术人员", "博士后"],
    "forecast_lead_days": 60,
    "dormant_years": 3,
}
# The largest file an import accepts (bytes).
PORTAL_IMPORT_MAX_BYTES = env.int("PORTAL_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)

# Portal settings.
PORTAL_JOB_RESULT_DAYS = env.int("PORTAL_JOB_RESULT_DAYS", default=7)
PORTAL_DEMO_PASSWORD = "dangjian2026"
# Health warnings of the organization tree (支部工作条例 art.4, art.21): thresholds, overridable per deployment.
PORTAL_ORG_RULES = {
    "branch_max_members": 50,  # a 党支部 over this many members should be split
    "committee_required_from": 7,  # full members from which a 支部委员会 is required
    "term_warning_days": 90,  # warn this many days before a committee's term ends
}
# Organizational life: attachments (photos, sign-in sheets, PDFs) and 民主评议 (优秀 at most this share).
PORTAL_MEETING_ATTACHMENT_MAX_MB = env.float("PORTAL_MEETING_ATTACHMENT_MAX_MB", default=10)
PORTAL_APPRAISAL_EXCELLENT_MAX_RATIO = "1/3"
# Members who attended no organizational life for this many months are flagged for the lost-contact review
# (党章 art.9, 党员教育管理工作条例; domain.md §3.2).
PORTAL_ABSENCE_REVIEW_MONTHS = 6

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

IMPORT_EXPORT_USE_TRANSACTIONS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

# Periodic reports (reports.periodic.periods): the semesters of 每学期专题研究 as (first month, last month), and which
# organizations get reports: the root committees and the committees `committee_depth` levels below them.
PORTAL_PERIODIC_REPORTS = {
    "semesters": [(1, 6), (7, 12)],
    "committee_depth": 1,
}
