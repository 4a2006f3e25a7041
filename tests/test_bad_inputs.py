"""The bad-input corpus (tests/data/bad/): one line, exit status 2, nothing written.

Every file goes through ``make_maps.py export`` in-process; the message must
name the file and say what is wrong, and the output file must not appear.
"""

from __future__ import annotations

import pytest

import make_maps
from tests.conftest import TESTS_DIR

BAD_DIR = TESTS_DIR / "data" / "bad"
EXPECTED = {
    "csv_bad_number.csv": "line 3: lat: 'fifty' is not a number",
    "csv_gap_in_seq.csv": "record 'r': seq: seq 2 is missing (found 1, 3)",
    "csv_missing_columns.csv": "line 1: name: missing column(s) name",
    "csv_repeated_seq.csv": "line 3: seq: seq 1 of route 'r' repeats line 2",
    "csv_seq_not_number.csv": "line 2: seq: seq 'one' is not a whole number",
    "duplicate_ids.geojson": "record 'a': id: duplicate id 'a'",
    "empty.geojson": "the file is empty",
    "empty_coordinates.geojson": "geometry.coordinates: coordinates are []",
    "four_values.geojson": "position [104.28, 52.29, 500, 1] is not [lon, lat] or [lon, lat, height]",
    "infinity.geojson": "Infinity is not a number in JSON",
    "invalid_json.geojson": "not valid JSON: Expecting value at line 1 column 44",
    "lat_lon_swapped.geojson": "lon and lat look swapped (lon=104.28, lat=52.29 would be valid)",
    "lat_out_of_range.geojson": "geometry.coordinates[0].lat: latitude 92.29 is outside -90..90",
    "lon_out_of_range.geojson": "geometry.coordinates[0].lon: longitude 204.28 is outside -180..180",
    "nan.geojson": "NaN is not a number in JSON",
    "nested_too_deep.geojson": "position [[104.28, 52.29]] is not [lon, lat]",
    "no_features.geojson": "'features' is missing or empty",
    "not_utf8.geojson": "cannot read the file (UnicodeDecodeError); it must be UTF-8 text (GeoJSON)",
    "point_feature.geojson": "geometry type 'Point' is not a line",
    "polygon_feature.geojson": "geometry type 'Polygon' is not a line",
    "repeated_point.geojson": "geometry.coordinates: 3 point(s), 1 distinct; a route needs at least 2 distinct points",
    "single_point_line.geojson": "1 point(s), 1 distinct; a route needs at least 2 distinct points",
    "string_coordinates.geojson": "geometry.coordinates[0][0]: '104.28' is not a number",
    "toml_bad_syntax.toml": "not valid TOML",
    "toml_swapped.toml": "record 'x': waypoints[0].lat: latitude 104.28 is outside -90..90; lon and lat look swapped",
    "top_level_list.geojson": "top-level type is 'list'",
    "top_level_point.geojson": "top-level type is 'Point'",
    "truncated.geojson": "not valid JSON",
    "unknown_crs.geojson": "unknown crs 'urn:ogc:def:crs:EPSG::999999'",
}


def test_corpus_is_complete():
    assert sorted(p.name for p in BAD_DIR.iterdir()) == sorted(EXPECTED)
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file__one_line_exit_2_nothing_written(name, tmp_path, capsys):
    out = tmp_path / "routes.geojson"
    status = make_maps.main(["export", "--format", "geojson", "--routes", str(BAD_DIR / name), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(f"make_maps.py: error: {BAD_DIR / name}")
    assert EXPECTED[name] in lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_large_file__streams_within_memory(tmp_path):
    """A 50 MB tracker file (2.75 million vertices) is measured in under 1 GB of memory."""
    import json
    import resource
    import subprocess
    import sys

    path = tmp_path / "big.geojson"
    with path.open("w") as handle:
        handle.write('{"type":"FeatureCollection","features":[')
        for i in range(5_000):
            lon0 = 60 + (i % 70)
            coords = [[round(lon0 + k * 0.001, 6), round(45 + (i % 20) + k * 0.0005, 6)] for k in range(550)]
            feature = {"type": "Feature", "id": f"r{i}", "properties": {}, "geometry": {"type": "LineString", "coordinates": coords}}
            handle.write(("," if i else "") + json.dumps(feature))
        handle.write("]}")
    assert path.stat().st_size > 45_000_000
    code = (
        "import resource, sys, make_maps; status = make_maps.main(['compare', '--format', 'csv', '--routes', sys.argv[1]]);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr); sys.exit(status)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 5_001
    peak_mb = int(result.stderr.strip().splitlines()[-1])
    assert peak_mb < 1024, f"peak memory {peak_mb} MB"
    _ = resource
