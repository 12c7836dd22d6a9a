"""Accessibility: what can be checked automatically in every lesson and exercise notebook.

- Headings are in order: one « # » title first, then « ## », « ### »… never skipping a level
  (screen readers navigate by headings).
- Every chart drawn by the course has a text alternative. Convention (docs for authors):
  after the code cell that draws a chart, before the next code cell, a Markdown cell starts with
  « **Ce que montre le graphique** » (or « la frise », « le radar », « le schéma », « la carte »…),
  in bold or italics, followed by at least one full sentence saying what a sighted reader learns
  from it (trend, extremes, comparison) with the key figures.
- Every chart drawn by the course goes through ``mettre_en_forme`` (title, units, source under
  the chart), directly or through ``radar(…, source=…)``.
- The palette is Okabe–Ito (colour-blind-safe), and the course's own coloured messages use it.
- Images in Markdown have a text alternative (``![texte](…)``, ``<img alt="texte">``).

Cells written by the trainee (answer cells) and test cells are not the course's charts: a chart
the trainee draws is their answer.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "release").glob("*/*.ipynb"))
NOTEBOOKS = LESSONS + EXERCISES

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
# A code cell that draws a chart.
DRAWS = re.compile(r"mettre_en_forme\(|\bplt\.|\.plot\(|\.plot\.\w+\(|\.bar\(|\.barh\(|\.scatter\("
                   r"|\.hist\(|\.pie\(|\bradar\(|subplots\(")
ALTERNATIVE = re.compile(r"^\s*(\*\*|\*|__|_)Ce que montre(?:nt)? (le|la|les|l['’])[^*_\n]{1,60}?[.:]?\1"
                         r"\s*(\([^)\n]*\))?\s*[.:]?\s*(?P<texte>.+)", re.DOTALL)
MINIMUM_DESCRIPTION = 80  # characters: at least a real sentence

def ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


def _without_code_blocks(markdown: str) -> str:
    return re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.DOTALL | re.MULTILINE)


def headings(notebook) -> list[tuple[int, str]]:
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        for line in _without_code_blocks(cell.source).splitlines():
            match = re.match(r"^(#{1,6})\s+(.*\S)", line)
            if match:
                found.append((len(match.group(1)), match.group(2)))
            for html_level, text in re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", line, flags=re.I):
                found.append((int(html_level), re.sub(r"<[^>]+>", "", text)))
    return found


def _role(cell) -> str:
    meta = cell.metadata.get("nbgrader") or {}
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "course"


def course_charts(notebook) -> list[int]:
    """Indices of the code cells where the course itself draws a chart."""
    charts = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and _role(cell) == "course":
            code = "\n".join(line.split("#")[0] for line in cell.source.splitlines())
            if DRAWS.search(code):
                charts.append(index)
    return charts


def _excerpt(cell) -> str:
    return " ".join(cell.source.split())[:90]


# --------------------------------------------------------------------------
# Headings
# --------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_headings_are_in_order(path):
    found = headings(nbformat.read(path, as_version=4))
    assert found, f"{path.name} has no heading"
    assert found[0][0] == 1, f"{path.name}: the first heading must be the « # » title, not {found[0]}"
    titles = [text for level, text in found if level == 1]
    assert len(titles) == 1, f"{path.name}: one « # » title only, found {titles}"
    for (before, before_text), (level, text) in zip(found, found[1:]):
        assert level <= before + 1, (
            f"{path.name}: « {'#' * level} {text} » comes right after « {'#' * before} {before_text} »: "
            f"a level is skipped (use {'#' * (before + 1)})")


def test_quiz_title_fits_under_a_section():
    """The quiz is shown under a « ## » section: its own title must be a level-3 heading at most."""
    from coopdec.quiz import afficher_quiz

    banks = sorted((ROOT / "quizzes").glob("*.yml"))
    if not banks:
        pytest.skip("no quiz bank")
    quiz = afficher_quiz(banks[0].stem)
    levels = [int(n) for n in re.findall(r"<h([1-6])", quiz.children[0].value)]
    assert all(level <= 3 for level in levels), (
        f"the quiz title is a <h{levels[0]}> under a « ## » section: use <h3> (coopdec/quiz.py)")


# --------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_chart_has_a_text_alternative(path):
    notebook = nbformat.read(path, as_version=4)
    missing = []
    for index in course_charts(notebook):
        following = []
        for cell in notebook.cells[index + 1:]:
            if cell.cell_type == "code":
                break
            following.append(cell)
        described = [m for m in (ALTERNATIVE.match(c.source) for c in following) if m]
        if not described or len(described[0].group("texte").strip()) < MINIMUM_DESCRIPTION:
            missing.append(f"cell {index} « {_excerpt(notebook.cells[index])} »")
    assert not missing, (
        f"{path.name}: chart(s) without a « **Ce que montre le graphique** : … » Markdown cell "
        "(before the next code cell, at least one full sentence):\n  " + "\n  ".join(missing))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_every_chart_has_a_title_and_a_source(path):
    notebook = nbformat.read(path, as_version=4)
    bare = []
    for index in course_charts(notebook):
        code = notebook.cells[index].source
        if "mettre_en_forme(" in code:
            continue
        if "radar(" in code and "source=" in code:
            continue
        bare.append(f"cell {index} « {_excerpt(notebook.cells[index])} »")
    assert not bare, (f"{path.name}: chart(s) not passed through mettre_en_forme(ax, titre=…, "
                      "source=…):\n  " + "\n  ".join(bare))


def test_alternative_convention_is_recognised():
    good = ("**Ce que montre le graphique** : de 2003 à 2010, l'APD déclarée varie entre 45,4 et "
            "72,5 M€ par an, puis monte nettement à partir de 2016.")
    assert ALTERNATIVE.match(good)
    assert ALTERNATIVE.match("*Ce que montre la frise* (pour qui ne voit pas le graphique) : texte.")
    assert ALTERNATIVE.match("**Ce que montre le graphique.** De 2003 à 2010 …")
    assert not ALTERNATIVE.match("Le graphique ci-dessus montre l'APD.")
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.bar(x, y)\nmettre_en_forme(ax, titre='t', source='s')"),
        nbformat.v4.new_code_cell("# plt.show() in a comment only\nx = 1"),
    ])
    assert course_charts(notebook) == [0]


# --------------------------------------------------------------------------
# Colours and images
# --------------------------------------------------------------------------

def test_palette_is_okabe_ito():
    import matplotlib as mpl

    import coopdec  # noqa: F401 - sets the course's chart style
    from coopdec.style import PALETTE

    assert {c.upper() for c in PALETTE} == OKABE_ITO and len(PALETTE) == len(OKABE_ITO)
    cycle = [c.upper() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == [c.upper() for c in PALETTE], "charts must cycle through the palette"


def test_course_messages_use_the_palette():
    from coopdec import quiz, sauvegarde

    for colours in (quiz._COLOURS, sauvegarde._COLOURS):
        assert {c.upper() for c in colours.values()} <= OKABE_ITO


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_images_have_alt_text(path):
    notebook = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        text = _without_code_blocks(cell.source)
        for alt, target in re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", text):
            if not alt.strip():
                problems.append(f"cell {index}: ![]({target}) has no text alternative")
        for tag in re.findall(r"<img\b[^>]*>", text, flags=re.I):
            alt = re.search(r"\balt\s*=\s*(['\"])(.*?)\1", tag, flags=re.I | re.S)
            if not alt or not alt.group(2).strip():
                problems.append(f"cell {index}: {tag[:80]} has no alt text")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)
