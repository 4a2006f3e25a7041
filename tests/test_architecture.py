"""Data flows one way: geo/data -> geo -> layers -> make_maps.py -> maps/."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_DIR

GEO_FILES = sorted((REPO_DIR / "geo").glob("*.py"))
LAYER_FILES = sorted((REPO_DIR / "layers").glob("*.py"))
FILE_READERS = {"open", "read_file", "read_text", "read_bytes", "read_dataframe", "load_catalog", "load_countries", "load_places"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", GEO_FILES, ids=lambda p: p.name)
def test_geo_never_imports_folium_or_layers(path):
    assert not imported_modules(path) & {"folium", "branca", "layers", "make_maps"}


@pytest.mark.parametrize("path", LAYER_FILES, ids=lambda p: p.name)
def test_layers_never_read_files(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert not called & FILE_READERS
    assert "make_maps" not in imported_modules(path)


@pytest.mark.parametrize("path", GEO_FILES + LAYER_FILES, ids=lambda p: p.name)
def test_code_holds_no_coordinates(path):
    """Coordinates live in geo/data; code may hold a bounding box at most."""
    pairs = re.findall(r"\(\s*-?\d{2,3}\.\d+\s*,\s*-?\d{1,2}\.\d+\s*\)", path.read_text(encoding="utf-8"))
    assert pairs == []
