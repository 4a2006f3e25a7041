"""Tests for geo.network: the supply-to-market basis of every route.

A small synthetic network along the 10 E meridian has known answers: the
path of a route is its own line joined by the shortest chain of legs, and
every length is a meridian arc (tests.conftest.meridian_arc_m, an oracle
that shares no code with pyproj). The shipped network is checked record by
record against the catalog.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import replace

import pytest
import shapely

from geo.catalog import apply_traces, load_catalog, load_traces
from geo.errors import RouteDataError
from geo.network import (
    Leg,
    Node,
    Stretch,
    _same_file,
    basis_paths,
    basis_records,
    basis_summary,
    load_network,
    nodes_on_route,
    parse_basis,
    resolve_network,
)
from geo.measure import measure_routes
from tests.conftest import REPO_DIR, meridian_arc_m, routes_frame

NETWORK_PATH = REPO_DIR / "geo" / "data" / "network.toml"
ROUTES_PATH = REPO_DIR / "geo" / "data" / "routes.toml"
NETWORK_DATA = tomllib.loads(NETWORK_PATH.read_text(encoding="utf-8"))


def _node(node_id: str, lat: float, *, lon: float = 10.0, kind: str = "junction") -> str:
    return (
        f'[[node]]\nid = "{node_id}"\nname = "Node {node_id}"\nkind = "{kind}"\ncountry = "AAA"\n'
        f'lon = {lon}\nlat = {lat}\nsource = "test"\nconfidence = "high"\n'
    )


def _leg(leg_id: str, start: str, end: str, *, status: str = "existing", via: str = "[]") -> str:
    pipeline = 'pipeline = "Test line"\n' if status == "existing" else ""
    return (
        f'[[leg]]\nid = "{leg_id}"\nfrom = "{start}"\nto = "{end}"\nstatus = "{status}"\n{pipeline}'
        f'via = {via}\nsource = "test"\nconfidence = "low"\n'
    )


def _route(route_id: str, lats: list[float], *, kind: str = "option", lon: float = 10.0) -> str:
    points = ",\n".join(
        f'  {{ name = "{route_id} {i}", lon = {lon}, lat = {lat}, role = "r", coord_conf = "high", route_conf = "high", basis = "b" }}'
        for i, lat in enumerate(lats)
    )
    return (
        f'[[route]]\nid = "{route_id}"\nname = "Route {route_id}"\nkind = "{kind}"\nconfidence = "low"\n'
        f'sources = [{{ publisher = "test", year = 2025, title = "t" }}]\nwaypoints = [\n{points}\n]\n'
    )


# Nodes a..d on 10 E at -1, 0, 2, 3 N; x halfway between a and b.
NODES = _node("a", -1, kind="supply") + _node("b", 0) + _node("c", 2) + _node("d", 3, kind="market") + _node("x", -0.5)
BASIS = '[basis]\nfrom = "a"\nto = "d"\nname = "A to D"\n'
LEGS = (
    _leg("a-b-detour", "a", "b", via="[[11.0, -0.5]]")  # longer than a-x-b
    + _leg("a-x", "a", "x")
    + _leg("x-b", "x", "b")
    + _leg("c-d", "c", "d", status="new")
)


@pytest.fixture
def synthetic(write):
    """(catalog, resolved network) of route r1 from b to c through 1 N, and the legs above."""
    catalog = load_catalog(write("routes.toml", _route("r1", [0, 1, 2])))
    network = load_network(write("network.toml", BASIS + NODES + LEGS))
    return catalog, resolve_network(network, catalog)


def test_path__own_line_joined_by_the_shortest_legs(synthetic):
    catalog, resolved = synthetic
    (path,) = basis_paths(catalog, resolved, basis=("a", "d"))
    assert path.why is None
    assert [p.label for p in path.pieces] == ["a-x", "x-b", "r1", "c-d"]
    assert [p.status for p in path.pieces] == ["existing", "existing", "new", "new"]
    summary = basis_summary(path, {"length_m": meridian_arc_m(-1, 3), "country_m": {"AAA": meridian_arc_m(-1, 3)}, "crossings": []})
    assert summary["existing_km"] == pytest.approx(meridian_arc_m(-1, 0) / 1000, abs=0.002)
    assert summary["new_build_km"] == pytest.approx(meridian_arc_m(0, 3) / 1000, abs=0.002)
    assert summary["km"] == pytest.approx(meridian_arc_m(-1, 3) / 1000, abs=0.002)
    assert [leg["km"] for leg in summary["legs"]] == pytest.approx(
        [meridian_arc_m(a, b) / 1000 for a, b in ((-1, -0.5), (-0.5, 0), (0, 2), (2, 3))], abs=0.002
    )


def test_path__basis_node_on_the_route_cuts_its_own_line(synthetic):
    catalog, resolved = synthetic
    (path,) = basis_paths(catalog, resolved, basis=("b", "c"))
    assert [p.label for p in path.pieces] == ["r1"]
    assert path.pieces[0].lonlat[:, 1].tolist() == [0, 1, 2]


def test_path__leg_walked_backwards_is_reversed(write):
    catalog = load_catalog(write("routes.toml", _route("r1", [0, 1, 2])))
    legs = _leg("b-a", "b", "a", via="[[10.0, -0.5]]") + _leg("d-c", "d", "c", status="new")
    resolved = resolve_network(load_network(write("network.toml", BASIS + NODES + legs)), catalog)
    (path,) = basis_paths(catalog, resolved, basis=("a", "d"))
    assert [p.label for p in path.pieces] == ["b-a", "r1", "d-c"]
    assert path.pieces[0].lonlat[:, 1].tolist() == [-1, -0.5, 0]
    assert path.pieces[2].lonlat[:, 1].tolist() == [2, 3]


@pytest.mark.parametrize(
    ("route_lats", "basis", "why"),
    [
        ([0.5, 1, 2], ("a", "d"), "its start (r1 0) is not a node"),
        ([0, 1, 2.5], ("a", "d"), "its end (r1 2) is not a node"),
        ([0, 1, 2], ("c", "b"), "Node c does not come before Node b along it"),
        ([0, 1, 2], ("x", "a"), "no chain of legs joins its end at Node c to Node a"),
    ],
)
def test_path__none_and_why(write, route_lats, basis, why):
    catalog = load_catalog(write("routes.toml", _route("r1", route_lats)))
    resolved = resolve_network(load_network(write("network.toml", BASIS + NODES + _leg("a-x", "a", "x") + _leg("x-b", "x", "b"))), catalog)
    (path,) = basis_paths(catalog, resolved, basis=basis)
    assert path.pieces == ()
    assert path.why.startswith("no path on this basis: ")
    assert why in path.why


def test_path__stretch_sets_the_status_of_part_of_the_own_line(write):
    catalog = load_catalog(write("routes.toml", _route("r1", [0, 1, 2]) + _route("ref", [0, 1, 2], kind="reference", lon=10.0)))
    stretch = '[[stretch]]\nroute = "r1"\nfrom = "b"\nto = "m"\nstatus = "existing"\npipeline = "Old line"\nsource = "s"\nconfidence = "low"\n'
    network = load_network(write("network.toml", BASIS + NODES + _node("m", 1) + LEGS + stretch))
    resolved = resolve_network(network, catalog)
    r1, ref = basis_paths(catalog, resolved, basis=("b", "c"))
    assert [(p.status, p.pipeline, p.lonlat[:, 1].tolist()) for p in r1.pieces] == [
        ("existing", "Old line", [0, 1]),
        ("new", None, [1, 2]),
    ]
    assert [(p.status, p.pipeline) for p in ref.pieces] == [("existing", "Route ref")]
    mine = load_catalog(write("mine.toml", _route("r1", [0, 1, 2])))  # the same id in another file
    (path,) = basis_paths(mine, resolved, basis=("b", "c"))
    assert [(p.status, p.pipeline) for p in path.pieces] == [("new", None)]  # the stretch is the catalog's


def test_path__chain_through_a_later_node_joins_the_route_there(write):
    """Route u runs b (0 N) -> x (-0.5 N) -> d (3 N). From a (-1 N) the chain to its start b passes x,
    which lies on u further along: the path joins u at x instead of running to b and back."""
    catalog = load_catalog(write("routes.toml", _route("u", [0, -0.5, 3])))
    resolved = resolve_network(load_network(write("network.toml", BASIS + NODES + LEGS)), catalog)
    (path,) = basis_paths(catalog, resolved, basis=("a", "d"))
    assert [p.label for p in path.pieces] == ["a-x", "u"]
    assert path.pieces[1].lonlat[:, 1].tolist() == [-0.5, 3]


def test_nodes_on_route__within_one_km():
    waypoints = [{"lon": 10.0, "lat": 0.0}, {"lon": 10.0, "lat": 0.0089}, {"lon": 10.0, "lat": 0.0091}]
    network = load_network(NETWORK_PATH)
    near = replace(network, nodes={"n": Node("n", "N", "junction", "AAA", (10.0, 0.0), "s", "high")})
    assert nodes_on_route({"waypoints": waypoints[1:]}, near) == {"n": 0}  # 0.0089 deg = 984 m
    assert nodes_on_route({"waypoints": waypoints[2:]}, near) == {}  # 0.0091 deg = 1006 m


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("yamal", "is not FROM,TO"),
        ("yamal,", "is not FROM,TO"),
        ("yamal,nowhere", "'nowhere' is not a node of the network (network.toml); use one of"),
        ("beijing,beijing", "FROM and TO are both 'beijing'"),
    ],
)
def test_parse_basis__errors(text, fragment):
    with pytest.raises(RouteDataError, match="--basis") as info:
        parse_basis(text, load_network(NETWORK_PATH))
    assert fragment in str(info.value)


def test_parse_basis__two_ids():
    assert parse_basis(" yamal , beijing ", load_network(NETWORK_PATH)) == ("yamal", "beijing")


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        (BASIS + NODES + NODES, "id", "duplicate node id 'a'"),
        (BASIS + NODES + _leg("l", "a", "zz"), "to", "'zz' is not a node id"),
        (BASIS + NODES + _leg("l", "a", "a"), "to", "from and to are both 'a'"),
        (BASIS + NODES + _leg("l", "a", "b", status="built"), "status", "'built'"),
        (BASIS + NODES + _leg("l", "a", "b").replace("via = []", 'route = "r1"\nvia = []'), "route", "either 'route'"),
        (BASIS + NODES + _leg("l", "a", "b").replace('pipeline = "Test line"\n', ""), "pipeline", "pipeline"),
        (BASIS + NODES + _leg("l", "a", "b", via="[[10.0, 95.0]]"), "via[0].lat", "latitude 95.0"),
        (BASIS + NODES.replace('id = "a"', 'id = "A b"') + LEGS, "id", "must be lower-case"),
        (NODES + LEGS, "basis", "missing [basis]"),
        (BASIS.replace('"d"', '"q"') + NODES + LEGS, "to", "'q' is not a node id"),
    ],
)
def test_load_network__one_line_errors(write, text, field, fragment):
    path = write("network.toml", text)
    with pytest.raises(RouteDataError) as info:
        load_network(path)
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    assert info.value.field == field or info.value.field.endswith(field), message
    assert fragment in message


def _stretch(route: str, start: str, end: str, *, status: str = "existing") -> str:
    pipeline = 'pipeline = "Old line"\n' if status == "existing" else ""
    return (
        f'[[stretch]]\nroute = "{route}"\nfrom = "{start}"\nto = "{end}"\nstatus = "{status}"\n{pipeline}'
        f'source = "s"\nconfidence = "medium"\n'
    )


# The sixth node, the fifth leg and the second stretch of a file that is otherwise good: a bad one
# names itself by number ("node #6", counted from 1 as a reader counts) until its id has been read.
GOOD = BASIS + NODES + LEGS
NODE_N = _node("n", 1)
LEG_L = _leg("l", "a", "b")
STRETCH_2 = _stretch("r1", "b", "c") + _stretch("r2", "c", "d")


def _second_stretch(old: str, new: str) -> str:
    first, second = STRETCH_2.split("[[stretch]]")[1:]
    return GOOD + "[[stretch]]" + first + "[[stretch]]" + second.replace(old, new, 1)


BAD_NETWORKS = [
    # the tables
    ("no-nodes", BASIS + LEGS, None, "node",
     "node: no [[node]] tables; add them (see the header of geo/data/network.toml)"),
    ("no-legs", BASIS + NODES, None, "leg",
     "leg: no [[leg]] tables; add them (see the header of geo/data/network.toml)"),
    ("node-number", "node = 5\n" + BASIS + LEGS, None, "node",
     "node: 'node' must be an array of tables, written [[node]]"),
    ("node-numbers", "node = [1, 2]\n" + BASIS + LEGS, None, "node",
     "node: 'node' must be an array of tables, written [[node]]"),
    ("stretch-number", "stretch = 5\n" + GOOD, None, "stretch",
     "stretch: 'stretch' must be an array of tables, written [[stretch]]"),
    # nodes
    ("node-id-number", GOOD + NODE_N.replace('id = "n"', "id = 5"), "node #6", "id",
     "record 'node #6': id: 5 is a number where text belongs; write it as a quoted string"),
    ("node-id-missing", GOOD + NODE_N.replace('id = "n"\n', ""), "node #6", "id",
     "record 'node #6': id: missing required field 'id'; add it"),
    ("node-id-upper", GOOD + NODE_N.replace('id = "n"', 'id = "N"'), "node #6", "id",
     "record 'node #6': id: id 'N' must be lower-case letters, digits and '-'"),
    ("node-duplicate", GOOD + _node("b", 5), "b", "id",
     "record 'b': id: duplicate node id 'b'; give each node its own id"),
    ("node-name-missing", GOOD + NODE_N.replace('name = "Node n"\n', ""), "n", "name",
     "record 'n': name: missing required field 'name'; add it"),
    ("node-kind", GOOD + NODE_N.replace('kind = "junction"', 'kind = "pump"'), "n", "kind",
     "record 'n': kind: unknown kind 'pump'; use one of supply, market, junction, station, border"),
    ("country-lower", GOOD + NODE_N.replace('"AAA"', '"rus"'), "n", "country",
     "record 'n': country: country 'rus' must be one ISO3 code such as \"RUS\""),
    ("country-four", GOOD + NODE_N.replace('"AAA"', '"RUSS"'), "n", "country",
     "record 'n': country: country 'RUSS' must be one ISO3 code such as \"RUS\""),
    ("country-number", GOOD + NODE_N.replace('"AAA"', "156"), "n", "country",
     "record 'n': country: country 156 must be one ISO3 code such as \"RUS\""),
    ("node-lon-text", GOOD + NODE_N.replace("lon = 10.0", 'lon = "10"'), "n", "lon",
     "record 'n': lon: '10' is not a number; write it without quotes, e.g. 104.28"),
    ("node-lat-text", GOOD + NODE_N.replace("lat = 1", 'lat = "1"'), "n", "lat",
     "record 'n': lat: '1' is not a number; write it without quotes, e.g. 104.28"),
    ("node-lat-range", GOOD + _node("n", 95), "n", "lat",
     "record 'n': lat: latitude 95.0 is outside -90..90; lon and lat look swapped (lon=95.0, lat=10.0 would be valid)"),
    ("node-source-missing", GOOD + NODE_N.replace('source = "test"\n', ""), "n", "source",
     "record 'n': source: missing required field 'source'; add it"),
    ("node-confidence", GOOD + NODE_N.replace('"high"', '"sure"'), "n", "confidence",
     "record 'n': confidence: unknown confidence 'sure'; use one of high, medium, low"),
    # legs
    ("leg-id-number", GOOD + LEG_L.replace('id = "l"', "id = 7"), "leg #5", "id",
     "record 'leg #5': id: 7 is a number where text belongs; write it as a quoted string"),
    ("leg-id-upper", GOOD + LEG_L.replace('id = "l"', 'id = "L"'), "leg #5", "id",
     "record 'leg #5': id: id 'L' must be lower-case letters, digits and '-'"),
    ("leg-duplicate", GOOD + _leg("a-x", "b", "c"), "a-x", "id",
     "record 'a-x': id: duplicate leg id 'a-x'; give each leg its own id"),
    ("leg-from", GOOD + _leg("l", "zz", "b"), "l", "from",
     "record 'l': from: 'zz' is not a node id of this file; add the [[node]] or fix the id"),
    ("leg-route-and-via", GOOD + LEG_L.replace("via = []", 'route = "r1"\nvia = []'), "l", "route",
     "record 'l': route: give either 'route' (a catalog route id) or 'via' (a list of [lon, lat])"),
    ("leg-route-number", GOOD + LEG_L.replace("via = []", "route = 5"), "l", "route",
     "record 'l': route: 5 is a number where text belongs; write it as a quoted string"),
    ("leg-via-number", GOOD + _leg("l", "a", "b", via="5"), "l", "via",
     "record 'l': via: via 5 must be a list of [lon, lat] pairs"),
    ("leg-via-triple", GOOD + _leg("l", "a", "b", via="[[10.0, -0.5], [10.0, -0.2, 3.0]]"), "l", "via[1]",
     "record 'l': via[1]: [10.0, -0.2, 3.0] must be [lon, lat]"),
    ("leg-via-lon-text", GOOD + _leg("l", "a", "b", via='[["10", -0.5]]'), "l", "via[0][0]",
     "record 'l': via[0][0]: '10' is not a number; write it without quotes, e.g. 104.28"),
    ("leg-via-lat-text", GOOD + _leg("l", "a", "b", via='[[10.0, "-0.5"]]'), "l", "via[0][1]",
     "record 'l': via[0][1]: '-0.5' is not a number; write it without quotes, e.g. 104.28"),
    ("leg-via-lat-range", GOOD + _leg("l", "a", "b", via="[[100.0, 95.0]]"), "l", "via[0].lat",  # not swapped: lon 95 is fine, lat 100 is not
     "record 'l': via[0].lat: latitude 95.0 is outside -90..90"),
    ("leg-source-missing", GOOD + LEG_L.replace('source = "test"\n', ""), "l", "source",
     "record 'l': source: missing required field 'source'; add it"),
    ("leg-confidence", GOOD + LEG_L.replace('"low"', '"sure"'), "l", "confidence",
     "record 'l': confidence: unknown confidence 'sure'; use one of high, medium, low"),
    # stretches: named by number and route once the route is read
    ("stretch-route-missing", _second_stretch('route = "r2"\n', ""), "stretch #2", "route",
     "record 'stretch #2': route: missing required field 'route'; add it"),
    ("stretch-route-number", _second_stretch('route = "r2"', "route = 5"), "stretch #2", "route",
     "record 'stretch #2': route: 5 is a number where text belongs; write it as a quoted string"),
    ("stretch-from", _second_stretch('from = "c"', 'from = "zz"'), "stretch #2 (r2)", "from",
     "record 'stretch #2 (r2)': from: 'zz' is not a node id of this file; add the [[node]] or fix the id"),
    ("stretch-to", _second_stretch('to = "d"', 'to = "zz"'), "stretch #2 (r2)", "to",
     "record 'stretch #2 (r2)': to: 'zz' is not a node id of this file; add the [[node]] or fix the id"),
    ("stretch-status", _second_stretch('"existing"', '"built"'), "stretch #2 (r2)", "status",
     "record 'stretch #2 (r2)': status: unknown status 'built'; use one of existing, new"),
    ("stretch-pipeline-missing", _second_stretch('pipeline = "Old line"\n', ""), "stretch #2 (r2)", "pipeline",
     "record 'stretch #2 (r2)': pipeline: missing required field 'pipeline'; add it"),
    ("stretch-source-missing", _second_stretch('source = "s"\n', ""), "stretch #2 (r2)", "source",
     "record 'stretch #2 (r2)': source: missing required field 'source'; add it"),
    ("stretch-confidence", _second_stretch('"medium"', '"sure"'), "stretch #2 (r2)", "confidence",
     "record 'stretch #2 (r2)': confidence: unknown confidence 'sure'; use one of high, medium, low"),
    # the basis
    ("basis-missing", NODES + LEGS, None, "basis", "basis: missing [basis] table with from, to and name"),
    ("basis-to", BASIS.replace('"d"', '"q"') + NODES + LEGS, "basis", "to",
     "record 'basis': to: 'q' is not a node id of this file; add the [[node]] or fix the id"),
    ("basis-name-missing", BASIS.replace('name = "A to D"\n', "") + NODES + LEGS, "basis", "name",
     "record 'basis': name: missing required field 'name'; add it"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "record", "field", "message"), [case[1:] for case in BAD_NETWORKS], ids=[case[0] for case in BAD_NETWORKS])
def test_load_network__whole_message(write, text, record, field, message):
    """Oracle: the documented contract of RouteDataError (geo/errors.py): one line
    "<file>: record <record>: <field>: <what is wrong; how to fix it>", each message written out by hand
    from the bad file of its case: the record is the id once it has been read (before that the table's
    number, counted from 1, and a stretch's route), the field is the key at fault."""
    path = write("network.toml", text)
    with pytest.raises(RouteDataError) as info:
        load_network(path)
    assert str(info.value) == f"{path}: {message}"
    assert (info.value.path, info.value.record, info.value.field) == (str(path), record, field)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "the file is empty; add [[node]] and [[leg]] tables"),
        (b"\xff\xfe[[node]]\n", "cannot read the file (UnicodeDecodeError); it must be UTF-8 text (TOML)"),
        ("[[node]]\nid = \n", "not valid TOML: "),
    ],
    ids=["empty", "not-utf8", "not-toml"],
)
def test_load_network__unreadable_file(write, content, problem):
    """Oracle: the message a user reads for a file that is no network at all, written out by hand:
    the file, then what it is not and what to put in it (the parser's own words follow "not valid TOML: ")."""
    path = write("network.toml", content)
    with pytest.raises(RouteDataError) as info:
        load_network(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {problem}") if problem.endswith(": ") else message == f"{path}: {problem}"
    assert "\n" not in message and (info.value.record, info.value.field) == (None, None)


def test_load_network__reads_every_field(write):
    """Oracle: the file written here, read back field by field (a new stretch needs no pipeline)."""
    network = load_network(write("network.toml", GOOD + _stretch("r1", "b", "c", status="new")))
    assert (network.basis, network.basis_name) == (("a", "d"), "A to D")
    assert network.nodes["a"] == Node("a", "Node a", "supply", "AAA", (10.0, -1.0), "test", "high")
    assert list(network.nodes) == ["a", "b", "c", "d", "x"]
    assert network.legs[0] == Leg("a-b-detour", "a", "b", "existing", "Test line", None, ((11.0, -0.5),), "test", "low")
    assert network.legs[3] == Leg("c-d", "c", "d", "new", None, None, (), "test", "low")
    assert network.stretches == (Stretch("r1", "b", "c", "new", None, "s", "medium"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "--basis: 'a' is not FROM,TO; give two node ids, e.g. yamal,beijing"),
        ("a,q", "--basis: 'q' is not a node of the network (network.toml); use one of a, b, c, d, x"),
        ("b,b", "--basis: FROM and TO are both 'b'; give two different nodes"),
    ],
    ids=["one-id", "unknown-id", "same-id"],
)
def test_parse_basis__whole_message(write, text, message):
    """Oracle: the message a user of --basis reads, written out by hand for the synthetic network
    (nodes a, b, c, d, x): no file or record, the option as the field."""
    network = load_network(write("network.toml", GOOD))
    with pytest.raises(RouteDataError) as info:
        parse_basis(text, network)
    assert str(info.value) == message
    assert (info.value.path, info.value.record, info.value.field) == (None, None, "--basis")


