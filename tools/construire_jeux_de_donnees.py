"""Build ``datasets/`` from the course's shared sources.

Inputs, read-only (default ``<repo>/../shared/sources``; see each ``PROVENANCE.md``):

- ``curated/*.csv``: published figures, one source per row, reshaped into tidy
  tables with French column names; every row keeps its source;
- ``jumelages_wikidata_2017/`` and ``jumelages_wikipedia_en/``: row-level twinning
  pairs. They are never copied: only the counts computed here go into
  ``datasets/``, each table under the licence of its source;

and, in ``tools/saisies/``, the hand-curated timeline (``chronologie_aect.csv``),
table of actors and their relations (``acteurs_aect.csv``,
``relations_acteurs_aect.csv``) and the metadata of every dataset (``metadonnees.yml``: titles, licences,
sources, schemas, datacards).

Outputs: one CSV per dataset, ``datapackage.json`` (Frictionless Data Package)
and ``README.md`` (one datacard per dataset). The build is deterministic (sorted
rows, schema column order, UTF-8, ``\\n`` line endings, numbers written as their
shortest exact decimal) and ends by loading every file with
:func:`coopdec.data.charger`, which checks it against its schema.

Usage: ``python tools/construire_jeux_de_donnees.py [--sources DIR] [--sortie DIR]``
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = Path(__file__).resolve().parent / "saisies"
METADATA = ENTRIES / "metadonnees.yml"
TIMELINE = ENTRIES / "chronologie_aect.csv"
ACTORS = ENTRIES / "acteurs_aect.csv"
RELATIONS = ENTRIES / "relations_acteurs_aect.csv"

UNKNOWN = "non déterminé"
NO_REGION = "non rattachée"
NO_DEPARTEMENT = "non rattaché"
POPULATION_BANDS = [  # (label, minimum, maximum included), inhabitants
    ("moins de 2 000 hab.", 0, 1999),
    ("2 000 à 4 999 hab.", 2000, 4999),
    ("5 000 à 9 999 hab.", 5000, 9999),
    ("10 000 à 19 999 hab.", 10000, 19999),
    ("20 000 à 49 999 hab.", 20000, 49999),
    ("50 000 à 99 999 hab.", 50000, 99999),
    ("100 000 hab. et plus", 100000, None),
]
UNKNOWN_POPULATION = "population inconnue"
DISTANCE_BANDS = [  # (label, minimum, maximum included), km
    ("moins de 100 km", 0, 99),
    ("100 à 249 km", 100, 249),
    ("250 à 499 km", 250, 499),
    ("500 à 999 km", 500, 999),
    ("1 000 à 1 999 km", 1000, 1999),
    ("2 000 à 4 999 km", 2000, 4999),
    ("5 000 à 9 999 km", 5000, 9999),
    ("10 000 km et plus", 10000, None),
]

# Curated tables: dataset -> (source file, source column -> dataset column,
# dropped source columns with the single value they must hold).
CURATED = {
    "apd_collectivites_annuelle": (
        "curated/apd_collectivites_france_annuel.csv",
        {"year": "annee", "indicator": "indicateur", "amount_meur": "montant_meur",
         "amount_as_published": "montant_publie", "change_as_published": "variation_publiee",
         "flow_basis": "nature_montant", "source": "source", "source_url": "source_url",
         "source_date": "date_source", "note": "note"},
        {"unit": "millions d'euros (M€)", "currency": "EUR"},
    ),
    "apd_collectivites_repartition": (
        "curated/apd_collectivites_france_repartition.csv",
        {"year": "annee", "dimension": "dimension", "category": "categorie",
         "rank_as_published": "rang_publie", "value": "valeur", "unit": "unite", "base": "base",
         "value_as_published": "valeur_publiee", "source": "source", "source_url": "source_url",
         "note": "note"},
        {},
    ),
    "atlas_cooperation_decentralisee": (
        "curated/atlas_cooperation_decentralisee_indicateurs.csv",
        {"snapshot_reference": "reference_instantane", "snapshot_date_as_published": "date_publiee",
         "scope": "perimetre", "indicator": "indicateur", "value": "nombre",
         "value_as_published": "nombre_publie", "source": "source", "source_url": "source_url",
         "note": "note"},
        {},
    ),
    "financements_dispositifs": (
        "curated/financements_dispositifs.csv",
        {"instrument": "dispositif", "period": "periode", "indicator": "indicateur",
         "value": "valeur", "unit": "unite", "value_as_published": "valeur_publiee",
         "source": "source", "source_url": "source_url", "note": "note"},
        {},
    ),
    "ddc_comparaisons_internationales": (
        "curated/ddc_comparaisons_internationales.csv",
        {"country": "pays_ou_groupe", "year": "periode", "indicator": "indicateur",
         "value": "valeur", "unit": "unite", "value_as_published": "valeur_publiee",
         "source": "source", "source_url": "source_url", "note": "note"},
        {},
    ),
    "apd_bilaterale_france_beneficiaires_partiel": (
        "curated/apd_bilaterale_france_top_beneficiaires_partiel.csv",
        {"year": "annee", "rank": "rang", "country": "pays", "amount_meur": "montant_meur",
         "scope": "perimetre", "source": "source", "source_url": "source_url", "note": "note"},
        {"unit": "M€ courants, équivalent-don"},
    ),
}


class BuildError(ValueError):
    """A source or an entry does not match what the build expects."""


# --------------------------------------------------------------------------
# Published figures and the timeline: rename, type, sort
# --------------------------------------------------------------------------

def read_texts(path: Path) -> pd.DataFrame:
    """Read a CSV as texts, '' for empty cells."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def typed(texts: pd.Series, kind: str) -> pd.Series:
    """Convert source texts to the schema type (integers and numbers; others stay texts)."""
    if kind in ("integer", "number"):
        values = pd.to_numeric(texts.where(texts != ""), errors="raise").astype("float64")
        return values.astype("Int64") if kind == "integer" else values
    if kind == "boolean":
        return texts.map({"true": True, "false": False})
    return texts


