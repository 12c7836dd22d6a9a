"""The analysis grid of a decentralised cooperation relationship (« grille d'analyse »).

A *grid* is a pandas DataFrame with one row per criterion and the columns of
:data:`COLONNES`::

    relation | dimension | critere | intitule | niveau | justification | poids

- ``niveau`` is a level from 0 to 3 (see :data:`NIVEAUX`), or missing;
- ``justification`` is the evidence for the level (facts and their source);
- ``poids`` is the criterion's weight; the weights of a grid sum to 1.

A criterion with a justification but no level is « non documenté »: the
documented facts do not allow a level to be chosen. A criterion with neither is
« non rempli ». Neither is ever scored silently: :func:`lacunes` lists them and
:func:`score` refuses to compute until they are dealt with (``partiel=True``
scores the documented criteria only, by choice).

Everything here is a plain function that returns a new grid or a value and
raises :class:`GrilleError` (a ``ValueError``) with a French message naming the
criterion at fault. The chart (:func:`radar`) and the widget
(:func:`widget_grille`) sit on top of these functions.

Learner-facing names are French::

    from coopdec.grille import grille_vide, noter, score
    g = grille_vide("Chambéry – Ouahigouya")
    g = noter(g, "suivi_evaluation", 2, "Évaluation en 2005 (Sodoré, 2008).")
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import numbers
import textwrap
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from . import rendu
from .apparence import style_for
from .descriptions import describe
from .erreurs import ErreurDuCours
from .style import mettre_en_forme, nombre_fr

__all__ = [
    "COLONNES",
    "CRITERES",
    "NIVEAUX",
    "NON_DOCUMENTE",
    "Critere",
    "GrilleError",
    "TexteMarkdown",
    "charger_grille",
    "comparer",
    "criteres",
    "decrire",
    "exporter_csv",
    "exporter_markdown",
    "grille_vide",
    "lacunes",
    "noter",
    "ponderer",
    "radar",
    "score",
    "widget_grille",
]

NIVEAUX = {0: "absent", 1: "amorcé", 2: "établi", 3: "avancé"}
NON_DOCUMENTE = "non documenté"
COLONNES = ["relation", "dimension", "critere", "intitule", "niveau", "justification", "poids"]

_TEXT_COLUMNS = ["relation", "dimension", "critere", "intitule", "justification"]
_WEIGHT_TOLERANCE = 1e-3  # relative: 0.999 or 100.1 % are accepted, 0.99 is not


class GrilleError(ErreurDuCours):
    """A grid, a criterion, a level or the weights are not valid (French message)."""


class TexteMarkdown(str):
    """A text that Jupyter displays as Markdown (``print()`` shows the raw text)."""

    def _repr_markdown_(self) -> str:
        return str(self)


@dataclass(frozen=True)
class Critere:
    """One criterion of the grid: what it asks, its four levels and its sources."""

    code: str
    dimension: str
    intitule: str
    court: str  # short label, for the radar chart
    question: str
    niveaux: tuple[str, str, str, str]  # descriptions of levels 0, 1, 2 and 3
    sources: str


# The levels are cumulative thresholds: a level is retained when the documented
# facts establish its condition (and those of the levels below). No fact at all
# means « non documenté », not 0: level 0 is a documented absence.
CRITERES: tuple[Critere, ...] = (
    Critere(
        code="gouvernance_reciprocite",
        dimension="Relation partenariale",
        intitule="Gouvernance partagée et réciprocité",
        court="Gouvernance et réciprocité",
        question=("Les deux collectivités décident-elles ensemble, et la relation profite-t-elle "
                  "aussi au territoire français ?"),
        niveaux=(
            "Relation à sens unique : l'une des collectivités décide et finance, l'autre reçoit.",
            "Un principe de partenariat, d'équilibre ou de réciprocité est affiché "
            "(réciprocité déclarée).",
            "En plus, des actions ont lieu aussi sur le territoire français ou à son bénéfice "
            "(événements, échanges, apprentissages).",
            "En plus, un pilotage conjoint décide réellement, et des actions sont conçues pour "
            "chacun des deux territoires (réciprocité opérationnelle).",
        ),
        sources=(
            "I. Dia, 1999 (dph.ritimo.org, fiche 5025) : la réciprocité « n'y est pas un concept "
            "opératoire », coopération « souvent dans un seul sens » ; Porto-Novo : objectifs de "
            "réciprocité sans action au bénéfice direct de la collectivité du Nord "
            "(memoireonline.com) ; A. A. Sodoré, 2008 (memoireonline.com) : voyages vers le Sud, "
            "financements venant en quasi-totalité du Nord ; principes de Busan, 2011 : "
            "redevabilité mutuelle."
        ),
    ),
    Critere(
        code="acteurs_locaux",
        dimension="Relation partenariale",
        intitule="Implication des acteurs locaux et de la société civile des deux territoires",
        court="Acteurs locaux et société civile",
        question=("Habitants, associations, diasporas, établissements participent-ils, dans les "
                  "deux territoires ?"),
        niveaux=(
            "Relation limitée à quelques élus et agents : ni habitants ni associations.",
            "Une association ou un comité porte la relation, dans un seul des deux territoires.",
            "Plusieurs familles d'acteurs sont impliquées (associations, établissements de santé "
            "ou d'enseignement, diasporas, habitants).",
            "En plus, une concertation multi-acteurs organisée existe dans les deux territoires, "
            "et les habitants participent à la définition des actions.",
        ),
        sources=(
            "A. A. Sodoré, 2008 (memoireonline.com) : faible implication des populations et des "
            "organisations de la société civile ; RESACOOP (resacoop.org) : Chambéry–Ouahigouya "
            "étudié pour la concertation multi-acteurs ; principes de Busan, 2011 : partenariats "
            "ouverts à tous ; appels à projets du MEAE : association possible des diasporas "
            "(diplomatie.gouv.fr, AAP 2024-2026)."
        ),
    ),
    Critere(
        code="appui_institutionnel",
        dimension="Contenu de la coopération",
        intitule="Appui institutionnel et maîtrise d'ouvrage locale (plutôt qu'infrastructures seules)",
        court="Appui institutionnel",
        question=("La coopération renforce-t-elle la collectivité partenaire (services, compétences, "
                  "maîtrise d'ouvrage) au lieu de seulement construire ou donner ?"),
        niveaux=(
            "Uniquement des réalisations physiques ou des dons, décidés depuis la France.",
            "Des réalisations, accompagnées d'actions de formation ou d'échanges techniques.",
            "Un appui institutionnel explicite : renforcement des services, de la planification, "
            "de l'organisation ou des finances de la collectivité partenaire.",
            "En plus, la collectivité partenaire exerce elle-même la maîtrise d'ouvrage des "
            "projets.",
        ),
        sources=(
            "Évaluation CIEPAC de la coopération Montreuil–Yélimané (M. Totté, H. Samassa, "
            "sept. 2009 ; f3e.asso.fr) : « s'orienter davantage vers un appui institutionnel aux "
            "collectivités maliennes » ; fonds conjoints Tunisie et Territoires palestiniens : "
            "renforcer la maîtrise d'ouvrage des collectivités partenaires (ambassadefrance-tn.org ; "
            "bfc-international.org) ; APD des collectivités en 2014 : eau potable 8,5 M€ devant "
            "l'appui institutionnel 7,8 M€ (yvelines-infos.fr)."
        ),
    ),
    Critere(
        code="alignement_decentralisation",
        dimension="Contenu de la coopération",
        intitule=("Alignement sur la décentralisation et les plans de développement local "
                  "du partenaire"),
        court="Alignement sur les plans locaux",
        question=("Les actions répondent-elles aux priorités et aux compétences de la collectivité "
                  "partenaire, telles que la décentralisation de son pays les définit ?"),
        niveaux=(
            "Actions choisies par le partenaire français, hors de toute priorité exprimée par "
            "la collectivité partenaire.",
            "Actions répondant à des besoins exprimés par le partenaire, sans lien établi avec "
            "un plan de développement local.",
            "Actions inscrites dans un plan de développement local porté par la collectivité "
            "partenaire.",
            "En plus, la coopération accompagne les étapes de la décentralisation du pays "
            "partenaire (élection d'exécutifs locaux, compétences transférées).",
        ),
        sources=(
            "Principes de Busan, 2011 : appropriation des priorités par les pays partenaires ; "
            "G. Enée, Espaces et sociétés, 2011 (halshs-00610598) : la coopération décentralisée "
            "comme appui à la communalisation ; Chambéry, 1989 : un partenaire doté d'un « plan "
            "de développement élaboré à partir de l'expression des citoyens » "
            "(chambery-ouahigouya.com) ; A. A. Sodoré, 2008 : actions hors programmes cohérents."
        ),
    ),
    Critere(
        code="politique_publique_locale",
        dimension="Ancrage et moyens",
        intitule="Inscription dans la politique publique de la collectivité française",
        court="Politique publique locale",
        question=("La coopération est-elle une politique de la collectivité (décidée, fondée sur "
                  "ses compétences, coordonnée) ou une action isolée ?"),
        niveaux=(
            "Action isolée, portée par une personne ou une association, sans décision de la "
            "collectivité.",
            "Décision formelle de la collectivité : délibération, convention ou création d'une "
            "structure dédiée.",
            "En plus, une stratégie explicite (choix raisonné du partenaire, objectifs) est "
            "portée dans la durée.",
            "En plus, les services de la collectivité sont mobilisés et l'action est coordonnée "
            "avec les autres collectivités du territoire.",
        ),
        sources=(
            "Dispersion critiquée par l'État, appel à la coordination et à la mutualisation "
            "(123dok, thèse AICT ; banquedesterritoires.fr) ; loi du 6 février 1992 : une "
            "« modalité particulière de l'exercice des compétences » (Sénat, rapport n° 123, "
            "2012-2013) ; évaluation Montreuil–Yélimané, 2009 : « se recentrer sur les "
            "compétences d'une collectivité territoriale » ; FICOL : projet portant sur une "
            "compétence de la collectivité, rejet si elle n'est qu'un « bailleur » (afd.fr)."
        ),
    ),
    Critere(
        code="financement",
        dimension="Ancrage et moyens",
        intitule="Soutenabilité financière et cofinancements",
        court="Financement et cofinancements",
        question=("Le financement est-il prévu, partagé et soutenable, y compris après la fin "
                  "des aides ?"),
        niveaux=(
            "Financement au coup par coup, sans budget prévu.",
            "Un budget est prévu par la collectivité française (montant prévisionnel de la "
            "convention).",
            "En plus, plusieurs sources : cofinancements (MEAE, AFD, « 1 % », Union européenne) "
            "ou apport du partenaire.",
            "En plus, un plan de financement partagé organise la reprise des charges par le "
            "partenaire (financement dégressif, ressources propres).",
        ),
        sources=(
            "CGCT, art. L1115-1 : la convention précise « le montant prévisionnel des engagements "
            "financiers » (legal.tricoteuses.fr) ; règlements DCTCIV 2025 : cofinancement jusqu'à "
            "70 % avec les PMA, contribution minimale de 10 % des collectivités françaises "
            "(bretagne-solidaire.bzh ; mairesdefrance.com) ; FICOL, appel 2020 : au moins 30 % "
            "apportés par les collectivités (lianescooperation.org) ; A. A. Sodoré, 2008 : "
            "financements « en quasi-totalité du Nord » ; Chambéry–Ouahigouya : financement "
            "dégressif de postes (Sodoré, 2008)."
        ),
    ),
    Critere(
        code="suivi_evaluation",
        dimension="Pilotage et résultats",
        intitule="Suivi et évaluation",
        court="Suivi et évaluation",
        question="Les résultats sont-ils suivis, évalués, et les conclusions utilisées ?",
        niveaux=(
            "Aucun suivi ni bilan (absence constatée).",
            "Des bilans ou rapports d'activité, sans évaluation.",
            "Au moins une évaluation (interne ou externe) a été réalisée.",
            "En plus, les recommandations d'une évaluation ont réorienté la coopération, et "
            "cette réorientation a elle-même été évaluée.",
        ),
        sources=(
            "A. A. Sodoré, 2008 : suivi faible ; Montreuil–Yélimané : évaluation CIEPAC "
            "(sept. 2009), réorientation de 2009, évaluation ACDIL (nov. 2016) de cette "
            "réorientation (f3e.asso.fr ; reseauf3e.org) ; principes de Busan, 2011 : "
            "orientation vers les résultats ; appels à projets DCTCIV 2025 : dernière tranche de "
            "20 % versée au rapport final."
        ),
    ),
    Critere(
        code="contribution_odd",
        dimension="Pilotage et résultats",
        intitule="Contribution aux objectifs de développement durable (Agenda 2030)",
        court="Contribution aux ODD",
        question=("La coopération dit-elle à quels objectifs de développement durable (ODD) elle "
                  "contribue, et en rend-elle compte ?"),
        niveaux=(
            "Aucune référence aux ODD ni au développement durable.",
            "Les ODD sont cités dans les documents, sans lien avec les actions.",
            "Les actions sont rattachées à des ODD et à des cibles précis (par exemple l'ODD 11 "
            "« villes et communautés durables »).",
            "En plus, la contribution est suivie par des indicateurs, et l'Agenda 2030 sert de "
            "cadre commun aux deux collectivités.",
        ),
        sources=(
            "CGCT, art. L1115-1, modifié par l'art. 6 de la loi n° 2021-1031 du 4 août 2021 : les "
            "collectivités « prennent en considération » le programme de développement durable à "
            "l'horizon 2030 (doctrine.fr) ; grille d'évaluation ODD dans les appels à projets de "
            "la DAECT depuis 2020 (cites-unies-france.org) ; OCDE : au moins 100 des 169 cibles "
            "des ODD requièrent les gouvernements infranationaux (oecd.org) ; FICOL : inscription "
            "dans les ODD (afd.fr)."
        ),
    ),
)

_BY_CODE = {critere.code: critere for critere in CRITERES}
_CODES = [critere.code for critere in CRITERES]


# --------------------------------------------------------------------------
# Naming things in messages
# --------------------------------------------------------------------------

def _name(code: str) -> str:
    return f"« {_BY_CODE[code].court} » ({code})"


def _names(codes) -> str:
    return ", ".join(_name(code) for code in codes)


def _criterion(code) -> Critere:
    """The criterion ``code``, or a French error suggesting the closest code."""
    if not isinstance(code, str):
        raise GrilleError(f"Le critère doit être un code entre guillemets, par exemple "
                          f"\"{_CODES[0]}\" ; vous avez donné {describe(code)}.")
    if code in _BY_CODE:
        return _BY_CODE[code]
    close = difflib.get_close_matches(code.strip().lower(), _CODES, n=1, cutoff=0.5)
    suggestion = f" Vouliez-vous dire « {close[0]} » ?" if close else ""
    raise GrilleError(f"Critère inconnu : « {code} ».{suggestion} "
                      f"Critères de la grille : {', '.join(_CODES)}.")


# --------------------------------------------------------------------------
# Reading the criteria
# --------------------------------------------------------------------------

def criteres() -> pd.DataFrame:
    """The criteria of the grid: code, dimension, title, question and sources."""
    table = pd.DataFrame(
        [{"critere": c.code, "dimension": c.dimension, "intitule": c.intitule,
          "question": c.question, "sources": c.sources} for c in CRITERES]
    )
    return table.astype("string")


def _cell(text: str) -> str:
    """A text made safe for one cell of a Markdown table (pipes escaped, line breaks as <br>)."""
    return "<br>".join(part.replace("|", "\\|").strip() for part in str(text).splitlines())


def decrire(critere: str | None = None) -> TexteMarkdown:
    """Describe one criterion (question, levels, sources), or list them all.

    The text displays as Markdown in a notebook; ``print()`` shows it raw.
    """
    if critere is None:
        lines = ["| Dimension | Critère (code) | Question |", "|---|---|---|"]
        for c in CRITERES:
            lines.append(f"| {_cell(c.dimension)} | {_cell(c.intitule)} (`{c.code}`) | "
                         f"{_cell(c.question)} |")
        return TexteMarkdown("\n".join(lines) + "\n")
    c = _criterion(critere)
    lines = [f"**{c.intitule}** (`{c.code}`) — dimension « {c.dimension} »", "",
             f"*{c.question}*", "", "| Niveau | Ce que les faits doivent établir |", "|---|---|"]
    for level, description in enumerate(c.niveaux):
        lines.append(f"| {level} – {NIVEAUX[level]} | {_cell(description)} |")
    lines += ["", f"Aucun fait disponible : « {NON_DOCUMENTE} » (ce n'est pas le niveau 0).", "",
              f"*D'où vient ce critère ?* {c.sources}"]
    return TexteMarkdown("\n".join(lines) + "\n")


# --------------------------------------------------------------------------
# Checking values
# --------------------------------------------------------------------------

def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def _level(code: str, niveau):
    """A valid level (int) or pd.NA for « non documenté »."""
    if niveau is None or niveau is pd.NA:
        return pd.NA
    if isinstance(niveau, float) and math.isnan(niveau):
        return pd.NA
    levels = [str(level) for level in NIVEAUX]
    allowed = ", ".join(levels[:-1]) + " ou " + levels[-1]
    if isinstance(niveau, str):
        if _plain(niveau) in {"non documente", "nd", "n.d.", "n. d."}:
            return pd.NA
        if niveau.strip().isdigit():
            raise GrilleError(f"Niveau de {_name(code)} : écrivez le nombre sans guillemets "
                              f"({niveau.strip()} et non \"{niveau}\").")
        raise GrilleError(f"Niveau de {_name(code)} : « {niveau} » n'est pas un niveau. "
                          f"Choisissez {allowed} ; ou None si les faits ne permettent pas de "
                          "choisir (non documenté).")
    if isinstance(niveau, bool) or not isinstance(niveau, numbers.Real):
        raise GrilleError(f"Niveau de {_name(code)} : on attend un nombre entier ({allowed}) ou "
                          f"None ; vous avez donné {describe(niveau)}.")
    if not float(niveau).is_integer():
        raise GrilleError(f"Niveau de {_name(code)} : {niveau} n'est pas un nombre entier ; "
                          f"choisissez {allowed}.")
    level = int(niveau)
    if level not in NIVEAUX:
        raise GrilleError(f"Niveau {level} impossible pour {_name(code)} : les niveaux vont de "
                          f"{min(NIVEAUX)} à {max(NIVEAUX)} ; None si non documenté.")
    return level


def _weights(poids) -> dict[str, float]:
    """Check weights given for every criterion; return them as fractions summing to 1."""
    if isinstance(poids, pd.Series):
        poids = poids.to_dict()
    if not isinstance(poids, Mapping):
        raise GrilleError("Les poids se donnent dans un dictionnaire {code du critère: poids}, "
                          "par exemple {\"appui_institutionnel\": 0.2, …} ; vous avez donné "
                          f"{describe(poids)}.")
    for code in poids:
        if code not in _BY_CODE:
            try:
                _criterion(code)
            except GrilleError as error:
                raise GrilleError(f"Poids donné pour un critère inconnu. {error}") from None
    missing = [code for code in _CODES if code not in poids]
    if missing:
        raise GrilleError(f"Il manque le poids de : {_names(missing)}. Donnez un poids à chacun "
                          f"des {len(_CODES)} critères.")
    values = {}
    for code in _CODES:
        value = poids[code]
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
            hint = (" Écrivez-le sans guillemets, avec un point décimal (par exemple 0.125)."
                    if isinstance(value, str) else "")
            raise GrilleError(f"Le poids de {_name(code)} doit être un nombre ; vous avez donné "
                              f"{describe(value)}.{hint}")
        if value <= 0:
            raise GrilleError(f"Le poids de {_name(code)} doit être strictement positif "
                              f"(vous avez donné {value}).")
        values[code] = float(value)
    total = math.fsum(values.values())
    if not (math.isclose(total, 1, rel_tol=_WEIGHT_TOLERANCE)
            or math.isclose(total, 100, rel_tol=_WEIGHT_TOLERANCE)):
        raise GrilleError(f"Les poids font {nombre_fr(total, 3)} au total : ils doivent faire 1 "
                          "(ou 100 s'ils sont en pourcentages).")
    if math.isclose(total, 1, rel_tol=0, abs_tol=1e-12):
        return values  # already normalised: keep the exact values (exact CSV round trip)
    return {code: value / total for code, value in values.items()}


def _justification(text) -> object:
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return pd.NA
    if not isinstance(text, str):
        raise GrilleError(f"La justification doit être un texte entre guillemets ; vous avez "
                          f"donné {describe(text)}.")
    return text if text.strip() else pd.NA


def _grid(grille) -> pd.DataFrame:
    """Check a grid and return its canonical copy (row order, columns, types)."""
    if not isinstance(grille, pd.DataFrame):
        raise GrilleError("On attend une grille, c'est-à-dire le tableau renvoyé par "
                          f"grille_vide(…) ou noter(…) ; vous avez donné {describe(grille)}.")
    missing = [column for column in COLONNES if column not in grille.columns]
    if missing:
        raise GrilleError("Ce tableau n'est pas une grille : colonne(s) manquante(s) "
                          + ", ".join(f"« {c} »" for c in missing)
                          + ". Partez de grille_vide(…).")
    relations = list(dict.fromkeys(str(r) for r in grille["relation"] if not pd.isna(r)))
    if len(relations) != 1 or not relations[0].strip() or grille["relation"].isna().any():
        listed = ", ".join(f"« {r} »" for r in relations) or "aucune"
        raise GrilleError("Une grille décrit une seule relation, nommée sur chaque ligne ; "
                          f"celle-ci en a : {listed}.")
    codes = [str(code) for code in grille["critere"]]
    for code in codes:
        _criterion(code)
    doubles = sorted({code for code in codes if codes.count(code) > 1})
    if doubles:
        raise GrilleError(f"Critère(s) présent(s) plusieurs fois dans la grille : {_names(doubles)}.")
    absent = [code for code in _CODES if code not in codes]
    if absent:
        raise GrilleError(f"Critère(s) absent(s) de la grille : {_names(absent)}. "
                          "Partez de grille_vide(…).")
    rows = {code: {"niveau": level, "justification": text, "poids": weight}
            for code, level, text, weight in zip(codes, grille["niveau"].tolist(),
                                                 grille["justification"].tolist(),
                                                 grille["poids"].tolist())}
    weights = _weights({code: _number(rows[code]["poids"]) for code in _CODES})
    records = []
    for code in _CODES:
        row, c = rows[code], _BY_CODE[code]
        records.append({
            "relation": relations[0], "dimension": c.dimension, "critere": code,
            "intitule": c.intitule, "niveau": _level(code, row["niveau"]),
            "justification": _justification(row["justification"]), "poids": weights[code],
        })
    return _frame(records)


def _number(value):
    """A weight read from a table: numpy numbers become Python floats."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def _frame(records: list[dict]) -> pd.DataFrame:
    """The grid of ``records``, each column built with its type (four times faster than astype)."""
    def column(name: str) -> list:
        return [record[name] for record in records]

    data = {name: pd.array(column(name), dtype="string") for name in _TEXT_COLUMNS}
    data["niveau"] = pd.array(column("niveau"), dtype="Int64")
    data["poids"] = pd.array(column("poids"), dtype="float64")
    return pd.DataFrame(data, columns=COLONNES)


