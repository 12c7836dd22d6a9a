"""Command line of the benchmark: ``python -m tools.bench [--rapide] […]``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from . import environment, grading, notebooks, report

ROOT = Path(__file__).resolve().parents[2]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description="Mesure la vitesse du cours (issue #9).")
    parser.add_argument("--rapide", action="store_true", help="1 répétition et 5 stagiaires (essai)")
    parser.add_argument("--repetitions", type=int, help="répétitions de chaque mesure (défaut : 3)")
    parser.add_argument("--repetitions-cohorte", type=int, default=1,
                        help="répétitions de la correction de la cohorte (défaut : 1, elle dure longtemps)")
    parser.add_argument("--stagiaires", type=int, help="taille de la cohorte (défaut : 30)")
    parser.add_argument("--devoir", default="01-histoire", help="devoir corrigé (défaut : 01-histoire)")
    parser.add_argument("--processus", type=int, default=2, help="processus des prototypes parallèles")
    parser.add_argument("--notebooks", nargs="*", help="notebooks à mesurer (défaut : notebooks/ et source/)")
    parser.add_argument("--sortie", type=Path, default=ROOT / "mesures", help="dossier des résultats")
    args = parser.parse_args(argv)
    args.repetitions = args.repetitions or (1 if args.rapide else 3)
    args.stagiaires = args.stagiaires or (5 if args.rapide else 30)
    return args


def _machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.machine())
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    return {
        "processeur": cpu,
        "coeurs": os.cpu_count(),
        "memoire_gio": memory_kb / 1024 / 1024,
        "python": platform.python_version(),
        "systeme": platform.platform(),
        "commit": commit.stdout.strip() + (" avec modifications locales" if dirty else ""),
        "charge_avant": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> Path:
    """Run every section; write ``bench-<date>.json`` and ``.md`` into the output folder."""
    args = _arguments(argv)
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    paths = [Path(p).resolve() for p in args.notebooks] if args.notebooks is not None else \
        sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "source").glob("*/*.ipynb"))
    started, stamp = time.perf_counter(), datetime.now()
    result = {"date": stamp.strftime("%Y-%m-%d %H:%M"), "machine": _machine(), "repetitions": args.repetitions,
              "options": " ".join(sys.argv[1:] if argv is None else argv) or "(aucune)"}
    print(f"Notebooks ({len(paths)}) …", flush=True)
    result["notebooks"] = notebooks.measure(paths, ROOT, args.repetitions)
    print(f"Cohorte de {args.stagiaires} stagiaires sur {args.devoir} …", flush=True)
    with tempfile.TemporaryDirectory(prefix="coopdec-bench-") as work:
        result["cohorte"] = grading.measure(ROOT, Path(work), args.devoir, args.stagiaires,
                                            args.repetitions_cohorte, args.repetitions, args.processus)
    print("Import, jeux de données, environnement …", flush=True)
    result["import_coopdec"] = environment.import_time(1 if args.rapide else 5)
    result["jeux_de_donnees"] = environment.dataset_times(1 if args.rapide else 3)
    result["environnement"] = environment.environment(ROOT, Path(sys.prefix))
    result["machine"]["charge_apres"] = os.getloadavg()[0]
    result["duree_s"] = time.perf_counter() - started
    args.sortie.mkdir(parents=True, exist_ok=True)
    base = args.sortie / f"bench-{stamp:%Y%m%d-%H%M%S}"
    base.with_suffix(".json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    table = report.markdown(result)
    base.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)
    print(f"Résultats : {base}.json et {base}.md")
    return base


if __name__ == "__main__":
    main()
