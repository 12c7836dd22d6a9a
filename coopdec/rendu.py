"""Spare each chart of a notebook a drawing nobody sees (two drawings, not three).

In a Jupyter kernel with matplotlib's inline backend, two ``post_execute``
callbacks run after every cell that made a chart: pyplot's
``_draw_all_if_interactive``, which redraws every stale figure on its canvas,
then the inline backend's ``flush_figures``, which renders the figure to PNG
(a layout pass for ``bbox_inches="tight"``, then the real drawing). The first
drawing feeds an off-screen canvas nobody looks at: with the inline backend the
PNG is the only thing the trainee sees, and it is drawn afresh. Dropping that
callback makes a chart cell about 0.1 to 0.35 s faster (docs/performance.md)
and changes nothing on screen.

pyplot registers its callback when it first resolves its backend, i.e. inside
the cell that draws the first chart, so :func:`installer` waits: before each
cell it checks whether pyplot is imported (or about to be, by that very cell:
it then imports it a moment earlier), resolves the backend then (as the first
chart would) and, when that backend is the inline one, drops the callback,
once per shell. A course function that imports pyplot itself (the radar of
:mod:`coopdec.grille`) calls :func:`skip_redundant_draw` at once, so that its
chart is spared that drawing too. Any other backend (``%matplotlib widget``,
a desktop window) keeps the callback: there the redraw updates the picture.
"""

from __future__ import annotations

import re
import sys
import weakref

_INLINE = "inline"
_SETTLED = weakref.WeakSet()  # the shells where the question is settled
# A cell that imports pyplot: « import matplotlib.pyplot as plt », « from matplotlib import pyplot ».
_IMPORTS_PYPLOT = re.compile(r"^\s*(import\s+matplotlib\.pyplot"
                             r"|from\s+matplotlib(\.pyplot\s+|\s+import\s+pyplot))", re.MULTILINE)


def _redundant_hook(pyplot):
    """pyplot's post-execute redraw, or None when this matplotlib has none."""
    return getattr(pyplot, "_draw_all_if_interactive", None)


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return None
    return get_ipython()


def _drop_redundant_draw(shell) -> bool:
    """Drop pyplot's redraw if pyplot is imported; True once the question is settled.

    Settled once per shell: later calls (each radar) do nothing.
    """
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None or shell is None:
        return False
    if shell in _SETTLED:
        return True
    hook = _redundant_hook(pyplot)
    if hook not in shell.events.callbacks["post_execute"]:
        pyplot.switch_backend(pyplot.get_backend())  # what the first chart would do
    if _INLINE in pyplot.get_backend() and hook in shell.events.callbacks["post_execute"]:
        shell.events.unregister("post_execute", hook)
    _SETTLED.add(shell)
    return True


def skip_redundant_draw() -> None:
    """Drop pyplot's redundant redraw now (once pyplot is imported)."""
    _drop_redundant_draw(_shell())


def installer() -> bool:
    """Arrange for charts to be spared pyplot's extra drawing in the running IPython kernel, if any.

    Returns True when a shell was found. Calling it twice is harmless.
    """
    shell = _shell()
    if shell is None:
        return False

    def before_cell(info=None) -> None:
        try:
            if "matplotlib.pyplot" not in sys.modules and _IMPORTS_PYPLOT.search(
                    getattr(info, "raw_cell", None) or ""):
                import matplotlib.pyplot  # noqa: F401  (the cell imports it anyway, then draws)
            settled = _drop_redundant_draw(shell)
        except Exception:  # never in the trainee's way: the cell itself reports what is wrong
            settled = True
        if settled:
            shell.events.unregister("pre_run_cell", before_cell)

    for callback in shell.events.callbacks["pre_run_cell"]:
        if getattr(callback, "__qualname__", "") == before_cell.__qualname__:
            return True
    shell.events.register("pre_run_cell", before_cell)
    return True
