"""The logical framework of a cooperation project (« cadre logique »), checked for completeness.

A logical framework is a project-management practice, **not a legal
obligation**: none of the texts the course relies on (CGCT, calls for projects
of the ministry as summarised by the course's sources) prescribes one. This
module gives the course one simple format for it and checks that a framework
written in that format is complete and consistent.

A framework is a plain Python dictionary, written by the trainee in a notebook
cell (keys in French; accents, case and spaces in the keys do not matter)::

    cadre = {
        "titre": "Projet fictif : l'eau à Tanvéla",          # optional
        "debut": "2026-01", "fin": "2028-12",                 # optional
        "objectif_general": "…",
        "objectifs_specifiques": {"OS1": "…"},                # code -> wording
        "resultats": {
            "R1": {"intitule": "…", "objectif": "OS1",
                   "indicateurs": [
                       {"indicateur": "Taux de recouvrement des factures d'eau (%)",
                        "valeur_reference": 45, "cible": 70,
                        "source_verification": "Registre de facturation du service",
                        "echeance": "2028-06"},
                   ]},
        },
        "activites": {"A1.1": {"intitule": "…", "resultat": "R1"}},
        "hypotheses": ["Les agents formés restent en poste."],
    }

:func:`verifier_cadre_logique` returns what is missing or inconsistent, as a
list of French sentences (empty when the framework is complete):

- an empty general objective; no specific objective, or one with no result;
- no result, or a result without wording, without a valid link to a specific
  objective, without an indicator, or that no activity produces;
- an indicator without wording, baseline (« valeur de référence »), target
  (« cible »), means of verification or deadline (« échéance »); a target that
  is neither a number nor a date (not measurable), a number written as text, a
  numeric target next to a baseline that is not a number, a target equal to
  its baseline; a deadline that is not a date, or outside the project period;
- no activity, or an activity without wording or linked to no (existing) result;
- no hypothesis or risk, or an empty one; a project period that is not a
  period.

What prevents reading the framework at all (not a dictionary, an unknown key,
a list where a dictionary is expected, a number where a text is expected…)
raises :class:`CadreLogiqueError` (a ``ValueError``) with a French message.
:func:`tableau_cadre_logique` gives a tidy table view and
:func:`exporter_markdown` a Markdown section for a report. No function changes
the dictionary it is given.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import numbers
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .descriptions import describe
from .erreurs import ErreurDuCours
from .grille import TexteMarkdown
from .style import nombre_fr

__all__ = [
    "CLES",
    "CLES_ACTIVITE",
    "CLES_INDICATEUR",
    "CLES_RESULTAT",
    "COLONNES",
    "CadreLogiqueError",
    "Problemes",
    "exporter_markdown",
    "tableau_cadre_logique",
    "verifier_cadre_logique",
]


class CadreLogiqueError(ErreurDuCours):
    """A framework cannot be read: wrong type or unknown key (French message)."""


CLES = {
    "titre": "le titre du projet (facultatif)",
    "debut": "le début du projet, une date comme \"2026-01\" (facultatif)",
    "fin": "la fin du projet, une date comme \"2028-12\" (facultatif)",
    "objectif_general": "l'objectif général : le changement de long terme auquel le projet contribue",
    "objectifs_specifiques": "les objectifs spécifiques, {code: intitulé}",
    "resultats": "les résultats attendus, {code: {intitule, objectif, indicateurs}}",
    "activites": "les activités, {code: {intitule, resultat}}",
    "hypotheses": "les hypothèses et les risques, une liste de textes",
}
"""The keys of a framework, with what each one holds."""

CLES_RESULTAT = {
    "intitule": "ce qui aura changé à la fin du projet",
    "objectif": "le code de l'objectif spécifique auquel le résultat contribue, par exemple \"OS1\"",
    "indicateurs": "la liste de ses indicateurs",
}
CLES_INDICATEUR = {
    "indicateur": "ce que l'on mesure (avec son unité)",
    "valeur_reference": "la valeur au départ (0 si rien n'existe)",
    "cible": "la valeur à atteindre : un nombre, ou une date",
    "source_verification": "le document qui prouvera le résultat",
    "echeance": "la date à laquelle la cible doit être atteinte, par exemple \"2027-06\"",
}
CLES_ACTIVITE = {
    "intitule": "ce que l'on fait",
    "resultat": "le code du résultat que l'activité produit, par exemple \"R1\"",
}

COLONNES = ["niveau", "code", "intitule", "rattache_a", "indicateur", "valeur_reference", "cible",
            "source_verification", "echeance"]
"""The columns of :func:`tableau_cadre_logique`."""

_DATE_HINT = "\"AAAA-MM\" (par exemple \"2027-06\"), \"AAAA-MM-JJ\" ou \"JJ/MM/AAAA\""
_TARGET_HINT = "un nombre (par exemple 12) ou une date (par exemple \"2027-06\")"


class Problemes(list):
    """The list of problems found in a framework; shown as a bulleted list in a notebook.

    It is an ordinary list of French sentences: ``problemes == []`` when the
    framework is complete.
    """

    def __str__(self) -> str:
        if not self:
            return "Cadre logique complet : rien ne manque."
        return (f"{len(self)} point(s) à compléter ou à corriger :\n"
                + "\n".join(f"- {item}" for item in self))

    def _repr_markdown_(self) -> str:
        if not self:
            return "✅ **Cadre logique complet** : rien ne manque."
        items = "\n".join(f"- {_md_escape(item)}" for item in self)
        return f"⚠️ **{len(self)} point(s) à compléter ou à corriger** :\n\n{items}\n"


# --------------------------------------------------------------------------
# Reading the dictionary (structure errors raise CadreLogiqueError)
# --------------------------------------------------------------------------

def _normalised_key(key: str) -> str:
    decomposed = unicodedata.normalize("NFKD", key.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s\-']+", "_", plain)


def _suggest(key: str, known) -> str:
    known = list(known)
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if not close:
        close = [k for k in known if key and (k.startswith(key) or key in k)][:1]
    return f" Vouliez-vous dire « {close[0]} » ?" if close else ""


def _keys(mapping: Mapping, known: Mapping, where: str) -> dict:
    """``mapping`` with normalised keys; an unknown or repeated key raises."""
    result = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise CadreLogiqueError(f"{where} : les clés s'écrivent entre guillemets ; "
                                    f"vous avez donné {describe(key)}.")
        name = _normalised_key(key)
        if name not in known:
            listed = ", ".join(f"« {k} »" for k in known)
            raise CadreLogiqueError(f"{where} : clé inconnue « {key} ».{_suggest(name, known)} "
                                    f"Clés possibles : {listed}.")
        if name in result:
            raise CadreLogiqueError(f"{where} : la clé « {name} » est écrite deux fois.")
        result[name] = value
    return result


def _codes(mapping, where: str, example: str, what: str) -> dict:
    """A {code: value} dictionary, with codes stripped; None counts as empty."""
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping):
        raise CadreLogiqueError(
            f"{where} s'écrivent dans un dictionnaire {{code: {what}}}, par exemple {example} ; "
            f"vous avez donné {describe(mapping)}."
        )
    result = {}
    for code, value in mapping.items():
        if not isinstance(code, str) or not code.strip():
            raise CadreLogiqueError(f"{where} : chaque code est un court texte entre guillemets "
                                    f"(par exemple \"OS1\", \"R1\" ou \"A1.1\") ; vous avez donné "
                                    f"{describe(code)}.")
        result[code.strip()] = value
    return result


def _text(value, where: str):
    """A stripped text, or None when missing; another type raises."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if not isinstance(value, str):
        raise CadreLogiqueError(f"{where} doit être un texte entre guillemets ; vous avez donné "
                                f"{describe(value)}.")
    return value.strip() or None


