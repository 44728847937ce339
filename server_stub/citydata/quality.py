"""Partition invariants and quality figures, all measured in the package's projected CRS."""
from __future__ import annotations

import numpy as np
import shapely


def tiling_figures(cells: np.ndarray, area) -> dict:
    """Gap, overlap and coverage of a set of cells against the area they should tile exactly.

    gap_m2      area of the built-up area no cell covers
    overlap_m2  sum of cell areas minus the area of their union (area covered twice or more)
    outside_m2  cell area outside the built-up area
    coverage    union of the cells within the built-up area / built-up area
    """
    cells = np.asarray(cells, dtype=object)
    union = shapely.union_all(cells)
    a = np.asarray(shapely.area(cells))
    builtup = float(area.area)
    gap = float(shapely.difference(area, union).area)
    outside = float(shapely.difference(union, area).area)
    overlap = float(a.sum() - union.area)
    covered = float(shapely.intersection(union, area).area)
    return {
        "builtup_m2": round(builtup, 2),
        "builtup_km2": round(builtup / 1e6, 4),
        "cells": int(len(cells)),
        "cell_area_min_m2": round(float(a.min()), 1) if len(a) else 0.0,
        "cell_area_median_m2": round(float(np.median(a)), 1) if len(a) else 0.0,
        "cell_area_max_m2": round(float(a.max()), 1) if len(a) else 0.0,
        "share_5k_20k": round(float(((a >= 5_000) & (a <= 20_000)).mean()), 4) if len(a) else 0.0,
        "gap_m2": round(max(gap, 0.0), 6),
        "overlap_m2": round(max(overlap, 0.0), 6),
        "outside_m2": round(max(outside, 0.0), 6),
        "coverage": round(covered / builtup, 6) if builtup else 0.0,
    }


def pairwise_overlap(cells: np.ndarray) -> float:
    """Total area shared by pairs of cells (an independent check of the overlap figure)."""
    cells = np.asarray(cells, dtype=object)
    tree = shapely.STRtree(cells)
    i, j = tree.query(cells, predicate="intersects")
    m = i < j
    if not m.any():
        return 0.0
    return float(shapely.area(shapely.intersection(cells[i[m]], cells[j[m]])).sum())
