"""Save and restore a trainee's answers: Binder keeps nothing.

From inside an exercise notebook, with no argument::

    from coopdec import sauvegarder_reponses, restaurer_reponses
    sauvegarder_reponses()                       # after Ctrl+S
    restaurer_reponses("01-histoire-reponses.json")

:func:`sauvegarder_reponses` reads the notebook *as saved on disk* (hence the
Ctrl+S first), collects every answer cell (nbgrader metadata ``solution: true``,
code and Markdown, keyed by ``grade_id``), writes them to
``<notebook>-reponses.json`` beside the notebook and shows a link that
downloads that file to the trainee's computer.

:func:`restaurer_reponses` fills the answer cells of a notebook on disk (for
instance a fresh release notebook on a new Binder session) from such a file. It
never touches any other cell, refuses a file of another assignment, reports
the answers it could not place and keeps a copy of the notebook in
``copies-de-securite/`` before writing. The trainee then reloads the notebook
from disk (Fichier → Recharger Notebook depuis le disque).

The kernel knows its notebook through the ``JPY_SESSION_NAME`` environment
variable that jupyter_server sets when it starts a kernel for a notebook;
elsewhere the notebook's name can be given as an argument.

The two learner-facing functions never raise for an expected problem (unknown
notebook, missing or damaged file, other assignment): they show a French
message instead, so that « Exécuter tout » and automatic runs of a notebook
(nbval, nbgrader) go on. :func:`sauvegarder` and :func:`restaurer` do the work
and raise :class:`SauvegardeErreur`; tests call them.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path


__all__ = [
    "SauvegardeErreur",
    "Restauration",
    "trouver_notebook",
    "nom_du_fichier",
    "lire_reponses",
    "lien_de_telechargement",
    "sauvegarder",
    "restaurer",
    "sauvegarder_reponses",
    "restaurer_reponses",
]

FORMAT = "coopdec-reponses"
FORMAT_VERSION = 1
BACKUP_FOLDER = "copies-de-securite"
# Seconds after which the saved notebook is probably older than what the trainee sees.
STALE_AFTER = 90
_UNIT = re.compile(r"\d\d-[a-z0-9]+(?:-[a-z0-9]+)*")
_CODE_STUB = "VOTRE CODE ICI"
_TEXT_STUB = "VOTRE RÉPONSE ICI"


class SauvegardeErreur(Exception):
    """Answers cannot be saved or restored (French message for the trainee)."""


@dataclass
class Restauration:
    """What :func:`restaurer` did."""

    notebook: Path
    fichier: Path
    copie: Path
    restaurees: list[str] = field(default_factory=list)
    inchangees: list[str] = field(default_factory=list)
    inconnues: list[str] = field(default_factory=list)
    manquantes: list[str] = field(default_factory=list)
    incompatibles: list[str] = field(default_factory=list)
    date_sauvegarde: str | None = None


# --------------------------------------------------------------------------
# Which notebook?
# --------------------------------------------------------------------------

def _session_name() -> str | None:
    """The path of the kernel's notebook, as the front end told the kernel, if it did."""
    name = os.environ.get("JPY_SESSION_NAME")
    if name:
        return name
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return None
    shell = get_ipython()
    if shell is None:
        return None
    # ipykernel copies JPY_SESSION_NAME to __session__; VS Code sets __vsc_ipynb_file__.
    for variable in ("__session__", "__vsc_ipynb_file__"):
        value = shell.user_ns.get(variable)
        if isinstance(value, str) and value.endswith(".ipynb"):
            return value
    return None


_HOW_TO_NAME = (
    "Donnez le nom du notebook entre guillemets, par exemple : "
    "sauvegarder_reponses(\"01-histoire.ipynb\") ou "
    "restaurer_reponses(\"01-histoire-reponses.json\", \"01-histoire.ipynb\")."
)