def test_resolve__leg_on_a_route_it_does_not_touch(write):
    catalog = load_catalog(write("routes.toml", _route("r1", [0, 1, 2])))
    leg = _leg("l", "a", "b").replace("via = []", 'route = "r1"')
    with pytest.raises(RouteDataError, match=r"record 'l': from: node 'a' does not lie on route 'r1'"):
        resolve_network(load_network(write("network.toml", BASIS + NODES + leg)), catalog)
    leg = _leg("l", "b", "c").replace("via = []", 'route = "nope"')
    with pytest.raises(RouteDataError, match="route 'nope' is not in the catalog"):
        resolve_network(load_network(write("network.toml", BASIS + NODES + leg)), catalog)


# --------------------------------------------------------------------------
# the shipped network


@pytest.fixture(scope="module")
def shipped():
    """The catalog as the command reads it (traced lines along their traces) and the network on it."""
    catalog = apply_traces(load_catalog(ROUTES_PATH), load_traces(REPO_DIR / "geo" / "data" / "traced_pipelines.geojson"))
    return catalog, resolve_network(load_network(NETWORK_PATH), catalog)


@pytest.mark.parametrize("record", NETWORK_DATA["node"], ids=lambda r: r["id"])
def test_shipped_node__lies_on_a_route_or_ends_a_leg(shipped, record):
    catalog, resolved = shipped
    on_a_route = any(record["id"] in nodes_on_route(route, resolved.network) for _, route in catalog.iterrows())
    ends_a_leg = any(record["id"] in (leg.start, leg.end) for leg in resolved.network.legs)
    assert on_a_route or ends_a_leg
    assert record["source"] and record["confidence"] in ("high", "medium", "low")


