"""Section « notebooks »: each lesson and instructor notebook against its floor.

A notebook's floor is what no notebook can avoid: a kernel start, the imports
that notebook needs and a kernel shutdown. The imports are its top-level
``import`` statements, gathered in one cell, plus the libraries coopdec
imported for it during the run (:data:`kernel.PACKAGE_IMPORTS`: ipywidgets for
a quiz, pyplot for a radar). The floor of the written imports alone is kept
too, for comparison. The course floor is the same with every import
the course's notebooks need (:data:`kernel.FLOOR_IMPORTS`); it is also timed
with nbclient's immediate shutdown, a lever for part 2.

Every measure is repeated ``repetitions`` times and the median kept; runs are
interleaved (floors, then each notebook and its floor, repeated) so that a
busy moment of the machine does not fall on one notebook only.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat

from . import kernel


def median_run(runs: list[dict]) -> dict:
    """The run of median total time (the upper one for an even count)."""
    ordered = sorted(runs, key=lambda r: r["total"])
    return ordered[len(ordered) // 2]


def _phases(runs: list[dict]) -> dict:
    median = median_run(runs)
    return {
        "mediane_s": median["total"],
        "mesures_s": [r["total"] for r in runs],
        "demarrage_s": median["demarrage"],
        "cellules_s": median["cellules"],
        "arret_s": median["arret"],
    }


def _charts(cells: list[dict], total: float, floor: float) -> dict:
    """How many charts a run drew, the seconds of the cells that drew them, and the
    ratio to the floor without those cells: what the charts weigh in the ratio."""
    seconds = sum(cell["secondes"] for cell in cells if cell["images"])
    return {
        "graphiques": sum(cell["images"] for cell in cells),
        "graphiques_s": seconds,
        "ratio_hors_graphiques": (total - seconds) / floor,
    }


def _measure_one(path: Path, scratch: Path, runs: dict, floors: dict, written: dict, errors: dict) -> None:
    try:
        notebook = nbformat.read(path, as_version=4)
        run = kernel.run(notebook, path.parent, probe=True)
        runs[path].append(run)
        loaded = run["imports_du_paquet"]
        floors[path].append(kernel.run(kernel.imports_notebook(notebook, loaded), scratch))
        if loaded:  # the floor of the written imports alone, for comparison
            written[path].append(kernel.run(kernel.imports_notebook(notebook), scratch))
    except Exception as exc:  # a broken notebook is reported, the others still run
        lines = str(exc).strip().splitlines() or [""]
        errors[path] = f"{type(exc).__name__}: {lines[-1][:200]}"


def measure(paths: list[Path], root: Path, repetitions: int) -> dict:
    """Time the course floor and every notebook of ``paths`` with its own floor."""
    course_floor, fast_floor = [], []
    runs = {path: [] for path in paths}
    floors = {path: [] for path in paths}
    written = {path: [] for path in paths}
    errors: dict[Path, str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(repetitions):
            course_floor.append(kernel.run(kernel.floor_notebook(), Path(scratch)))
            fast_floor.append(kernel.run(kernel.floor_notebook(), Path(scratch), shutdown="immediate"))
            for path in paths:
                if path not in errors:
                    _measure_one(path, Path(scratch), runs, floors, written, errors)
    rows = []
    for path in paths:
        name = path.relative_to(root) if path.is_relative_to(root) else path
        row = {"notebook": str(name), "repetitions": len(runs[path])}
        if path in errors:
            row["erreur"] = errors[path]
        if runs[path] and floors[path]:
            row.update(_phases(runs[path]))
            row["plancher_s"] = median_run(floors[path])["total"]
            row["ratio_plancher"] = row["mediane_s"] / row["plancher_s"]
            row["imports_du_paquet"] = median_run(runs[path])["imports_du_paquet"]
            floor_written = median_run(written[path])["total"] if written[path] else row["plancher_s"]
            row["plancher_imports_ecrits_s"] = floor_written
            row["ratio_imports_ecrits"] = row["mediane_s"] / floor_written
            detail = median_run(runs[path])["detail_cellules"]
            row["cellules_lentes"] = sorted(detail, key=lambda c: -c["secondes"])[:3]
            row.update(_charts(detail, row["mediane_s"], row["plancher_s"]))
        rows.append(row)
    timed = [r for r in rows if "mediane_s" in r]
    fast = median_run(fast_floor)
    return {
        "plancher_cours": {
            "definition": "démarrage d'un noyau python3, une cellule avec tous les imports du cours, arrêt",
            "imports": kernel.FLOOR_IMPORTS,
            **_phases(course_floor),
            "arret_immediat": {"mediane_s": fast["total"], "arret_s": fast["arret"]},
        },
        "notebooks": rows,
        "total": {
            "notebooks": len(timed),
            "somme_medianes_s": sum(r["mediane_s"] for r in timed),
            "somme_planchers_s": sum(r["plancher_s"] for r in timed),
            "ratio_plancher": (sum(r["mediane_s"] for r in timed) / sum(r["plancher_s"] for r in timed))
            if timed else None,
            "pire_ratio": max((r["ratio_plancher"] for r in timed), default=None),
            "pire_ratio_imports_ecrits": max((r["ratio_imports_ecrits"] for r in timed), default=None),
            "erreurs": len(errors),
        },
    }
