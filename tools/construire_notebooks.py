"""Build the course's notebooks from their text sources.

The single source of each unit is ``contenu/NN-slug/`` (MyST Markdown read by
jupytext, so diffs stay readable):

- ``lecon.md``      -> ``notebooks/NN-slug.ipynb``           (lesson)
- ``exercices.md``  -> ``source/NN-slug/NN-slug.ipynb``      (nbgrader instructor version)

then nbgrader's ``generate_assignment`` writes ``release/NN-slug/`` (student version).

In ``exercices.md`` a cell's tags say what nbgrader does with it:

- ``reponse`` (code, with ``:grade_id:``): the trainee's answer cell; the part between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` is replaced by the French stub;
- ``tests`` (code, with ``:grade_id:`` and ``:points:``): locked test cell;
  hidden tests go between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
- ``manuel`` (markdown, with ``grade_id`` and ``points``): written answer graded by hand;
- any other cell is a locked instruction cell.

Every exercise notebook also gets, after its title, the standard header of
``tools/bandeau-exercices.md`` (saving work on Binder, how to answer) and, at
the end, a cell that saves the trainee's answers (:mod:`coopdec.sauvegarde`).

Usage: ``python tools/construire_notebooks.py [--sans-release]`` (``make release``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
UNIT_PATTERN = re.compile(r"^\d\d-[a-z0-9-]+$")
ID_PATTERN = re.compile(r"^[a-z0-9_]+$")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
ROLE_TAGS = {"reponse", "tests", "manuel"}
KNOWN_TAGS = ROLE_TAGS | {"raises-exception"}
HEADER = Path(__file__).resolve().parent / "bandeau-exercices.md"
SAVE_CELL = (
    "# Sauvegarder mes réponses (utile sur Binder) : enregistrez d'abord le notebook (Ctrl+S).\n"
    "from coopdec import sauvegarder_reponses\n"
    "sauvegarder_reponses()"
)


class BuildError(ValueError):
    """A text source cannot be turned into a valid notebook."""


def units(root: Path = ROOT) -> list[str]:
    """Names of the units that have a text source, in course order."""
    folder = root / "contenu"
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and UNIT_PATTERN.match(p.name))


def _read(path: Path) -> nbformat.NotebookNode:
    notebook = jupytext.read(path, fmt="md:myst")
    notebook.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    return notebook


def _finish(notebook: nbformat.NotebookNode, ids: list[str]) -> str:
    for cell, cell_id in zip(notebook.cells, ids):
        cell.id = cell_id
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def _check_tags(cell, where: str) -> list[str]:
    tags = list(cell.metadata.get("tags", []))
    unknown = set(tags) - KNOWN_TAGS
    if unknown:
        raise BuildError(f"{where}: unknown tag(s) {sorted(unknown)}; known: {sorted(KNOWN_TAGS)}")
    return tags


def lesson(path: Path) -> str:
    """The lesson notebook built from ``path``, as normalised JSON text."""
    notebook = _read(path)
    for number, cell in enumerate(notebook.cells, start=1):
        tags = _check_tags(cell, f"{path}, cell {number}")
        if ROLE_TAGS & set(tags):
            raise BuildError(f"{path}, cell {number}: exercise tags belong in exercices.md")
        extra = set(cell.metadata) - {"tags"}
        if extra:
            raise BuildError(f"{path}, cell {number}: unexpected metadata {sorted(extra)}")
    return _finish(notebook, [f"cellule-{i:02d}" for i in range(1, len(notebook.cells) + 1)])


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def _add_standard_cells(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Put the course's header after the title and the save cell at the end."""
    first = notebook.cells[0] if notebook.cells else None
    if first is None or first.cell_type != "markdown" or not first.source.startswith("# "):
        raise BuildError(f"{path}: an exercise notebook starts with its « # » title cell")
    header = nbformat.v4.new_markdown_cell(HEADER.read_text(encoding="utf-8").strip())
    notebook.cells.insert(1, header)
    notebook.cells.append(nbformat.v4.new_code_cell(SAVE_CELL))


