"""coopdec.grille: criteria, filling, weights, gaps, scores, comparison, radar, export, widget."""

import math
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pandas.testing as pdt  # noqa: E402
import pytest  # noqa: E402

from coopdec import grille as G  # noqa: E402
from coopdec.grille import GrilleError  # noqa: E402

CODES = [c.code for c in G.CRITERES]


def filled(relation="Relation A", levels=None, undocumented=()):
    """A grid with every criterion filled: levels by code (default 2), some « non documenté »."""
    levels = levels or {}
    grid = G.grille_vide(relation)
    for code in CODES:
        if code in undocumented:
            grid = G.noter(grid, code, None, f"Non documenté : aucun fait sur {code}.")
        else:
            grid = G.noter(grid, code, levels.get(code, 2), f"Faits pour {code} (source).")
    return grid


# -- the criteria -------------------------------------------------------------

def test_the_grid_has_the_required_criteria():
    assert CODES == ["gouvernance_reciprocite", "acteurs_locaux", "appui_institutionnel",
                     "alignement_decentralisation", "politique_publique_locale", "financement",
                     "suivi_evaluation", "contribution_odd"]
    assert G.NIVEAUX == {0: "absent", 1: "amorcé", 2: "établi", 3: "avancé"}
    for c in G.CRITERES:
        assert len(c.niveaux) == 4 and all(len(text) > 20 for text in c.niveaux), c.code
        assert c.sources and c.question.endswith("?") and len(c.court) <= 32


def test_criteres_lists_code_dimension_title_question_and_sources():
    table = G.criteres()
    assert list(table.columns) == ["critere", "dimension", "intitule", "question", "sources"]
    assert list(table["critere"]) == CODES
    assert "Montreuil" in table.set_index("critere").loc["appui_institutionnel", "sources"]
    assert "2021" in table.set_index("critere").loc["contribution_odd", "sources"]


def test_decrire_one_criterion_and_all():
    text = G.decrire("gouvernance_reciprocite")
    assert isinstance(text, str) and text._repr_markdown_() == text
    assert "| 3 – avancé |" in text and "I. Dia, 1999" in text and "non documenté" in text
    overview = G.decrire()
    assert all(f"`{code}`" in overview for code in CODES)


def test_unknown_criterion_suggests_the_closest_code():
    with pytest.raises(GrilleError, match="Critère inconnu : « appui_institutionel ».*"
                                          "Vouliez-vous dire « appui_institutionnel »"):
        G.decrire("appui_institutionel")
    with pytest.raises(GrilleError, match="Critère inconnu : « xyz »\\. Critères de la grille"):
        G.decrire("xyz")
    with pytest.raises(GrilleError, match="code entre guillemets"):
        G.decrire(3)


# -- building and filling ---------------------------------------------------------

def test_empty_grid_has_one_row_per_criterion_with_equal_weights():
    grid = G.grille_vide("  Chambéry – Ouahigouya ")
    assert list(grid.columns) == G.COLONNES
    assert list(grid["critere"]) == CODES
    assert set(grid["relation"]) == {"Chambéry – Ouahigouya"}
    assert grid["niveau"].isna().all() and grid["justification"].isna().all()
    assert grid["poids"].tolist() == [0.125] * 8
    assert str(grid["niveau"].dtype) == "Int64" and str(grid["justification"].dtype) == "string"


@pytest.mark.parametrize("name", ["", "   ", None, 12])
def test_empty_grid_needs_a_relation_name(name):
    with pytest.raises(GrilleError, match="Nommez la relation"):
        G.grille_vide(name)


def test_noter_returns_a_new_grid_and_leaves_the_old_one_alone():
    empty = G.grille_vide("A")
    grid = G.noter(empty, "suivi_evaluation", 3, "  Évaluations 2009 et 2016 (f3e).  ")
    assert empty["niveau"].isna().all()
    row = grid.set_index("critere").loc["suivi_evaluation"]
    assert row["niveau"] == 3 and row["justification"] == "Évaluations 2009 et 2016 (f3e)."


@pytest.mark.parametrize("undocumented", [None, "non documenté", "Non documente", "nd", float("nan")])
def test_noter_non_documente(undocumented):
    grid = G.noter(G.grille_vide("A"), "contribution_odd", undocumented, "Rien sur les ODD.")
    row = grid.set_index("critere").loc["contribution_odd"]
    assert pd.isna(row["niveau"]) and row["justification"] == "Rien sur les ODD."


