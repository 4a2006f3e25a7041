"""Data flows one way: geo/data -> geo -> layers -> make_maps.py -> maps/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_DIR

GEO_FILES = sorted((REPO_DIR / "geo").rglob("*.py"))
"""Every module of geo, subpackages (geo/readers/) included."""
LAYER_FILES = sorted((REPO_DIR / "layers").rglob("*.py"))
FILE_READERS = {"open", "read_file", "read_text", "read_bytes", "read_dataframe", "load_catalog", "load_countries", "load_places"}


def module_name(path: Path) -> str:
    """Dotted name of a repository file: geo/readers/csv.py -> geo.readers.csv."""
    parts = path.relative_to(REPO_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, source: str | None = None) -> set[str]:
    """Top-level packages a file imports, relative imports resolved (from .. import x)."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the file's package
                base = package[: len(package) - node.level + 1]
                names.add(base[0] if base else "")
            elif node.module:
                names.add(node.module.split(".")[0])
    return names


def file_id(path: Path) -> str:
    return path.relative_to(REPO_DIR).as_posix()


def test_rules_cover_subpackages():
    # geo/readers/ is a package of its own: the rules below must see its modules.
    assert {"geo/readers/__init__.py", "geo/readers/csv.py", "geo/readers/common.py"} <= {file_id(p) for p in GEO_FILES}
    assert len({file_id(p) for p in GEO_FILES + LAYER_FILES}) == len(GEO_FILES + LAYER_FILES)  # ids unique


def test_imported_modules__resolves_relative_imports():
    # A relative import cannot hide a package: checked on source text for a module
    # of geo/readers/ (hand-resolved: ".common" is geo.readers.common, ".." is geo).
    source = "import folium.map\nfrom .common import a\nfrom .. import errors\nfrom branca import element\n"
    fake = REPO_DIR / "geo" / "readers" / "x.py"
    assert module_name(fake) == "geo.readers.x"
    assert module_name(REPO_DIR / "geo" / "readers" / "__init__.py") == "geo.readers"
    assert imported_modules(fake, source) == {"folium", "geo", "branca"}


@pytest.mark.parametrize("path", GEO_FILES, ids=file_id)
def test_geo_never_imports_folium_or_layers(path):
    assert not imported_modules(path) & {"folium", "branca", "layers", "make_maps"}


@pytest.mark.parametrize("path", LAYER_FILES, ids=file_id)
def test_layers_never_read_files(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert not called & FILE_READERS
    assert "make_maps" not in imported_modules(path)


@pytest.mark.parametrize("path", GEO_FILES + LAYER_FILES, ids=file_id)
def test_code_holds_no_coordinates(path):
    """Coordinates live in geo/data; code may hold a bounding box at most."""
    pairs = re.findall(r"\(\s*-?\d{2,3}\.\d+\s*,\s*-?\d{1,2}\.\d+\s*\)", path.read_text(encoding="utf-8"))
    assert pairs == []