# --------------------------------------------------------------------------
# Building and filling a grid
# --------------------------------------------------------------------------

def grille_vide(relation: str, poids: Mapping | None = None) -> pd.DataFrame:
    """An empty grid for ``relation`` (e.g. "Chambéry – Ouahigouya").

    Weights default to equal (1/8 each); ``poids`` gives them as a dictionary
    {code: weight} summing to 1 (or to 100 for percentages).
    """
    if not isinstance(relation, str) or not relation.strip():
        raise GrilleError("Nommez la relation analysée, entre guillemets, par exemple "
                          "grille_vide(\"Chambéry – Ouahigouya\").")
    weights = _weights(poids) if poids is not None else {code: 1 / len(_CODES) for code in _CODES}
    return _frame([
        {"relation": relation.strip(), "dimension": c.dimension, "critere": c.code,
         "intitule": c.intitule, "niveau": pd.NA, "justification": pd.NA, "poids": weights[c.code]}
        for c in CRITERES
    ])


def _set(grille: pd.DataFrame, code: str, niveau, justification) -> pd.DataFrame:
    """Set one criterion without requiring a justification (used by the widget)."""
    table = grille.copy()
    mask = table["critere"] == code
    table.loc[mask, "niveau"] = niveau
    table.loc[mask, "justification"] = justification
    return table


