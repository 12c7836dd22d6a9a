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
