import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OCC_FAST_PASSWORD_HASH", "1")


def pytest_report_header(config):
    url = os.environ.get("OCC_TEST_PG_URL")
    return [f"PostgreSQL for API tests: {url.rsplit('@', 1)[-1] if url else 'NOT AVAILABLE - PostgreSQL tests will be SKIPPED'}"]
