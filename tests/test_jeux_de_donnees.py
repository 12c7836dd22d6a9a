"""The datasets of datasets/: valid, consistent with what their sources say, reproducible.

These tests read the committed files. The rebuild test also needs ../shared/sources
and is skipped when that folder is absent (e.g. on Binder).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from coopdec.data import charger, jeux_de_donnees

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "datasets"
SOURCES = ROOT.parent / "shared" / "sources"
BUILD_SCRIPT = ROOT / "tools" / "construire_jeux_de_donnees.py"
PACKAGE = json.loads((DATASETS / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {resource["name"]: resource for resource in PACKAGE["resources"]}
TWINNING = [name for name in RESOURCES if name.startswith("jumelages_")]


@pytest.fixture(autouse=True)
def default_folder(monkeypatch):
    """Read the committed datasets/, whatever the environment says."""
    monkeypatch.delenv("COOPDEC_DATASETS", raising=False)


def total(name: str) -> int:
    return int(charger(name)["nb_jumelages"].sum())


# --------------------------------------------------------------------------
# Files and metadata
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_dataset_loads_and_matches_its_schema(name):
    table = charger(name)
    assert len(table) > 0
    assert list(table.columns) == [field["name"] for field in RESOURCES[name]["schema"]["fields"]]


def test_every_csv_file_is_declared_in_the_package():
    files = {path.stem for path in DATASETS.glob("*.csv")}
    assert files == set(RESOURCES)


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_files_are_utf8_with_unix_line_endings(name):
    data = (DATASETS / f"{name}.csv").read_bytes()
    data.decode("utf-8")
    assert b"\r" not in data
    assert data.endswith(b"\n") and not data.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_resource_has_a_licence_sources_a_description_and_a_primary_key(name):
    resource = RESOURCES[name]
    assert resource["licenses"] and all(licence.get("title") for licence in resource["licenses"])
    assert resource["sources"] and all(source.get("title") for source in resource["sources"])
    assert resource["description"] and "\n" not in resource["description"]
    assert resource["schema"]["primaryKey"]
    for field in resource["schema"]["fields"]:
        assert field["description"], field["name"]


def test_licences_follow_the_source_of_each_family():
    licence = {name: resource["licenses"][0]["name"] for name, resource in RESOURCES.items()}
    for name in RESOURCES:
        if name.endswith("_wikidata"):
            assert licence[name] == "CC0-1.0"
        elif name.endswith("_wikipedia"):
            assert licence[name] == "CC-BY-SA-4.0"
    assert licence["apd_collectivites_annuelle"] == "other-at"


@pytest.mark.parametrize("name", [name for name, resource in RESOURCES.items()
                                  if any(f["name"] == "source" for f in resource["schema"]["fields"])])
def test_every_row_cites_a_source(name):
    sources = charger(name)["source"]
    assert sources.notna().all() and (sources.str.strip() != "").all()


def test_datacards_cover_every_dataset():
    readme = (DATASETS / "README.md").read_text(encoding="utf-8")
    for name in RESOURCES:
        assert f"### `{name}`" in readme
    assert "python tools/construire_jeux_de_donnees.py" in readme


# --------------------------------------------------------------------------
# Published figures: what the sources say must add up
# --------------------------------------------------------------------------

def test_total_is_refugee_aid_plus_the_rest_where_all_three_are_published():
    apd = charger("apd_collectivites_annuelle").dropna(subset=["montant_meur"])
    one_value = apd.groupby(["annee", "indicateur"]).filter(lambda rows: len(rows) == 1)
    amounts = one_value.pivot(index="annee", columns="indicateur", values="montant_meur")
    parts = ["apd_totale_declaree", "aide_aux_refugies", "apd_hors_refugies"]
    complete = amounts[parts].dropna()
    assert list(complete.index) == [2017, 2018, 2021]
    gap = complete["apd_totale_declaree"] - complete["aide_aux_refugies"] - complete["apd_hors_refugies"]
    assert (gap.abs() <= 0.1 + 1e-9).all()


def test_estimated_years_are_2011_to_2013_and_never_also_declared():
    apd = charger("apd_collectivites_annuelle")
    estimated = set(apd.loc[apd["indicateur"] == "apd_totale_estimation", "annee"])
    declared = set(apd.loc[apd["indicateur"] == "apd_totale_declaree", "annee"])
    assert estimated == {2011, 2012, 2013}
    assert not estimated & declared


def test_both_published_refugee_figures_for_2016_are_kept():
    apd = charger("apd_collectivites_annuelle")
    refugees_2016 = apd[(apd["annee"] == 2016) & (apd["indicateur"] == "aide_aux_refugies")]
    assert sorted(refugees_2016["montant_meur"]) == [34.4, 34.9]


def test_types_of_collectivites_2024_add_up_to_apd_excluding_refugees():
    shares = charger("apd_collectivites_repartition")
    types = shares[(shares["annee"] == 2024) & (shares["dimension"] == "type_de_collectivite")
                   & (shares["unite"] == "M€")]
    apd = charger("apd_collectivites_annuelle")
    excluding_refugees = apd[(apd["annee"] == 2024) & (apd["indicateur"] == "apd_hors_refugies")]
    assert len(types) == 5
    assert types["valeur"].sum() == pytest.approx(excluding_refugees["montant_meur"].item(), abs=0.25)
    regions = types.loc[types["categorie"] == "conseils_regionaux", "valeur"].item()
    published_share = shares[(shares["annee"] == 2024) & (shares["categorie"] == "conseils_regionaux")
                             & (shares["unite"] == "%")]["valeur"].item()
    assert round(100 * regions / types["valeur"].sum()) == published_share


def test_published_percentages_of_one_breakdown_never_exceed_100():
    shares = charger("apd_collectivites_repartition")
    percentages = shares[shares["unite"] == "%"]
    sums = percentages.groupby(["annee", "dimension", "source"])["valeur"].sum()
    assert (sums <= 100.5).all(), sums[sums > 100.5]


def test_zone_breakdowns_are_partial_as_the_datacard_says():
    shares = charger("apd_collectivites_repartition")
    zones = shares[(shares["dimension"] == "zone_beneficiaire") & (shares["unite"] == "%")]
    assert zones.groupby("annee")["valeur"].sum().to_dict() == {2017: 97, 2024: 83}


# --------------------------------------------------------------------------
# Twinning aggregates
# --------------------------------------------------------------------------

def test_wikidata_tables_count_the_same_pairs():
    totals = {name: total(name) for name in TWINNING
              if name.startswith("jumelages_par_") and name.endswith("_wikidata")}
    assert len(totals) == 6 and len(set(totals.values())) == 1, totals
    six = charger("jumelages_6pays_ue_par_continent_wikidata")
    assert six.loc[six["pays_iso2"] == "FR", "nb_jumelages"].sum() == next(iter(totals.values()))


def test_wikipedia_tables_count_the_same_pairs():
    totals = {name: total(name) for name in TWINNING
              if name.startswith("jumelages_par_") and name.endswith("_wikipedia")}
    assert len(totals) == 4 and len(set(totals.values())) == 1, totals
    world = charger("jumelages_monde_par_pays_wikipedia")
    assert world.loc[world["pays_iso2"] == "FR", "nb_jumelages"].sum() == next(iter(totals.values()))


@pytest.mark.parametrize("source", ["wikidata", "wikipedia"])
def test_continent_table_adds_up_the_country_table(source):
    countries = charger(f"jumelages_par_pays_{source}")
    continents = charger(f"jumelages_par_continent_{source}").set_index("continent")
    by_continent = countries.groupby("continent")["nb_jumelages"].sum()
    assert by_continent.to_dict() == continents["nb_jumelages"].to_dict()
    known = countries[countries["pays_partenaire_iso2"].notna()]
    assert known.groupby("continent").size().to_dict() == \
        continents.loc[continents["nb_pays"] > 0, "nb_pays"].to_dict()


@pytest.mark.parametrize("source", ["wikidata", "wikipedia"])
def test_region_table_adds_up_the_departement_table(source):
    departements = charger(f"jumelages_par_departement_{source}")
    regions = charger(f"jumelages_par_region_{source}").set_index("region")
    sums = departements.groupby("region")[["nb_communes", "nb_jumelages"]].sum()
    assert sums.to_dict() == regions[["nb_communes", "nb_jumelages"]].to_dict()


@pytest.mark.parametrize("name", [name for name in TWINNING if name.startswith("jumelages_par_")])
def test_counts_are_positive_and_communes_never_outnumber_pairs(name):
    table = charger(name)
    assert (table["nb_jumelages"] >= 0).all() and table["nb_jumelages"].sum() > 0
    if "nb_communes" in table.columns:
        assert (table["nb_communes"] <= table["nb_jumelages"]).all()


def test_population_and_distance_bands_are_contiguous():
    for name, low, high in [("jumelages_par_taille_commune_wikidata", "population_min", "population_max"),
                            ("jumelages_par_distance_wikidata", "distance_min_km", "distance_max_km")]:
        bands = charger(name).dropna(subset=[low])
        assert bands[low].iloc[0] == 0 and pd.isna(bands[high].iloc[-1])
        assert (bands[low].iloc[1:].to_numpy() == bands[high].iloc[:-1].to_numpy() + 1).all()


def test_no_row_level_twinning_pair_is_published():
    for path in DATASETS.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as file:
            header = set(next(csv.reader(file)))
        assert not header & {"commune", "ville", "ville_partenaire"}, path.name
    for path in (ROOT / "tools").rglob("*.csv"):
        assert "ville_partenaire" not in path.read_text(encoding="utf-8"), path


# --------------------------------------------------------------------------
# Timeline
# --------------------------------------------------------------------------

def test_timeline_dates_match_their_year_and_doubts_are_explained():
    timeline = charger("chronologie_aect")
    dated = timeline.dropna(subset=["date"])
    assert (dated["date"].dt.year == dated["annee"]).all()
    doubtful = timeline[timeline["incertain"]]
    assert len(doubtful) >= 3 and doubtful["note"].notna().all()
    assert 25 <= len(timeline) <= 40


def test_timeline_holds_the_milestones_of_the_course():
    dates = set(charger("chronologie_aect")["date"].dropna().dt.strftime("%Y-%m-%d"))
    for milestone in ["1982-03-02", "1983-05-26", "1992-02-06", "2005-02-09", "2007-02-02",
                      "2014-07-07", "2016-12-05", "2021-08-04", "2023-12-29"]:
        assert milestone in dates


# --------------------------------------------------------------------------
# Reproducibility
# --------------------------------------------------------------------------

def test_jeux_de_donnees_counts_the_rows_charger_returns():
    listing = jeux_de_donnees().set_index("nom")
    for name in RESOURCES:
        assert listing.loc[name, "lignes"] == len(charger(name))


@pytest.mark.skipif(not SOURCES.is_dir(),
                    reason="../shared/sources absent : la reconstruction de datasets/ n'est pas testée")
def test_rebuild_gives_byte_identical_files(tmp_path):
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), "--sources", str(SOURCES), "--sortie", str(tmp_path)],
        capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 0, result.stderr
    committed = sorted(path.name for path in DATASETS.iterdir())
    assert sorted(path.name for path in tmp_path.iterdir()) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (DATASETS / name).read_bytes(), name


# --------------------------------------------------------------------------
# Actors and their relations (unit 03)
# --------------------------------------------------------------------------

def test_every_relation_joins_two_listed_actors_and_every_actor_is_linked():
    actors = set(charger("acteurs_aect")["acteur"])
    relations = charger("relations_acteurs_aect")
    ends = set(relations["de"]) | set(relations["vers"])
    assert ends <= actors, ends - actors
    assert actors <= ends, actors - ends
    assert not (relations["de"] == relations["vers"]).any()


def test_actors_cover_every_level_and_the_institutions_of_the_programme():
    actors = charger("acteurs_aect").set_index("acteur")
    assert set(actors["niveau"]) == {"international", "européen", "national", "régional", "local",
                                     "partenaire"}
    for name in ["CNCD", "DCTCIV", "Ambassades de France", "Préfectures", "AFD", "Union européenne",
                 "PLATFORMA", "CGLU", "CUF", "AFCCRE", "Régions de France", "ARRICOD", "RRMA",
                 "pS-Eau", "Autorités locales étrangères"]:
        assert name in actors.index, name
    assert actors.loc["CNCD", "creation"] == 1992
    assert actors.loc["DCTCIV", "creation"] == 2023 and "seule" in actors.loc["DCTCIV", "note"]
    assert 15 <= len(actors) <= 30


def test_relations_that_rest_on_an_article_cite_it():
    relations = charger("relations_acteurs_aect")
    forbidden = relations[relations["relation"] == "interdiction"]
    assert list(zip(forbidden["de"], forbidden["vers"])) == [("Collectivités françaises",
                                                              "Pays partenaires")]
    assert forbidden["description"].str.contains("L1115-5").all()
    cooperation = relations[(relations["de"] == "Collectivités françaises")
                            & (relations["vers"] == "Autorités locales étrangères")]
    assert cooperation["description"].str.contains("L1115-1").all()
    declared = relations[(relations["vers"] == "CNCD") & (relations["relation"] == "information_controle")
                         & (relations["de"] == "Collectivités françaises")]
    assert declared["description"].str.contains("L1115-6").all()
