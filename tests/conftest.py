import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")
# The demo's city cache (server_stub/citydata/demo_cache.py) goes to a temp dir, never var/ of the checkout
os.environ.setdefault("OCC_DEMO_CACHE", tempfile.mkdtemp(prefix="occ-demo-cache-"))


def pytest_report_header(config):
    url = os.environ.get("OCC_TEST_PG_URL")
    return [f"PostgreSQL for API tests: {url.rsplit('@', 1)[-1] if url else 'NOT AVAILABLE - PostgreSQL tests will be SKIPPED'}"]