@pytest.mark.parametrize("level", [0, 3, 2.0])
def test_noter_accepts_integer_levels(level):
    grid = G.noter(G.grille_vide("A"), "financement", level, "Budget prévu.")
    assert grid.set_index("critere").loc["financement", "niveau"] == int(level)


@pytest.mark.parametrize(
    "level, message",
    [
        (4, "Niveau 4 impossible pour « Financement et cofinancements » \\(financement\\) : "
            "les niveaux vont de 0 à 3"),
        (-1, "Niveau -1 impossible"),
        (1.5, "1.5 n'est pas un nombre entier ; choisissez 0, 1, 2 ou 3\\."),
        ("2", "écrivez le nombre sans guillemets"),
        ("élevé", "« élevé » n'est pas un niveau"),
        (True, "on attend un nombre entier"),
        ([2], "on attend un nombre entier"),
    ],
)
def test_noter_refuses_bad_levels_naming_the_criterion(level, message):
    with pytest.raises(GrilleError, match=message):
        G.noter(G.grille_vide("A"), "financement", level, "Budget prévu.")


def test_noter_requires_a_justification():
    with pytest.raises(GrilleError, match="Justifiez le niveau 2 de « Suivi et évaluation »"):
        G.noter(G.grille_vide("A"), "suivi_evaluation", 2, "   ")
    with pytest.raises(GrilleError, match="Expliquez pourquoi « Contribution aux ODD » "
                                          "\\(contribution_odd\\) est non documenté"):
        G.noter(G.grille_vide("A"), "contribution_odd", None, "")
    with pytest.raises(GrilleError, match="un texte entre guillemets"):
        G.noter(G.grille_vide("A"), "suivi_evaluation", 2, 2005)


def test_noter_refuses_an_unknown_criterion():
    with pytest.raises(GrilleError, match="Critère inconnu : « reciprocite »"):
        G.noter(G.grille_vide("A"), "reciprocite", 1, "x")


# -- what is a grid ------------------------------------------------------------------

def test_functions_refuse_what_is_not_a_grid():
    with pytest.raises(GrilleError, match="On attend une grille.*vous avez donné un dictionnaire"):
        G.score({"a": 1})
    with pytest.raises(GrilleError, match="vous avez donné une liste \\[ \\]\\.$"):
        G.score(list(range(100)))
    with pytest.raises(GrilleError, match="colonne\\(s\\) manquante\\(s\\) « poids »"):
        G.score(G.grille_vide("A").drop(columns="poids"))


def test_a_grid_is_one_relation_with_each_criterion_once():
    a = G.grille_vide("A")
    with pytest.raises(GrilleError, match="une seule relation.*« A », « B »"):
        G.lacunes(pd.concat([a.iloc[:4], G.grille_vide("B").iloc[4:]]))
    with pytest.raises(GrilleError, match="plusieurs fois.*acteurs_locaux"):
        G.lacunes(pd.concat([a, a.iloc[[1]]]))
    with pytest.raises(GrilleError, match="absent\\(s\\) de la grille.*contribution_odd"):
        G.lacunes(a.iloc[:7])
    renamed = a.copy()
    renamed.loc[0, "critere"] = "gouvernance"
    with pytest.raises(GrilleError, match="Critère inconnu : « gouvernance »"):
        G.lacunes(renamed)
    broken = a.copy()
    broken["niveau"] = broken["niveau"].astype(object)
    broken.loc[2, "niveau"] = 7
    with pytest.raises(GrilleError, match="Niveau 7 impossible pour « Appui institutionnel »"):
        G.lacunes(broken)


def test_rows_are_put_back_in_the_order_of_the_criteria():
    grid = filled()
    shuffled = grid.iloc[::-1].reset_index(drop=True)
    pdt.assert_frame_equal(G.lacunes(shuffled), G.lacunes(grid))
    pdt.assert_frame_equal(G.ponderer(shuffled, dict.fromkeys(CODES, 0.125)), grid)


# -- weights ---------------------------------------------------------------------------

