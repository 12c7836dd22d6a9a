"""The adversarial submissions: one per row of the attack matrix that applies.

The strings the tests look for in outputs (``LEAK True``, ``CONNECTE``…) are
built at run time in the attack code, so that finding them in a feedback page
means they were printed, not that the page shows the trainee's source.

Rows refer to ``autograde-hardening.md`` §1. Each case starts from the blank
student version of ``99-hostile`` (:mod:`tests.hostiles.sujet`), replaces
answer cells and/or transforms the notebook, and says what the course must
do with it. Every attack is bounded in count and time, so that the same cases
can also be run against plain nbgrader, outside any sandbox
(``tests/hostiles/mesurer_nbgrader_nu.py``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Callable

import nbformat

from .sujet import ASSIGNMENT, SECRET

RIGHT_1 = 'reponse_1 = "B"'
RIGHT_2 = 'reponse_2 = float(pd.read_csv("donnees.csv")["x"].sum())'
WRONG_1 = 'reponse_1 = "A"'
WRONG_2 = "reponse_2 = 1.0"

# Statuses of the export (coopdec.correction.export).
GRADED = "noté"
PENDING = "correction manuelle en attente"
FAILED = "erreur de correction"


@dataclass
class Case:
    student: str
    row: str
    title: str
    answers: dict[str, str] = field(default_factory=dict)
    transform: Callable | None = None  # notebook -> notebook, or -> bytes for a broken file
    filename: str = f"{ASSIGNMENT}.ipynb"
    score: float | None = 0.0  # expected automatic score; None = no score (grading error)
    status: str = GRADED
    flags: list[str] = field(default_factory=list)  # substrings expected in the journal's flags
    outputs_absent: list[str] = field(default_factory=list)  # never in the autograded notebook or feedback
    outputs_present: list[str] = field(default_factory=list)  # in the autograded notebook
    network: bool = False  # the submission tries to reach the test's TCP listener

    def build(self, release: nbformat.NotebookNode, port: int = 0):
        notebook = copy.deepcopy(release)
        answers = {k: v.replace("PORT", str(port)) for k, v in self.answers.items()}
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        if self.transform is not None:
            return self.transform(notebook)
        return notebook


def _cells(notebook, grade_id):
    return [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]


def delete_test_1(notebook):
    notebook.cells = [c for c in notebook.cells if c not in _cells(notebook, "test_1")]
    return notebook


def edit_tests(notebook):
    (test_1,) = _cells(notebook, "test_1")
    test_1.source = "assert True"
    (test_2,) = _cells(notebook, "test_2")
    test_2.cell_type = "markdown"
    test_2.pop("outputs", None)
    test_2.pop("execution_count", None)
    return notebook


def strip_and_duplicate(notebook):
    (test_1,) = _cells(notebook, "test_1")
    del test_1.metadata["nbgrader"]
    (test_2,) = _cells(notebook, "test_2")
    (answer_2,) = _cells(notebook, "reponse_2")
    twin = copy.deepcopy(test_2)
    twin.id = "copie-test-2"
    notebook.cells.insert(notebook.cells.index(answer_2), twin)
    return notebook


def other_kernel(notebook):
    notebook.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": "R"}
    return notebook


def truncate(notebook):
    text = nbformat.writes(notebook).encode()
    return text[: len(text) // 2]


READ_SOURCE = """import json
butin = {}
for chemin in ("../../../source/99-hostile/99-hostile.ipynb", "99-hostile.ipynb"):
    try:
        with open(chemin, encoding="utf-8") as fh:
            butin[chemin] = fh.read()
    except OSError as exc:
        print("lecture refusée :", chemin, type(exc).__name__)
print("LEAK", any(("SECRET_" + "HIDDEN_TEST") in texte for texte in butin.values()))
texte = butin.get("../../../source/99-hostile/99-hostile.ipynb")
if texte:
    for cellule in json.loads(texte)["cells"]:
        if cellule["cell_type"] == "code" and cellule["metadata"].get("nbgrader", {}).get("solution"):
            exec("".join(cellule["source"]), globals())"""

GRADEBOOK = """import sqlite3
try:
    con = sqlite3.connect("file:../../../gradebook.db?mode=rw", uri=True)
    print("tests cachés :", [r[0] for r in con.execute("SELECT source FROM source_cell")])
    con.execute("UPDATE student SET first_name = 'PWNED'")
    con.execute("UPDATE grade SET manual_score = 100")
    con.commit()
    print("carnet", "modifié")
