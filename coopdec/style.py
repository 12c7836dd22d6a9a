"""One chart style for the whole course.

Colour-blind-safe palette (Okabe & Ito), readable sizes, French number format,
and every chart with a title, its units and its source written under it.
"""

from __future__ import annotations

import textwrap

import matplotlib as mpl
from matplotlib.category import StrCategoryConverter
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter

__all__ = ["PALETTE", "appliquer_style", "nombre_fr", "mettre_en_forme"]

# Okabe, M. & Ito, K. (2008), « Color Universal Design », distinguishable by
# people with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def appliquer_style() -> None:
    """Set the course's matplotlib defaults (called when coopdec is imported)."""
    mpl.rcParams.update({
        "axes.prop_cycle": mpl.cycler(color=PALETTE),
        "figure.figsize": (8, 4.5),
        "figure.dpi": 100,
        "font.size": 11,
        "axes.titlesize": 13,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.constrained_layout.use": True,
        # Text drawn without hinting: as readable at 100 dpi, and a chart renders in about
        # 0.3 s instead of 0.5 s (docs/performance.md).
        "text.hinting": "no_hinting",
    })


def nombre_fr(valeur: float, decimales: int = 0) -> str:
    """Format a number the French way: 12 345,6 (narrow no-break space, decimal comma)."""
    text = f"{valeur:,.{decimales}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def _tick_label(value: float, decimals: int) -> str:
    """A tick in French, with more decimals when the tick needs them (2,5 not 2)."""
    for extra in range(3):
        if abs(value - round(value, decimals + extra)) < 1e-9:
            return nombre_fr(value, decimals + extra)
    return nombre_fr(value, decimals + 2)


def _holds_names(axis) -> bool:
    """True when an axis shows categories (e.g. country names) rather than numbers."""
    return isinstance(axis.get_converter(), StrCategoryConverter)


def _fitted_to_width(text: str, width_in: float, fontsize: float) -> str:
    """``text`` broken into lines that fit ``width_in`` inches, measured once.

    matplotlib's own ``wrap=True`` measures the line again word by word at each
    drawing (twice per chart shown in a notebook): 0.05 to 0.09 s of a bar chart's
    0.24 to 0.30 s (docs/performance.md). One measurement of the whole text
    gives its mean character width, hence how many characters fit on a line;
    5 % is kept spare for lines wider than the mean. Words are never cut (URLs).
    """
    width_pt, _, _ = text_to_path.get_text_width_height_descent(
        text, FontProperties(size=fontsize), ismath=False)
    if width_pt <= 0:
        return text
    columns = max(20, int(width_in * 72 * 0.95 / (width_pt / len(text))))
    return "\n".join(textwrap.fill(line, columns, break_long_words=False, break_on_hyphens=False)
                     for line in text.splitlines())


def mettre_en_forme(ax, *, titre: str, source: str, axe_y: str | None = None,
                    axe_x: str | None = None, decimales: int = 0):
    """Give a chart its title, axis labels with units, French numbers and its source.

    ``source`` is written under the chart, e.g. « Source : Sénat, rapport n° 123 ».
    Numbers are written the French way on the value axis: the y axis, or the x
    axis when the y axis holds names (horizontal bars). Returns ``ax``.
    """
    if not titre or not source:
        raise ValueError("Un graphique du cours a toujours un titre et une source.")
    ax.set_title(titre)
    if axe_y is not None:
        ax.set_ylabel(axe_y)
    if axe_x is not None:
        ax.set_xlabel(axe_x)
    value_axis = ax.xaxis if _holds_names(ax.yaxis) else ax.yaxis
    if not _holds_names(value_axis):
        value_axis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick_label(v, decimales)))
    prefix = "" if source.lower().startswith("source") else "Source : "
    x, fontsize = 0.01, 8
    ax.figure.text(x, -0.02, _fitted_to_width(prefix + source, ax.figure.get_figwidth() * (1 - x), fontsize),
                   ha="left", va="top", fontsize=fontsize, color="#444444")
    return ax