@pytest.mark.parametrize("record", NETWORK_DATA["leg"], ids=lambda r: r["id"])
def test_shipped_leg__runs_between_its_nodes(shipped, record):
    _, resolved = shipped
    nodes = resolved.network.nodes
    lonlat = resolved.leg_lonlat[record["id"]]
    for end, row in ((record["from"], lonlat[0]), (record["to"], lonlat[-1])):
        assert row.tolist() == list(nodes[end].lonlat)  # legs meet at their nodes
    assert resolved.leg_m[record["id"]] > 0
    assert (record["status"] == "existing") == bool(record.get("pipeline"))


OPTIONS_ON_DEFAULT_BASIS = [
    "pos2-mongolia", "altai", "all-russian-zabaikalsk", "kazakhstan-transit", "kazakhstan-cac", "mongolia-west",
    "mongolia-northern-rail",
]  # fmt: skip


@pytest.fixture(scope="module")
def default_bases(shipped, country_index):
    catalog, resolved = shipped
    return dict(zip(catalog["id"], basis_records(basis_paths(catalog, resolved, basis=resolved.network.basis), country_index), strict=True))


@pytest.mark.parametrize("route_id", OPTIONS_ON_DEFAULT_BASIS)
def test_default_basis__every_west_siberian_option_has_a_path(default_bases, route_id):
    basis = default_bases[route_id]
    assert isinstance(basis, dict), basis
    assert (basis["from"], basis["to"]) == ("nadym-pur-taz", "beijing")
    assert basis["new_build_km"] + basis["existing_km"] == pytest.approx(basis["km"], abs=0.005)
    assert sum(leg["km"] for leg in basis["legs"]) == pytest.approx(basis["km"], abs=0.01)
    assert sum(basis["countries"].values()) == pytest.approx(basis["km"], abs=0.01)
    transit = sum(km for iso, km in basis["countries"].items() if iso not in ("RUS", "CHN", "none", "outside"))
    assert basis["transit_km"] == pytest.approx(transit, abs=0.005)
    json.dumps(basis, allow_nan=False)