def noter(grille: pd.DataFrame, critere: str, niveau, justification: str) -> pd.DataFrame:
    """Return a copy of ``grille`` where ``critere`` has ``niveau`` and ``justification``.

    ``niveau`` is 0, 1, 2 or 3, or None when the documented facts do not allow a
    choice (« non documenté »). The justification is required in both cases:
    the facts and their source, or what is missing.
    """
    table = _grid(grille)
    code = _criterion(critere).code
    level = _level(code, niveau)
    text = _justification(justification)
    if text is pd.NA:
        if level is pd.NA:
            raise GrilleError(f"Expliquez pourquoi {_name(code)} est non documenté : quels faits "
                              "manquent ? La justification ne peut pas être vide.")
        raise GrilleError(f"Justifiez le niveau {level} de {_name(code)} : quels faits, tirés de "
                          "quelle source ? La justification ne peut pas être vide.")
    return _set(table, code, level, text.strip())


def ponderer(grille: pd.DataFrame, poids: Mapping) -> pd.DataFrame:
    """Return a copy of ``grille`` with new weights {code: weight}, summing to 1 (or 100)."""
    table = _grid(grille)
    weights = _weights(poids)
    table["poids"] = [weights[code] for code in table["critere"]]
    return table


# --------------------------------------------------------------------------
# Gaps and scores
# --------------------------------------------------------------------------