def test_weights_as_fractions_or_percentages():
    weights = dict.fromkeys(CODES, 10.0) | {"appui_institutionnel": 20.0, "alignement_decentralisation": 20.0}
    grid = G.ponderer(G.grille_vide("A"), weights)
    assert math.isclose(grid["poids"].sum(), 1)
    assert grid.set_index("critere").loc["appui_institutionnel", "poids"] == pytest.approx(0.2)
    same = G.grille_vide("A", poids={code: w / 100 for code, w in weights.items()})
    pdt.assert_series_equal(same["poids"], grid["poids"])
    pdt.assert_frame_equal(G.ponderer(G.grille_vide("A"), pd.Series(weights)), grid)


def test_weights_within_tolerance_are_normalised():
    grid = G.grille_vide("A", poids=dict.fromkeys(CODES, 12.51))  # 100.08
    assert math.isclose(grid["poids"].sum(), 1) and grid["poids"].nunique() == 1


@pytest.mark.parametrize(
    "weights, message",
    [
        (dict.fromkeys(CODES, 0.1), "Les poids font 0,800 au total : ils doivent faire 1 "
                                    "\\(ou 100 s'ils sont en pourcentages\\)"),
        (dict.fromkeys(CODES[:7], 1 / 7), "Il manque le poids de : « Contribution aux ODD » "
                                          "\\(contribution_odd\\)"),
        (dict.fromkeys(CODES, 0.125) | {"odd": 0.1}, "Poids donné pour un critère inconnu\\. "
                                                     "Critère inconnu : « odd »"),
        (dict.fromkeys(CODES, 0.25) | {"financement": 0, "suivi_evaluation": -0.75},
         "Le poids de « Financement et cofinancements » \\(financement\\) doit être strictement "
         "positif"),
        (dict.fromkeys(CODES, 0.125) | {"financement": "0.125"},
         "Le poids de « Financement et cofinancements » \\(financement\\) doit être un nombre ; "
         "vous avez donné un texte \\(« 0.125 »\\)\\. Écrivez-le sans guillemets"),
        (dict.fromkeys(CODES, 0.125) | {"financement": float("nan")}, "doit être un nombre"),
        ([0.125] * 8, "dans un dictionnaire"),
    ],
)
def test_bad_weights_are_refused_in_french(weights, message):
    with pytest.raises(GrilleError, match=message):
        G.ponderer(G.grille_vide("A"), weights)
    with pytest.raises(GrilleError, match=message):
        G.grille_vide("A", poids=weights)


def test_weights_edited_in_the_table_are_checked():
    grid = G.grille_vide("A")
    grid["poids"] = 0.2
    with pytest.raises(GrilleError, match="Les poids font 1,600 au total"):
        G.score(grid)


# -- gaps and scores -----------------------------------------------------------------------

def test_lacunes_reports_unfilled_unjustified_and_undocumented():
    grid = G.noter(G.grille_vide("A"), "financement", None, "Montants non publiés.")
    grid = G.noter(grid, "suivi_evaluation", 2, "Évaluation 2005.")
    grid.loc[grid["critere"] == "acteurs_locaux", "niveau"] = 2  # a level typed without evidence
    gaps = G.lacunes(grid).set_index("critere")["lacune"]
    assert gaps["financement"] == "non documenté"
    assert gaps["acteurs_locaux"] == "niveau sans justification"
    assert gaps["gouvernance_reciprocite"] == "non rempli"
    assert "suivi_evaluation" not in gaps
    assert len(G.lacunes(filled())) == 0
    assert list(G.lacunes(filled()).columns) == ["critere", "intitule", "lacune"]


def test_score_is_the_weighted_mean_on_100():
    assert G.score(filled()) == pytest.approx(200 / 3)
    assert G.score(filled(levels=dict.fromkeys(CODES, 3))) == 100
    assert G.score(filled(levels=dict.fromkeys(CODES, 0))) == 0
    levels = {"appui_institutionnel": 3, "financement": 0}
    weights = dict.fromkeys(CODES, 0.1) | {"appui_institutionnel": 0.2, "alignement_decentralisation": 0.2}
    grid = G.ponderer(filled(levels=levels), weights)
    expected = 100 * (0.2 * 3 + 0.2 * 2 + 0.1 * 0 + 0.5 * 2) / 3
    assert G.score(grid) == pytest.approx(expected)


