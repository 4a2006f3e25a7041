"""tools/mutation_score.py: the README's mutation figures, counted by hand on small inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "mutation_score.py"
EQUIVALENTS = ROOT / "tests" / "equivalent_mutants.md"


def score(results: str, equivalents: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--equivalents", str(equivalents)], input=results,
                          capture_output=True, text=True, encoding="utf-8", check=False)


def test_counts_and_score_by_hand(tmp_path):
    # Oracle: hand count. measure: 6 mutants, 2 killed + 1 timeout, 1 judged equivalent, 1 survivor, 1 with
    # no test (a survivor too), so 3 / (6 - 1) = 60.0 %. make_maps: only the writer counts (main is left out).
    equivalents = tmp_path / "eq.md"
    equivalents.write_text("# x\n\n```text\ngeo/measure.py  geo.measure.x_b__mutmut_1  why\n```\n"
                           "geo/measure.py  geo.measure.x_c__mutmut_1  outside a block: not read\n", encoding="utf-8")
    results = "\n".join([
        "    geo.measure.x_a__mutmut_1: killed", "    geo.measure.x_a__mutmut_2: killed",
        "    geo.measure.x_a__mutmut_3: timeout", "    geo.measure.x_b__mutmut_1: survived",
        "    geo.measure.x_c__mutmut_1: survived", "    geo.measure.x_d__mutmut_1: no tests",
        "    geo.readers.csv.xǁReaderǁread__mutmut_4: not checked", "    geo.readers.x_read_routes__mutmut_1: killed",
        "    make_maps.x_main__mutmut_1: survived", "    make_maps.x_write_atomic__mutmut_2: killed",
    ]) + "\n"
    done = score(results, equivalents)
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()
    assert "| `geo/measure.py` | 6 | 3 | 1 | 2 | 0 | 60.0 % |" in rows
    assert "| `geo/readers/csv.py` | 1 | 0 | 0 | 0 | 1 | n/a |" in rows
    assert "| `geo/readers/__init__.py` | 1 | 1 | 0 | 0 | 0 | 100.0 % |" in rows
    assert "| `make_maps.py` (writer) | 1 | 1 | 0 | 0 | 0 | 100.0 % |" in rows
    assert "geo/measure.py: geo.measure.x_c__mutmut_1 (survived), geo.measure.x_d__mutmut_1 (no tests)" in rows
    assert "x_main" not in done.stdout


def test_no_statuses_is_one_line_and_exit_2(tmp_path):
    done = score("", EQUIVALENTS)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1 and "mutmut results --all true" in done.stderr


def test_every_judged_mutant_names_its_own_file():
    # Property: the file column of every judged line is the module in the mutant's name, and no name is
    # listed twice (a renumbered mutant judged again must replace its old line).
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import mutation_score
    finally:
        sys.path.remove(str(SCRIPT.parent))
    judged = mutation_score.judged_lines(EQUIVALENTS.read_text(encoding="utf-8"))
    for path, name in judged:
        assert mutation_score.module_of(name) == path, (path, name)
    names = [name for _, name in judged]
    assert len(names) == len(set(names))
    assert len(names) > 100


def test_mutation_tests_table__every_module_and_test_file_exists():
    """Oracle: the tree. A module named in [tool.mutation-tests] that is not a file (or folder), or a test file
    missing from mutmut's selection, would leave its mutants with no test ("no tests", counted as surviving)."""
    import tomllib

    tool = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]
    selection = set(tool["mutmut"]["pytest_add_cli_args_test_selection"])
    for source, test_files in tool["mutation-tests"].items():
        assert (ROOT / source).is_dir() if source.endswith("/") else (ROOT / source).is_file(), source
        for test_file in test_files:
            assert (ROOT / test_file).is_file() and test_file in selection, (source, test_file)


def test_mutation_test_files__module_then_folder_then_everything():
    # Oracle: a table written here. A module's own key wins over its folder's; a package's __init__ is its folder.
    from tests.conftest import mutation_test_files

    table = {"geo/readers/": ["r"], "geo/readers/csv.py": ["c"], "geo/measure.py": ["m"], "make_maps.py": ["p"]}
    assert mutation_test_files("geo.readers.csv.x_load_csv_routes__mutmut_3", table) == ["c"]
    assert mutation_test_files("geo.readers.gis.xǁReaderǁread__mutmut_1", table) == ["r"]
    assert mutation_test_files("geo.readers.x_load_routes__mutmut_2", table) == ["r"]
    assert mutation_test_files("geo.measure.x_measure_routes__mutmut_10", table) == ["m"]
    assert mutation_test_files("make_maps.x_publish__mutmut_1", table) == ["p"]
    assert mutation_test_files("geo.trade.x_load_trade__mutmut_1", table) is None