_NOT_FILLED = "non rempli"
_NOT_JUSTIFIED = "niveau sans justification"


def lacunes(grille: pd.DataFrame) -> pd.DataFrame:
    """The criteria that are not filled, not justified or « non documenté » (one row each).

    An empty table means the grid is complete.
    """
    table = _grid(grille)
    columns = {"critere": [], "intitule": [], "lacune": []}
    for code, title, level, text in zip(*(table[name].tolist() for name in
                                          ("critere", "intitule", "niveau", "justification"))):
        has_level, has_text = not pd.isna(level), not pd.isna(text)
        if has_level and has_text:
            continue
        gap = NON_DOCUMENTE if has_text else (_NOT_JUSTIFIED if has_level else _NOT_FILLED)
        for name, value in zip(columns, (code, title, gap)):
            columns[name].append(value)
    return pd.DataFrame({name: pd.array(values, dtype="string") for name, values in columns.items()})


def _score(table: pd.DataFrame, partiel: bool) -> float:
    gaps = lacunes(table)
    relation = table["relation"].iloc[0]
    blocking = gaps[gaps["lacune"] != NON_DOCUMENTE]
    if len(blocking):
        pairs = list(zip(blocking["critere"], blocking["lacune"]))
        if len(pairs) > 3:
            details = f"{len(pairs)} critères à compléter (" + ", ".join(
                f"{code} : {gap}" for code, gap in pairs) + ")"
        else:
            details = " ; ".join(f"{_name(code)} : {gap}" for code, gap in pairs)
        raise GrilleError(
            f"Score impossible pour « {relation} » : {details}. Remplissez ces critères avec "
            "noter(grille, critère, niveau, justification) ; quand les faits manquent, notez "
            "None (non documenté) avec une justification."
        )
    undocumented = list(gaps.loc[gaps["lacune"] == NON_DOCUMENTE, "critere"])
    if undocumented and not partiel:
        raise GrilleError(
            f"Score impossible pour « {relation} » : {len(undocumented)} critère(s) non "
            f"documenté(s) : {_names(undocumented)}. Pour un score sur les seuls critères "
            "documentés, écrivez score(grille, partiel=True), et dites-le dans votre rapport."
        )
    documented = table[table["niveau"].notna()]
    if documented.empty:
        raise GrilleError(f"Score impossible pour « {relation} » : aucun critère n'est documenté.")
    weights = documented["poids"].astype(float)
    levels = documented["niveau"].astype(float) / max(NIVEAUX)
    # Rounded to 10 decimals so that 40 prints as 40.0, not 39.99999999999999.
    return round(float(100 * (weights * levels).sum() / weights.sum()), 10)