def test_default_basis__node_ids_carry_their_names(default_bases):
    """Oracle: geo/data/network.toml read here: each basis node id maps to the name its [[node]] gives it."""
    names = {node["id"]: node["name"] for node in NETWORK_DATA["node"]}
    on_basis = [basis for basis in default_bases.values() if isinstance(basis, dict)]
    assert len(on_basis) == len(OPTIONS_ON_DEFAULT_BASIS)
    for basis in on_basis:
        assert (basis["from_name"], basis["to_name"]) == (names[basis["from"]], names[basis["to"]])
    assert (on_basis[0]["from_name"], on_basis[0]["to_name"]) == ("Nadym-Pur-Taz fields (Novy Urengoy hub)", "Beijing (Jing-Jin-Ji demand region)")


def test_default_basis__supply_elsewhere_has_no_path(default_bases):
    assert "Kirinskoye" in default_bases["far-eastern"] and "no chain of legs" in default_bases["far-eastern"]
    assert "Kovykta" in default_bases["pos1"]


def test_default_basis__mongolian_route_hand_checked(default_bases, measured_catalog):
    """Power of Siberia 2 from Novy Urengoy: its own line less the Yamal link; transit = km in Mongolia."""
    basis = default_bases["pos2-mongolia"]
    own = measured_catalog.iloc[0]
    yamal_link_km = own["waypoint_m"][1] / 1000
    assert basis["km"] == pytest.approx(own["length_m"] / 1000 - yamal_link_km, abs=0.01)
    assert basis["transit_km"] == pytest.approx(own["country_m"]["MNG"] / 1000, abs=0.01)
    assert basis["border_crossings"] == 2
    existing = [leg for leg in basis["legs"] if leg["status"] == "existing"]
    assert len(existing) == 1 and existing[0]["pipeline"].startswith("West Siberian trunk")


