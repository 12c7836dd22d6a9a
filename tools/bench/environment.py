"""Sections « import », « jeux de données » and « environnement ».

- import time of ``coopdec`` in a fresh interpreter (median, minus the bare
  interpreter start), with the ten packages whose own module code takes the
  longest to import (``python -X importtime``, self times summed by package);
- load time of each dataset through ``coopdec.data.charger``;
- size of the virtual environment, of its biggest distributions, of what the
  course needs to run and of what only its tests need, and the distributions
  nothing requires; for each declared dependency, where the course imports it.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

MB = 1024 * 1024


def _wall(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def import_time(repetitions: int) -> dict:
    """Seconds to ``import coopdec`` in a fresh interpreter, and what dominates it."""
    bare = [_wall("pass") for _ in range(repetitions)]
    full = [_wall("import coopdec") for _ in range(repetitions)]
    trace = subprocess.run([sys.executable, "-X", "importtime", "-c", "import coopdec"],
                           check=True, capture_output=True, text=True).stderr
    by_package: dict[str, int] = {}
    for line in trace.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S+)", line)
        if match:
            package = match.group(2).split(".")[0]
            by_package[package] = by_package.get(package, 0) + int(match.group(1))
    return {
        "interpreteur_seul_s": statistics.median(bare),
        "avec_import_coopdec_s": statistics.median(full),
        "import_coopdec_s": statistics.median(full) - statistics.median(bare),
        "repetitions": repetitions,
        "paquets_les_plus_lents": [{"paquet": p, "secondes": by_package[p] / 1e6}
                                   for p in sorted(by_package, key=lambda p: -by_package[p])[:10]],
    }


def dataset_times(repetitions: int) -> list[dict]:
    """Median seconds of ``charger(name)`` for every dataset (pandas already imported)."""
    from coopdec import data

    rows = []
    for name in data.jeux_de_donnees()["nom"]:
        times = []
        for _ in range(repetitions):
            start = time.perf_counter()
            table = data.charger(name)
            times.append(time.perf_counter() - start)
        rows.append({"jeu": name, "lignes": len(table), "mediane_s": statistics.median(times)})
    return rows


def _size(dist: metadata.Distribution) -> int:
    total = 0
    for file in dist.files or []:
        path = Path(dist.locate_file(file))
        if path.is_file():
            total += path.stat().st_size
    return total


def _closure(roots: list[Requirement], installed: dict) -> set[str]:
    """Canonical names of the installed distributions that ``roots`` need, transitively."""
    seen: set[tuple[str, frozenset]] = set()
    names: set[str] = set()
    todo = [(r, frozenset()) for r in roots]
    while todo:
        requirement, _ = todo.pop()
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen or name not in installed:
            continue
        seen.add(key)
        names.add(name)
        for text in installed[name].requires or []:
            child = Requirement(text)
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in requirement.extras or {""}):
                todo.append((child, frozenset()))
    return names


def _importers(root: Path, module: str) -> list[str]:
    """Top-level course folders whose code imports ``module``."""
    pattern = re.compile(rf"^\s*(import|from)\s+{re.escape(module)}\b", re.MULTILINE)
    found = []
    for folder in ("coopdec", "notebooks", "source", "tests", "tools"):
        for path in (root / folder).rglob("*"):
            if path.suffix in (".py", ".ipynb") and pattern.search(path.read_text(encoding="utf-8", errors="ignore")):
                found.append(folder)
                break
    return found


def environment(root: Path, venv: Path) -> dict:
    """Sizes of the environment and of its parts; where each declared dependency is used."""
    du = subprocess.run(["du", "-sk", str(venv)], check=True, capture_output=True, text=True).stdout
    installed = {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}
    sizes = {name: _size(dist) for name, dist in installed.items()}
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = [Requirement(t) for t in project["dependencies"]]
    test = [Requirement(t) for t in project.get("optional-dependencies", {}).get("test", [])]
    needed = _closure(runtime, installed)
    test_only = _closure(test, installed) - needed
    tools = {"pip", "setuptools", "wheel", "coopdec"}
    orphans = set(installed) - needed - test_only - tools
    modules = metadata.packages_distributions()
    declared = []
    for requirement in runtime + test:
        name = canonicalize_name(requirement.name)
        own = sorted(m for m, dists in modules.items()
                     if name in {canonicalize_name(d) for d in dists} and not m.startswith("_"))
        declared.append({
            "dependance": requirement.name,
            "groupe": "test" if requirement in test else "cours",
            "modules": own,
            "importee_par": sorted({f for m in own for f in _importers(root, m)}),
            "taille_avec_dependances_propres_mo": round(
                sum(sizes[n] for n in _closure([requirement], installed)
                    - _closure([r for r in runtime + test if r is not requirement], installed)) / MB, 1),
        })

    def total(names):
        return round(sum(sizes[n] for n in names) / MB, 1)

    return {
        "venv_mo": round(int(du.split()[0]) / 1024, 1),
        "distributions": len(installed),
        "necessaires_au_cours": {"nombre": len(needed), "mo": total(needed)},
        "seulement_pour_les_tests": {"nombre": len(test_only), "mo": total(test_only), "noms": sorted(test_only)},
        "requises_par_personne": {"nombre": len(orphans), "mo": total(orphans), "noms": sorted(orphans)},
        "plus_grosses": [{"distribution": installed[n].metadata["Name"], "mo": round(sizes[n] / MB, 1)}
                         for n in sorted(sizes, key=lambda n: -sizes[n])[:12]],
        "dependances_declarees": declared,
    }