_ANY = "un nombre, une date ou un court texte"
_A_DATE = "une date entre guillemets, par exemple \"2027-06\""


def _value(value, where: str, expected: str = _ANY):
    """A number, a text or a date (a baseline, a target, a date); None when missing.

    Only the Python type is checked here; whether a target is measurable or a
    deadline is a date is a problem reported by the check, not an error.
    """
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        raise CadreLogiqueError(f"{where} : écrivez {expected}, pas un booléen ({value}).")
    if isinstance(value, numbers.Real):
        return None if math.isnan(value) else value
    if isinstance(value, dt.date):
        return value
    raise CadreLogiqueError(f"{where} : écrivez {expected} ; vous avez donné {describe(value)}.")


def _read(cadre) -> dict:
    """The framework in a canonical form (codes and texts stripped), or CadreLogiqueError."""
    if not isinstance(cadre, Mapping):
        raise CadreLogiqueError(
            "Un cadre logique s'écrit comme un dictionnaire {\"objectif_general\": …, "
            "\"objectifs_specifiques\": {…}, \"resultats\": {…}, \"activites\": {…}, "
            f"\"hypotheses\": […]}} ; vous avez donné {describe(cadre)}."
        )
    top = _keys(cadre, CLES, "Cadre logique")
    read = {
        "titre": _text(top.get("titre"), "Le titre (titre)"),
        "debut": _value(top.get("debut"), "Le début du projet (debut)", _A_DATE),
        "fin": _value(top.get("fin"), "La fin du projet (fin)", _A_DATE),
        "objectif_general": _text(top.get("objectif_general"), "L'objectif général (objectif_general)"),
    }
    objectives = _codes(top.get("objectifs_specifiques"), "Les objectifs spécifiques",
                        '{"OS1": "Renforcer le service de l\'eau"}', "intitulé")
    read["objectifs_specifiques"] = {
        code: _text(text, f"L'intitulé de l'objectif spécifique {code}")
        for code, text in objectives.items()
    }
    results = _codes(top.get("resultats"), "Les résultats attendus",
                     '{"R1": {"intitule": "…", "objectif": "OS1", "indicateurs": […]}}',
                     "{intitule, objectif, indicateurs}")
    read["resultats"] = {code: _result(code, value) for code, value in results.items()}
    activities = _codes(top.get("activites"), "Les activités",
                        '{"A1.1": {"intitule": "…", "resultat": "R1"}}', "{intitule, resultat}")
    read["activites"] = {code: _activity(code, value) for code, value in activities.items()}
    read["hypotheses"] = _hypotheses(top.get("hypotheses"))
    return read


