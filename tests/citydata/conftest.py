"""Session-scoped city builds shared by the citydata tests (each extract is built once)."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pyogrio
import pytest


class Package:
    def __init__(self, result):
        self.result = result
        self.meta = result.profile_json
        self.gpkg: Path = result.gpkg
        self._cache: dict = {}

    def layer(self, name: str):
        """A layer read back from city.gpkg (what a consumer sees)."""
        if name not in self._cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._cache[name] = pyogrio.read_dataframe(self.gpkg, layer=name)
        return self._cache[name]


@pytest.fixture(scope="session")
def helsinki(tmp_path_factory) -> Package:
    from server_stub.citydata.package import build_city
    out = tmp_path_factory.mktemp("helsinki")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Package(build_city(out, demo=True))


@pytest.fixture(scope="session")
def second_extract(tmp_path_factory) -> tuple[Package, int]:
    """pyrosm's other bundled extract (Kouvola, Finland), built through the command line with a
    CRS override (ETRS-TM35FIN) and another admin code."""
    import pyrosm

    from server_stub.citydata.__main__ import main
    from server_stub.citydata.package import GPKG_NAME, JSON_NAME, BuildResult
    out = tmp_path_factory.mktemp("second")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = main(["build", "--pbf", pyrosm.get_data("test_pbf"), "--out", str(out), "--crs", "EPSG:3067",
                   "--admin", "110101", "--name", "测试城区"])
    meta = json.loads((out / JSON_NAME).read_text(encoding="utf-8"))
    return Package(BuildResult(out, out / GPKG_NAME, out / JSON_NAME, meta)), rc