def test_path__traced_line_joined_to_its_nodes(write):
    """A traced route's waypoints sit on the trace, 0.01 deg east of the places: its stretch runs on to
    the nodes at both ends, and join_m is the two joins: 0.01 deg of the equator and of the 2 N parallel."""
    catalog = load_catalog(write("routes.toml", _route("r1", [0, 1, 2])))
    catalog["geometry"] = [shapely.LineString([(10.01, 0), (10.01, 1), (10.01, 2)])]
    catalog["waypoint_vertex"] = [[0, 1, 2]]
    resolved = resolve_network(load_network(write("network.toml", BASIS + NODES + LEGS)), catalog)
    (path,) = basis_paths(catalog, resolved, basis=("b", "c"))
    (piece,) = path.pieces
    assert piece.lonlat.tolist() == [[10.0, 0.0], [10.01, 0.0], [10.01, 1.0], [10.01, 2.0], [10.0, 2.0]]
    a, e2, lat = 6_378_137.0, 0.00669437999014, math.radians(2.0)
    parallel_2n = a / math.sqrt(1 - e2 * math.sin(lat) ** 2) * math.cos(lat)  # radius of the 2 N parallel
    assert piece.join_m == pytest.approx((a + parallel_2n) * math.pi / 18_000, abs=0.01)  # 1,113.19 + 1,112.51 m
    assert piece.vertices == (0, 2)


