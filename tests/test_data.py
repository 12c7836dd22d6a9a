"""coopdec.data: loading datasets, and the French messages of every kind of failure.

Each failure test points COOPDEC_DATASETS at a copy of datasets/ that is broken
in one way, and checks that DatasetError names the file and the broken rule.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from coopdec.data import DatasetError, charger, jeux_de_donnees

DATASETS = Path(__file__).resolve().parent.parent / "datasets"
APD = "apd_collectivites_annuelle"


@pytest.fixture
def copy(tmp_path, monkeypatch) -> Path:
    """A copy of datasets/ that the loader uses instead of the real one."""
    folder = tmp_path / "datasets"
    shutil.copytree(DATASETS, folder)
    monkeypatch.setenv("COOPDEC_DATASETS", str(folder))
    return folder


def rewrite(path: Path, change) -> None:
    """Apply ``change`` to the rows (header first) of a CSV file."""
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\n").writerows(change(rows))


def set_cell(rows, line: int, column: str, value: str):
    """Rows with the cell of file line ``line`` (header = line 1) in ``column`` replaced."""
    rows[line - 1][rows[0].index(column)] = value
    return rows


def failure(name: str) -> str:
    with pytest.raises(DatasetError) as error:
        charger(name)
    return str(error.value)


# --------------------------------------------------------------------------
# Good data
# --------------------------------------------------------------------------

def test_charger_returns_typed_columns(monkeypatch):
    monkeypatch.delenv("COOPDEC_DATASETS", raising=False)
    apd = charger(APD)
    assert str(apd["annee"].dtype) == "Int64"
    assert apd["montant_meur"].dtype == "float64"
    assert isinstance(apd["indicateur"].dtype, pd.StringDtype)
    assert apd.loc[apd["annee"] == 2003, "montant_meur"].item() == 45.4
    assert apd["montant_meur"].isna().any()  # empty cells are missing values
    timeline = charger("chronologie_aect")
    assert str(timeline["incertain"].dtype) == "boolean"
    assert pd.api.types.is_datetime64_any_dtype(timeline["date"])


def test_charger_accepts_the_file_name(copy):
    assert charger(f"{APD}.csv").equals(charger(APD))


def test_charger_accepts_a_utf8_byte_order_mark(copy):
    path = copy / f"{APD}.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(charger(APD)) == len(charger(APD, dossier=DATASETS))


def test_dossier_argument_overrides_the_environment(copy):
    (copy / f"{APD}.csv").write_text("", encoding="utf-8")
    assert len(charger(APD, dossier=DATASETS)) > 0


def test_jeux_de_donnees_lists_every_resource(copy):
    package = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    listing = jeux_de_donnees()
    assert list(listing.columns) == ["nom", "titre", "description", "licence", "lignes"]
    assert list(listing["nom"]) == [resource["name"] for resource in package["resources"]]
    assert listing["titre"].str.len().gt(0).all() and listing["licence"].str.len().gt(0).all()
    assert listing.set_index("nom").loc[APD, "lignes"] == len(charger(APD))


def test_dataset_error_is_a_value_error():
    assert issubclass(DatasetError, ValueError)


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

def test_unknown_name_suggests_the_close_name(copy):
    message = failure("apd_colectivites_annuele")
    assert "Jeu de données inconnu : « apd_colectivites_annuele »" in message
    assert "Vouliez-vous dire « apd_collectivites_annuelle » ?" in message
    assert "chronologie_aect" in message  # the available names are listed


def test_name_must_be_a_text(copy):
    message = failure(3)
    assert "doit être un texte entre guillemets" in message


# --------------------------------------------------------------------------
# Broken folders and files
# --------------------------------------------------------------------------

def test_missing_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COOPDEC_DATASETS", str(tmp_path / "absent"))
    message = failure(APD)
    assert "Le dossier des jeux de données est introuvable" in message
    assert "COOPDEC_DATASETS" in message


def test_missing_file(copy):
    (copy / f"{APD}.csv").unlink()
    message = failure(APD)
    assert f"Le fichier {APD}.csv est introuvable" in message


def test_empty_file(copy):
    (copy / f"{APD}.csv").write_text("", encoding="utf-8")
    assert failure(APD) == f"Le fichier {APD}.csv est vide."


def test_header_without_rows(copy):
    path = copy / f"{APD}.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert "ne contient aucune ligne de données" in failure(APD)


def test_latin1_encoding(copy):
    path = copy / f"{APD}.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    message = failure(APD)
    assert f"Le fichier {APD}.csv n'est pas encodé en UTF-8" in message
    assert "ligne 2" in message  # the first accent is on the first data line


def test_row_with_too_many_values(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: rows[:3] + [rows[3] + ["en trop"]] + rows[4:])
    message = failure(APD)
    assert f"Le fichier {APD}.csv n'est pas un CSV valide : la ligne 4 a 11 valeurs au lieu de 10" \
        in message


def test_broken_datapackage(copy):
    (copy / "datapackage.json").write_text('{"resources": [', encoding="utf-8")
    message = failure(APD)
    assert "Le fichier datapackage.json est illisible : JSON invalide à la ligne 1" in message


def test_datapackage_without_resources(copy):
    (copy / "datapackage.json").write_text('{"name": "x"}', encoding="utf-8")
    assert "Le fichier datapackage.json est invalide" in failure(APD)


def test_datapackage_with_an_unknown_type(copy):
    path = copy / "datapackage.json"
    package = json.loads(path.read_text(encoding="utf-8"))
    package["resources"][0]["schema"]["fields"][0]["type"] = "entier"
    path.write_text(json.dumps(package), encoding="utf-8")
    assert "a un type inconnu : « entier »" in failure(APD)


# --------------------------------------------------------------------------
# Schema rules
# --------------------------------------------------------------------------

def schema_failure(name: str) -> str:
    message = failure(name)
    assert message.startswith(f"Le fichier {name}.csv ne respecte pas son schéma : ")
    return message


def test_text_in_a_number_column(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: set_cell(rows, 12, "montant_meur", "abc"))
    message = schema_failure(APD)
    assert "la colonne « montant_meur » doit contenir des nombres" in message
    assert "(ligne 12 : « abc »)" in message


def test_decimal_comma_in_a_number_column(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: set_cell(rows, 2, "montant_meur", "45,4"))
    assert "point décimal" in schema_failure(APD)


def test_text_in_an_integer_column(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: set_cell(rows, 3, "annee", "2004.5"))
    assert "la colonne « annee » doit contenir des nombres entiers (ligne 3 : « 2004.5 »)" \
        in schema_failure(APD)


def test_missing_column(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: [row[:-1] for row in rows])
    assert schema_failure(APD).endswith("il manque la colonne « note ».")


def test_extra_column(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: [row + ["x"] for row in rows])
    assert "la colonne « x » n'est pas déclarée dans datapackage.json" in schema_failure(APD)


def test_columns_in_another_order(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: [[row[1], row[0], *row[2:]] for row in rows])
    assert "les colonnes ne sont pas dans l'ordre déclaré" in schema_failure(APD)


def test_empty_required_value(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: set_cell(rows, 5, "source", ""))
    assert "la colonne « source » ne doit pas avoir de case vide (ligne 5)" in schema_failure(APD)


def test_value_out_of_enum(copy):
    rewrite(copy / "chronologie_aect.csv", lambda rows: set_cell(rows, 2, "categorie", "autre"))
    message = schema_failure("chronologie_aect")
    assert "la colonne « categorie » contient une valeur non autorisée (ligne 2 : « autre »)" \
        in message
    assert "valeurs permises : " in message and "jumelage" in message


def test_value_below_minimum(copy):
    name = "jumelages_par_continent_wikidata"
    rewrite(copy / f"{name}.csv", lambda rows: set_cell(rows, 2, "nb_jumelages", "-1"))
    assert "la colonne « nb_jumelages » doit valoir au moins 0 (ligne 2 : « -1 »)" \
        in schema_failure(name)


def test_boolean_column(copy):
    rewrite(copy / "chronologie_aect.csv", lambda rows: set_cell(rows, 2, "incertain", "oui"))
    assert "la colonne « incertain » doit contenir les valeurs true ou false" \
        in schema_failure("chronologie_aect")


def test_impossible_date(copy):
    rewrite(copy / "chronologie_aect.csv", lambda rows: set_cell(rows, 5, "date", "1957-02-30"))
    assert "contient une date qui n'existe pas (ligne 5 : « 1957-02-30 »)" \
        in schema_failure("chronologie_aect")


def test_repeated_value_in_a_unique_column(copy):
    name = "jumelages_par_continent_wikidata"
    rewrite(copy / f"{name}.csv", lambda rows: set_cell(rows, 3, "continent", rows[1][0]))
    assert "la colonne « continent » ne doit pas contenir deux fois la même valeur (lignes 2 et 3" \
        in schema_failure(name)


def test_duplicated_primary_key(copy):
    rewrite(copy / f"{APD}.csv", lambda rows: rows + [rows[1]])
    message = schema_failure(APD)
    assert "les lignes 2 et 34 ont la même clé (annee, indicateur, source)" in message
