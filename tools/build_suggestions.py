"""Recompute the least-cost route suggestions drawn by the default build.

Reads the ``[[suggestion]]`` tables of ``geo/data/cost.toml``, solves each on
5 km cells (``geo.leastcost.suggest_route``) and writes
``geo/data/suggested_routes.geojson`` plus ``suggested_routes.source.json``
with the SHA-256 of every input (cost.toml, lakes, elevation, boundaries).
A suggestion's ``option`` (the catalog route it offers a line for) goes into
its properties as it is; the maps draw the suggestion in that route's colour.
The names of its ``from`` and ``to`` places become ``start_name`` and
``end_name``, the names the maps give the line's ends.
``make_maps.py`` warns when cost.toml no longer matches. Run it after
changing the cost parameters::

    python tools/build_suggestions.py
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from geo.countries import build_country_index, load_countries  # noqa: E402
from geo.elevation import load_elevation  # noqa: E402
from geo.leastcost import load_cost_config, load_lakes, suggest_route  # noqa: E402

DATA = REPO / "geo" / "data"
CELL_KM = 5.0
INPUTS = ("cost.toml", "lakes.geojson", "elevation_5min.npz", "countries.geojson")


def main() -> int:
    config = load_cost_config(DATA / "cost.toml")
    suggestions = tomllib.loads((DATA / "cost.toml").read_text(encoding="utf-8")).get("suggestion", [])
    index = build_country_index(load_countries(DATA / "countries.geojson"))
    grid = load_elevation(DATA / "elevation_5min.npz")
    lakes = load_lakes(DATA / "lakes.geojson")
    features = []
    for item in suggestions:
        points = [item["from"], *item.get("via", []), item["to"]]
        print(f"{item['id']}: solving on {CELL_KM:g} km cells ...", file=sys.stderr)
        line, cost_km, crossings = suggest_route(
            [(p["lon"], p["lat"]) for p in points], cell_km=CELL_KM, countries=index, elevation=grid, lakes=lakes,
            config=config, avoid=item.get("avoid", []),
        )  # fmt: skip
        coords = [[round(x, 6), round(y, 6)] for x, y in line.coords]
        features.append(
            {
                "type": "Feature",
                "id": item["id"],
                "properties": {
                    "name": item["name"],
                    "kind": "suggested",
                    "option": item.get("option"),  # the catalog route it offers a line for (drawn in its colour)
                    "status": f"least-cost suggestion, {CELL_KM:g} km cells, geo/data/cost.toml",
                    "confidence": "low",
                    "source": "least-cost path (tools/build_suggestions.py)",
                    "cost_km": round(cost_km, 1),
                    "start_name": item["from"]["name"],  # the places at the line's ends, for readers
                    "end_name": item["to"]["name"],
                    "via": ", ".join(p["name"] for p in points),
                    "avoid": ", ".join(item.get("avoid", [])),
                },
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
    out = DATA / "suggested_routes.geojson"
    out.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n")
    record = {
        "made_by": "tools/build_suggestions.py",
        "cell_km": CELL_KM,
        "input_sha256": {name: hashlib.sha256((DATA / name).read_bytes()).hexdigest() for name in INPUTS},
        "output_sha256": {out.name: hashlib.sha256(out.read_bytes()).hexdigest()},
    }
    (DATA / "suggested_routes.source.json").write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
