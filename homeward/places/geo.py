"""The map of Lao provinces as SVG paths, drawn from the bundled GeoJSON (no tile server, no network).

The projection is equirectangular, scaled by the cosine of Laos's middle latitude, which is close enough at
this size for a country 1,000 km tall; the same function places service points on it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_FILE = Path(__file__).parent / "data" / "lao_provinces.geojson"
WIDTH = 400.0
PAD = 6.0


@dataclass(frozen=True)
class Shape:
    code: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class LaoMap:
    width: float
    height: float
    shapes: tuple[Shape, ...]
    west: float
    north: float
    scale: float
    kx: float

    def point(self, longitude: float, latitude: float) -> tuple[float, float]:
        return (
            round(PAD + (longitude - self.west) * self.kx * self.scale, 1),
            round(PAD + (self.north - latitude) * self.scale, 1),
        )


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


@cache
def lao_map() -> LaoMap:
    data = json.loads(_FILE.read_text(encoding="utf-8"))
    features = data["features"]
    lons = [pt[0] for f in features for ring in _rings(f["geometry"]) for pt in ring]
    lats = [pt[1] for f in features for ring in _rings(f["geometry"]) for pt in ring]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    kx = math.cos(math.radians((north + south) / 2))
    scale = (WIDTH - 2 * PAD) / ((east - west) * kx)
    height = (north - south) * scale + 2 * PAD
    empty = LaoMap(WIDTH, height, (), west, north, scale, kx)
    shapes = []
    for feature in features:
        parts = []
        xs: list[float] = []
        ys: list[float] = []
        for ring in _rings(feature["geometry"]):
            points = [empty.point(lon, lat) for lon, lat in ring]
            xs.extend(p[0] for p in points)
            ys.extend(p[1] for p in points)
            parts.append("M" + " L".join(f"{x},{y}" for x, y in points) + " Z")
        shapes.append(
            Shape(
                code=feature["properties"]["code"],
                path=" ".join(parts),
                label_x=round(sum(xs) / len(xs), 1),
                label_y=round(sum(ys) / len(ys), 1),
            )
        )
    return LaoMap(WIDTH, round(height, 1), tuple(shapes), west, north, scale, kx)


@cache
def province_centres() -> dict[str, tuple[float, float]]:
    """{province code: (longitude, latitude)}: the mean of each outline's points, inside every Lao province's
    outline at this scale (used to place demo services and to centre a province on the map)."""
    data = json.loads(_FILE.read_text(encoding="utf-8"))
    out = {}
    for feature in data["features"]:
        ring = max(_rings(feature["geometry"]), key=len)
        out[feature["properties"]["code"]] = (
            round(sum(p[0] for p in ring) / len(ring), 4),
            round(sum(p[1] for p in ring) / len(ring), 4),
        )
    return out
