"""coopdec.style: French numbers, colour-blind palette, titled and sourced charts."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from coopdec import style  # noqa: E402


@pytest.mark.parametrize(
    "value, decimals, expected",
    [(1234567.891, 1, "1\u202f234\u202f567,9"), (59.6, 1, "59,6"), (0, 0, "0"), (-1500, 0, "-1\u202f500")],
)
def test_french_numbers(value, decimals, expected):
    assert style.nombre_fr(value, decimals) == expected


def test_palette_is_okabe_ito_and_applied():
    style.appliquer_style()
    assert style.PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]
    assert plt.rcParams["axes.prop_cycle"].by_key()["color"] == style.PALETTE


def test_chart_gets_title_labels_source_and_french_ticks():
    fig, ax = plt.subplots()
    ax.plot([2003, 2010], [45.4, 60.5])
    style.mettre_en_forme(ax, titre="APD des collectivités", source="Sénat, rapport n° 123",
                          axe_y="M€ courants", decimales=1)
    assert ax.get_title() == "APD des collectivités"
    assert ax.get_ylabel() == "M€ courants"
    assert [t.get_text() for t in fig.texts] == ["Source : Sénat, rapport n° 123"]
    assert ax.yaxis.get_major_formatter()(45.4, 0) == "45,4"
    plt.close(fig)


def test_a_chart_without_title_or_source_is_refused():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="titre et une source"):
        style.mettre_en_forme(ax, titre="", source="x")
    with pytest.raises(ValueError):
        style.mettre_en_forme(ax, titre="x", source="")
    plt.close(fig)


def test_names_on_the_y_axis_are_kept_and_numbers_go_on_x():
    fig, ax = plt.subplots()
    ax.barh(["Maroc", "Mali"], [40, 1234.5])
    style.mettre_en_forme(ax, titre="Jumelages", source="Wikidata", decimales=1)
    assert ax.xaxis.get_major_formatter()(1234.5, 0) == "1\u202f234,5"
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Maroc", "Mali"]
    plt.close(fig)


def test_ticks_between_whole_numbers_keep_their_decimals():
    fig, ax = plt.subplots()
    ax.plot([0, 20], [0, 20])
    style.mettre_en_forme(ax, titre="t", source="s")
    formatter = ax.yaxis.get_major_formatter()
    assert [formatter(v, 0) for v in (2.5, 7.5, 10, 17.25)] == ["2,5", "7,5", "10", "17,25"]
    plt.close(fig)


LONG_SOURCE = ("Jeu apd_collectivites_annuelle du cours : Sénat (rapport n° 123, 2003-2013), "
               "DAECT/alcid.org, Banque des Territoires, Maire-info, ID.CiTé, IREF, "
               "vie-publique.fr (2015-2024). Aide aux réfugiés 2016 : 34,9 M€ retenu.")


@pytest.mark.parametrize("width", [5, 8, 10])
def test_a_long_source_is_broken_into_lines_that_fit_under_the_chart(width):
    fig, ax = plt.subplots(figsize=(width, 4))
    ax.plot([0, 1], [0, 1])
    style.mettre_en_forme(ax, titre="t", source=LONG_SOURCE)
    fig.canvas.draw()
    (source,) = fig.texts
    assert not source.get_wrap()  # broken once here, not measured again word by word at each drawing
    lines = source.get_text().split("\n")
    assert len(lines) >= 2 and " ".join(lines) == "Source : " + LONG_SOURCE
    extent = source.get_window_extent()
    assert extent.x1 <= fig.bbox.x1  # no line sticks out of the chart…
    assert extent.width >= 0.8 * fig.bbox.width  # …and the lines use the room they have
    plt.close(fig)


def test_words_of_a_source_are_never_cut():
    url = "https://www.example.org/" + "a-very-long-path/" * 12
    fig, ax = plt.subplots(figsize=(4, 3))
    style.mettre_en_forme(ax, titre="t", source="Base " + url + " consultée")
    assert url in fig.texts[0].get_text().split("\n")
    plt.close(fig)