def trouver_notebook(notebook: str | os.PathLike | None = None) -> Path:
    """Return the notebook file to read or fill: ``notebook`` if given, else the kernel's own."""
    if notebook is not None:
        path = Path(notebook).expanduser()
        if path.suffix != ".ipynb":
            path = path.with_name(path.name + ".ipynb")
        if not path.is_file():
            raise SauvegardeErreur(
                f"Le notebook « {notebook} » est introuvable dans le dossier {Path.cwd()}. "
                "Vérifiez son nom dans le panneau de gauche (majuscules, tirets, « .ipynb »).")
        return path.resolve()
    session = _session_name()
    if not session:
        raise SauvegardeErreur(
            "Je ne sais pas dans quel notebook lire les réponses : ce noyau n'a pas été lancé "
            "par JupyterLab pour un notebook. " + _HOW_TO_NAME)
    candidate = Path(session).expanduser()
    # An absolute path (jupyter_server joins the kernel's folder and the file name), or a
    # path relative to the server's root: the kernel runs in the notebook's folder.
    for path in (candidate, Path.cwd() / candidate.name):
        if path.is_absolute() and path.is_file():
            return path.resolve()
    raise SauvegardeErreur(
        f"Le notebook « {candidate.name} » est introuvable : a-t-il été renommé ou déplacé "
        "depuis son ouverture ? Redémarrez le noyau (menu Noyau → Redémarrer le noyau), "
        "ou bien " + _HOW_TO_NAME[0].lower() + _HOW_TO_NAME[1:])


def _assignment(path: Path) -> str | None:
    """The unit (« 01-histoire ») of a notebook, from its folder or its file name."""
    for name in (path.parent.name, path.stem):
        match = _UNIT.match(name)
        if match:
            return match.group(0)
    return None


# --------------------------------------------------------------------------
# Reading and writing notebooks
# --------------------------------------------------------------------------

def _read_notebook(path: Path):
    # nbformat is imported here, not with the package: every notebook imports coopdec, few
    # save answers, and nbformat with its JSON-schema checker takes 0.5 s to import (3 s with
    # the jsonschema releases that pyproject.toml leaves out).
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises several kinds of errors
        raise SauvegardeErreur(
            f"Le notebook « {path.name} » n'est pas lisible ({type(error).__name__}). "
            "Ouvrez-le dans JupyterLab pour vérifier qu'il n'est pas abîmé.") from None


def _answer_cells(notebook) -> tuple[dict, list[str]]:
    """Answer cells by grade_id (first occurrence), and the ids seen more than once."""
    cells, doubles = {}, []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader") or {}
        grade_id = meta.get("grade_id")
        if meta.get("solution") is not True or meta.get("locked") is True or not grade_id:
            continue
        if grade_id in cells:
            doubles.append(grade_id)
        else:
            cells[grade_id] = cell
    return cells, doubles


def _is_stub(source: str) -> bool:
    text = source.strip()
    return text == _TEXT_STUB or (_CODE_STUB in text and "raise NotImplementedError()" in text)


def _version() -> str:
    try:
        return metadata.version("coopdec")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "inconnue"