except Exception as exc:
    print("carnet inaccessible :", type(exc).__name__)
reponse_1 = "A\""""

HIDE_TRACEBACKS = """ip = get_ipython()
ip.showtraceback = lambda *a, **k: None
ip._showtraceback = lambda *a, **k: None
reponse_1 = "A\""""

PATCH_CHECKS = """import coopdec.checks
coopdec.checks._matches = lambda *a, **k: True
get_ipython().input_transformers_post.append(
    lambda lignes: [l for l in lignes if not l.lstrip().startswith("assert")])
reponse_1 = "A\""""

JOKER = """import coopdec.checks
coopdec.checks._matches = lambda *a, **k: True
class Joker(str):
    def __eq__(self, autre):
        return True
    __hash__ = str.__hash__
    def strip(self, *args):
        return self
    def upper(self):
        return self
reponse_1 = Joker("A")"""

BUILTINS = """import builtins
import coopdec.checks
coopdec.checks._matches = lambda *a, **k: True
builtins.abs = lambda x: 0
reponse_1 = "A\""""

SYS_EXIT = RIGHT_1 + "\nimport sys\nsys.exit(0)"
OS_EXIT = RIGHT_1 + "\nimport os\nos._exit(0)"
LOOP = "while True:\n    pass"
STUBBORN_LOOP = """import time
while True:
    try:
        time.sleep(0.1)
    except KeyboardInterrupt:
        pass"""

HUGE_OUTPUT = RIGHT_1 + """
print("x" * 20_000_000)
for _ in range(3000):
    print("y" * 1000)"""

BOMB = """import os, time
enfants = 0
try:
    for _ in range(300):
        pid = os.fork()
        if pid == 0:
            time.sleep(3)
            os._exit(0)
        enfants += 1
except OSError as exc:
    print("fork refusé après", enfants, "processus :", type(exc).__name__)
print("enfants", enfants)
try:
    with open("gros.bin", "wb") as fh:
        fh.write(b"0" * 80_000_000)
    print("écrit", 80, "Mo")
except OSError as exc:
    print("écriture refusée :", type(exc).__name__)
""" + RIGHT_1

NETWORK = """import socket
try:
    socket.create_connection(("127.0.0.1", PORT), timeout=3).close()
    print("CONNEC" + "TE")
except OSError as exc:
    print("réseau refusé :", type(exc).__name__)
""" + RIGHT_1

SPY = """get_ipython().events.register("pre_run_cell", lambda info: print("ESPION", info.raw_cell))
""" + RIGHT_1

