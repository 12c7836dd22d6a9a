"""The course datasets: each CSV file of ``datasets/`` loaded as a checked DataFrame.

``datasets/datapackage.json`` (a Frictionless Data Package) declares every
dataset: its file, licence, sources and schema (columns, types, constraints,
primary key). :func:`charger` reads a file with the types of its schema and
checks it against every rule of the schema. Any problem raises
:class:`DatasetError` with a French message naming the file and the broken rule,
so that a trainee, or a trainer who edited a file by hand, knows what to fix.

The folder is ``datasets/`` at the root of the course (see :mod:`coopdec.chemins`),
or the folder named by the environment variable ``COOPDEC_DATASETS``.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from pathlib import Path

import pandas as pd

from . import chemins
from .erreurs import ErreurDuCours

__all__ = ["DatasetError", "charger", "jeux_de_donnees"]

ENV_VARIABLE = "COOPDEC_DATASETS"
PACKAGE_FILE = "datapackage.json"

# What each schema type accepts in the CSV text, and how the error names it.
_PATTERNS = {
    "integer": re.compile(r"-?\d+"),
    "number": re.compile(r"-?\d+(\.\d+)?"),
    "boolean": re.compile(r"true|false"),
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "string": re.compile(r".*", re.DOTALL),
}
_EXPECTED = {
    "integer": "des nombres entiers",
    "number": "des nombres, avec un point décimal comme 12.5",
    "boolean": "les valeurs true ou false",
    "date": "des dates au format AAAA-MM-JJ",
    "string": "du texte",
}


class DatasetError(ErreurDuCours):
    """A dataset is unknown, missing, unreadable or breaks its schema (French message)."""


def charger(nom: str, dossier: str | Path | None = None) -> pd.DataFrame:
    """Return the dataset ``nom`` as a DataFrame checked against its schema.

    ``nom`` is a name listed by :func:`jeux_de_donnees` (``.csv`` may be added).
    Integers come as ``Int64``, numbers as ``float64``, booleans as ``boolean``,
    texts as ``string`` and dates as ``datetime64``; empty cells are missing values.
    ``dossier`` replaces the datasets folder (used by tests and tools).
    """
    folder = _folder(dossier)
    resource = _find_resource(_read_package(folder), nom)
    path = folder / resource["path"]
    header, rows = _read_csv(path)
    return _checked_table(path.name, resource["schema"], header, rows)


def jeux_de_donnees(dossier: str | Path | None = None) -> pd.DataFrame:
    """List the datasets: name, title, description, licence and number of rows.

    Files are not parsed, only their lines counted; a missing file has no count.
    """
    folder = _folder(dossier)
    rows = [
        {
            "nom": resource["name"],
            "titre": resource.get("title", ""),
            "description": resource.get("description", ""),
            "licence": " ; ".join(
                licence.get("title") or licence.get("name", "")
                for licence in resource.get("licenses", [])
            ),
            "lignes": _count_rows(folder / resource["path"]),
        }
        for resource in _read_package(folder)["resources"]
    ]
    table = pd.DataFrame(rows, columns=["nom", "titre", "description", "licence", "lignes"])
    return table.astype({"nom": "string", "titre": "string", "description": "string",
                         "licence": "string", "lignes": "Int64"})


# --------------------------------------------------------------------------
# Finding the folder, the package and the resource
# --------------------------------------------------------------------------

def _folder(dossier: str | Path | None) -> Path:
    folder = Path(dossier) if dossier is not None else chemins.dossier("datasets", ENV_VARIABLE)
    if not folder.is_dir():
        raise DatasetError(
            f"Le dossier des jeux de données est introuvable : {folder}. Si la variable "
            f"d'environnement {ENV_VARIABLE} est définie, vérifiez le chemin qu'elle donne ; "
            "sinon, réinstallez le cours (make lab)."
        )
    return folder


def _read_package(folder: Path) -> dict:
    path = folder / PACKAGE_FILE
    if not path.is_file():
        raise DatasetError(f"Le fichier {PACKAGE_FILE} est introuvable dans {folder}.")
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DatasetError(f"Le fichier {PACKAGE_FILE} n'est pas encodé en UTF-8.") from None
    except json.JSONDecodeError as error:
        raise DatasetError(
            f"Le fichier {PACKAGE_FILE} est illisible : JSON invalide à la ligne "
            f"{error.lineno}, colonne {error.colno}."
        ) from None
    problem = _package_problem(package)
    if problem:
        raise DatasetError(f"Le fichier {PACKAGE_FILE} est invalide : {problem}.")
    return package


def _package_problem(package) -> str | None:
    """Describe, in French, the first structural fault of a package, if any."""
    if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
        return "il doit contenir une liste « resources »"
    for number, resource in enumerate(package["resources"], start=1):
        if not isinstance(resource, dict):
            return f"la ressource n° {number} n'est pas un objet JSON"
        for key in ("name", "path"):
            if not isinstance(resource.get(key), str):
                return f"la ressource n° {number} n'a pas de « {key} »"
        fields = (resource.get("schema") or {}).get("fields")
        if not isinstance(fields, list) or not fields:
            return f"la ressource « {resource['name']} » n'a pas de « schema.fields »"
        for field in fields:
            if not isinstance(field, dict) or not isinstance(field.get("name"), str):
                return f"un champ de la ressource « {resource['name']} » n'a pas de nom"
            if field.get("type") not in _PATTERNS:
                return (f"le champ « {field['name']} » de la ressource « {resource['name']} » "
                        f"a un type inconnu : « {field.get('type')} »")
    return None


def _find_resource(package: dict, nom) -> dict:
    if not isinstance(nom, str):
        raise DatasetError(
            "Le nom du jeu de données doit être un texte entre guillemets, par exemple "
            'charger("apd_collectivites_annuelle").'
        )
    wanted = nom.strip().removesuffix(".csv")
    resources = {resource["name"]: resource for resource in package["resources"]}
    if wanted in resources:
        return resources[wanted]
    names = sorted(resources)
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
    suggestion = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
    raise DatasetError(
        f"Jeu de données inconnu : « {nom} ».{suggestion} "
        f"Jeux disponibles : {', '.join(names)}."
    )


def _count_rows(path: Path):
    if not path.is_file():
        return pd.NA
    with path.open("rb") as file:
        return max(sum(1 for line in file if line.strip()) - 1, 0)


# --------------------------------------------------------------------------
# Reading the CSV text
# --------------------------------------------------------------------------

def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Return the header and the (line number, values) of each data row."""
    if not path.is_file():
        raise DatasetError(
            f"Le fichier {path.name} est introuvable dans {path.parent} : il est déclaré "
            f"dans {PACKAGE_FILE} mais absent du dossier."
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DatasetError(
            f"Le fichier {path.name} n'est pas encodé en UTF-8 (caractère illisible à la "
            f"ligne {line}). Réenregistrez-le en UTF-8."
        ) from None
    if not text.strip():
        raise DatasetError(f"Le fichier {path.name} est vide.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if row]
    except csv.Error:
        raise DatasetError(
            f"Le fichier {path.name} n'est pas un CSV valide (ligne {reader.line_num})."
        ) from None
    (_, header), data_rows = rows[0], rows[1:]
    if not data_rows:
        raise DatasetError(f"Le fichier {path.name} ne contient aucune ligne de données.")
    for line, row in data_rows:
        if len(row) != len(header):
            raise DatasetError(
                f"Le fichier {path.name} n'est pas un CSV valide : la ligne {line} a "
                f"{len(row)} valeurs au lieu de {len(header)}."
            )
    return header, data_rows


# --------------------------------------------------------------------------
# Checking against the schema and typing the columns
# --------------------------------------------------------------------------

def _checked_table(file: str, schema: dict, header: list[str],
                   rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
    def fail(rule: str):
        raise DatasetError(f"Le fichier {file} ne respecte pas son schéma : {rule}.")

    fields = schema["fields"]
    _check_columns(header, [field["name"] for field in fields], fail)
    lines = [line for line, _ in rows]
    columns = {}
    for position, field in enumerate(fields):
        texts = [row[position] for _, row in rows]
        _check_field(field, texts, lines, fail)
        columns[field["name"]] = _typed(field["type"], texts)
    _check_primary_key(schema.get("primaryKey"), header, rows, fail)
    return pd.DataFrame(columns)


def _check_columns(header: list[str], declared: list[str], fail) -> None:
    for name in header:
        if header.count(name) > 1:
            fail(f"la colonne « {name} » apparaît plusieurs fois")
    missing = [name for name in declared if name not in header]
    if missing:
        fail("il manque " + _names("la colonne", "les colonnes", missing))
    extra = [name for name in header if name not in declared]
    if len(extra) == 1:
        fail(f"la colonne « {extra[0]} » n'est pas déclarée dans {PACKAGE_FILE}")
    if extra:
        fail(_names("la colonne", "les colonnes", extra) + f" ne sont pas déclarées dans {PACKAGE_FILE}")
    if header != declared:
        fail(f"les colonnes ne sont pas dans l'ordre déclaré ({', '.join(declared)})")


def _names(singular: str, plural: str, names: list[str]) -> str:
    quoted = ", ".join(f"« {name} »" for name in names)
    return f"{singular if len(names) == 1 else plural} {quoted}"


def _check_field(field: dict, texts: list[str], lines: list[int], fail) -> None:
    name, kind = field["name"], field["type"]
    constraints = field.get("constraints", {})
    allowed = {_as_text(value) for value in constraints.get("enum", [])}
    seen = {}
    for line, text in zip(lines, texts):
        where = f"ligne {line} : « {text} »"
        if text == "":
            if constraints.get("required"):
                fail(f"la colonne « {name} » ne doit pas avoir de case vide (ligne {line})")
            continue
        if not _PATTERNS[kind].fullmatch(text):
            fail(f"la colonne « {name} » doit contenir {_EXPECTED[kind]} ({where})")
        if kind == "date" and pd.to_datetime(text, format="%Y-%m-%d", errors="coerce") is pd.NaT:
            fail(f"la colonne « {name} » contient une date qui n'existe pas ({where})")
        if allowed and text not in allowed:
            fail(f"la colonne « {name} » contient une valeur non autorisée ({where}) ; "
                 f"valeurs permises : {', '.join(sorted(allowed))}")
        if kind in ("integer", "number"):
            if "minimum" in constraints and float(text) < constraints["minimum"]:
                fail(f"la colonne « {name} » doit valoir au moins {constraints['minimum']} ({where})")
            if "maximum" in constraints and float(text) > constraints["maximum"]:
                fail(f"la colonne « {name} » doit valoir au plus {constraints['maximum']} ({where})")
        if constraints.get("unique") and text in seen:
            fail(f"la colonne « {name} » ne doit pas contenir deux fois la même valeur "
                 f"(lignes {seen[text]} et {line} : « {text} »)")
        seen.setdefault(text, line)


def _check_primary_key(key, header: list[str], rows, fail) -> None:
    if not key:
        return
    key = [key] if isinstance(key, str) else key
    positions = [header.index(name) for name in key]
    seen = {}
    for line, row in rows:
        values = tuple(row[position] for position in positions)
        if values in seen:
            fail(f"les lignes {seen[values]} et {line} ont la même clé ({', '.join(key)}), "
                 "qui doit être unique")
        seen[values] = line


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed(kind: str, texts: list[str]) -> pd.Series:
    """Convert checked CSV texts to a Series of the schema type ('' is missing)."""
    values = [None if text == "" else text for text in texts]
    if kind == "integer":
        return pd.Series([pd.NA if v is None else int(v) for v in values], dtype="Int64")
    if kind == "number":
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
    if kind == "boolean":
        return pd.Series([pd.NA if v is None else v == "true" for v in values], dtype="boolean")
    if kind == "date":
        return pd.Series(pd.to_datetime(values, format="%Y-%m-%d"))
    return pd.Series(values, dtype="string")