LEG_TRANSIT = {"west-siberia-aleksandrov-gay": {"KAZ"}}
"""Legs that run through a country neither of their nodes is in: the Soyuz line, Orenburg-Uralsk-Aleksandrov Gay."""


@pytest.fixture(scope="module")
def measured_legs(shipped, country_index):
    _, resolved = shipped
    ids = list(resolved.leg_lonlat)
    lines = [shapely.LineString(resolved.leg_lonlat[i]) for i in ids]
    return dict(zip(ids, measure_routes(routes_frame(dict(zip(ids, lines, strict=True))), country_index).itertuples(), strict=True))


@pytest.mark.parametrize("record", NETWORK_DATA["leg"], ids=lambda r: r["id"])
def test_shipped_leg__stays_in_the_countries_of_its_nodes(shipped, measured_legs, record):
    """Oracle: the countries of the leg's two nodes (and a named transit): a leg drawn across a
    border bend would add a country and false crossings to every basis path that takes it."""
    nodes = shipped[1].network.nodes
    allowed = {nodes[record["from"]].country, nodes[record["to"]].country} | LEG_TRANSIT.get(record["id"], set())
    leg = measured_legs[record["id"]]
    assert {iso for iso in leg.country_m if iso not in ("none", "outside")} <= allowed
    expected = 2 * len(LEG_TRANSIT.get(record["id"], ())) + (len(allowed - LEG_TRANSIT.get(record["id"], set())) - 1)
    assert len(leg.crossings) == expected, leg.crossings