def score(grille: pd.DataFrame, partiel: bool = False) -> float:
    """The weighted mean of the levels on a 0–100 scale (100 = every criterion at level 3).

    Refused while a criterion is not filled or a level has no justification.
    With « non documenté » criteria, refused unless ``partiel=True``: the score
    is then the weighted mean of the documented criteria only.
    """
    return _score(_grid(grille), partiel)


def _as_list(grilles) -> list[pd.DataFrame]:
    if isinstance(grilles, pd.DataFrame):
        return [grilles]
    if not isinstance(grilles, (list, tuple)) or not grilles:
        raise GrilleError("Donnez une liste de grilles, par exemple [grille_a, grille_b].")
    return list(grilles)


def comparer(grilles, partiel: bool = False) -> pd.DataFrame:
    """One row per relation: the level of each criterion, then the score (0–100).

    ``partiel=True`` scores each grid on its documented criteria only; the
    scores then rest on different criteria, which the reader must be told.
    """
    tables = [_grid(grille) for grille in _as_list(grilles)]
    names = [table["relation"].iloc[0] for table in tables]
    doubles = sorted({name for name in names if names.count(name) > 1})
    if doubles:
        raise GrilleError("Deux grilles portent le même nom de relation : "
                          + ", ".join(f"« {name} »" for name in doubles) + ".")
    rows = []
    for table in tables:
        row = dict(zip(table["critere"], table["niveau"]))
        row["score"] = _score(table, partiel)
        rows.append(row)
    result = pd.DataFrame(rows, index=pd.Index(names, name="relation", dtype="string"))
    return result.astype({code: "Int64" for code in _CODES} | {"score": "float64"})