def assignment(path: Path) -> str:
    """The nbgrader instructor notebook built from ``path``, as normalised JSON text."""
    notebook = _read(path)
    _add_standard_cells(notebook, path)
    ids, seen = [], set()
    for number, cell in enumerate(notebook.cells, start=1):
        where = f"{path}, cell {number}"
        tags = _check_tags(cell, where)
        roles = ROLE_TAGS & set(tags)
        if len(roles) > 1:
            raise BuildError(f"{where}: a cell has one role, not {sorted(roles)}")
        role = roles.pop() if roles else None
        grade_id = cell.metadata.pop("grade_id", None)
        points = cell.metadata.pop("points", None)
        if role is None:
            if grade_id is not None or points is not None:
                raise BuildError(f"{where}: grade_id/points only go with a reponse, tests or manuel tag")
            grade_id = f"consigne_{number:02d}"
            cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=False, locked=True)
        else:
            if not grade_id or not ID_PATTERN.match(str(grade_id)):
                raise BuildError(f"{where}: a {role} cell needs a grade_id in [a-z0-9_]")
            expected_type = "markdown" if role == "manuel" else "code"
            if cell.cell_type != expected_type:
                raise BuildError(f"{where}: a {role} cell must be a {expected_type} cell")
            if role in {"tests", "manuel"} and not (isinstance(points, (int, float)) and points > 0):
                raise BuildError(f"{where}: a {role} cell needs positive points")
            if role == "reponse" and points is not None:
                raise BuildError(f"{where}: points go on the tests cell, not on the answer")
            if role == "reponse":
                cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=False, solution=True, locked=False)
            elif role == "tests":
                cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=True, solution=False, locked=True,
                                                      points=points)
            else:
                cell.metadata["nbgrader"] = _nbgrader(grade_id, grade=True, solution=True, locked=False,
                                                      points=points)
            if role in {"reponse", "tests"} and "raises-exception" not in tags:
                # In the student version these cells raise until answered.
                tags.append("raises-exception")
            tags.remove(role)
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        extra = set(cell.metadata) - {"tags", "nbgrader"}
        if extra:
            raise BuildError(f"{where}: unexpected metadata {sorted(extra)}")
        if grade_id in seen:
            raise BuildError(f"{where}: grade_id {grade_id!r} used twice")
        seen.add(grade_id)
        ids.append(grade_id.replace("_", "-"))
    return _finish(notebook, ids)


def build_sources(root: Path = ROOT, only: list[str] | None = None) -> dict[Path, str]:
    """Every notebook built from ``contenu/`` (or from the units ``only``), keyed by path."""
    built = {}
    for unit in only or units(root):
        folder = root / "contenu" / unit
        if (folder / "lecon.md").is_file():
            built[Path("notebooks") / f"{unit}.ipynb"] = lesson(folder / "lecon.md")
        if (folder / "exercices.md").is_file():
            built[Path("source") / unit / f"{unit}.ipynb"] = assignment(folder / "exercices.md")
    return built


def write_sources(root: Path = ROOT, only: list[str] | None = None) -> list[Path]:
    written = []
    for relative, text in build_sources(root, only).items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(relative)
    return written


def generate_release(root: Path = ROOT, only: list[str] | None = None) -> None:
    """Regenerate ``release/`` from ``source/`` with nbgrader, using a throwaway gradebook."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    # nbgrader runs the `alembic` executable installed beside this interpreter.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ["PATH"].split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ["PATH"]
    if only is None:
        only = sorted(p.name for p in (root / "source").iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory() as scratch:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.db_url = f"sqlite:///{Path(scratch) / 'gradebook.db'}"
        config.Exchange.root = scratch
        api = NbGraderAPI(config=config)
        for name in only:
            shutil.rmtree(root / "release" / name, ignore_errors=True)
            result = api.generate_assignment(name, force=True)
            if not result["success"]:
                raise BuildError(f"nbgrader generate_assignment {name} failed:\n{result['log']}\n"
                                 f"{result.get('error', '')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sans-release", action="store_true", help="do not regenerate release/")
    parser.add_argument("--unite", action="append", help="only this unit (repeatable), e.g. 01-histoire")
    args = parser.parse_args(argv)
    try:
        for path in write_sources(only=args.unite):
            print(f"écrit : {path}")
        if not args.sans_release:
            only = None if args.unite is None else [u for u in args.unite if (ROOT / "source" / u).is_dir()]
            generate_release(only=only)
            print("release/ régénéré par nbgrader")
    except BuildError as error:
        print(f"ERREUR : {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
