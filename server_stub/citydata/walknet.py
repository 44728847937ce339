"""The walkable network inspectors patrol: OSM's walking graph (pyrosm), projected and kept where it
touches the built-up area. ``walk_edges`` carry the node ids ``u`` and ``v`` of ``walk_nodes``, so a
simulator can rebuild the graph from the two layers alone."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .osm_read import OsmData

EDGE_COLUMNS = ["edge_id", "u", "v", "length_m", "highway", "name"]
NODE_COLUMNS = ["node_id", "degree"]


def build_walk_network(data: OsmData, crs, area, margin: float = 30.0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    edges, nodes = data.walk_edges, data.walk_nodes
    if len(edges) == 0:
        e = gpd.GeoDataFrame({c: [] for c in EDGE_COLUMNS}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        n = gpd.GeoDataFrame({c: [] for c in NODE_COLUMNS}, geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        return e, n
    e = edges.to_crs(crs)
    keep = shapely.intersects(shapely.buffer(area, margin), e.geometry.values)
    e = e[keep & e.geometry.geom_type.eq("LineString")].copy()
    name = e["name"] if "name" in e.columns else pd.Series([None] * len(e), index=e.index)
    out_e = gpd.GeoDataFrame({
        "u": e["u"].astype("int64").to_numpy(), "v": e["v"].astype("int64").to_numpy(),
        "length_m": np.round(shapely.length(e.geometry.values), 2),
        "highway": e["highway"].to_numpy(), "name": name.to_numpy(),
    }, geometry=gpd.GeoSeries(e.geometry.values, crs=crs), crs=crs)
    out_e = out_e[out_e.length_m > 0].sort_values(["u", "v"]).reset_index(drop=True)
    out_e.insert(0, "edge_id", np.arange(1, len(out_e) + 1))
    used = pd.concat([out_e.u, out_e.v])
    degree = used.value_counts()
    n = nodes.to_crs(crs)
    n = n[n["id"].astype("int64").isin(degree.index)].drop_duplicates("id")
    out_n = gpd.GeoDataFrame({"node_id": n["id"].astype("int64").to_numpy(),
                              "degree": degree.reindex(n["id"].astype("int64")).to_numpy()},
                             geometry=gpd.GeoSeries(n.geometry.values, crs=crs), crs=crs)
    out_n = out_n.sort_values("node_id").reset_index(drop=True)
    return out_e[EDGE_COLUMNS + ["geometry"]], out_n[NODE_COLUMNS + ["geometry"]]
