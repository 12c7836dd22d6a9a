"""coopdec.rendu, in real kernels: each chart is drawn once before its PNG, and still shown."""

import nbformat
import pytest
from nbclient import NotebookClient

# Counts every drawing of a figure, whoever asks for it.
COUNT_DRAWS = """\
import matplotlib.figure
_draws = []
_draw = matplotlib.figure.Figure.draw
def _counted(self, renderer):
    _draws.append(1)
    return _draw(self, renderer)
matplotlib.figure.Figure.draw = _counted"""

CHART = """\
fig, ax = plt.subplots()
ax.bar(["Régions", "Départements"], [30.1, 12.4])
mettre_en_forme(ax, titre="Essai", source="Source : essai", axe_y="M€")"""

RADAR = """\
from coopdec.grille import _CODES, grille_vide, noter, radar
g = grille_vide("A – B")
for code in _CODES:
    g = noter(g, code, 2, "faits de l'essai")
radar(g, source="essai");"""

REPORT = """\
import matplotlib.pyplot as _pyplot
print(len(_draws), _pyplot._draw_all_if_interactive in get_ipython().events.callbacks["post_execute"])"""


def run(*cells):
    """Execute ``cells`` in a fresh python3 kernel; return each cell's outputs."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    return [cell.outputs for cell in notebook.cells]


def images(outputs):
    return [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]


def report(outputs):
    draws, hook_kept = outputs[0].text.split()
    return int(draws), hook_kept == "True"


@pytest.mark.parametrize("order", ["coopdec first", "pyplot first"])
def test_a_chart_is_drawn_twice_not_three_times_and_shown(order):
    imports = ["from coopdec import mettre_en_forme", "import matplotlib.pyplot as plt"]
    if order == "pyplot first":
        imports.reverse()
    outputs = run(COUNT_DRAWS, *imports, CHART, CHART, REPORT)
    assert [len(images(o)) for o in outputs[3:5]] == [1, 1]
    # The inline backend draws each figure twice (tight-bbox layout, then the PNG);
    # pyplot's extra redraw after the cell is gone.
    assert report(outputs[5]) == (4, False)


@pytest.mark.parametrize("statement", ["import matplotlib.pyplot as plt",
                                       "from matplotlib import pyplot as plt"])
def test_a_chart_in_the_cell_that_imports_pyplot_is_drawn_twice_too(statement):
    """As in lesson 00: the first chart is drawn in the cell that imports pyplot."""
    outputs = run(COUNT_DRAWS, "from coopdec import mettre_en_forme", statement + "\n" + CHART, CHART, REPORT)
    assert [len(images(o)) for o in outputs[2:4]] == [1, 1]
    assert report(outputs[4]) == (4, False)


def test_the_radar_imports_pyplot_itself_and_is_drawn_twice():
    outputs = run(COUNT_DRAWS, "import coopdec", RADAR, REPORT)
    assert len(images(outputs[2])) == 1
    assert report(outputs[3]) == (2, False)


def test_without_coopdec_pyplot_redraws_after_the_cell():
    """The control: what the course removes is really there in a plain kernel."""
    outputs = run(COUNT_DRAWS, "import matplotlib.pyplot as plt",
                  'fig, ax = plt.subplots()\nax.bar(["a"], [1])', REPORT)
    assert len(images(outputs[2])) == 1
    assert report(outputs[3]) == (3, True)


def test_another_backend_keeps_its_redraw():
    outputs = run('import matplotlib\nmatplotlib.use("agg")', "import coopdec",
                  "import matplotlib.pyplot as plt", 'fig, ax = plt.subplots()\nax.bar(["a"], [1])',
                  "print(0, plt._draw_all_if_interactive in get_ipython().events.callbacks['post_execute'])")
    assert report(outputs[4]) == (0, True)


def test_a_failing_pyplot_import_is_left_to_the_cell():
    """If pyplot cannot be imported, the trainee sees the cell's own error, not the course's."""
    broken = """import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name == "matplotlib.pyplot":
            raise ImportError("pyplot refusé pour l'essai")
sys.meta_path.insert(0, Refuse())"""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (
        "import coopdec", broken, "import matplotlib.pyplot as plt", "print('suite')")])
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute()
    failed, after = notebook.cells[2].outputs, notebook.cells[3].outputs
    assert [o.output_type for o in failed] == ["error"] and failed[0].ename == "ImportError"
    assert [o.get("text") for o in after] == ["suite\n"]


def test_the_backend_is_resolved_once_per_shell_not_at_every_radar(monkeypatch):
    import matplotlib.pyplot as pyplot
    from IPython.core.events import EventManager, available_events

    from coopdec import rendu

    class Shell:
        events = EventManager(None, available_events)

    switches, switch = [], pyplot.switch_backend

    def counted(backend):
        switches.append(backend)
        switch(backend)

    monkeypatch.setattr(pyplot, "switch_backend", counted)
    shell = Shell()
    assert rendu._drop_redundant_draw(shell)
    first = len(switches)
    assert first >= 1
    assert rendu._drop_redundant_draw(shell) and len(switches) == first, "settled: nothing done again"
    assert rendu._drop_redundant_draw(Shell()) and len(switches) > first, "another shell is asked again"


def test_outside_a_kernel_installing_does_nothing():
    from coopdec import rendu

    assert rendu.installer() is False
    rendu.skip_redundant_draw()  # no shell: nothing to do, no error
