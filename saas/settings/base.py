"""Settings shared by every environment; everything that differs comes from the environment."""

from __future__ import annotations

from pathlib import Path

from saas.settings.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-insecure-alumni-cloud-secret-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)

# The platform's own domain; schools live on subdomains of it (demo-a.localhost).
PLATFORM_DOMAIN = env_str("PLATFORM_DOMAIN", "localhost")
PLATFORM_PORT = env_str("PLATFORM_PORT", "8000")
PLATFORM_SCHEME = env_str("PLATFORM_SCHEME", "http")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [PLATFORM_DOMAIN, f".{PLATFORM_DOMAIN}", "127.0.0.1", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS",
    [
        f"{PLATFORM_SCHEME}://{PLATFORM_DOMAIN}:{PLATFORM_PORT}",
        f"{PLATFORM_SCHEME}://*.{PLATFORM_DOMAIN}:{PLATFORM_PORT}",
    ],
)

# --- Database -------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if not _database_url:
    from saas.embedded_db import embedded_database_url

    _database_url = embedded_database_url(Path(env_str("PGSERVER_DATA_DIR", str(BASE_DIR / ".pgdata"))))
DATABASES = {"default": database_from_url(_database_url)}
if env_str("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DB_NAME")}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Tenancy --------------------------------------------------------------------------------
TENANT_MODEL = "tenants.School"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New schools are cloned from this migrated schema (data included: Wagtail's tree and our
# default pages) instead of running every migration. See docs/decisions/provisioning.md.
TENANT_BASE_SCHEMA = "school_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_URLCONF = "saas.urls_public"
ROOT_URLCONF = "saas.urls_tenant"
SHOW_PUBLIC_IF_NO_TENANT_FOUND = False
# What a suspended school still answers: its admins signing in and renewing the plan.
SUSPENDED_SCHOOL_OPEN_PATHS = [
    "/admin/login/",
    "/admin/logout/",
    "/admin/plan/",
    "/admin/jsi18n/",
    "/admin/sprite",
    "/static/",
]
# Subdomains nobody may sign up for.
RESERVED_SUBDOMAINS = {
    "www",
    "api",
    "admin",
    "console",
    "static",
    "media",
    "mail",
    "smtp",
    "ftp",
    "app",
    "apps",
    "help",
    "support",
    "docs",
    "status",
    "blog",
    "dev",
    "test",
    "staging",
    "platform",
    "public",
    "template",
    "school-template",
    "pay",
    "billing",
    "cdn",
    "assets",
    "wechat",
    "mp",
    "open",
}

SHARED_APPS = [
    # Before django_tenants so that our migrate / migrate_schemas (template + skip up-to-date) win.
    "tenants",
    "django_tenants",
    "tenants.users",
    "billing.subscriptions",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "tenants.users",
    "billing.payments",
    "alumni.core",
    "alumni.accounts",
    "alumni.people",
    "alumni.messaging",
    "alumni.network",
    "alumni.events",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "rest_framework.authtoken",
]

INSTALLED_APPS = (
    list(SHARED_APPS)
    + [app for app in TENANT_APPS if app not in SHARED_APPS]
    + [
        "drf_spectacular",
        "drf_spectacular_sidecar",
        "saas",
    ]
)

MIDDLEWARE = [
    "tenants.middleware.SchoolMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tenants.locale.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tenants.middleware.SuspendedSchoolMiddleware",
    "billing.subscriptions.middleware.StorageQuotaMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "saas" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.school",
            ],
        },
    },
]