# --------------------------------------------------------------------------
# Radar chart
# --------------------------------------------------------------------------

def radar(grilles, *, source: str | None = None, titre: str | None = None, ax=None):
    """Draw the levels of one or several grids on a radar chart; return its axes.

    A criterion « non documenté » leaves a gap in the outline. ``source`` (the
    origin of the facts) is required, as under every chart of the course.
    """
    import matplotlib.pyplot as plt

    rendu.skip_redundant_draw()
    tables = [_grid(grille) for grille in _as_list(grilles)]
    if not isinstance(source, str) or not source.strip():
        raise GrilleError("Un graphique du cours cite toujours sa source : ajoutez "
                          "source=\"…\" (d'où viennent les faits notés dans la grille).")
    names = [table["relation"].iloc[0] for table in tables]
    if titre is None:
        titre = "Grille d'analyse : " + " et ".join(names)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 7), subplot_kw={"projection": "polar"})
    elif getattr(ax, "name", None) != "polar":
        raise GrilleError("Le radar se dessine sur un graphique polaire : omettez ax, ou créez-le "
                          "avec plt.subplots(subplot_kw={\"projection\": \"polar\"}).")
    count = len(_CODES)
    angles = [2 * math.pi * i / count for i in range(count)]
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    undocumented = False
    styles = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D")]
    for number, table in enumerate(tables):
        levels = [float("nan") if pd.isna(v) else float(v) for v in table["niveau"]]
        undocumented = undocumented or any(math.isnan(v) for v in levels)
        linestyle, marker = styles[number % len(styles)]
        line, = ax.plot(angles + angles[:1], levels + levels[:1], linestyle=linestyle,
                        marker=marker, linewidth=2, markersize=7, label=_legend_label(table))
        if not any(math.isnan(v) for v in levels):
            ax.fill(angles, levels, alpha=0.12, color=line.get_color())
    mettre_en_forme(ax, titre=titre, source=source)
    ax.set_xticks(angles)
    ax.set_xticklabels([textwrap.fill(_BY_CODE[code].court, 16) for code in _CODES], fontsize=9)
    ax.tick_params(axis="x", pad=18)
    ax.set_ylim(0, max(NIVEAUX))
    ax.set_rorigin(-0.6)  # level 0 is a ring, not the centre, so that it stays visible
    ax.set_yticks(list(NIVEAUX))
    ax.set_yticklabels([f"{level} {label}" for level, label in NIVEAUX.items()], fontsize=8,
                       color="#444444")
    for label in ax.get_yticklabels():
        label.set_bbox({"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    ax.set_rlabel_position(180 / count)
    legend_title = "Niveau de chaque critère, de 0 (absent) à 3 (avancé)"
    if undocumented:
        legend_title += "\nTracé interrompu : critère non documenté"
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, fontsize=9,
              title=legend_title, title_fontsize=9)
    return ax


def _legend_label(table: pd.DataFrame) -> str:
    relation = table["relation"].iloc[0]
    gaps = lacunes(table)
    if (gaps["lacune"] != NON_DOCUMENTE).any():
        return f"{relation} (grille incomplète, pas de score)"
    documented = len(_CODES) - len(gaps)
    value = nombre_fr(_score(table, partiel=True), 0)
    if len(gaps):
        return f"{relation} : score partiel {value}/100 ({documented} critères documentés sur {len(_CODES)})"
    return f"{relation} : score {value}/100"


# --------------------------------------------------------------------------
# Export and load
# --------------------------------------------------------------------------

def exporter_csv(grille: pd.DataFrame, chemin: str | Path | None = None) -> str:
    """The grid as CSV text (UTF-8, comma); also written to ``chemin`` when given.

    :func:`charger_grille` reads it back exactly, accents, commas and line
    breaks in the justifications included.
    """
    table = _grid(grille)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLONNES)
    for _, row in table.iterrows():
        writer.writerow([
            row["relation"], row["dimension"], row["critere"], row["intitule"],
            "" if pd.isna(row["niveau"]) else str(int(row["niveau"])),
            "" if pd.isna(row["justification"]) else row["justification"],
            repr(float(row["poids"])),
        ])
    text = buffer.getvalue()
    if chemin is not None:
        Path(chemin).write_text(text, encoding="utf-8", newline="")
    return text