def _result(code: str, value) -> dict:
    where = f"Résultat {code}"
    if not isinstance(value, Mapping):
        raise CadreLogiqueError(
            f"{where} : un résultat s'écrit comme un dictionnaire {{\"intitule\": …, \"objectif\": "
            f"…, \"indicateurs\": […]}} ; vous avez donné {describe(value)}."
        )
    fields = _keys(value, CLES_RESULTAT, where)
    indicators = fields.get("indicateurs")
    if indicators is None:
        indicators = []
    if isinstance(indicators, Mapping):
        raise CadreLogiqueError(f"{where} : les indicateurs forment une liste ; mettez "
                                "l'indicateur entre crochets : \"indicateurs\": [{…}].")
    if not isinstance(indicators, (list, tuple)):
        raise CadreLogiqueError(f"{where} : les indicateurs forment une liste de dictionnaires, "
                                f"[{{…}}, {{…}}] ; vous avez donné {describe(indicators)}.")
    return {
        "intitule": _text(fields.get("intitule"), f"{where} : l'intitulé"),
        "objectif": _text(fields.get("objectif"), f"{where} : le code de l'objectif (objectif)"),
        "indicateurs": [_indicator(f"{where}, indicateur {number}", item)
                        for number, item in enumerate(indicators, start=1)],
    }


