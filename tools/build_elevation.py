"""Regenerate the coarse elevation grid shipped in ``geo/data/``.

Reads ``pvlib/data/Altitude.h5`` (5 arc-minute global altitude grid, about
9 km cells, Tilezen/Mapzen "joerd" terrain) from the pvlib wheel, cuts out
the study box and writes:

``geo/data/elevation_5min.npz``
    ``code`` (uint8; height = code * 28 - 450 m, 255 = no data such as sea),
    ``lon0``, ``lat0`` (centre of the first cell, north-west corner) and
    ``step_deg`` (1/12 degree).
``geo/data/elevation.source.json``
    Version, SHA-256 of the wheel, of Altitude.h5 and of the output, and the
    attribution the data requires.

The wheel comes from PyPI at build time only (h5py is needed to read it)::

    pip download --no-deps -d /tmp/pv pvlib==0.16.1 && pip install h5py
    python tools/build_elevation.py /tmp/pv/pvlib-0.16.1-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT_DIR = Path(__file__).resolve().parent.parent / "geo" / "data"
BOX_LONLAT = (46.0, 30.0, 146.0, 74.0)  # as the country boundaries
CELLS_PER_DEGREE = 12
MEMBER = "pvlib/data/Altitude.h5"
ATTRIBUTION = (
    "Elevation: pvlib (BSD-3-Clause) Altitude.h5, 5 arc-minute grid from Mapzen/Tilezen joerd terrain tiles: "
    "ArcticDEM terrain data DEM(s) were created from DigitalGlobe, Inc., imagery and funded under National Science "
    "Foundation awards 1043681, 1559691, and 1542736; Global ETOPO1 terrain data U.S. National Oceanic and "
    "Atmospheric Administration; GMTED2010 and SRTM terrain data courtesy of the U.S. Geological Survey; "
    "and the other sources listed at https://github.com/tilezen/joerd/blob/master/docs/attribution.md"
)


def build(source: Path) -> dict[str, object]:
    """Cut the study box out of Altitude.h5; write the grid and its provenance."""
    import h5py

    raw = source.read_bytes()
    if source.suffix == ".whl":
        with zipfile.ZipFile(io.BytesIO(raw)) as wheel:
            h5_bytes = wheel.read(MEMBER)
            version = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
            version = next(
                line.split(":", 1)[1].strip()
                for line in wheel.read(version).decode().splitlines()
                if line.startswith("Version:")
            )
    else:
        h5_bytes, version = raw, "unknown"
    with h5py.File(io.BytesIO(h5_bytes), "r") as handle:
        grid = handle["Altitude"][:]
    west, south, east, north = BOX_LONLAT
    # Row i is centred at 90 - (i + 0.5) / 12 N, column j at -180 + (j + 0.5) / 12 E.
    rows = slice(int((90 - north) * CELLS_PER_DEGREE), int((90 - south) * CELLS_PER_DEGREE))
    cols = slice(int((west + 180) * CELLS_PER_DEGREE), int((east + 180) * CELLS_PER_DEGREE))
    code = np.ascontiguousarray(grid[rows, cols], dtype=np.uint8)
    step = 1.0 / CELLS_PER_DEGREE
    out = OUT_DIR / "elevation_5min.npz"
    arrays = {
        "code": code,
        "lon0": np.float64(-180 + (cols.start + 0.5) * step),
        "lat0": np.float64(90 - (rows.start + 0.5) * step),
        "step_deg": np.float64(step),
    }
    out.write_bytes(_npz(arrays))
    record = {
        "dataset": "pvlib Altitude.h5 (5 arc-minute global altitude grid)",
        "pvlib_version": version,
        "licence": "BSD-3-Clause (pvlib); terrain data with attribution, see attribution",
        "attribution": ATTRIBUTION,
        "source_file": source.name,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "altitude_h5_sha256": hashlib.sha256(h5_bytes).hexdigest(),
        "box_lonlat": list(BOX_LONLAT),
        "shape": list(code.shape),
        "decode": "height_m = code * 28 - 450; code 255 = no data (sea, large lakes)",
        "output_sha256": {out.name: hashlib.sha256(out.read_bytes()).hexdigest()},
    }
    (OUT_DIR / "elevation.source.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (as np.savez_compressed) with fixed timestamps, so rebuilds are byte-identical."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the pvlib wheel, or Altitude.h5 itself")
    record = build(parser.parse_args(argv).source)
    json.dump(record, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
