"""Static scan of the trainee's code for what can change how tests run.

Beginners of this course write assignments, calls of ``charger``, pandas
selections and charts. Code that hooks into the interpreter or the shell,
redefines builtins or the course's checks, defines objects that compare
equal to anything, runs dynamic code or shell commands, or reads files outside
its folder has no place in an answer: each occurrence is a *finding* for the
trainer to look at. A finding does not change a score by itself (the clean
re-check does that); it sends the submission to manual review.

Only the trainee's cells are scanned: answer cells and cells the trainee
added. Locked cells come from the gradebook and are the instructor's.
"""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import asdict, dataclass

from nbgrader.preprocessors import NbGraderPreprocessor as Preprocessor
from traitlets import Bool, List, Unicode

from . import capture
from .recheck import _instructor_code, graded_notebook_cells

#: Magics a beginner may legitimately use.
ALLOWED_MAGICS = {"matplotlib", "time", "timeit", "precision", "who", "whos", "pprint"}

HOOK_ATTRIBUTES = {
    "settrace", "setprofile", "addaudithook", "excepthook", "displayhook", "breakpointhook",
    "meta_path", "path_hooks", "path_importer_cache", "modules", "_getframe", "setrecursionlimit",
    "input_transformers_post", "input_transformers_cleanup", "ast_transformers", "events",
    "register_magic_function", "run_cell", "run_code", "showtraceback", "_showtraceback",
    "set_custom_exc", "CustomTB", "InteractiveTB", "display_formatter", "user_expressions",
    "kernel", "register_post_execute", "set_hook", "prefilter_manager",
}
HOOK_MODULES = {"atexit", "signal", "faulthandler", "gc", "sys", "IPython", "ipykernel", "traitlets",
                "threading", "_thread", "trace", "tracemalloc", "builtins", "inspect", "ctypes", "cffi",
                "importlib", "marshal", "pickle", "dill", "codecs", "base64", "zlib", "types", "code",
                "codeop", "subprocess", "pty", "socket", "urllib", "http", "requests", "sqlite3",
                "multiprocessing", "shutil", "resource", "mmap", "fcntl", "posix"}
DYNAMIC_CALLS = {"exec", "eval", "compile", "__import__", "globals", "locals", "vars", "setattr",
                 "delattr", "getattr", "breakpoint", "memoryview"}
DUNDER_TRICKS = {"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__hash__",
                 "__instancecheck__", "__subclasscheck__", "__getattribute__", "__getattr__",
                 "__contains__", "__float__", "__int__", "__index__", "__round__", "__abs__", "__len__",
                 "__iter__", "__str__", "__repr__", "__format__", "__class__", "__new__", "__init_subclass__",
                 "__call__", "__array__", "__array_ufunc__", "__del__"}
DUNDER_ATTRIBUTES = {"__dict__", "__class__", "__subclasses__", "__code__", "__globals__", "__closure__",
                     "__builtins__", "__bases__", "__mro__", "__defaults__", "__kwdefaults__", "__module__",
                     "__qualname__", "__reduce__", "__reduce_ex__", "__getattribute__", "__setattr__",
                     "__wrapped__", "__spec__", "__loader__", "__import__"}
OS_CALLS = {"system", "popen", "fork", "forkpty", "kill", "killpg", "execv", "execve", "execl", "execlp",
            "execvp", "execvpe", "spawnl", "spawnv", "spawnve", "posix_spawn", "setuid", "setgid",
            "chmod", "chown", "symlink", "link", "unlink", "remove", "rmdir", "removedirs", "rename",
            "replace", "putenv", "chdir", "chroot", "walk", "scandir", "listdir", "open", "unshare",
            "setns", "_exit", "abort"}
READERS = {"open", "read_csv", "read_excel", "read_json", "read_table", "read_parquet", "read_pickle",
           "read_sql", "connect", "Path", "listdir", "scandir", "walk", "glob", "iglob", "loadtxt",
           "genfromtxt", "load", "read_text", "read_bytes"}