def tidy(src: pd.DataFrame, renames: dict[str, str], constants: dict[str, str],
         schema: dict, label: str) -> pd.DataFrame:
    """Rename and type the kept columns, check the dropped ones, sort by the primary key."""
    if set(src.columns) != set(renames) | set(constants):
        raise BuildError(f"{label} : colonnes inattendues {list(src.columns)}.")
    for column, value in constants.items():
        if set(src[column]) != {value}:
            raise BuildError(f"{label} : la colonne {column} devait valoir partout « {value} ».")
    table = src[list(renames)].rename(columns=renames)
    table = pd.DataFrame({spec["name"]: typed(table[spec["name"]], spec["type"])
                          for spec in schema["fields"]})
    return table.sort_values(schema["primaryKey"]).reset_index(drop=True)


def timeline_table(schema: dict) -> pd.DataFrame:
    src = read_texts(TIMELINE)
    dated = src[src["date"] != ""]
    if not (dated["date"].str[:4] == dated["annee"]).all():
        raise BuildError(f"{TIMELINE} : l'année d'une date ne correspond pas à la colonne annee.")
    return tidy(src, {column: column for column in src.columns}, {}, schema, str(TIMELINE))


def actors_tables(schemas: dict) -> dict[str, pd.DataFrame]:
    """The actors and their relations; every relation must join two listed actors."""
    actors = read_texts(ACTORS)
    relations = read_texts(RELATIONS)
    unknown = sorted((set(relations["de"]) | set(relations["vers"])) - set(actors["acteur"]))
    if unknown:
        raise BuildError(f"{RELATIONS} : acteurs absents de {ACTORS.name} : {unknown}")
    return {
        "acteurs_aect": tidy(actors, {column: column for column in actors.columns}, {},
                             schemas["acteurs_aect"], str(ACTORS)),
        "relations_acteurs_aect": tidy(relations, {column: column for column in relations.columns},
                                       {}, schemas["relations_acteurs_aect"], str(RELATIONS)),
    }


# --------------------------------------------------------------------------
# Twinning aggregates
# --------------------------------------------------------------------------

def deduplicate(pairs: pd.DataFrame, key: list[str], population: str) -> pd.DataFrame:
    """Drop repeated pairs, keeping for each the first row that has a population."""
    ordered = pairs.assign(_sans_population=pairs[population].eq(""))
    ordered = ordered.sort_values("_sans_population", kind="stable")
    return ordered.drop_duplicates(key).drop(columns="_sans_population").sort_index()


def filled(texts: pd.Series, label: str) -> pd.Series:
    return texts.mask(texts.eq(""), label)


