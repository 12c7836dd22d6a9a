"""The benchmark's Markdown table, in French, from its JSON result."""

from __future__ import annotations

NOTEBOOK_TARGET = 1.5          # each notebook within 1.5 × its floor
COHORT_TARGET_PLAIN = 0.55     # the course's cohort autograde within 0.55 × plain sequential nbgrader
COHORT_TARGET_FLOOR = 1.3      # … and within 1.3 × the floor, per submission

WAY_NAMES = {
    "nbgrader": "nbgrader autograde séquentiel, configuration nue",
    "cours_un_lot": "nbgrader autograde avec la configuration du cours (un lot, correction protégée)",
    "cours": "façon du cours : make corriger (lots protégés en parallèle)",
    "parallele_par_lots": "repère : nbgrader nu en lots parallèles",
}


def num(value: float | None, digits: int = 2) -> str:
    """A number in French notation (decimal comma); a dash when missing."""
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def verdict(value: float | None, target: float) -> str:
    return "–" if value is None else ("atteinte" if value <= target else "manquée")


def _passes(count: int) -> str:
    return "un seul passage" if count == 1 else f"médiane de {count} passages"


def _charts_text(row: dict) -> str:
    """« 3 (1,21) »: the charts a notebook drew and the seconds of the cells that drew them."""
    return f"{row['graphiques']} ({num(row['graphiques_s'])})" if row["graphiques"] else "0"


