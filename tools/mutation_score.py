"""Mutation score per module from a mutmut run and the judged equivalents.

Reads mutmut's statuses (``mutmut results --all true``) on standard input and
the mutants judged equivalent in ``tests/equivalent_mutants.md`` (second field
of each line in its ``text`` blocks), and prints one Markdown table row per
module: mutants, killed (a timeout counts as killed: the tests did not pass),
judged equivalent, surviving and not judged (a mutant no test reaches
included), not run (mutmut did not get to it), and the score

    killed / (mutants - equivalent - not run)

For ``make_maps.py`` only the output writer is counted (the command-line
functions have no unit test in the selection). Surviving mutants that are not
judged are listed after the table, so they can be read with ``mutmut show``.

    mutmut results --all true | python tools/mutation_score.py
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tests" / "equivalent_mutants.md"
WRITER = ("publish", "_manifest", "_folder_lock", "write_atomic", "write_file_atomic", "_make_folder")
KILLED = {"killed", "timeout"}
NOT_REACHED = {"not checked", "skipped"}  # "no tests" counts as surviving: nothing caught it
LINE = re.compile(r"^\s*(?P<name>\S+__mutmut_\d+): (?P<status>.+?)\s*$")
FUNCTION = re.compile(r"\.x[_ǁ](?P<function>[^ǁ]*?)(?:ǁ(?P<method>.*))?__mutmut_\d+$")


def module_of(name: str) -> str:
    """Return the source file of a mutant name, e.g. ``geo/measure.py``."""
    path = re.split(r"\.x[_ǁ]", name, maxsplit=1)[0].replace(".", "/")
    return f"{path}/__init__.py" if (ROOT / path).is_dir() else f"{path}.py"


def is_counted(name: str) -> bool:
    """Return whether a mutant counts: all of geo/, and make_maps' writer only."""
    if not name.startswith("make_maps."):
        return True
    match = FUNCTION.search(name)
    return match is not None and match["function"] in WRITER


def judged_lines(text: str) -> list[tuple[str, str]]:
    """Return the ``(file, mutant name)`` of every line in the equivalents file's ``text`` blocks, in order."""
    judged = []
    inside = False
    for line in text.splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        fields = line.split()
        if inside and len(fields) >= 2 and "__mutmut_" in fields[1]:
            judged.append((fields[0], fields[1]))
    return judged


def equivalent_names(text: str) -> set[str]:
    """Return the mutant names listed in the equivalents file's ``text`` blocks."""
    return {name for _, name in judged_lines(text)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--equivalents", type=Path, default=EQUIVALENTS, help="judged equivalents (Markdown)")
    args = parser.parse_args(argv)
    equivalent = equivalent_names(args.equivalents.read_text(encoding="utf-8"))
    counts: dict[str, Counter] = defaultdict(Counter)
    unjudged: dict[str, list[str]] = defaultdict(list)
    for line in sys.stdin:
        match = LINE.match(line)
        if match is None or not is_counted(match["name"]):
            continue
        name, status = match["name"], match["status"]
        module = module_of(name)
        counts[module]["mutants"] += 1
        if status in KILLED:
            counts[module]["killed"] += 1
        elif status in NOT_REACHED:
            counts[module]["not run"] += 1
        elif name in equivalent:
            counts[module]["equivalent"] += 1
        else:
            counts[module]["surviving"] += 1
            unjudged[module].append(f"{name} ({status})")
    if not counts:
        print("no mutmut statuses on standard input: run `mutmut results --all true | python tools/mutation_score.py`",
              file=sys.stderr)
        return 2
    print("| module | mutants | killed | equivalent | surviving, not judged | not run | score |")
    print("|---|---|---|---|---|---|---|")
    for module in sorted(counts):
        c = counts[module]
        judged = c["mutants"] - c["equivalent"] - c["not run"]
        score = f"{100 * c['killed'] / judged:.1f} %" if judged else "n/a"
        label = f"`{module}` (writer)" if module == "make_maps.py" else f"`{module}`"
        print(f"| {label} | {c['mutants']:,} | {c['killed']:,} | {c['equivalent']} | {c['surviving']} "
              f"| {c['not run']} | {score} |")
    for module in sorted(unjudged):
        print(f"\n{module}: " + ", ".join(unjudged[module]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