def _indicator(where: str, value) -> dict:
    if not isinstance(value, Mapping):
        raise CadreLogiqueError(
            f"{where} : un indicateur s'écrit comme un dictionnaire {{\"indicateur\": …, "
            "\"valeur_reference\": …, \"cible\": …, \"source_verification\": …, \"echeance\": …} ; "
            f"vous avez donné {describe(value)}."
        )
    fields = _keys(value, CLES_INDICATEUR, where)
    return {
        "indicateur": _text(fields.get("indicateur"), f"{where} : l'intitulé (indicateur)"),
        "valeur_reference": _value(fields.get("valeur_reference"), f"{where}, valeur de référence"),
        "cible": _value(fields.get("cible"), f"{where}, cible"),
        "source_verification": _text(fields.get("source_verification"),
                                     f"{where} : la source de vérification"),
        "echeance": _value(fields.get("echeance"), f"{where}, échéance", _A_DATE),
    }


def _activity(code: str, value) -> dict:
    where = f"Activité {code}"
    if not isinstance(value, Mapping):
        raise CadreLogiqueError(
            f"{where} : une activité s'écrit comme un dictionnaire {{\"intitule\": …, "
            f"\"resultat\": \"R1\"}} ; vous avez donné {describe(value)}."
        )
    fields = _keys(value, CLES_ACTIVITE, where)
    return {
        "intitule": _text(fields.get("intitule"), f"{where} : l'intitulé"),
        "resultat": _text(fields.get("resultat"), f"{where} : le code du résultat (resultat)"),
    }


def _hypotheses(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        raise CadreLogiqueError("Les hypothèses et risques forment une liste de textes : mettez "
                                "le texte entre crochets, [\"…\"], et séparez-les par des virgules.")
    if not isinstance(value, (list, tuple)):
        raise CadreLogiqueError("Les hypothèses et risques forment une liste de textes, [\"…\", "
                                f"\"…\"] ; vous avez donné {describe(value)}.")
    return [_text(item, f"L'hypothèse {number}") for number, item in enumerate(value, start=1)]


# --------------------------------------------------------------------------
# Numbers and dates
# --------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")
_FRENCH = re.compile(r"^(?:(\d{1,2})/)?(\d{1,2})/(\d{4})$")
_NUMBER_AS_TEXT = re.compile(r"^[+-]?\d[\d\s\u202f\u00a0]*(?:[.,]\d+)?\s*%?$")


def _date(value):
    """(year, month, text) for a date, or None when ``value`` is not a date."""
    if isinstance(value, dt.date):
        return value.year, value.month, value.isoformat()[:10]
    if not isinstance(value, str):
        return None
    text = value.strip()
    iso, french = _ISO.match(text), _FRENCH.match(text)
    if iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3] or 1)
    elif french:
        year, month, day = int(french[3]), int(french[2]), int(french[1] or 1)
    else:
        return None
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return year, month, text


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _shown(value) -> str:
    """A value as the trainee reads it: French numbers, dates as written."""
    if _is_number(value):
        if not math.isfinite(value):
            return str(value)
        decimals = 0 if float(value).is_integer() else len(f"{float(value):.4f}".rstrip("0").split(".")[1])
        return nombre_fr(value, decimals)
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return str(value)


# --------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------

def _named(code: str, text) -> str:
    return f"{code} (« {text} »)" if text else code


def _period(read: dict, problems: list) -> tuple | None:
    """The project period as two (year, month) pairs, or None."""
    bounds = {}
    for key, word in (("debut", "le début"), ("fin", "la fin")):
        value = read[key]
        if value is None:
            continue
        date = _date(value)
        if date is None:
            problems.append(f"Période du projet : {word} (« {_shown(value)} ») n'est pas une date ; "
                            f"écrivez-la {_DATE_HINT}.")
        else:
            bounds[key] = date
    if len(bounds) == 2:
        if bounds["fin"][:2] < bounds["debut"][:2]:
            problems.append(f"Période du projet : la fin ({bounds['fin'][2]}) précède le début "
                            f"({bounds['debut'][2]}).")
            return None
    return bounds.get("debut"), bounds.get("fin")