# --------------------------------------------------------------------------
# the summary a reader sees, written out by hand


def _arc_km(lat1: float, lat2: float) -> float:
    """Hand oracle: a meridian arc on 10 E, in km rounded to the metre as the summary documents."""
    return round(meridian_arc_m(lat1, lat2) / 1000, 3)


def test_basis_summary__whole_record_by_hand(synthetic):
    """Oracle: the synthetic network (text above) and the documented record of basis_summary.

    The path a -> d is a-x (-1 to -0.5 N) and x-b (-0.5 to 0 N), two existing legs of "Test line";
    r1's own line (0 to 2 N), an option with no stretch, so new with no pipeline; and the new leg
    c-d (2 to 3 N). Every length is a meridian arc, km rounded to 3 decimals. The measured row is
    made up here: the path split into AAA (-1..0 N), BBB (0..0.5), CCC (0.5..2), outside (2..2.75) and
    none (2.75..3), two crossings. Countries in the documented order: real countries by km
    descending (CCC 165.9, AAA 110.6, BBB 55.3), then the not-a-country keys, likewise (outside
    82.9, none 27.6). Transit: every node is in AAA, so BBB + CCC."""
    catalog, resolved = synthetic
    (path,) = basis_paths(catalog, resolved, basis=("a", "d"))
    parts = {"AAA": (-1, 0), "BBB": (0, 0.5), "CCC": (0.5, 2), "outside": (2, 2.75), "none": (2.75, 3)}
    country_m = {iso: meridian_arc_m(*lats) for iso, lats in parts.items()}
    crossings = [
        {"from": "AAA", "to": "BBB", "lon": 10.0, "lat": 0.0, "m": meridian_arc_m(-1, 0)},
        {"from": "BBB", "to": "CCC", "lon": 10.0, "lat": 0.5, "m": meridian_arc_m(-1, 0.5)},
    ]
    measured = {"length_m": meridian_arc_m(-1, 3), "country_m": country_m, "crossings": crossings}
    summary = basis_summary(path, measured)
    assert summary == {
        "from": "a",
        "to": "d",
        "from_name": "Node a",
        "to_name": "Node d",
        "km": _arc_km(-1, 3),
        "new_build_km": _arc_km(0, 3),
        "existing_km": _arc_km(-1, 0),
        "countries": {iso: _arc_km(*lats) for iso, lats in parts.items()},
        "transit_km": round((country_m["BBB"] + country_m["CCC"]) / 1000, 3),
        "border_crossings": 2,
        "legs": [
            {"what": "a-x", "status": "existing", "pipeline": "Test line", "km": _arc_km(-1, -0.5)},
            {"what": "x-b", "status": "existing", "pipeline": "Test line", "km": _arc_km(-0.5, 0)},
            {"what": "r1", "status": "new", "pipeline": None, "km": _arc_km(0, 2)},
            {"what": "c-d", "status": "new", "pipeline": None, "km": _arc_km(2, 3)},
        ],
    }
    assert list(summary["countries"]) == ["CCC", "AAA", "BBB", "outside", "none"]


def test_basis_summary__node_ids_stand_in_for_missing_names(synthetic):
    """Oracle: the documented record: from_name and to_name are the nodes' names for readers; a
    path that carries no names (BasisPath's default) shows the node ids instead. The path b -> d is
    r1 (0 to 2 N) and the leg c-d (2 to 3 N), both new."""
    catalog, resolved = synthetic
    (path,) = basis_paths(catalog, resolved, basis=("b", "d"))
    assert path.names == ("Node b", "Node d")
    unnamed = replace(path, names=("", ""))
    measured = {"length_m": meridian_arc_m(0, 3), "country_m": {"AAA": meridian_arc_m(0, 3)}, "crossings": []}
    named, bare = basis_summary(path, measured), basis_summary(unnamed, measured)
    assert (named["from_name"], named["to_name"]) == ("Node b", "Node d")
    assert (bare["from_name"], bare["to_name"]) == ("b", "d")
    assert (bare["new_build_km"], bare["existing_km"]) == (_arc_km(0, 3), 0.0)  # nothing existing: zero, not a metre


