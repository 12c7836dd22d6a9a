"""coopdec.erreurs, in a real kernel: short French messages, cells still fail."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

CELLS = [
    "import coopdec",
    'from coopdec.checks import empreinte, verifier_choix\nverifier_choix("A", empreinte("B", "q"))',
    "montant_total",
    "raise NotImplementedError()",
    "import pandas as pd\npd.DataFrame({'a': [1]})['b']",
    "1 / 0",
    'from coopdec import charger\ncharger("apd_collectivite")',
    # What IPython keeps of each error in its history (formatted once more, IPython 9).
    'import json\nprint(json.dumps({n: e["traceback"] for n, e in get_ipython().history_manager.exceptions.items()}))',
]


@pytest.fixture(scope="module")
def outputs():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    NotebookClient(notebook, timeout=60, allow_errors=True, kernel_name="python3").execute()
    return [cell.outputs for cell in notebook.cells]


def error_of(cell_outputs):
    errors = [o for o in cell_outputs if o.output_type == "error"]
    assert len(errors) == 1, cell_outputs
    return errors[0]


def test_import_is_silent(outputs):
    assert outputs[0] == []


def test_failed_check_shows_only_the_french_message(outputs):
    error = error_of(outputs[1])
    assert error.ename == "ReponseIncorrecte"
    assert len(error.traceback) == 1
    assert "« A » n'est pas la bonne réponse." in error.traceback[0]
    assert "Traceback" not in error.traceback[0]


@pytest.mark.parametrize(
    "index, ename, explanation",
    [(2, "NameError", "n'existe pas encore"),
     (3, "NotImplementedError", "Cette cellule attend votre réponse"),
     (4, "KeyError", "nom de colonne")],
)
def test_common_errors_keep_traceback_and_get_a_french_explanation(outputs, index, ename, explanation):
    error = error_of(outputs[index])
    assert error.ename == ename
    assert len(error.traceback) > 1
    assert explanation in error.traceback[-1]


def test_course_functions_refusing_a_value_show_only_their_french_message(outputs):
    error = error_of(outputs[6])
    assert error.ename == "DatasetError"
    assert len(error.traceback) == 1 and "Traceback" not in error.traceback[0]
    assert "apd_collectivites_annuelle" in error.traceback[0], "the message suggests the right name"


def test_other_errors_are_untouched(outputs):
    error = error_of(outputs[5])
    assert error.ename == "ZeroDivisionError"
    assert "💡" not in "".join(error.traceback)


def test_ipython_keeps_the_course_errors_as_shown_without_formatting_a_traceback(outputs):
    """The history holds the message the trainee saw (formatting a traceback costs 0.3 s)."""
    stored = json.loads(outputs[7][0].text)
    assert stored["2"] == error_of(outputs[1]).traceback  # ReponseIncorrecte, cell 2
    assert stored["7"] == error_of(outputs[6]).traceback  # DatasetError (an ErreurDuCours)
    assert len(stored["3"]) > 1, "other errors keep their whole traceback"