def test_score_refuses_unfilled_or_unjustified_criteria():
    with pytest.raises(GrilleError, match="Score impossible pour « A » : 8 critères à compléter "
                                          "\\(gouvernance_reciprocite : non rempli, acteurs_locaux"):
        G.score(G.grille_vide("A"))
    almost = filled().copy()
    almost.loc[almost["critere"] == "gouvernance_reciprocite", ["niveau", "justification"]] = pd.NA
    with pytest.raises(GrilleError, match="Score impossible pour « A » : « Gouvernance et "
                                          "réciprocité » \\(gouvernance_reciprocite\\) : non rempli\\."):
        G.score(almost.assign(relation="A"))
    grid = filled()
    grid.loc[grid["critere"] == "financement", "justification"] = pd.NA
    for partial in (False, True):
        with pytest.raises(GrilleError, match="\\(financement\\) : niveau sans justification"):
            G.score(grid, partiel=partial)


def test_partial_score_only_on_request():
    grid = filled(levels={"acteurs_locaux": 3}, undocumented=("financement", "contribution_odd"))
    with pytest.raises(GrilleError, match="2 critère\\(s\\) non documenté\\(s\\).*partiel=True"):
        G.score(grid)
    assert G.score(grid, partiel=True) == pytest.approx(100 * (5 * 2 + 3) / 6 / 3)
    nothing = filled(undocumented=CODES)
    with pytest.raises(GrilleError, match="aucun critère n'est documenté"):
        G.score(nothing, partiel=True)


def test_comparer_gives_levels_and_scores_per_relation():
    a = filled("A", levels={"financement": 3})
    b = filled("B", undocumented=("financement",))
    table = G.comparer([a, b], partiel=True)
    assert list(table.index) == ["A", "B"] and table.index.name == "relation"
    assert list(table.columns) == CODES + ["score"]
    assert table.loc["A", "financement"] == 3 and pd.isna(table.loc["B", "financement"])
    assert table.loc["B", "score"] == pytest.approx(200 / 3)
    assert len(G.comparer(a)) == 1
    with pytest.raises(GrilleError, match="« B » : 1 critère\\(s\\) non documenté"):
        G.comparer([a, b])
    with pytest.raises(GrilleError, match="même nom de relation : « A »"):
        G.comparer([a, a])
    for nothing in ([], None, "A"):
        with pytest.raises(GrilleError, match="liste de grilles"):
            G.comparer(nothing)


# -- radar -------------------------------------------------------------------------------

def test_radar_draws_each_relation_with_title_source_and_levels():
    a = filled("A", levels={"financement": 3})
    b = filled("B", undocumented=("financement",))
    ax = G.radar([a, b], source="Fiche du cours, §5")
    fig = ax.figure
    assert ax.name == "polar"
    assert ax.get_title() == "Grille d'analyse : A et B"
    texts = [t.get_text() for t in fig.texts]
    assert "Source : Fiche du cours, §5" in texts
    assert texts == ["Source : Fiche du cours, §5"]
    assert ax.get_legend().get_title().get_text().endswith("\nTracé interrompu : critère non documenté")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0 absent", "1 amorcé", "2 établi", "3 avancé"]
    labels = [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()]
    assert labels[0] == "Gouvernance et réciprocité" and len(labels) == 8
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["A : score 71/100",
                      "B : score partiel 67/100 (7 critères documentés sur 8)"]
    lines = ax.get_lines()
    assert len(lines) == 2 and math.isnan(lines[1].get_ydata()[5])
    plt.close(fig)


def test_radar_of_an_incomplete_grid_and_custom_title():
    fig, ax = plt.subplots(subplot_kw={"projection": "polar"})
    grid = G.noter(G.grille_vide("C"), "financement", 1, "Budget prévu.")
    assert G.radar(grid, source="Essai", titre="Mon titre", ax=ax) is ax
    assert ax.get_title() == "Mon titre"
    assert ax.get_legend().get_texts()[0].get_text() == "C (grille incomplète, pas de score)"
    complete = G.radar(filled("D"), source="Essai")
    assert "Tracé interrompu" not in complete.get_legend().get_title().get_text()
    plt.close(complete.figure)
    plt.close(fig)


def test_radar_needs_polar_axes():
    fig, ax = plt.subplots()
    with pytest.raises(GrilleError, match="graphique polaire"):
        G.radar(filled(), source="Essai", ax=ax)
    plt.close(fig)