def _outside(date, period) -> str | None:
    """Why ``date`` falls outside the project period, or None."""
    start, end = period if period else (None, None)
    if start and date[:2] < start[:2]:
        return f"tombe avant le début du projet ({start[2]})"
    if end and date[:2] > end[:2]:
        return f"tombe après la fin du projet ({end[2]})"
    return None


def _check_indicator(where: str, ind: dict, period, problems: list) -> None:
    name = ind["indicateur"]
    label = f"{where} (« {name} »)" if name else where
    if name is None:
        problems.append(f"{where} : il manque l'intitulé de l'indicateur (ce que l'on mesure, "
                        "avec son unité).")
    reference, target = ind["valeur_reference"], ind["cible"]
    if reference is None:
        problems.append(f"{label} : il manque la valeur de référence (la situation au départ ; "
                        "0 si rien n'existe encore).")
    if target is None:
        problems.append(f"{label} : il manque la cible, {_TARGET_HINT}.")
    elif _is_number(target):
        if not math.isfinite(target):
            problems.append(f"{label} : la cible ({target}) n'est pas un nombre fini.")
        elif reference is not None and not _is_number(reference):
            problems.append(f"{label} : la cible est un nombre, mais la valeur de référence "
                            f"(« {_shown(reference)} ») n'en est pas un : donnez la valeur de "
                            "départ en nombre, pour pouvoir mesurer le progrès.")
        elif reference is not None and reference == target:
            problems.append(f"{label} : la cible ({_shown(target)}) est égale à la valeur de "
                            "référence : l'indicateur ne mesure aucun changement.")
    else:
        date = _date(target)
        if date is None:
            if isinstance(target, str) and _NUMBER_AS_TEXT.match(target):
                problems.append(f"{label} : la cible « {target} » est écrite comme un texte : "
                                "écrivez le nombre sans guillemets (et l'unité, % ou autre, dans "
                                "l'intitulé de l'indicateur).")
            else:
                problems.append(f"{label} : la cible « {_shown(target)} » n'est pas mesurable ; "
                                f"donnez {_TARGET_HINT}.")
        else:
            why = _outside(date, period)
            if why:
                problems.append(f"{label} : la cible ({date[2]}) {why}.")
    if ind["source_verification"] is None:
        problems.append(f"{label} : il manque la source de vérification (le document qui prouvera "
                        "le résultat : registre, rapport, liste de présence…).")
    deadline = ind["echeance"]
    if deadline is None:
        problems.append(f"{label} : il manque l'échéance (la date à laquelle la cible doit être "
                        "atteinte, par exemple \"2027-06\").")
    else:
        date = _date(deadline)
        if date is None and _is_number(deadline):
            problems.append(f"{label} : l'échéance ({deadline}) est un nombre, pas une date ; "
                            f"écrivez-la entre guillemets, {_DATE_HINT}.")
        elif date is None:
            problems.append(f"{label} : l'échéance « {_shown(deadline)} » n'est pas une date ; "
                            f"écrivez-la {_DATE_HINT}.")
        else:
            why = _outside(date, period)
            if why:
                problems.append(f"{label} : l'échéance ({date[2]}) {why}.")