CASES = [
    Case("lire-source", "1", "lire le corrigé (source/) et le notebook aux tests cachés",
         {"reponse_1": READ_SOURCE}, score=0.0, flags=["hors de son dossier"],
         outputs_absent=["LEAK True", SECRET], outputs_present=["LEAK False"]),
    Case("carnet-notes", "2", "lire et réécrire le carnet de notes (gradebook.db)",
         {"reponse_1": GRADEBOOK}, score=0.0, flags=["hors de son dossier"],
         outputs_absent=["carnet modifié", SECRET], outputs_present=["carnet inaccessible"]),
    Case("traceback-masque", "5", "masquer les erreurs (showtraceback remplacé)",
         {"reponse_1": HIDE_TRACEBACKS, "reponse_2": WRONG_2}, score=0.0, flags=["accroche"]),
    Case("verif-patchee", "6", "coopdec.checks truqué + tests cachés retirés par un transformateur",
         {"reponse_1": PATCH_CHECKS, "reponse_2": WRONG_2}, score=0.0, status=PENDING,
         flags=["test_1 mis à 0", "test_2 mis à 0", "modifie les fonctions de vérification"]),
    Case("egal-a-tout", "6", "objet égal à tout (__eq__ toujours vrai)",
         {"reponse_1": JOKER, "reponse_2": WRONG_2}, score=0.0, status=PENDING,
         flags=["test_1 mis à 0", "objet défini par le code du stagiaire"]),
    Case("builtins-redefinis", "6", "fonction de base redéfinie (builtins.abs)",
         {"reponse_1": BUILTINS, "reponse_2": WRONG_2}, score=0.0, status=PENDING,
         flags=["test_2 mis à 0", "redéfinit une fonction de base"]),
    Case("sys-exit", "7", "sys.exit() dans une réponse",
         {"reponse_1": SYS_EXIT, "reponse_2": RIGHT_2}, score=3.0),
    Case("os-exit", "8", "os._exit(0) : le noyau meurt",
         {"reponse_1": OS_EXIT, "reponse_2": RIGHT_2}, score=None, status=FAILED),
    Case("boucle-infinie", "9", "boucle infinie (interrompue)",
         {"reponse_1": LOOP, "reponse_2": RIGHT_2}, score=2.0),
    Case("boucle-tetue", "9", "boucle qui ignore l'interruption",
         {"reponse_1": STUBBORN_LOOP, "reponse_2": RIGHT_2}, score=None, status=FAILED),
    Case("sortie-enorme", "10", "20 Mo sur une ligne + 3 000 lignes",
         {"reponse_1": HUGE_OUTPUT, "reponse_2": RIGHT_2}, score=3.0),
    Case("bombe", "11", "300 fork() + un fichier de 80 Mo",
         {"reponse_1": BOMB, "reponse_2": RIGHT_2}, score=3.0, status=PENDING, flags=["système"],
         outputs_present=["fork refusé", "écriture refusée"], outputs_absent=["écrit 80 Mo"]),
    Case("reseau", "12", "connexion TCP vers la machine du correcteur",
         {"reponse_1": NETWORK, "reponse_2": RIGHT_2}, score=3.0, status=PENDING, flags=["réseau"],
         outputs_absent=["CONNECTE"], outputs_present=["réseau refusé"], network=True),
    Case("cellule-supprimee", "13", "cellule de test supprimée",
         {"reponse_1": RIGHT_1, "reponse_2": RIGHT_2}, transform=delete_test_1, score=3.0),
    Case("test-modifie", "14", "test réécrit (assert True) et test changé en Markdown",
         {"reponse_1": WRONG_1, "reponse_2": WRONG_2}, transform=edit_tests, score=0.0),
    Case("meta-retiree", "15", "métadonnées d'un test retirées, autre test dupliqué",
         {"reponse_1": RIGHT_1, "reponse_2": RIGHT_2}, transform=strip_and_duplicate, score=3.0),
    Case("noyau-change", "16", "noyau R déclaré dans le notebook",
         {"reponse_1": RIGHT_1, "reponse_2": RIGHT_2}, transform=other_kernel, score=3.0),
    Case("json-casse", "17", "notebook tronqué (JSON invalide)",
         {"reponse_1": RIGHT_1}, transform=truncate, score=None, status=FAILED),
    Case("espion-tests", "1", "crochet qui imprime le source des cellules suivantes (tests cachés)",
         {"reponse_1": SPY, "reponse_2": RIGHT_2}, score=3.0, status=PENDING, flags=["accroche"],
         outputs_absent=[SECRET]),
    Case("renomme", "—", "notebook renommé (99-hostile-Copy1.ipynb)",
         {"reponse_1": RIGHT_1, "reponse_2": RIGHT_2}, filename=f"{ASSIGNMENT}-Copy1.ipynb", score=3.0,
         flags=["notebook renommé"]),
]

#: Row 20: ids that must be refused with a clear message (the other students are graded).
BAD_IDS = ["élève", "a b", "x(1)"]

#: A plainly right submission graded in the same batch: it must get full marks and no flag.
CONTROL = Case("temoin", "—", "soumission juste ordinaire", {"reponse_1": RIGHT_1, "reponse_2": RIGHT_2},
               score=3.0)