def prepare_french_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Name the unknowns and identify each French commune by name and département."""
    return pairs.assign(
        pays_partenaire=filled(pairs["pays_partenaire_fr"], UNKNOWN),
        continent=filled(pairs["pays_partenaire_continent"], UNKNOWN),
        region=filled(pairs["region"], NO_REGION),
        departement=filled(pairs["departement"], NO_DEPARTEMENT),
        commune_id=pairs["commune"] + "|" + pairs["departement_code"],
    )


def count(pairs: pd.DataFrame, by: list[str], communes: bool = True) -> pd.DataFrame:
    """Number of distinct French communes (optionally) and of pairs in each group."""
    aggregations = {"nb_communes": ("commune_id", "nunique")} if communes else {}
    aggregations["nb_jumelages"] = ("commune_id", "size")
    return pairs.groupby(by).agg(**aggregations).reset_index()


def largest_first(table: pd.DataFrame, name: str) -> pd.DataFrame:
    return table.sort_values(["nb_jumelages", name], ascending=[False, True])


def band(text: str, bands: list[tuple], unknown: str | None) -> str:
    if text == "":
        return unknown
    number = int(text)
    for label, low, high in bands:
        if number >= low and (high is None or number <= high):
            return label
    raise BuildError(f"valeur hors des tranches : {text}")


def count_by_band(pairs: pd.DataFrame, column: str, bands: list[tuple], names: list[str],
                  unknown: str | None = None, communes: bool = True) -> pd.DataFrame:
    """Counts for every band, in band order; a band without pairs counts 0."""
    labelled = pairs.assign(_tranche=pairs[column].map(lambda text: band(text, bands, unknown)))
    counts = count(labelled, ["_tranche"], communes).set_index("_tranche")
    rows = bands + ([(unknown, None, None)] if unknown else [])
    table = pd.DataFrame(rows, columns=names).astype({names[1]: "Int64", names[2]: "Int64"})
    counted = counts.reindex(table[names[0]]).fillna(0).astype("int64").reset_index(drop=True)
    return pd.concat([table, counted], axis=1)


def french_tables(pairs: pd.DataFrame, suffix: str) -> dict[str, pd.DataFrame]:
    """Counts by partner country, continent, région and département."""
    country_keys = ["pays_partenaire_iso2", "pays_partenaire", "continent"]
    if "partenaire_ue_2017" in pairs.columns:
        country_keys.append("partenaire_ue_2017")
    countries = count(pairs, country_keys)
    if "partenaire_ue_2017" in countries.columns:
        countries["partenaire_ue_2017"] = countries["partenaire_ue_2017"].eq("oui")
    continents = count(pairs, ["continent"])
    known = pairs[pairs["pays_partenaire_iso2"] != ""]
    nb_countries = known.groupby("continent")["pays_partenaire_iso2"].nunique()
    continents.insert(1, "nb_pays", continents["continent"].map(nb_countries).fillna(0).astype("int64"))
    departements = count(pairs, ["departement_code", "departement", "region"])
    unattached_last = departements["departement_code"].eq("")
    departements = departements.assign(_fin=unattached_last).sort_values(["_fin", "departement_code"])
    return {
        f"jumelages_par_pays_{suffix}": largest_first(countries, "pays_partenaire"),
        f"jumelages_par_continent_{suffix}": largest_first(continents, "continent"),
        f"jumelages_par_region_{suffix}": largest_first(count(pairs, ["region"]), "region"),
        f"jumelages_par_departement_{suffix}": departements.drop(columns="_fin"),
    }


def by_host_country(pairs: pd.DataFrame, host_iso: str, host_name: str) -> pd.DataFrame:
    """Pairs by host country and partner continent."""
    grouped = pairs.assign(
        pays_iso2=pairs[host_iso],
        pays=filled(pairs[host_name], UNKNOWN),
        continent_partenaire=filled(pairs["pays_partenaire_continent"], UNKNOWN),
        commune_id="",
    )
    table = count(grouped, ["pays_iso2", "pays", "continent_partenaire"], communes=False)
    return table.sort_values(["pays", "continent_partenaire"])


def wikidata_tables(folder: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    raw = read_texts(folder / "jumelages_communes_france_wikidata.csv")
    key = ["commune", "ville_partenaire", "pays_partenaire_as_published"]
    pairs = prepare_french_pairs(deduplicate(raw, key, "commune_population"))
    tables = french_tables(pairs, "wikidata")
    tables["jumelages_par_taille_commune_wikidata"] = count_by_band(
        pairs, "commune_population", POPULATION_BANDS,
        ["tranche_population", "population_min", "population_max"], unknown=UNKNOWN_POPULATION)
    tables["jumelages_par_distance_wikidata"] = count_by_band(
        pairs, "distance_km", DISTANCE_BANDS,
        ["tranche_distance", "distance_min_km", "distance_max_km"], communes=False)
    six = read_texts(folder / "jumelages_6pays_ue_wikidata.csv")
    six_key = ["pays_iso2", "ville", "ville_partenaire", "pays_partenaire_as_published"]
    six_pairs = deduplicate(six, six_key, "population")
    tables["jumelages_6pays_ue_par_continent_wikidata"] = by_host_country(six_pairs, "pays_iso2",
                                                                          "pays_fr")
    two_countries = pairs[pairs.duplicated(["commune", "ville_partenaire"], keep=False)]
    unattached = pairs[pairs["region"] == NO_REGION]
    stats = {
        "lignes_wikidata": len(raw),
        "paires_wikidata": len(pairs),
        "doublons_wikidata": len(raw) - len(pairs),
        "deux_pays_wikidata": " ; ".join(sorted(set(
            two_countries["commune"] + " – " + two_countries["ville_partenaire"]))),
        "franco_francais_wikidata": int(pairs["pays_partenaire_iso2"].eq("FR").sum()),
        "sans_population_wikidata": int(pairs["commune_population"].eq("").sum()),
        "non_rattachees_wikidata": " ; ".join(sorted(set(unattached["commune"]))),
        "non_rattachees_paires_wikidata": len(unattached),
        "lignes_6pays": len(six),
        "doublons_6pays": len(six) - len(six_pairs),
    }
    return tables, stats


def wikipedia_tables(folder: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    raw = read_texts(folder / "jumelages_communes_france_wikipedia.csv")
    if raw.duplicated(["commune", "ville_partenaire", "pays_partenaire_as_published"]).any():
        raise BuildError("jumelages_communes_france_wikipedia.csv : paires répétées inattendues.")
    pairs = prepare_french_pairs(raw)
    tables = french_tables(pairs, "wikipedia")
    world = read_texts(folder / "jumelages_monde_wikipedia.csv")
    tables["jumelages_monde_par_pays_wikipedia"] = by_host_country(world, "pays_iso2", "pays_fr")
    unattached = pairs.loc[pairs["region"] == NO_REGION, "commune"]
    stats = {
        "paires_wikipedia": len(pairs),
        "non_rattachees_wikipedia": " ; ".join(sorted(set(unattached))),
    }
    return tables, stats


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------

def number_text(value: float) -> str:
    """Shortest decimal text that reads back as the same float, without a final '.0'."""
    text = repr(float(value))
    if "e" in text or "n" in text:
        raise BuildError(f"nombre non représentable simplement : {value}")
    return text.removesuffix(".0")


def cell_text(value, kind: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if kind == "number":
        return number_text(value)
    if kind == "integer":
        return str(int(value))
    if kind == "boolean":
        return "true" if value else "false"
    text = str(value)
    if "\n" in text or "\r" in text:
        raise BuildError(f"retour à la ligne dans une cellule : {text!r}")
    return text


def write_csv(name: str, table: pd.DataFrame, fields: list[dict], folder: Path) -> None:
    names = [spec["name"] for spec in fields]
    if list(table.columns) != names:
        raise BuildError(f"{name} : colonnes {list(table.columns)}, schéma {names}.")
    kinds = [spec["type"] for spec in fields]
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(names)
        for row in table.itertuples(index=False):
            writer.writerow([cell_text(value, kind) for value, kind in zip(row, kinds)])


def resource_sources(spec: dict, table: pd.DataFrame) -> list[dict]:
    """The sources of a resource: as listed, or every distinct source of its rows."""
    if spec["sources"] != "lignes":
        return spec["sources"]
    pairs = table[["source", "source_url"]].drop_duplicates("source_url")
    return [{"title": title, "path": url} for title, url in pairs.itertuples(index=False)]


def datapackage(meta: dict, sources: dict[str, list[dict]]) -> dict:
    licences = []
    for spec in meta["jeux"].values():
        if spec["licence"] not in licences:
            licences.append(spec["licence"])
    return {
        "profile": "tabular-data-package",
        **meta["paquet"],
        "licenses": licences,
        "resources": [
            {
                "name": name,
                "path": f"{name}.csv",
                "profile": "tabular-data-resource",
                "title": spec["title"],
                "description": spec["description"],
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "licenses": [spec["licence"]],
                "sources": sources[name],
                "schema": spec["schema"],
            }
            for name, spec in meta["jeux"].items()
        ],
    }


KIND_NAMES = {"integer": "entier", "number": "nombre", "string": "texte", "boolean": "booléen",
              "date": "date"}


def datacard(name: str, spec: dict, rows: int, sources: list[dict], stats: dict) -> str:
    card = spec["fiche"]
    cited = "; ".join(f"[{source['title']}]({source['path']})" if "path" in source
                      else source["title"] for source in sources)
    lines = [
        f"### `{name}` — {spec['title']}",
        "",
        spec["description"],
        "",
        f"- **Fichier** : `{name}.csv`, {rows} lignes",
        f"- **Une ligne** : {card['ligne']}",
        f"- **Producteur** : {card['producteur']}",
        f"- **Date des données** : {card['date']}",
        f"- **Licence** : {spec['licence']['title']}",
        f"- **Sources** : {cited}",
        f"- **Clé primaire** : {', '.join(f'`{key}`' for key in spec['schema']['primaryKey'])}",
        "",
        "| Colonne | Type | Description |",
        "|---|---|---|",
    ]
    for field in spec["schema"]["fields"]:
        unit = f" (unité : {field['unit']})" if "unit" in field else ""
        lines.append(f"| `{field['name']}` | {KIND_NAMES[field['type']]} | "
                     f"{field['description']}{unit} |")
    lines += ["", "**Mises en garde**", ""]
    lines += [f"- {caveat.format_map(stats)}" for caveat in card["mises_en_garde"]]
    return "\n".join(lines) + "\n"


def readme(meta: dict, tables: dict[str, pd.DataFrame], sources: dict[str, list[dict]],
           stats: dict) -> str:
    shown = {key: f"{value:,}".replace(",", " ") if isinstance(value, int) else value
             for key, value in stats.items()}
    index = "\n".join(f"- `{name}` — {spec['title']} ({len(tables[name])} lignes)"
                      for name, spec in meta["jeux"].items())
    cards = "\n".join(datacard(name, spec, len(tables[name]), sources[name], shown)
                      for name, spec in meta["jeux"].items())
    return (f"{meta['readme']['entete']}\n## Liste des jeux\n\n{index}\n\n"
            f"## Fiches des jeux de données\n\n{cards}\n{meta['readme']['fin']}")


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def all_tables(sources: Path, meta: dict) -> tuple[dict[str, pd.DataFrame], dict]:
    schemas = {name: spec["schema"] for name, spec in meta["jeux"].items()}
    tables = {name: tidy(read_texts(sources / path), renames, constants, schemas[name], path)
              for name, (path, renames, constants) in CURATED.items()}
    tables["chronologie_aect"] = timeline_table(schemas["chronologie_aect"])
    tables.update(actors_tables(schemas))
    wikidata, wikidata_stats = wikidata_tables(sources / "jumelages_wikidata_2017")
    wikipedia, wikipedia_stats = wikipedia_tables(sources / "jumelages_wikipedia_en")
    tables.update({name: table.reset_index(drop=True)
                   for name, table in {**wikidata, **wikipedia}.items()})
    if set(tables) != set(meta["jeux"]):
        raise BuildError(f"jeux construits et jeux décrits dans {METADATA.name} différents : "
                         f"{sorted(set(tables) ^ set(meta['jeux']))}")
    return tables, {**wikidata_stats, **wikipedia_stats}


def build(sources: Path, output: Path) -> dict[str, pd.DataFrame]:
    """Write every dataset, datapackage.json and README.md into ``output``."""
    meta = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    tables, stats = all_tables(sources, meta)
    output.mkdir(parents=True, exist_ok=True)
    cited = {}
    for name, spec in meta["jeux"].items():
        write_csv(name, tables[name], spec["schema"]["fields"], output)
        cited[name] = resource_sources(spec, tables[name])
    package = json.dumps(datapackage(meta, cited), ensure_ascii=False, indent=2) + "\n"
    (output / "datapackage.json").write_text(package, encoding="utf-8", newline="\n")
    (output / "README.md").write_text(readme(meta, tables, cited, stats), encoding="utf-8",
                                      newline="\n")
    return tables


def check(names, output: Path) -> None:
    """Load every written file with coopdec's loader, which checks it against its schema."""
    sys.path.insert(0, str(ROOT))
    from coopdec.data import charger

    for name in names:
        charger(name, dossier=output)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Construit datasets/ à partir de ../shared/sources.")
    parser.add_argument("--sources", type=Path, default=ROOT.parent / "shared" / "sources",
                        help="dossier des sources (par défaut : ../shared/sources)")
    parser.add_argument("--sortie", type=Path, default=ROOT / "datasets",
                        help="dossier à écrire (par défaut : datasets/)")
    args = parser.parse_args(argv)
    if not args.sources.is_dir():
        print(f"Dossier des sources introuvable : {args.sources}", file=sys.stderr)
        return 1
    try:
        tables = build(args.sources, args.sortie)
        check(tables, args.sortie)
    except ValueError as error:  # BuildError, DatasetError, or a source value pandas rejects
        print(f"Échec de la construction : {error}", file=sys.stderr)
        return 1
    for name, table in tables.items():
        print(f"{name}.csv : {len(table)} lignes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
