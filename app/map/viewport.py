"""The viewport: what part of the map is on screen, and the map <-> pixel transforms.

Qt-free and immutable: every change returns a new Viewport, so a render job running on a worker
thread keeps a consistent snapshot while the user goes on panning.

Pixels are logical (device-independent) pixels with the origin at the top-left corner, y down;
``dpr`` (device pixel ratio) says how many physical pixels a logical pixel has, ``dpi`` how many
logical pixels make an inch on the screen (96 unless the screen says otherwise) so that the scale
denominator (1:N) is true on the glass.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .crs import crs_of, get_transformer, is_geographic, metres_per_unit, same_crs, transform_xy

INCH_M = 0.0254

__all__ = ["Viewport", "INCH_M"]


@dataclass(frozen=True)
class Viewport:
    crs: str = "EPSG:4527"
    cx: float = 0.0
    cy: float = 0.0
    mupp: float = 1.0  # map units per logical pixel
    width: int = 800
    height: int = 600
    dpi: float = 96.0
    dpr: float = 1.0

    # ----------------------------------------------------------------- construction
    @classmethod
    def for_extent(cls, extent, width: int, height: int, crs: str = "EPSG:4527", dpi: float = 96.0,
                   dpr: float = 1.0, margin: float = 0.0) -> "Viewport":
        """The viewport that shows ``extent`` (xmin, ymin, xmax, ymax) whole in a w x h window."""
        return cls(crs=crs, width=int(width), height=int(height), dpi=dpi, dpr=dpr).fit(extent, margin)

    def fit(self, extent, margin: float = 0.0) -> "Viewport":
        xmin, ymin, xmax, ymax = (float(v) for v in extent)
        w = max(xmax - xmin, 1e-9) * (1 + 2 * margin)
        h = max(ymax - ymin, 1e-9) * (1 + 2 * margin)
        mupp = max(w / max(self.width, 1), h / max(self.height, 1))
        return replace(self, cx=(xmin + xmax) / 2, cy=(ymin + ymax) / 2, mupp=mupp)

    # ----------------------------------------------------------------- properties
    @property
    def extent(self) -> tuple[float, float, float, float]:
        hw = self.width * self.mupp / 2
        hh = self.height * self.mupp / 2
        return (self.cx - hw, self.cy - hh, self.cx + hw, self.cy + hh)

    @property
    def center(self) -> tuple[float, float]:
        return (self.cx, self.cy)

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def device_size(self) -> tuple[int, int]:
        return (max(1, int(round(self.width * self.dpr))), max(1, int(round(self.height * self.dpr))))

    @property
    def is_geographic(self) -> bool:
        return is_geographic(self.crs)

    @property
    def metres_per_pixel(self) -> float:
        lat = self.cy if self.is_geographic else 0.0
        return self.mupp * metres_per_unit(self.crs, lat)

    @property
    def scale(self) -> float:
        """Scale denominator N of 1:N on this screen."""
        return self.metres_per_pixel * self.dpi / INCH_M

    def key(self) -> tuple:
        return (str(self.crs), self.cx, self.cy, self.mupp, self.width, self.height, self.dpr)

    # ----------------------------------------------------------------- transforms
    def map_to_pixel(self, x, y):
        """Map coordinates (arrays or scalars) -> logical pixel coordinates (float)."""
        inv = 1.0 / self.mupp
        x0 = self.cx - self.width * self.mupp / 2
        y1 = self.cy + self.height * self.mupp / 2
        if np.isscalar(x) and np.isscalar(y):
            return (float(x) - x0) * inv, (y1 - float(y)) * inv
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        return (x - x0) * inv, (y1 - y) * inv

    def pixel_to_map(self, px, py):
        x0 = self.cx - self.width * self.mupp / 2
        y1 = self.cy + self.height * self.mupp / 2
        if np.isscalar(px) and np.isscalar(py):
            return x0 + float(px) * self.mupp, y1 - float(py) * self.mupp
        px = np.asarray(px, dtype=np.float64)
        py = np.asarray(py, dtype=np.float64)
        return x0 + px * self.mupp, y1 - py * self.mupp

    def map_to_pixel_xy(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) map coordinates -> (n, 2) pixel coordinates."""
        out = np.empty_like(xy, dtype=np.float64)
        inv = 1.0 / self.mupp
        out[:, 0] = (xy[:, 0] - (self.cx - self.width * self.mupp / 2)) * inv
        out[:, 1] = ((self.cy + self.height * self.mupp / 2) - xy[:, 1]) * inv
        return out

    def lonlat_to_pixel(self, lon, lat, src: str = "EPSG:4490"):
        x, y = transform_xy(lon, lat, src, self.crs)
        return self.map_to_pixel(x, y)

    def pixel_to_crs(self, px, py, dst: str):
        x, y = self.pixel_to_map(px, py)
        return transform_xy(x, y, self.crs, dst)

    def image_transform_from(self, other: "Viewport") -> tuple[float, float, float] | None:
        """(s, dx, dy) such that a pixel p of an image rendered for ``other`` lands at s*p + d here.

        None when the CRSs differ (a cached image cannot simply be moved then).
        """
        if not same_crs(self.crs, other.crs):
            return None
        s = other.mupp / self.mupp
        ox, oy = other.pixel_to_map(0.0, 0.0)
        dx, dy = self.map_to_pixel(ox, oy)
        return s, dx, dy

    # ----------------------------------------------------------------- navigation
    def with_size(self, width: int, height: int) -> "Viewport":
        return replace(self, width=int(width), height=int(height))

    def with_center(self, x: float, y: float) -> "Viewport":
        return replace(self, cx=float(x), cy=float(y))

    def with_mupp(self, mupp: float) -> "Viewport":
        return replace(self, mupp=float(mupp))

    def with_dpi(self, dpi: float) -> "Viewport":
        return replace(self, dpi=float(dpi))

    def with_dpr(self, dpr: float) -> "Viewport":
        return replace(self, dpr=float(dpr))

    def mupp_for_scale(self, scale: float) -> float:
        lat = self.cy if self.is_geographic else 0.0
        return float(scale) * INCH_M / self.dpi / metres_per_unit(self.crs, lat)

    def with_scale(self, scale: float, anchor_px: tuple[float, float] | None = None) -> "Viewport":
        """Zoom to 1:``scale``, keeping the map point under ``anchor_px`` (default the centre) fixed."""
        return self.zoomed(self.mupp / self.mupp_for_scale(scale), anchor_px)

    def zoomed(self, factor: float, anchor_px: tuple[float, float] | None = None) -> "Viewport":
        """Zoom in by ``factor`` (>1 = closer), keeping the map point under ``anchor_px`` fixed."""
        if factor <= 0 or not math.isfinite(factor):
            return self
        new_mupp = self.mupp / factor
        if anchor_px is None:
            return replace(self, mupp=new_mupp)
        ax, ay = anchor_px
        mx, my = self.pixel_to_map(ax, ay)
        # the new centre puts (mx, my) back under (ax, ay)
        cx = mx - (ax - self.width / 2) * new_mupp
        cy = my + (ay - self.height / 2) * new_mupp
        return replace(self, cx=cx, cy=cy, mupp=new_mupp)

    def panned(self, dx_px: float, dy_px: float) -> "Viewport":
        """Move the map content by (dx, dy) pixels (drag right -> content moves right)."""
        return replace(self, cx=self.cx - dx_px * self.mupp, cy=self.cy + dy_px * self.mupp)

    def to_crs(self, crs: str) -> "Viewport":
        """The same place and about the same scale in another CRS."""
        if same_crs(crs, self.crs):
            return replace(self, crs=crs)
        t = get_transformer(self.crs, crs)
        xmin, ymin, xmax, ymax = self.extent
        xs = np.array([xmin, xmax, xmin, xmax, self.cx])
        ys = np.array([ymin, ymin, ymax, ymax, self.cy])
        nx, ny = t.transform(xs, ys)
        nx, ny = np.asarray(nx), np.asarray(ny)
        if not (np.all(np.isfinite(nx)) and np.all(np.isfinite(ny))):
            if np.isfinite(nx[4]) and np.isfinite(ny[4]):  # keep the centre, guess the scale
                return replace(self, crs=crs, cx=float(nx[4]), cy=float(ny[4])).with_scale(self.scale)
            return replace(self, crs=crs)  # the place does not exist there: the caller re-centres
        new = replace(self, crs=crs, cx=float(nx[4]), cy=float(ny[4]))
        return new.fit((nx[:4].min(), ny[:4].min(), nx[:4].max(), ny[:4].max())).with_center(
            float(nx[4]), float(ny[4]))

    def extent_in(self, crs: str, densify: int = 8) -> tuple[float, float, float, float]:
        """This viewport's extent expressed in another CRS (densified edges)."""
        xmin, ymin, xmax, ymax = self.extent
        if same_crs(crs, self.crs):
            return (xmin, ymin, xmax, ymax)
        t = np.linspace(0, 1, densify + 1)
        xs = np.concatenate([xmin + (xmax - xmin) * t, np.full_like(t, xmax), xmax - (xmax - xmin) * t,
                             np.full_like(t, xmin)])
        ys = np.concatenate([np.full_like(t, ymin), ymin + (ymax - ymin) * t, np.full_like(t, ymax),
                             ymax - (ymax - ymin) * t])
        ox, oy = transform_xy(xs, ys, self.crs, crs)
        ok = np.isfinite(ox) & np.isfinite(oy)
        if not ok.any():
            return (-math.inf, -math.inf, math.inf, math.inf)
        return (float(ox[ok].min()), float(oy[ok].min()), float(ox[ok].max()), float(oy[ok].max()))

    def describe(self) -> str:
        return f"Viewport({crs_of(self.crs).name}, centre=({self.cx:.2f}, {self.cy:.2f}), 1:{self.scale:,.0f})"