def verifier_cadre_logique(cadre) -> Problemes:
    """Return what is missing or inconsistent in ``cadre``, in French (empty when complete).

    The result is a :class:`Problemes` list, in the order of the framework
    (period, general objective, specific objectives, results and their
    indicators, activities, hypotheses). A framework that cannot be read raises
    :class:`CadreLogiqueError`.
    """
    read = _read(cadre)
    problems: list[str] = []
    period = _period(read, problems)

    if read["objectif_general"] is None:
        problems.append("Objectif général : il manque. Écrivez en une phrase le changement de long "
                        "terme auquel le projet contribue.")

    objectives, results, activities = (read["objectifs_specifiques"], read["resultats"],
                                       read["activites"])
    if not objectives:
        problems.append("Objectifs spécifiques : aucun. Ajoutez au moins un objectif spécifique, "
                        "par exemple \"objectifs_specifiques\": {\"OS1\": \"…\"}.")
    served = {r["objectif"] for r in results.values()}
    for code, text in objectives.items():
        if text is None:
            problems.append(f"Objectif spécifique {code} : l'intitulé est vide.")
        if results and code not in served:
            problems.append(f"Objectif spécifique {_named(code, text)} : aucun résultat n'y est "
                            f"rattaché (ajoutez un résultat avec \"objectif\": \"{code}\", ou "
                            "supprimez cet objectif).")

    if not results:
        problems.append("Résultats attendus : aucun. Ajoutez au moins un résultat, par exemple "
                        "\"resultats\": {\"R1\": {\"intitule\": …, \"objectif\": …, "
                        "\"indicateurs\": […]}}.")
    produced = {a["resultat"] for a in activities.values()}
    known_objectives = ", ".join(objectives) or "aucun"
    for code, result in results.items():
        where = f"Résultat {code}"
        label = f"Résultat {_named(code, result['intitule'])}"
        if result["intitule"] is None:
            problems.append(f"{where} : l'intitulé est vide (ce qui aura changé à la fin du projet).")
        link = result["objectif"]
        if link is None:
            problems.append(f"{label} : il n'est rattaché à aucun objectif spécifique ; indiquez "
                            "dans \"objectif\" le code de l'objectif auquel il contribue "
                            f"(objectifs spécifiques : {known_objectives}).")
        elif link not in objectives:
            problems.append(f"{label} : il est rattaché à l'objectif « {link} », qui n'existe pas "
                            f"(objectifs spécifiques : {known_objectives}).")
        if not result["indicateurs"]:
            problems.append(f"{label} : aucun indicateur. Chaque résultat a au moins un indicateur, "
                            "avec sa valeur de référence, sa cible, sa source de vérification et "
                            "son échéance.")
        for number, indicator in enumerate(result["indicateurs"], start=1):
            _check_indicator(f"{where}, indicateur {number}", indicator, period, problems)
        if activities and code not in produced:
            problems.append(f"{label} : aucune activité ne le produit (rattachez-lui au moins une "
                            "activité).")

    if not activities:
        problems.append("Activités : aucune. Ajoutez au moins une activité, par exemple "
                        "\"activites\": {\"A1.1\": {\"intitule\": …, \"resultat\": \"R1\"}}.")
    known_results = ", ".join(results) or "aucun"
    for code, activity in activities.items():
        label = f"Activité {_named(code, activity['intitule'])}"
        if activity["intitule"] is None:
            problems.append(f"Activité {code} : l'intitulé est vide (ce que l'on fait).")
        link = activity["resultat"]
        if link is None:
            problems.append(f"{label} : elle n'est rattachée à aucun résultat ; indiquez dans "
                            "\"resultat\" le code du résultat qu'elle produit (résultats : "
                            f"{known_results}).")
        elif link not in results:
            problems.append(f"{label} : elle est rattachée au résultat « {link} », qui n'existe "
                            f"pas (résultats : {known_results}).")

    hypotheses = read["hypotheses"]
    if not hypotheses:
        problems.append("Hypothèses et risques : aucun. Notez au moins une condition extérieure au "
                        "projet dont dépend sa réussite, ou un risque qui pourrait l'empêcher.")
    for number, text in enumerate(hypotheses, start=1):
        if text is None:
            problems.append(f"Hypothèse {number} : le texte est vide.")
    return Problemes(problems)


# --------------------------------------------------------------------------
# Views: a tidy table and a Markdown section
# --------------------------------------------------------------------------

def _or_na(value):
    return pd.NA if value is None else _shown(value)