@pytest.mark.parametrize("source", [None, "", "  "])
def test_radar_requires_a_source(source):
    with pytest.raises(GrilleError, match="cite toujours sa source"):
        G.radar(filled(), source=source)


# -- export and load --------------------------------------------------------------------

TRICKY = ("Ville de « Saint-Étienne », 2e phase ;\nvirgules, \"guillemets\" et | barres |\r\n"
          "œ, ç, à — fin.")


def tricky_grid():
    grid = filled("Lille – Saint-Louis, Sénégal", undocumented=("contribution_odd",))
    grid = G.noter(grid, "acteurs_locaux", 1, TRICKY)
    return grid


def test_csv_round_trip_is_exact(tmp_path):
    grid = G.ponderer(tricky_grid(), dict.fromkeys(CODES[:7], 13) | {"contribution_odd": 9})
    path = tmp_path / "grille.csv"
    text = G.exporter_csv(grid, path)
    assert path.read_bytes().decode("utf-8") == text
    assert text.splitlines()[0] == ",".join(G.COLONNES)
    pdt.assert_frame_equal(G.charger_grille(path), grid)
    pdt.assert_frame_equal(G.charger_grille(str(path)), grid)
    pdt.assert_frame_equal(G.charger_grille(text), grid)
    assert G.charger_grille(path).set_index("critere").loc["acteurs_locaux", "justification"] == TRICKY


def test_csv_of_an_empty_grid_round_trips():
    grid = G.grille_vide("Vide")
    pdt.assert_frame_equal(G.charger_grille(G.exporter_csv(grid)), grid)


def test_csv_with_a_byte_order_mark_and_percent_weights_loads(tmp_path):
    text = G.exporter_csv(filled()).replace(",0.125\n", ",12.5\n")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    pdt.assert_frame_equal(G.charger_grille(path), filled())


def test_loading_reports_problems_in_french(tmp_path):
    with pytest.raises(GrilleError, match="Fichier introuvable : .*absent.csv"):
        G.charger_grille(tmp_path / "absent.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("relation\nCoopération".encode("latin-1"))
    with pytest.raises(GrilleError, match="latin.csv n'est pas encodé en UTF-8"):
        G.charger_grille(latin)
    empty = tmp_path / "vide.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(GrilleError, match="vide.csv est vide"):
        G.charger_grille(empty)
    with pytest.raises(GrilleError, match="chemin du fichier CSV"):
        G.charger_grille(42)
    text = G.exporter_csv(filled())
    with pytest.raises(GrilleError, match="colonne\\(s\\) manquante\\(s\\) « poids »"):
        G.charger_grille(text.replace(",poids\n", ",ponderation\n", 1))
    lines = text.splitlines()
    with pytest.raises(GrilleError, match="ligne 3 : 6 valeurs au lieu de 7"):
        G.charger_grille("\n".join(lines[:2] + [lines[2].rsplit(",", 1)[0]] + lines[3:]) + "\n")
    with pytest.raises(GrilleError, match="ligne 2 : niveau « deux » illisible"):
        G.charger_grille(text.replace(",2,", ",deux,", 1))
    with pytest.raises(GrilleError, match="Niveau 9 impossible pour « Gouvernance et réciprocité »"):
        G.charger_grille(text.replace(",2,", ",9,", 1))
    with pytest.raises(GrilleError, match="ligne 2 : poids « lourd » illisible"):
        G.charger_grille(text.replace(",0.125\n", ",lourd\n", 1))
    with pytest.raises(GrilleError, match="plusieurs relations \\(« Relation A », « Autre »\\)"):
        G.charger_grille(text + text.splitlines()[1].replace("Relation A", "Autre") + "\n")
    with pytest.raises(GrilleError, match="Critère inconnu : « acteurs »"):
        G.charger_grille(text.replace(",acteurs_locaux,", ",acteurs,"))
    with pytest.raises(GrilleError, match="Les poids font 1,375 au total"):
        G.charger_grille(text.replace(",0.125\n", ",0.5\n", 1))


def test_loading_a_zero_weight_is_refused():
    text = G.exporter_csv(filled())
    with pytest.raises(GrilleError, match="doit être strictement positif"):
        G.charger_grille(text.replace(",0.125\n", ",0.0\n", 1).replace(",0.125\n", ",0.25\n", 1))


def test_markdown_export_for_a_report(tmp_path):
    grid = tricky_grid()
    path = tmp_path / "grille.md"
    text = G.exporter_markdown(grid, path)
    assert path.read_text(encoding="utf-8") == text and text._repr_markdown_() == text
    assert text.startswith("## Grille d'analyse : Lille – Saint-Louis, Sénégal\n")
    assert "**Score partiel : " in text and "7 critères documentés sur 8" in text
    assert "| Relation partenariale | Implication des acteurs locaux" in text
    assert "virgules, \"guillemets\" et \\| barres \\|<br>œ, ç" in text
    assert "| non documenté | Non documenté : aucun fait sur contribution_odd. |" in text
    assert "- Contribution aux objectifs de développement durable (Agenda 2030) : non documenté." in text
    table_rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table_rows) == 9
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 5 for row in table_rows)