def charger_grille(source: str | Path) -> pd.DataFrame:
    """Load a grid saved by :func:`exporter_csv`, from a file path or from the CSV text."""
    if isinstance(source, str) and "\n" in source:
        text, name = source, "le texte CSV"
    elif isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise GrilleError(f"Fichier introuvable : {path}. Vérifiez le nom et le dossier "
                              "(le fichier a-t-il été enregistré avec exporter_csv ?).")
        name = path.name
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise GrilleError(f"Le fichier {name} n'est pas encodé en UTF-8 : réenregistrez-le "
                              "en UTF-8.") from None
    else:
        raise GrilleError("Donnez le chemin du fichier CSV entre guillemets, par exemple "
                          "charger_grille(\"ma_grille.csv\").")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise GrilleError(f"{name} n'est pas un CSV valide : {error}.") from None
    rows = [row for row in rows if row]
    if not rows:
        raise GrilleError(f"{name} est vide.")
    header, data = rows[0], rows[1:]
    missing = [column for column in COLONNES if column not in header]
    if missing:
        raise GrilleError(f"{name} n'est pas une grille exportée : colonne(s) manquante(s) "
                          + ", ".join(f"« {c} »" for c in missing) + ".")
    records = []
    for number, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise GrilleError(f"{name}, ligne {number} : {len(row)} valeurs au lieu de "
                              f"{len(header)}.")
        record = dict(zip(header, row))
        record["niveau"] = _read_level(record["niveau"], name, number)
        record["poids"] = _read_weight(record["poids"], name, number)
        record["justification"] = record["justification"] or None
        records.append(record)
    relations = list(dict.fromkeys(record["relation"] for record in records))
    if len(relations) > 1:
        raise GrilleError(f"{name} contient plusieurs relations ("
                          + ", ".join(f"« {r} »" for r in relations)
                          + ") : enregistrez une grille par fichier.")
    return _grid(pd.DataFrame(records, columns=COLONNES, dtype=object))


def _read_level(text: str, name: str, number: int):
    if text.strip() == "":
        return None
    if text.strip().lstrip("-").isdigit():
        return int(text)
    raise GrilleError(f"{name}, ligne {number} : niveau « {text} » illisible (attendu : "
                      "0, 1, 2, 3 ou une case vide).")


def _read_weight(text: str, name: str, number: int) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise GrilleError(f"{name}, ligne {number} : poids « {text} » illisible (attendu : un "
                          "nombre avec un point décimal).") from None


def _level_text(niveau, justification) -> str:
    if pd.isna(niveau):
        return "à remplir" if pd.isna(justification) else NON_DOCUMENTE
    return f"{int(niveau)} – {NIVEAUX[int(niveau)]}"


def exporter_markdown(grille: pd.DataFrame, chemin: str | Path | None = None) -> TexteMarkdown:
    """The grid as a Markdown section for a report (score, table, gaps, sources of the criteria).

    Displayed as Markdown in a notebook; also written to ``chemin`` when given.
    """
    table = _grid(grille)
    relation = table["relation"].iloc[0]
    gaps = lacunes(table)
    blocking = gaps[gaps["lacune"] != NON_DOCUMENTE]
    documented = len(_CODES) - len(gaps)
    if len(blocking):
        verdict = (f"**Score non calculable** : {len(blocking)} critère(s) non rempli(s) ou non "
                   "justifié(s).")
    elif len(gaps):
        verdict = (f"**Score partiel : {nombre_fr(_score(table, True), 1)} / 100**, calculé sur "
                   f"{documented} critères documentés sur {len(_CODES)} ; les autres sont non "
                   "documentés.")
    else:
        verdict = f"**Score : {nombre_fr(_score(table, False), 1)} / 100**."
    equal = table["poids"].round(12).nunique() == 1
    weights = ("Poids égaux." if equal else "Poids : " + ", ".join(
        f"{_BY_CODE[c].court} {nombre_fr(100 * p, 1)} %" for c, p in zip(table["critere"], table["poids"])
    ) + ".")
    lines = [f"## Grille d'analyse : {relation}", "", verdict + " " + weights, "",
             "| Dimension | Critère | Niveau | Justification |", "|---|---|---|---|"]
    for _, row in table.iterrows():
        text = "—" if pd.isna(row["justification"]) else _cell(row["justification"])
        lines.append(f"| {_cell(row['dimension'])} | {_cell(row['intitule'])} | "
                     f"{_level_text(row['niveau'], row['justification'])} | {text} |")
    if len(gaps):
        lines += ["", "**Lacunes** :"]
        lines += [f"- {intitule} : {gap}." for intitule, gap in zip(gaps["intitule"], gaps["lacune"])]
    lines += ["", f"*Niveaux de 0 à 3 : {', '.join(f'{k} {v}' for k, v in NIVEAUX.items())}. "
              "Score : moyenne pondérée des niveaux, ramenée sur 100. Grille coopdec ; sources "
              "de chaque critère : coopdec.grille.decrire(code).*"]
    text = TexteMarkdown("\n".join(lines) + "\n")
    if chemin is not None:
        Path(chemin).write_text(text, encoding="utf-8")
    return text