def tableau_cadre_logique(cadre) -> pd.DataFrame:
    """The framework as a tidy table: one row per element, one per indicator of each result.

    Columns: see :data:`COLONNES`. ``niveau`` is « objectif général »,
    « objectif spécifique », « résultat », « activité » or « hypothèse »;
    ``rattache_a`` is the code of the element above (the objective of a result,
    the result of an activity). Missing values are ``<NA>``; numbers are
    written the French way. An incomplete framework is shown as it is.
    """
    read = _read(cadre)
    rows = [{"niveau": "objectif général", "code": "OG", "intitule": read["objectif_general"]}]
    for code, text in read["objectifs_specifiques"].items():
        rows.append({"niveau": "objectif spécifique", "code": code, "intitule": text,
                     "rattache_a": "OG"})
    for code, result in read["resultats"].items():
        base = {"niveau": "résultat", "code": code, "intitule": result["intitule"],
                "rattache_a": result["objectif"]}
        if not result["indicateurs"]:
            rows.append(base)
        for indicator in result["indicateurs"]:
            rows.append({**base, **indicator})
    for code, activity in read["activites"].items():
        rows.append({"niveau": "activité", "code": code, "intitule": activity["intitule"],
                     "rattache_a": activity["resultat"]})
    for number, text in enumerate(read["hypotheses"], start=1):
        rows.append({"niveau": "hypothèse", "code": f"H{number}", "intitule": text})
    table = pd.DataFrame([{column: _or_na(row.get(column)) for column in COLONNES} for row in rows],
                         columns=COLONNES)
    return table.astype("string")


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md(value) -> str:
    return "—" if value is None else _md_escape(_shown(value))


def exporter_markdown(cadre, chemin: str | Path | None = None) -> TexteMarkdown:
    """The framework as a Markdown section for a report, with the result of the check.

    Displayed as Markdown in a notebook; also written to ``chemin`` when given.
    An incomplete framework is exported with the list of what is missing.
    """
    read = _read(cadre)
    problems = verifier_cadre_logique(cadre)
    title = f"## Cadre logique : {_md_escape(read['titre'])}" if read["titre"] else "## Cadre logique"
    lines = [title, ""]
    if read["debut"] is not None or read["fin"] is not None:
        lines += [f"*Période : de {_md(read['debut'])} à {_md(read['fin'])}.*", ""]
    lines += [f"**Objectif général** : {_md(read['objectif_general'])}", "",
              "**Objectifs spécifiques** :", ""]
    lines += [f"- **{_md_escape(code)}** : {_md(text)}"
              for code, text in read["objectifs_specifiques"].items()] or ["- —"]
    lines += ["", "**Résultats attendus et indicateurs** :", "",
              "| Résultat | Objectif | Indicateur | Référence | Cible | Source de vérification "
              "| Échéance |",
              "|---|---|---|---|---|---|---|"]
    for code, result in read["resultats"].items():
        name = f"**{_md_escape(code)}** {_md(result['intitule'])}"
        for indicator in result["indicateurs"] or [dict.fromkeys(CLES_INDICATEUR)]:
            lines.append(f"| {name} | {_md(result['objectif'])} | {_md(indicator['indicateur'])} | "
                         f"{_md(indicator['valeur_reference'])} | {_md(indicator['cible'])} | "
                         f"{_md(indicator['source_verification'])} | {_md(indicator['echeance'])} |")
    lines += ["", "**Activités** :", "", "| Activité | Intitulé | Résultat produit |", "|---|---|---|"]
    for code, activity in read["activites"].items():
        lines.append(f"| **{_md_escape(code)}** | {_md(activity['intitule'])} | "
                     f"{_md(activity['resultat'])} |")
    lines += ["", "**Hypothèses et risques** :", ""]
    lines += [f"- {_md(text)}" for text in read["hypotheses"]] or ["- —"]
    lines.append("")
    if problems:
        lines += [f"**À compléter** ({len(problems)} point(s)) :", ""]
        lines += [f"- {_md_escape(item)}" for item in problems]
    else:
        lines.append("*Cadre logique complet (vérifié avec coopdec.cadre_logique).*")
    text = TexteMarkdown("\n".join(lines) + "\n")
    if chemin is not None:
        Path(chemin).write_text(text, encoding="utf-8")
    return text
