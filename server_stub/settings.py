"""Server settings from the environment (prefix OCC_) or command-line options."""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.clocks import DEFAULT_YELLOW_FRACTION


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCC_", env_file=".env", extra="ignore")

    # SQLite file by default (zero set-up); PostgreSQL by URL for a multi-workstation city.
    db: str = "sqlite:///var/occ.sqlite"
    data_dir: Path = Path("var")  # photos, exports, the built demo city
    host: str = "127.0.0.1"
    port: int = 8000
    osmand_port: int | None = None  # optional extra port for phones (Traccar uses 5055)
    token_hours: float = 12.0
    open311_api_keys: str = "demo-open311-key"  # comma-separated
    classification_dir: Path | None = None  # a city's own classification CSVs
    holiday_override_file: Path | None = None
    work_shifts: str = "08:30-12:00,14:00-17:30"
    yellow_fraction: float = DEFAULT_YELLOW_FRACTION  # the last 20% of a limit is yellow
    stage_limit_minutes: str = "accept=30,verify=30,file=30,dispatch=30,check=30,send_check=60"
    band_watch_seconds: float = 1.0  # how often the band watcher looks for cases changing colour
    photo_max_bytes: int = 10 * 1024 * 1024
    # Seconds between background counts of this and last month's evaluation (0 = only on demand).
    evaluation_warm_seconds: float = 120.0
    workflow_roles_file: Path | None = None  # JSON {action: [roles]} or {"roles": ..., "rules": ...}
    city_area_tolerance_m: float = 200.0  # a report this far outside every unit grid is refused (422)
    time_zone: str = "Asia/Shanghai"  # the city's clock: deadlines, shifts and what clients show
    demo: bool = False
    # Login protection (services/login_guard.py). Failed logins are counted per user name and per
    # client address over a sliding window; past the limit the server answers 429 with Retry-After
    # before any password is hashed. Consecutive failures lock an account until an administrator
    # unlocks it (POST /api/auth/users/{id}/unlock, `python -m server_stub users unlock NAME`).
    login_window_seconds: float = 60.0
    login_account_failures: int = 5  # per user name in the window
    login_address_failures: int = 20  # per client address in the window
    login_lockout_failures: int = 10  # consecutive failures that lock an account (0: never)
    login_hash_threads: int = 1  # password checks at once, on low-priority threads (argon2 is heavy)
    login_queue: int = 16  # logins waiting for a check beyond this are answered 429
    login_refusal_delay_seconds: float = 1.0  # a 429 is held this long (asleep): a flood slows itself

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    @property
    def is_sqlite(self) -> bool:
        return self.db.startswith("sqlite")

    def api_keys(self) -> set[str]:
        return {k.strip() for k in self.open311_api_keys.split(",") if k.strip()}

    def stage_limits(self) -> dict[str, float]:
        """Stage limits in minutes of natural time, e.g. {'accept': 30, 'verify': 30, ...}."""
        out = {}
        for part in self.stage_limit_minutes.split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                out[k.strip()] = float(v)
        return out