# --------------------------------------------------------------------------
# Widget (self-check only: widget state is not saved in the notebook)
# --------------------------------------------------------------------------

_EMPTY, _UNDOCUMENTED = "vide", "nd"


@cache
def _widget_class():
    import ipywidgets as widgets

    class WidgetGrille(widgets.VBox):
        """A form to fill a grid; ``.grille`` is the grid as filled so far."""

        @property
        def grille(self) -> pd.DataFrame:
            return self._grid.copy()

    return WidgetGrille


def widget_grille(grille) -> object:
    """A form to fill ``grille`` (a grid, or a relation name for an empty grid).

    Its ``.grille`` attribute holds the grid as filled so far. The form saves
    nothing in the notebook: use its « Enregistrer en CSV » button, then
    charger_grille, to keep your work.
    """
    import html

    import ipywidgets as widgets

    table = grille_vide(grille) if isinstance(grille, str) else _grid(grille)
    options = [("— à remplir —", _EMPTY), (NON_DOCUMENTE, _UNDOCUMENTED)] + [
        (f"{level} – {label}", level) for level, label in NIVEAUX.items()]
    rows = []
    box = _widget_class()()
    box._grid = table
    # One layout and one style per kind of widget, shared by the rows (coopdec.apparence).
    text_look = {"layout": widgets.Layout(), "style": style_for(widgets.HTML)}
    selector_look = {"layout": widgets.Layout(width="260px"), "style": style_for(widgets.Dropdown)}
    answer_look = {"layout": widgets.Layout(width="95%", height="60px"), "style": style_for(widgets.Textarea)}
    line_layout, row_layout = widgets.Layout(), widgets.Layout(margin="0 0 10px 0")

    def describe(code, value) -> str:
        if value == _EMPTY:
            return "<i>Choisissez un niveau.</i>"
        if value == _UNDOCUMENTED:
            return "<i>Les faits documentés ne permettent pas de choisir : dites ce qui manque.</i>"
        return f"<i>Niveau {value} : {html.escape(_BY_CODE[code].niveaux[value])}</i>"

    for _, row in table.iterrows():
        code = row["critere"]
        c = _BY_CODE[code]
        if pd.isna(row["niveau"]):
            start = _UNDOCUMENTED if not pd.isna(row["justification"]) else _EMPTY
        else:
            start = int(row["niveau"])
        selector = widgets.Dropdown(options=options, value=start, description="Niveau", **selector_look)
        hint = widgets.HTML(describe(code, start), **text_look)
        text = widgets.Textarea(value="" if pd.isna(row["justification"]) else row["justification"],
                                placeholder="Justification : faits et source (ou ce qui manque)",
                                **answer_look)

        def update(_change, code=code, selector=selector, hint=hint, text=text):
            value = selector.value
            level = pd.NA if value in (_EMPTY, _UNDOCUMENTED) else value
            hint.value = describe(code, value)
            justification = text.value.strip() or pd.NA
            box._grid = _set(box._grid, code, level, justification)

        selector.observe(update, names="value")
        text.observe(update, names="value")
        title = widgets.HTML(f"<b>{html.escape(c.intitule)}</b> <code>{code}</code><br>"
                             f"<small>{html.escape(c.question)}</small>", **text_look)
        rows.append(widgets.VBox([title, widgets.HBox([selector, hint], layout=line_layout), text],
                                 layout=row_layout))

    output = widgets.HTML()
    compute = widgets.Button(description="Calculer le score", button_style="primary")
    show = widgets.Button(description="Afficher le Markdown")
    path = widgets.Text(value="grille.csv", description="Fichier", layout=widgets.Layout(width="300px"))
    save = widgets.Button(description="Enregistrer en CSV")

    def on_compute(_):
        try:
            gaps = lacunes(box._grid)
            partial = (gaps["lacune"] == NON_DOCUMENTE).any()
            value = score(box._grid, partiel=True)
            label = "Score partiel" if partial else "Score"
            output.value = f"<b>{label} : {nombre_fr(value, 1)} / 100</b>"
        except GrilleError as error:
            output.value = f'<span style="color:#D55E00">{html.escape(str(error))}</span>'

    def on_show(_):
        output.value = f"<pre style='white-space:pre-wrap'>{html.escape(exporter_markdown(box._grid))}</pre>"

    def on_save(_):
        try:
            exporter_csv(box._grid, path.value)
            output.value = (f"Grille enregistrée dans <code>{html.escape(path.value)}</code> : "
                            f"rechargez-la avec <code>charger_grille(\"{html.escape(path.value)}\")</code>.")
        except (OSError, GrilleError) as error:
            output.value = f'<span style="color:#D55E00">{html.escape(str(error))}</span>'

    compute.on_click(on_compute)
    show.on_click(on_show)
    save.on_click(on_save)
    header = widgets.HTML(
        f"<h3>Grille d'analyse : {html.escape(table['relation'].iloc[0])}</h3>"
        "<p>Pour chaque critère, choisissez le niveau que les faits établissent et justifiez-le. "
        "<b>Ce formulaire n'est pas enregistré dans le notebook</b> : enregistrez votre grille "
        "en CSV avant de fermer.</p>")
    box.children = [header, *rows, widgets.HBox([compute, show]), widgets.HBox([path, save]), output]
    return box