def _notebooks(section: dict) -> list[str]:
    lines = [
        "| notebook | médiane (s) | plancher (s) | ratio / plancher | cible ≤ 1,5 | graphiques (s) "
        "| ratio hors graphiques | imports du paquet "
        "| ratio / imports écrits | démarrage (s) | cellules (s) | arrêt (s) | cellule la plus lente |",
        "|---|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in section["notebooks"]:
        if "mediane_s" not in row:
            blanks = " |" * (lines[0].count("|") - 3)  # the columns after the error, left empty
            lines.append(f"| `{row['notebook']}` | échec : {row.get('erreur', '?')} |{blanks}")
            continue
        slow = row["cellules_lentes"][0] if row["cellules_lentes"] else None
        slow_text = f"{num(slow['secondes'])} s : `{slow['debut'].replace('|', '/')}`" if slow else "–"
        lines.append(
            f"| `{row['notebook']}` | {num(row['mediane_s'])} | {num(row['plancher_s'])} "
            f"| **{num(row['ratio_plancher'])}** | {verdict(row['ratio_plancher'], NOTEBOOK_TARGET)} "
            f"| {_charts_text(row)} | {num(row['ratio_hors_graphiques'])} "
            f"| {', '.join(row['imports_du_paquet']) or '–'} | {num(row['ratio_imports_ecrits'])} "
            f"| {num(row['demarrage_s'])} | {num(row['cellules_s'])} | {num(row['arret_s'])} | {slow_text} |"
        )
    total = section["total"]
    lines.append(
        f"| **tous ({total['notebooks']})** | {num(total['somme_medianes_s'], 1)} | {num(total['somme_planchers_s'], 1)} "
        f"| **{num(total['ratio_plancher'])}** | pire : {num(total['pire_ratio'])} |||| "
        f"pire : {num(total['pire_ratio_imports_ecrits'])} |||||"
    )
    floor = section["plancher_cours"]
    lines += [
        "",
        f"Plancher du cours (noyau + tous les imports du cours + arrêt) : **{num(floor['mediane_s'])} s** "
        f"= démarrage {num(floor['demarrage_s'])} s + imports {num(floor['cellules_s'])} s "
        f"+ arrêt {num(floor['arret_s'])} s ; avec l'arrêt immédiat de nbclient : "
        f"{num(floor['arret_immediat']['mediane_s'])} s (arrêt {num(floor['arret_immediat']['arret_s'])} s).",
    ]
    return lines


def _cohort(section: dict) -> list[str]:
    lines = [
        f"Devoir `{section['devoir']}`, {section['stagiaires']} stagiaires "
        f"({', '.join(f'{n} {k}' for k, n in section['copies_par_type'].items())}), "
        f"{_passes(section['repetitions'])} ; plancher par copie : **{num(section['plancher_par_copie_s'])} s** "
        f"({section['plancher_definition']}).",
        "",
        "| façon | total (s) | s / copie | ratio / nbgrader | cible ≤ 0,55 | ratio / plancher | cible ≤ 1,3 "
        "| intégrité du carnet | notes = nbgrader |",
        "|---|---:|---:|---:|---|---:|---|---|---|",
    ]
    for key, way in section["facons"].items():
        failed = f" ({way['processus_en_echec']} processus en échec)" if way["processus_en_echec"] else ""
        lines.append(
            f"| {WAY_NAMES[key]}{failed} | {num(way['mediane_s'], 1)} | {num(way['s_par_copie'])} "
            f"| **{num(way['ratio_nbgrader'])}** | {verdict(way['ratio_nbgrader'], COHORT_TARGET_PLAIN)} "
            f"| **{num(way['ratio_plancher'])}** | {verdict(way['ratio_plancher'], COHORT_TARGET_FLOOR)} "
            f"| {'ok' if way['integrite_ok'] else 'DÉFAUT'} | {'oui' if way['notes_identiques_a_nbgrader'] else 'non'} |"
        )
    lines += [
        "",
        "Où passe le temps, par copie (secondes cumulées sur tous les processus, divisées par le nombre de copies) :",
        "",
        "| façon | import de nbgrader | avant la 1re copie | démarrage des noyaux | cellules | arrêt des noyaux "
        "| reste de la conversion | noyaux démarrés |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, way in section["facons"].items():
        t = way["temps_internes_par_copie_s"]
        rest = t["conversion"] - t["demarrage_noyau"] - t["cellules"] - t["arret_noyau"]
        lines.append(
            f"| {key} | {num(t['import'])} | {num(t['avant_premiere_copie'])} | {num(t['demarrage_noyau'])} "
            f"| {num(t['cellules'])} | {num(t['arret_noyau'])} | {num(rest)} | {way['noyaux_demarres']} |"
        )
    return lines


def _package(result: dict) -> list[str]:
    imp = result["import_coopdec"]
    lines = [
        f"`import coopdec` dans un interpréteur neuf : **{num(imp['import_coopdec_s'])} s** "
        f"(médiane de {imp['repetitions']}, démarrage nu de Python déduit : {num(imp['interpreteur_seul_s'])} s). "
        "Paquets les plus lents à importer (temps propre) : "
        + ", ".join(f"{p['paquet']} {num(p['secondes'])} s" for p in imp["paquets_les_plus_lents"][:6]) + ".",
        "",
        "| jeu de données | lignes | `charger` (ms) |",
        "|---|---:|---:|",
    ]
    lines += [f"| `{d['jeu']}` | {d['lignes']} | {num(d['mediane_s'] * 1000, 1)} |" for d in result["jeux_de_donnees"]]
    env = result["environnement"]
    lines += [
        "",
        f"Environnement `.venv` : **{num(env['venv_mo'], 0)} Mo**, {env['distributions']} distributions ; "
        f"nécessaires au cours : {env['necessaires_au_cours']['nombre']} ({num(env['necessaires_au_cours']['mo'], 0)} Mo) ; "
        f"seulement pour les tests : {env['seulement_pour_les_tests']['nombre']} "
        f"({num(env['seulement_pour_les_tests']['mo'], 0)} Mo) ; requises par personne : "
        f"{', '.join(env['requises_par_personne']['noms']) or 'aucune'}.",
        "",
        "| dépendance déclarée | groupe | importée par | Mo libérés sans elle |",
        "|---|---|---|---:|",
    ]
    lines += [f"| `{d['dependance']}` | {d['groupe']} | {', '.join(d['importee_par']) or 'aucun code (commande ou greffon)'} "
              f"| {num(d['taille_avec_dependances_propres_mo'], 1)} |" for d in env["dependances_declarees"]]
    lines += ["", "Plus grosses distributions : "
              + ", ".join(f"{d['distribution']} {num(d['mo'], 0)} Mo" for d in env["plus_grosses"]) + "."]
    return lines


def markdown(result: dict) -> str:
    """The whole report: machine, notebooks, cohort, package and environment."""
    machine = result["machine"]
    lines = [
        f"# Mesures de performance du {result['date']}",
        "",
        f"Machine : {machine['processeur']}, {machine['coeurs']} cœurs, {num(machine['memoire_gio'], 0)} Gio, "
        f"Python {machine['python']} ; commit `{machine['commit']}` ; charge moyenne (1 min) : "
        f"{num(machine['charge_avant'])} au début, {num(machine['charge_apres'])} à la fin ; "
        f"durée du banc : {num(result['duree_s'] / 60, 1)} min ; options : `{result['options']}`.",
        "",
        f"## Notebooks (médiane de {result['repetitions']})",
        "",
        *_notebooks(result["notebooks"]),
        "",
        "## Correction automatique d'une cohorte",
        "",
        *_cohort(result["cohorte"]),
        "",
        "## Paquet, jeux de données, environnement",
        "",
        *_package(result),
        "",
    ]
    return "\n".join(lines)