def test_markdown_export_of_complete_and_incomplete_grids():
    complete = G.exporter_markdown(filled())
    assert "**Score : 66,7 / 100**. Poids égaux." in complete and "Lacunes" not in complete
    incomplete = G.exporter_markdown(G.grille_vide("A"))
    assert "**Score non calculable** : 8 critère(s)" in incomplete
    assert "| à remplir | — |" in incomplete
    weighted = G.exporter_markdown(G.ponderer(filled(), dict.fromkeys(CODES, 10) | {
        "appui_institutionnel": 20, "alignement_decentralisation": 20}))
    assert "Poids : Gouvernance et réciprocité 10,0 %" in weighted and "Appui institutionnel 20,0 %" in weighted


# -- widget -----------------------------------------------------------------------------

def _criterion_rows(box):
    return box.children[1:9]


def test_widget_fills_the_grid_and_reports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    box = G.widget_grille("Essai")
    assert box.grille["niveau"].isna().all()
    rows = _criterion_rows(box)
    compute_row, save_row, output = box.children[9:]
    compute, show = compute_row.children
    path, save = save_row.children
    compute.click()
    assert "Score impossible" in output.value
    for code, row in zip(CODES, rows):
        _title, line, text = row.children
        selector, hint = line.children
        if code == "contribution_odd":
            selector.value = "nd"
            assert "ne permettent pas de choisir" in hint.value
        else:
            selector.value = 2
            assert "Niveau 2 :" in hint.value
        text.value = f"Faits pour {code}."
    grid = box.grille
    assert grid.set_index("critere").loc["financement", "niveau"] == 2
    compute.click()
    assert "Score partiel : 66,7 / 100" in output.value
    show.click()
    assert "## Grille d&#x27;analyse : Essai" in output.value
    save.click()
    assert "charger_grille" in output.value
    pdt.assert_frame_equal(G.charger_grille(tmp_path / "grille.csv"), grid)
    path.value = str(tmp_path / "absent" / "g.csv")
    save.click()
    assert "color:#D55E00" in output.value
    rows[0].children[1].children[0].value = "vide"
    assert pd.isna(box.grille.loc[0, "niveau"])


def test_widget_rows_share_their_layouts_and_styles():
    """The 8 rows open 80 widget models, not 152: one layout and one style per kind of widget."""
    from ipywidgets.widgets.widget import _instances

    before = len(_instances)
    box = G.widget_grille("Essai")
    created = len(_instances) - before
    assert created <= 80, created
    rows = _criterion_rows(box)
    titles = [row.children[0] for row in rows]
    lines = [row.children[1] for row in rows]
    hints = [line.children[1] for line in lines]
    for kind in (titles + hints, [line.children[0] for line in lines], [row.children[2] for row in rows]):
        assert len({id(w.layout) for w in kind}) == 1 and len({id(w.style) for w in kind}) == 1
    assert len({id(w.layout) for w in lines}) == 1 and len({id(w.layout) for w in rows}) == 1


def test_widget_starts_from_an_existing_grid():
    grid = filled(levels={"financement": 3}, undocumented=("contribution_odd",))
    box = G.widget_grille(grid)
    rows = _criterion_rows(box)
    assert rows[5].children[1].children[0].value == 3
    assert rows[7].children[1].children[0].value == "nd"
    assert rows[0].children[2].value == "Faits pour gouvernance_reciprocite (source)."
    pdt.assert_frame_equal(box.grille, grid)
    box.children[9].children[0].click()
    assert "Score partiel" in box.children[11].value