def _french_date(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y à %H:%M")


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------

def nom_du_fichier(notebook: Path) -> str:
    """The name of the answers file of ``notebook``: « 01-histoire-reponses.json »."""
    return f"{notebook.stem}-reponses.json"


def lire_reponses(notebook: Path) -> dict:
    """The answers of ``notebook`` (as saved on disk), in the answers-file format."""
    notebook = Path(notebook)
    nb = _read_notebook(notebook)
    cells, doubles = _answer_cells(nb)
    saved_at = datetime.fromtimestamp(notebook.stat().st_mtime).astimezone()
    return {
        "format": FORMAT,
        "version_format": FORMAT_VERSION,
        "notebook": notebook.name,
        "devoir": _assignment(notebook),
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "notebook_enregistre_le": saved_at.isoformat(timespec="seconds"),
        "version_coopdec": _version(),
        "reponses": {grade_id: {"type": cell.cell_type, "source": cell.source}
                     for grade_id, cell in cells.items()},
        "doublons_ignores": sorted(set(doubles)),
    }


def sauvegarder(notebook: Path) -> tuple[dict, str, Path | None, str | None]:
    """Write the answers file beside ``notebook``.

    Returns the answers, the JSON text, the file written (None if the folder is
    read-only: the download link still works) and the reason it was not written.
    """
    notebook = Path(notebook)
    data = lire_reponses(notebook)
    if not data["reponses"]:
        raise SauvegardeErreur(
            f"Le notebook « {notebook.name} » n'a pas de cellule de réponse : ce n'est pas un "
            "notebook d'exercices. Ouvrez le notebook d'exercices (dossier release/) et "
            "exécutez-y cette commande.")
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    target = notebook.with_name(nom_du_fichier(notebook))
    try:
        _write_atomically(target, text)
    except OSError as error:
        return data, text, None, str(error)
    return data, text, target, None


# --------------------------------------------------------------------------
# Restoring
# --------------------------------------------------------------------------

def _find_answers_file(fichier: str | os.PathLike, notebook: Path) -> Path:
    given = Path(fichier).expanduser()
    names = [given] if given.suffix == ".json" else [given, given.with_name(given.name + ".json")]
    folders = [notebook.parent, Path.cwd(), Path.home()]
    for name in names:
        if name.is_absolute():
            if name.is_file():
                return name
            continue
        for folder in folders:
            if (folder / name).is_file():
                return folder / name
    found = []
    for folder in dict.fromkeys(f.resolve() for f in folders if f.is_dir()):
        found += sorted(p.name for p in folder.glob("*.json") if "reponses" in p.name)
    listed = ", ".join(f"« {name} »" for name in dict.fromkeys(found))
    hint = (f" Fichiers de réponses trouvés : {listed} ; écrivez son nom exact entre les guillemets."
            if found else
            " Déposez d'abord le fichier dans le dossier du notebook : bouton « Charger des "
            "fichiers » (flèche vers le haut) au-dessus du panneau de gauche, ou glissez-déposez "
            "le fichier dans ce panneau.")
    raise SauvegardeErreur(f"Le fichier « {fichier} » est introuvable dans {notebook.parent}.{hint}")


def _load_answers(path: Path) -> dict:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SauvegardeErreur(
            f"« {path.name} » n'est pas un fichier texte UTF-8 : ce n'est pas un fichier de "
            "réponses produit par sauvegarder_reponses().") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SauvegardeErreur(
            f"Le fichier « {path.name} » est abîmé (JSON illisible ligne {error.lineno}, "
            f"colonne {error.colno}) : a-t-il été modifié à la main ou tronqué pendant le "
            "téléchargement ? Reprenez une sauvegarde précédente, ou votre notebook téléchargé "
            "(.ipynb). Rien n'a été modifié.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SauvegardeErreur(
            f"« {path.name} » n'est pas un fichier de réponses produit par "
            "sauvegarder_reponses(). Rien n'a été modifié.")
    version = data.get("version_format")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise SauvegardeErreur(
            f"« {path.name} » vient d'une version plus récente du cours (format {version!r}) : "
            "mettez le cours à jour, puis recommencez. Rien n'a été modifié.")
    answers = data.get("reponses")
    valid = isinstance(answers, dict) and all(
        isinstance(key, str) and isinstance(value, dict) and value.get("type") in ("code", "markdown")
        and isinstance(value.get("source"), str)
        for key, value in answers.items())
    if not valid:
        raise SauvegardeErreur(
            f"Le fichier « {path.name} » est abîmé : la liste des réponses est incomplète ou mal "
            "formée. Rien n'a été modifié.")
    return data


def restaurer(fichier: str | os.PathLike, notebook: Path) -> Restauration:
    """Fill the answer cells of ``notebook`` on disk from the answers file ``fichier``."""
    notebook = Path(notebook)
    path = _find_answers_file(fichier, notebook)
    data = _load_answers(path)
    nb = _read_notebook(notebook)
    cells, _ = _answer_cells(nb)
    saved_unit, target_unit = data.get("devoir"), _assignment(notebook)
    if saved_unit and target_unit and saved_unit != target_unit:
        raise SauvegardeErreur(
            f"« {path.name} » contient les réponses du devoir « {saved_unit} », et ce notebook "
            f"est celui du devoir « {target_unit} ». Ouvrez le notebook {saved_unit}, ou "
            "choisissez le fichier de réponses de ce devoir. Rien n'a été modifié.")
    answers = data["reponses"]
    if answers and not set(answers) & set(cells):
        raise SauvegardeErreur(
            f"Aucune réponse de « {path.name} » ne correspond à une question de "
            f"« {notebook.name} » : ce fichier vient d'un autre devoir. Rien n'a été modifié.")
    report = Restauration(notebook=notebook, fichier=path, copie=notebook,
                          date_sauvegarde=data.get("date"))
    report.inconnues = [grade_id for grade_id in answers if grade_id not in cells]
    report.manquantes = [grade_id for grade_id in cells if grade_id not in answers]
    for grade_id, cell in cells.items():
        answer = answers.get(grade_id)
        if answer is None:
            continue
        if answer["type"] != cell.cell_type:
            report.incompatibles.append(grade_id)
        elif cell.source == answer["source"]:
            report.inchangees.append(grade_id)
        else:
            cell.source = answer["source"]
            report.restaurees.append(grade_id)
    # A copy of the notebook as it was, in a sub-folder: nbgrader never grades it there.
    backups = notebook.parent / BACKUP_FOLDER
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    report.copie = backups / f"{notebook.stem}-avant-restauration-{stamp}.ipynb"
    try:
        backups.mkdir(exist_ok=True)
        shutil.copy2(notebook, report.copie)
    except OSError as error:
        raise SauvegardeErreur(
            f"Impossible de faire une copie de sécurité du notebook ({error}) : rien n'a été "
            "modifié.") from None
    if report.restaurees:
        import nbformat

        _write_atomically(notebook, nbformat.writes(nb) + "\n")
    return report


# --------------------------------------------------------------------------
# What the trainee sees
# --------------------------------------------------------------------------

_COLOURS = {"ok": "#009E73", "attention": "#E69F00", "erreur": "#D55E00"}


def _show(kind: str, paragraphs: list[str], html_paragraphs: list[str] | None = None) -> None:
    """Show a message: HTML in a notebook, text elsewhere (and in the text/plain copy)."""
    text = "\n".join(paragraphs)
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(text)
        return
    body = "".join(f"<p style='margin:4px 0'>{p}</p>"
                   for p in (html_paragraphs or [html.escape(p) for p in paragraphs]))
    box = (f"<div class='coopdec-sauvegarde coopdec-{kind}' role='status' "
           f"style='border-left:4px solid {_COLOURS[kind]};padding:2px 10px'>{body}</div>")
    display({"text/html": box, "text/plain": text}, raw=True)


def lien_de_telechargement(nom: str, texte: str) -> str:
    """An HTML link that makes the browser download ``texte`` as the file ``nom``.

    The file travels inside the link (a data: URL): no server path is involved,
    so the link works on Binder, on a JupyterHub and locally alike.
    """
    data = base64.b64encode(texte.encode("utf-8")).decode("ascii")
    nom = html.escape(nom, quote=True)
    return (f"<a class='coopdec-telecharger' download='{nom}' "
            f"href='data:application/json;charset=utf-8;base64,{data}' "
            f"style='font-weight:bold'>⬇ Télécharger mes réponses ({nom})</a>")


def _names(ids: list[str]) -> str:
    return ", ".join(ids)


def sauvegarder_reponses(notebook: str | None = None) -> None:
    """Save my answers to a file I download (« sauvegarder mes réponses »).

    First save the notebook (Ctrl+S): the answers are read from the saved file.
    ``notebook``: the notebook's name, only needed if the course asks for it.
    Under nbgrader (Validate, autograde) there is no trainee to save for: it
    does nothing and prints nothing.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        return
    try:
        path = trouver_notebook(notebook)
        data, text, written, problem = sauvegarder(path)
    except SauvegardeErreur as error:
        _show("erreur", [f"✗ Sauvegarde impossible. {error}"])
        return
    answers = data["reponses"]
    empty = [gid for gid, a in answers.items() if _is_stub(a["source"]) or not a["source"].strip()]
    saved_at = datetime.fromisoformat(data["notebook_enregistre_le"])
    age = (datetime.now().astimezone() - saved_at).total_seconds()
    name = nom_du_fichier(path)
    count = (f"{len(answers)} réponse(s) sauvegardée(s)"
             + (f", dont {len(empty)} encore vide(s) ({_names(empty)})" if empty else ""))
    lines = [f"✓ {count}, lues dans « {path.name} » enregistré le {_french_date(saved_at)}."]
    if written:
        lines.append(f"Fichier créé à côté du notebook : {name}.")
    else:
        lines.append(f"Le fichier n'a pas pu être écrit dans ce dossier ({problem}) ; "
                     "le lien ci-dessous fonctionne quand même.")
    download = ("Téléchargez-le sur votre ordinateur : cliquez sur le lien « Télécharger mes réponses » "
                f"ci-dessous, ou, dans le panneau de gauche, clic droit sur « {name} » → Télécharger. "
                "Sur Binder, rien n'est gardé après la session.")
    later = (f"Pour reprendre plus tard : ouvrez le notebook {data['devoir'] or ''} neuf, déposez le "
             "fichier dans son dossier (bouton « Charger des fichiers » du panneau de gauche), "
             f"puis exécutez restaurer_reponses(\"{name}\").")
    lines += [download, later]
    doubles = data.get("doublons_ignores") or []
    if doubles:
        lines.append("Attention : des cellules de réponse ont été copiées en double "
                     f"({_names(doubles)}) ; seule la première de chacune est sauvegardée.")
    if age > STALE_AFTER:
        lines.append(f"Attention : la dernière sauvegarde de ce notebook date d'il y a "
                     f"{int(age // 60)} min. Si vous avez écrit des réponses depuis, elles ne sont PAS "
                     "dans ce fichier : sauvegardez le notebook (Ctrl+S, ou Fichier → Sauvegarder "
                     "Notebook), puis exécutez de nouveau cette cellule.")
    escaped = [html.escape(line) for line in lines]
    escaped.insert(2, lien_de_telechargement(name, text))
    _show("attention" if age > STALE_AFTER or empty or not written else "ok", lines, escaped)


def restaurer_reponses(fichier: str, notebook: str | None = None) -> None:
    """Put back my saved answers into this notebook (« restaurer mes réponses »).

    ``fichier``: the answers file made by :func:`sauvegarder_reponses`, uploaded
    beside the notebook. ``notebook``: the notebook's name, only if the course asks.
    """
    try:
        path = trouver_notebook(notebook)
        report = restaurer(fichier, path)
    except SauvegardeErreur as error:
        _show("erreur", [f"✗ Restauration impossible. {error}"])
        return
    lines = []
    when = ""
    if report.date_sauvegarde:
        try:
            when = f" (sauvegarde du {_french_date(datetime.fromisoformat(report.date_sauvegarde))})"
        except ValueError:
            when = ""
    done = len(report.restaurees)
    lines.append(f"✓ {done} réponse(s) restaurée(s) dans « {path.name} » depuis "
                 f"« {report.fichier.name} »{when}"
                 + (f" ; {len(report.inchangees)} étaient déjà identiques" if report.inchangees else "")
                 + ".")
    if report.inconnues:
        lines.append(f"Réponses du fichier qui n'existent pas dans ce notebook, non restaurées : "
                     f"{_names(report.inconnues)}.")
    if report.manquantes:
        lines.append(f"Questions de ce notebook sans réponse dans le fichier, laissées telles quelles : "
                     f"{_names(report.manquantes)}.")
    if report.incompatibles:
        lines.append(f"Réponses d'un autre type (texte au lieu de code, ou l'inverse), non restaurées : "
                     f"{_names(report.incompatibles)}.")
    relative = report.copie.relative_to(path.parent)
    lines.append(f"Copie du notebook d'avant la restauration : {relative}.")
    if done:
        lines.append("IL RESTE UNE ÉTAPE : rechargez le notebook depuis le disque, menu Fichier → "
                     "Recharger Notebook depuis le disque (en anglais File → Reload Notebook from "
                     "Disk), puis Exécution → Exécuter toutes les cellules. Si JupyterLab affiche "
                     "« Fichier modifié », choisissez « Rétablir » (Revert), jamais « Écraser » : "
                     "écraser remettrait l'ancienne version.")
    else:
        lines.append("Le notebook n'a pas été modifié.")
    problems = report.inconnues or report.incompatibles
    _show("attention" if problems or not done else "ok", lines)