# --------------------------------------------------------------------------
# stretches apply to the catalog's own file, however its path is spelled


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("plain", "plain", True),
        ("plain", "dotdot", True),
        ("plain", "link", True),
        ("none", "plain", False),
        ("plain", "none", False),
        ("none", "none", False),
        ("plain", "other", False),
        ("plain", "missing", False),
        ("missing", "missing2", False),
    ],
    ids=[
        "same-text", "other-spelling", "symlink", "none-left", "none-right", "none-both", "two-files", "missing-file",
        "both-missing",
    ],  # fmt: skip
)
def test_same_file__contract(tmp_path, left, right, same):
    """Oracle: the contract of _same_file (its docstring and its caller _own_pieces): one file however
    typed (the same text, a path through '..', a symbolic link) is the same; None (a route with no
    source_file, or a catalog of several files) is never the catalog; two files are not one; a file
    that is gone is not the catalog, and saying so is not an error."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "routes.toml").write_text("x", encoding="utf-8")
    (tmp_path / "other.toml").write_text("x", encoding="utf-8")
    (tmp_path / "link.toml").symlink_to(tmp_path / "routes.toml")
    spelled = {
        "plain": str(tmp_path / "routes.toml"),
        "dotdot": str(tmp_path / "sub" / ".." / "routes.toml"),
        "link": str(tmp_path / "link.toml"),
        "other": str(tmp_path / "other.toml"),
        "missing": str(tmp_path / "gone.toml"),
        "missing2": str(tmp_path / "sub" / "gone.toml"),
        "none": None,
    }
    assert _same_file(spelled[left], spelled[right]) is same
    assert _same_file(spelled[right], spelled[left]) is same


def test_path__stretch_applies_to_the_catalog_read_by_another_spelling(write, tmp_path):
    """Oracle: the documented rule that stretches apply to the catalog's own routes: the same
    routes.toml read through 'sub/..' is the catalog, so r1's stretch b -> m is existing "Old line"."""
    catalog = load_catalog(write("routes.toml", _route("r1", [0, 1, 2])))
    network = load_network(write("network.toml", BASIS + NODES + _node("m", 1) + LEGS + _stretch("r1", "b", "m")))
    resolved = resolve_network(network, catalog)
    (tmp_path / "sub").mkdir()
    again = load_catalog(tmp_path / "sub" / ".." / "routes.toml")
    assert again["source_file"].iloc[0] != catalog["source_file"].iloc[0]  # another spelling indeed
    (path,) = basis_paths(again, resolved, basis=("b", "c"))
    assert [(p.status, p.pipeline) for p in path.pieces] == [("existing", "Old line"), ("new", None)]


# --------------------------------------------------------------------------
# where a stretch cuts the route's own line


@pytest.mark.parametrize(
    ("start", "end", "pieces"),
    [
        ("b", "m", [((1, 2), "existing", [0, 1]), ((2, 3), "new", [1, 2])]),
        ("m", "b", [((1, 2), "existing", [0, 1]), ((2, 3), "new", [1, 2])]),
        ("m", "c", [((1, 2), "new", [0, 1]), ((2, 3), "existing", [1, 2])]),
        ("b", "c", [((1, 3), "existing", [0, 1, 2])]),
        ("a", "m", [((1, 2), "existing", [0, 1]), ((2, 3), "new", [1, 2])]),
        ("m", "d", [((1, 2), "new", [0, 1]), ((2, 3), "existing", [1, 2])]),
        ("a", "b", [((1, 3), "new", [0, 1, 2])]),
        ("c", "d", [((1, 3), "new", [0, 1, 2])]),
    ],
    ids=["from-lo", "reversed", "to-hi", "lo-to-hi", "from-before-lo", "past-hi", "before-lo", "after-hi"],
)
def test_own_pieces__cut_where_a_stretch_begins_or_ends(write, start, end, pieces):
    """Oracle: hand cuts of route r1 through a, b, m, c, d (-1, 0, 1, 2, 3 N; waypoints 0..4) on the
    basis b -> c (waypoints 1 -> 3): the line is cut at each stretch end strictly between 1 and 3
    (an end at 1 or 3 is already a cut; ends outside are ignored), and a piece inside the stretch
    takes its status (existing, "Old line"); the rest is new (r1 is an option). Each piece carries
    its first and last waypoint index, as Piece documents."""
    catalog = load_catalog(write("routes.toml", _route("r1", [-1, 0, 1, 2, 3])))
    network = load_network(write("network.toml", BASIS + NODES + _node("m", 1) + LEGS + _stretch("r1", start, end)))
    (path,) = basis_paths(catalog, resolve_network(network, catalog), basis=("b", "c"))
    got = [(p.waypoints, p.status, p.pipeline, p.lonlat[:, 1].tolist()) for p in path.pieces]
    assert got == [(w, s, "Old line" if s == "existing" else None, lats) for w, s, lats in pieces]
    assert [p.vertices for p in path.pieces] == [w for w, _, _ in pieces]  # waypoint i is vertex i here