CATEGORIES = {
    "crochet": "accroche l'interpréteur ou le shell (peut changer le déroulement des tests)",
    "builtins": "redéfinit une fonction de base de Python",
    "objet": "définit un objet qui peut tricher aux comparaisons",
    "verifications": "modifie les fonctions de vérification du cours",
    "dynamique": "exécute du code construit dynamiquement",
    "systeme": "lance des commandes système, réseau ou processus",
    "fichiers": "lit ou écrit des fichiers hors de son dossier",
    "magie": "utilise une commande spéciale d'IPython",
}


@dataclass
class Finding:
    """One suspicious construct in a trainee's cell."""

    cell: str
    line: int
    category: str
    detail: str
    code: str

    def message(self) -> str:
        return (f"cellule {self.cell}, ligne {self.line} : {CATEGORIES[self.category]} "
                f"({self.detail}) — « {self.code[:120]} »")


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


def _suspicious_path(value: str) -> bool:
    return value.startswith(("/", "~")) or ".." in re.split(r"[\\/]", value)


def imported_names(source: str) -> set[str]:
    """Functions, classes and modules a locked cell provides (imports and definitions, not data)."""
    try:
        tree = ast.parse(capture.python_source(source))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def scan_source(source: str, cell: str, course_names: set[str] = frozenset()) -> list[Finding]:
    """Findings in one cell of trainee code.

    ``course_names``: functions, classes and modules the locked cells provide
    (see :func:`imported_names`); redefining them is a finding, reassigning data is not.
    """
    findings: list[Finding] = []
    lines = source.splitlines()

    def add(node_or_line, category: str, detail: str) -> None:
        line = node_or_line if isinstance(node_or_line, int) else getattr(node_or_line, "lineno", 1)
        code = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if not any(f.category == category and (f.line == line or f.detail == detail) for f in findings):
            findings.append(Finding(cell, line, category, detail, code))

    # IPython syntax is read from the raw lines, then blanked so that the rest parses as Python.
    python_lines = list(lines)
    cell_magic = False
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        m = re.match(r"^(%%?)([A-Za-z_][\w]*)", stripped)
        shell = re.match(r"^(\w+\s*=\s*)?!!?(?!=)", stripped)
        if m:
            if m.group(2) not in ALLOWED_MAGICS:
                category = "systeme" if m.group(2) in {"bash", "sh", "script", "system", "sx", "writefile",
                                                       "run", "load", "pip", "conda", "env", "cd"} else "magie"
                add(number, category, f"{m.group(1)}{m.group(2)}")
            if m.group(1) == "%%" and number == 1:
                cell_magic = True
        elif shell:
            add(number, "systeme", "commande shell « ! »")
        if m or shell or cell_magic:
            python_lines[number - 1] = raw[: len(raw) - len(raw.lstrip())] + "pass"
    if cell_magic:
        return findings

    try:
        tree = ast.parse("\n".join(python_lines))
    except SyntaxError:
        return findings

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for module in modules:
                root = module.split(".")[0]
                if root in HOOK_MODULES and not (root == "sys" and isinstance(node, ast.Import)):
                    add(node, "systeme" if root in {"subprocess", "pty", "socket", "urllib", "http",
                                                   "requests", "multiprocessing"} else
                        "fichiers" if root in {"sqlite3", "shutil", "mmap"} else "crochet",
                        f"import {module}")
                if module.startswith("coopdec") and any(
                        isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store) for n in ast.walk(tree)):
                    add(node, "verifications", f"import {module} puis affectation d'attribut")
            if isinstance(node, ast.ImportFrom) and node.module == "sys":
                for alias in node.names:
                    if alias.name in HOOK_ATTRIBUTES:
                        add(node, "crochet", f"from sys import {alias.name}")
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if node.attr in DUNDER_ATTRIBUTES:
                add(node, "dynamique", f"attribut {node.attr}")
            elif node.attr in HOOK_ATTRIBUTES and dotted.split(".")[0] in {"sys", "get_ipython()", "ip",
                                                                          "shell", "IPython", "threading"}:
                add(node, "crochet", dotted)
            elif dotted.startswith("get_ipython()"):
                add(node, "crochet", dotted)
            elif dotted.split(".")[0] in {"os", "posix"} and node.attr in OS_CALLS:
                add(node, "systeme" if node.attr not in {"open", "listdir", "scandir", "walk", "chdir"}
                    else "fichiers", dotted)
            elif dotted.startswith(("coopdec.", "checks.")) and isinstance(node.ctx, (ast.Store, ast.Del)):
                add(node, "verifications", f"{dotted} remplacé")
            elif dotted.split(".")[0] in {"builtins", "__builtins__"}:
                add(node, "builtins", dotted)
            if isinstance(node.ctx, (ast.Store, ast.Del)) and dotted.split(".")[0] in course_names:
                add(node, "verifications", f"{dotted} modifié")
        elif isinstance(node, ast.Name):
            if node.id == "get_ipython":
                add(node, "crochet", "get_ipython()")
            elif node.id in {"__builtins__", "builtins"}:
                add(node, "builtins", node.id)
            elif isinstance(node.ctx, (ast.Store, ast.Del)):
                if hasattr(builtins, node.id) and not node.id.startswith("_"):
                    add(node, "builtins", f"{node.id} redéfini")
                elif node.id in course_names:
                    add(node, "verifications", f"{node.id} (nom du cours) redéfini")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if hasattr(builtins, node.name) and not node.name.startswith("_"):
                add(node, "builtins", f"{node.name} redéfini")
            elif node.name in course_names:
                add(node, "verifications", f"{node.name} (nom du cours) redéfini")
            if isinstance(node, ast.ClassDef):
                tricks = sorted({item.name for item in node.body
                                 if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Assign))
                                 and getattr(item, "name", None) in DUNDER_TRICKS}
                                | {t.id for item in node.body if isinstance(item, ast.Assign)
                                   for t in item.targets if isinstance(t, ast.Name) and t.id in DUNDER_TRICKS})
                bases = [_dotted(b) for b in node.bases]
                if tricks or node.keywords or any(b in {"str", "int", "float", "list", "dict", "tuple", "set",
                                                        "bool", "type", "object", "complex"} or
                                                  b.startswith(("pd.", "pandas.", "np.", "numpy."))
                                                  for b in bases):
                    add(node, "objet", "classe " + node.name + (f" ({', '.join(tricks)})" if tricks else ""))
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            if isinstance(node.func, ast.Name) and name in DYNAMIC_CALLS:
                if name == "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                        and not str(node.args[1].value).startswith("__"):
                    pass
                else:
                    add(node, "dynamique", f"{name}()")
            if isinstance(node.func, ast.Name) and name == "type" and len(node.args) == 3:
                add(node, "objet", "type() à trois arguments")
            if name in READERS:
                for arg in node.args[:1]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and _suspicious_path(arg.value):
                        add(node, "fichiers", f"{name}({arg.value!r})")
            if name == "reload":
                add(node, "verifications", "reload()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            value = node.value
            if re.search(r"(^|/)\.\./|gradebook|\bsource/|/autograded/|/submitted/|\.ipynb\b|/etc/|/proc/",
                         value):
                add(node, "fichiers", f"chemin {value[:60]!r}")
        elif isinstance(node, ast.Global):
            pass
    return findings


class StudentCodeScan(Preprocessor):
    """Scan the trainee's cells; findings go to ``resources["coopdec"]["findings"]``."""

    enabled = Bool(True).tag(config=True)
    ignored_categories = List(Unicode(), [], help="Finding categories not reported.").tag(config=True)

    def preprocess(self, nb, resources):
        state = resources.setdefault("coopdec", {})
        info = resources["nbgrader"]
        cells = graded_notebook_cells(resources)
        course_names: set[str] = set()
        for known in cells.values():
            if _instructor_code(known) and not known["grade"]:
                course_names |= imported_names(known["source"])
        findings: list[Finding] = []
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            known = cells.get(grade_id)
            if known is not None and (_instructor_code(known) or known["grade"]):
                continue
            label = grade_id if known is not None else f"ajoutée n° {index + 1}"
            findings.extend(f for f in scan_source(cell.source, label, course_names)
                            if f.category not in self.ignored_categories)
        state["findings"] = [asdict(f) for f in findings]
        if findings:
            self.log.warning("Code suspect (%s) : %s", info["student"],
                             " ; ".join(f.message() for f in findings[:5]))
        return nb, resources