WSGI_APPLICATION = "saas.wsgi.application"
ASGI_APPLICATION = "saas.asgi.application"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["tenants.users.backends.LoginIdentifierBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# --- Internationalisation: Chinese first, English second -------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = False

# --- Static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "saas" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Each school's uploads live in MEDIA_ROOT/<schema>/ so schools never share a file path.
MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Cache: keys carry the schema so Wagtail's site-root cache and renditions never leak ------
_redis_url = env_str("REDIS_URL")
_cache_backend = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("CACHE_URL", _redis_url)}
    if env_str("CACHE_URL", _redis_url)
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "alumni-cloud"}
)
CACHES = {
    "default": {
        **_cache_backend,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    "renditions": {
        **_cache_backend,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "KEY_PREFIX": "renditions",
    },
}

# --- Celery: eager without a broker, a real worker with REDIS_URL -----------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", _redis_url)
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _redis_url or "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_FAN_OUT_JITTER_SECONDS = env_int("CELERY_FAN_OUT_JITTER_SECONDS", 60)

# Wagtail's own background work (reference index, search index updates) goes through
# django-tasks. The immediate backend runs it inside the request, so it stays in the request's
# schema; a queued backend would lose the schema. See docs/decisions/tenancy.md.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Wagtail -------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "校友云 Alumni Cloud"
WAGTAILADMIN_BASE_URL = f"{PLATFORM_SCHEME}://{PLATFORM_DOMAIN}:{PLATFORM_PORT}"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_RENDITION_CACHE = "renditions"
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No gravatar: it is unreachable from mainland China and would send admins' e-mail hashes abroad.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_USER_LOGIN_FORM = "alumni.core.forms.AdminLoginForm"
WAGTAIL_USER_CUSTOM_FIELDS = ["name", "phone"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "doc", "xlsx", "xls", "pptx", "zip", "txt"]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Alumni directory search (alumni.people.search): PostgreSQL unless Elasticsearch is set up -----
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX_PREFIX = env_str("ELASTICSEARCH_INDEX_PREFIX", "alumni")  # + -people-<schema>
PEOPLE_SEARCH_BACKEND = env_str("PEOPLE_SEARCH_BACKEND", "postgres")

# --- API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer first: an anonymous call then gets 401 with WWW-Authenticate, the same everywhere.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "alumni.core.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "alumni.core.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "校友云 Alumni Cloud API",
    "DESCRIPTION": "REST API for the WeChat mini-program and H5 pages. Every error is "
    '`{"code": "...", "detail": "..."}`. Call the school\'s own host, or send `X-School: <subdomain>`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Only our API: Wagtail's internal admin endpoints are not part of the public contract.
    "PREPROCESSING_HOOKS": ["saas.api_schema.only_public_api"],
    # Choice sets shared by several fields get one stable name each.
    "ENUM_NAME_OVERRIDES": {
        "DegreeLevelEnum": "alumni.people.choices.DegreeLevel",
        "VisibilityEnum": "alumni.people.choices.Visibility",
        "InvitationStatusEnum": "alumni.messaging.models.invites.InvitationStatus",
        "CardExchangeStatusEnum": "alumni.people.models.records.CardExchange.Status",
        "ClaimStatusEnum": "alumni.people.models.records.Claim.Status",
    },
}

# --- Billing: school plans on the platform's own Stripe account ------------------------------
# Without a secret key schools cannot pay online and the operator changes plans in the console.
STRIPE_PLATFORM_SECRET_KEY = env_str("STRIPE_PLATFORM_SECRET_KEY")
STRIPE_PLATFORM_WEBHOOK_SECRET = env_str("STRIPE_PLATFORM_WEBHOOK_SECRET")
# Tests and staging point the Stripe client at a local stand-in.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
# Days an unpaid school keeps working before it is suspended.
SUBSCRIPTION_GRACE_DAYS = env_int("SUBSCRIPTION_GRACE_DAYS", 14)

# --- WeChat --------------------------------------------------------------------------------
# Where wechatpy sends its calls; tests point it at a local stand-in of WeChat's API.
WECHAT_API_BASE_URL = env_str("WECHAT_API_BASE_URL", "https://api.weixin.qq.com/")
WECHAT_OPEN_BASE_URL = env_str("WECHAT_OPEN_BASE_URL", "https://open.weixin.qq.com/")

# --- Payments (billing.payments) --------------------------------------------------------------
# The sandbox provider (no money moves) is offered on pay pages in development and demos; in
# production a school gets it only if its own sandbox account is enabled.
PAYMENTS_SANDBOX_ENABLED = env_bool("PAYMENTS_SANDBOX_ENABLED", DEBUG)
# WeChat Pay v2's API host; tests point it at a local stand-in.
WECHATPAY_API_BASE = env_str("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com")

# --- SMS ------------------------------------------------------------------------------------
# Provider endpoints are settings so tests (and staging) point them at a local stand-in.
ALIYUN_SMS_BASE_URL = env_str("ALIYUN_SMS_BASE_URL", "https://dysmsapi.aliyuncs.com/")
TENCENT_SMS_BASE_URL = env_str("TENCENT_SMS_BASE_URL", "https://sms.tencentcloudapi.com/")
TENCENT_SMS_REGION = env_str("TENCENT_SMS_REGION", "ap-guangzhou")
# The console SMS backend (development) writes one file per message under <dir>/<schema>/.
SMS_OUTBOX_DIR = Path(env_str("SMS_OUTBOX_DIR", str(BASE_DIR / "var" / "sms-outbox")))

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "校友云 <noreply@alumni.cloud>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant_context": {"()": "django_tenants.log.TenantContextFilter"}},
    "formatters": {
        "tenant_context": {"format": "[%(schema_name)s:%(domain_url)s] %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["tenant_context"],
            "formatter": "tenant_context",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
