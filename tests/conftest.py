import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")
# The evaluation warmer counts in the background; tests that reset databases under it turn it on themselves.
os.environ.setdefault("OCC_EVALUATION_WARM_SECONDS", "0")
# The demo's city cache (server_stub/citydata/demo_cache.py) goes to a temp dir, never var/ of the checkout
_OWN_CACHE = None if os.environ.get("OCC_DEMO_CACHE") else tempfile.mkdtemp(prefix="occ-demo-cache-")
if _OWN_CACHE:
    os.environ["OCC_DEMO_CACHE"] = _OWN_CACHE


def pytest_sessionfinish(session, exitstatus):
    if _OWN_CACHE:
        import shutil
        shutil.rmtree(_OWN_CACHE, ignore_errors=True)


def pytest_report_header(config):
    url = os.environ.get("OCC_TEST_PG_URL")
    return [f"PostgreSQL for API tests: {url.rsplit('@', 1)[-1] if url else 'NOT AVAILABLE - PostgreSQL tests will be SKIPPED'}"]
