"""Settings of the server the HTTP benchmarks start: the product's, plus bench-only URLs.

Every request of a benchmark comes from one address, so the per-address rate limits are off
here (they would answer 429 after a few dozen orders); nothing else changes.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
RATE_LIMIT_ENABLED = False
