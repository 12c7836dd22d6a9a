"""The course in a real browser: JupyterLab on localhost, driven in headless Chromium.

A trainee's path, as a person would take it, with the real texts read from the page:
open a lesson, run all its cells, answer its quiz and read the feedback; open an
exercise notebook, type a wrong then a right answer, run the visible test and read
the French message then « Bravo » ; run nbgrader's Validate and read its verdict;
save the answers (the kernel finds its notebook through JPY_SESSION_NAME), download
them by the link, restore them into a fresh notebook and reload it from disk.

Screenshots go to tests/captures/ (git-ignored). Chromium is Debian's (`.ci/run`
installs it with apt), driven by Playwright for Python with ``executable_path``:
no browser is ever downloaded. The server and the browser are always stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "tests" / "captures"
CHROMIUM = Path(os.environ.get("COOPDEC_CHROMIUM", "/usr/bin/chromium"))
# Headless, and no background network use: this machine's network is closed.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000  # one cell, one dialog, one page: generous for a loaded 2-core machine

# --------------------------------------------------------------------------
# JupyterLab server and Chromium, always stopped
# --------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    root: Path
    log: Path
    process: subprocess.Popen

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _private_env(scratch: Path, bin_dir: Path, env: dict | None) -> dict[str, str]:
    env = dict(env if env is not None else os.environ)
    for name in [k for k in env if k.startswith(("JUPYTER", "JPY_"))]:
        del env[name]
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    for name, folder in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                         ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")]:
        (scratch / folder).mkdir(parents=True, exist_ok=True)
        env[name] = str(scratch / folder)
    return env


@contextlib.contextmanager
def jupyterlab(bin_dir: Path, root: Path, scratch: Path, *, env: dict | None = None):
    """A JupyterLab server on a free 127.0.0.1 port, no token, private settings; stopped on exit."""
    scratch = Path(tempfile.mkdtemp(prefix="jupyterlab-", dir=scratch))
    env = _private_env(scratch, Path(bin_dir), env)
    port = free_port()
    log = scratch / "jupyterlab.log"
    command = [str(Path(bin_dir) / "jupyter"), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
               "--allow-root"]
    with open(log, "w", encoding="utf-8") as stream:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=stream, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}/", root, log, process)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab stopped at start (code {process.returncode}):\n{server.tail()}")
            try:
                with urllib.request.urlopen(server.url + "api/status", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer on {server.url} within 90 s:\n{server.tail()}")
            time.sleep(0.25)
        yield server
    finally:
        _stop(server)


def _stop(server: Server) -> None:
    """Shut the kernels down through the API, then the server (its whole process group)."""
    with contextlib.suppress(OSError, ValueError):
        with urllib.request.urlopen(server.url + "api/kernels", timeout=5) as answer:
            kernels = json.load(answer)
        for kernel in kernels:
            request = urllib.request.Request(f"{server.url}api/kernels/{kernel['id']}", method="DELETE")
            urllib.request.urlopen(request, timeout=10).close()
    if server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)


@contextlib.contextmanager
def chromium():
    """Debian's Chromium through Playwright (never a downloaded browser), with a fresh profile."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does it).")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profil-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
                accept_downloads=True, viewport={"width": 1400, "height": 900}, locale="fr-FR")
            context.set_default_timeout(TIMEOUT_MS)
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# --------------------------------------------------------------------------
# Acting in JupyterLab as a person would
# --------------------------------------------------------------------------

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"


def open_notebook(page, url: str, path: str) -> None:
    """Open a notebook by its address, in a workspace of its own, and wait until its kernel is idle.

    (A new workspace: JupyterLab does not reopen the tabs of an earlier step.)
    """
    workspace = re.sub(r"[^a-z0-9]+", "-", path.lower()) + f"-{time.monotonic_ns()}"
    page.goto(f"{url}lab/workspaces/{workspace}/tree/{path}")
    page.locator(f"{NOTEBOOK} .jp-Notebook .jp-Cell").first.wait_for()
    wait_idle(page)


def wait_idle(page) -> None:
    """Wait until the kernel has finished (its status indicator, and no cell left « [*] »)."""
    page.wait_for_function(
        """() => {
            const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            if (!panel) return false;
            const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
            const kernel = panel.querySelector('.jp-Toolbar-kernelName');
            const busy = [...panel.querySelectorAll('.jp-InputArea-prompt')]
                .some(p => p.textContent.includes('*'));
            // The kernel's name shows once the kernel is started (before: « No Kernel »).
            return status && status.getAttribute('data-status') === 'idle' && !busy
                && (!kernel || kernel.textContent.includes('Python'));
        }""")


def cells(page):
    return page.locator(f"{NOTEBOOK} .jp-Notebook .jp-Cell")


def wait_cells(page, expected: int) -> None:
    """Wait until the notebook shows its ``expected`` cells."""
    page.wait_for_function(
        "n => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')"
        ".length === n", arg=expected)


def count_cells(path: Path) -> int:
    return len(nbformat.read(path, as_version=4).cells)


def menu(page, top: str, command: str) -> None:
    """Click a menu of the (French) menu bar, then one of its items, by its command."""
    page.locator("#jp-menu-panel .lm-MenuBar-item", has_text=top).first.click()
    page.locator(f".lm-Menu li[data-command='{command}']").first.click()


def _diagnosis(page) -> str:
    errors = page.locator(f"{NOTEBOOK} .jp-OutputArea-output[data-mime-type="
                          "'application/vnd.jupyter.stderr']").all_inner_texts()
    return "\n---\n".join(text[-800:] for text in errors[:5]) or "(no error output on the page)"


def run_all(page) -> None:
    """Exécution → Exécuter toutes les cellules, and wait until every code cell has run."""
    menu(page, "Exécution", "runmenu:run-all")
    try:
        page.wait_for_function(
            """() => {
                const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                    .map(p => p.textContent);
                const status = panel.querySelector('.jp-Notebook-ExecutionIndicator');
                return prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t))
                    && status.getAttribute('data-status') === 'idle';
            }""", timeout=240_000)
    except Exception as error:
        raise AssertionError(f"« Exécuter toutes les cellules » did not run every cell: {error}\n"
                             f"Errors shown:\n{_diagnosis(page)}") from None


def run_cell(page, cell) -> str:
    """Run one cell (Maj+Entrée from its editor) and return the text of its outputs."""
    before = cell.locator(".jp-InputArea-prompt").inner_text()
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    cell.locator(".jp-InputArea-prompt").filter(has_text=re.compile(r"\[\d+\]")).wait_for()
    page.wait_for_function(
        "([node, before]) => { const p = node.querySelector('.jp-InputArea-prompt').textContent;"
        " return /\\[\\d+\\]/.test(p) && p !== before; }",
        arg=[cell.element_handle(), before])
    wait_idle(page)
    return cell.locator(".jp-Cell-outputArea").inner_text()


def type_in_cell(page, cell, text: str, *, like_a_person: bool = True) -> None:
    """Replace the content of a cell's editor by ``text``."""
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    if like_a_person:
        page.keyboard.type(text)
    else:
        page.keyboard.insert_text(text)  # as a paste: no auto-closed brackets or indentation
    editor_text = cell.locator(".cm-content").inner_text()
    assert editor_text == text, f"the editor holds {editor_text!r}, not {text!r}"


def add_cell_at_end(page, code: str):
    """Add a code cell after the last one, with ``code`` in it, and return it."""
    last = cells(page).last
    last.click(position={"x": 4, "y": 4})
    page.keyboard.press("Escape")
    before = cells(page).count()
    page.keyboard.press("b")
    wait_cells(page, before + 1)
    cell = cells(page).nth(before)  # a fixed position: running the last cell adds another below
    type_in_cell(page, cell, code, like_a_person=False)
    return cell


def save(page) -> None:
    page.keyboard.press("Control+s")
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(state="detached")


def validate(page) -> tuple[str, str]:
    """Click nbgrader's « Validate » and return the verdict's class and text."""
    page.locator(f"{NOTEBOOK} .jp-Toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=180_000)
    body = dialog.locator(".jp-Dialog-body")
    verdict = dialog.locator(".validation-success, .validation-failed").first
    try:
        verdict.wait_for(timeout=10_000)
    except Exception:
        raise AssertionError(f"Validate gave no verdict:\n{body.inner_text()[-3000:]}") from None
    return verdict.get_attribute("class"), body.inner_text()


def close_dialog(page) -> None:
    page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
    page.locator(".jp-Dialog").wait_for(state="detached")


def shot(page, name: str, target=None) -> Path:
    CAPTURES.mkdir(exist_ok=True)
    path = CAPTURES / f"{name}.png"
    if target is not None:
        target.scroll_into_view_if_needed()
    page.screenshot(path=str(path))
    return path


# --------------------------------------------------------------------------
# Fixtures: one server and one browser for the whole file
# --------------------------------------------------------------------------

LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RELEASES = sorted((ROOT / "release").glob("*/*.ipynb"))


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the trainee's part of the course: files the browser writes stay out of the repo."""
    root = tmp_path_factory.mktemp("cours")
    for folder in ("notebooks", "release"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def lab(course, tmp_path_factory):
    """JupyterLab (this environment's) and Chromium; both stopped at the end, whatever happens."""
    scratch = tmp_path_factory.mktemp("jupyter")
    with jupyterlab(Path(sys.executable).parent, course, scratch) as server, chromium() as browser:
        yield server, browser


@pytest.fixture
def page(lab, request):
    """A new tab; if the test fails, what the page showed goes to tests/captures/ECHEC-<test>.png."""
    server, browser = lab
    failed_before = request.session.testsfailed
    page = browser.new_page()
    yield page
    if request.session.testsfailed > failed_before:
        with contextlib.suppress(Exception):
            name = re.sub(r"[^\w.-]+", "-", request.node.name)
            shot(page, f"ECHEC-{name}")
    page.close()


def cell_index(path: Path, grade_id: str) -> int:
    notebook = nbformat.read(path, as_version=4)
    return next(i for i, c in enumerate(notebook.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def raising_cells(path: Path) -> set[int]:
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    return {i for i, c in enumerate(code) if "raises-exception" in c.metadata.get("tags", [])}


# --------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_the_browser(lab, page, course, lesson):
    """Every lesson: open it, run all its cells; errors only where the lesson expects one;
    charts are drawn; the quiz shows."""
    server, _ = lab
    path = course / "notebooks" / lesson.name
    open_notebook(page, server.url, f"notebooks/{lesson.name}")
    wait_cells(page, count_cells(path))
    run_all(page)
    code_cells = page.locator(f"{NOTEBOOK} .jp-Notebook .jp-CodeCell")
    errors = [i for i in range(code_cells.count())
              if code_cells.nth(i).locator(".jp-OutputArea-output[data-mime-type="
                                           "'application/vnd.jupyter.stderr']").count()]
    unexpected = [i for i in errors if i not in raising_cells(path)]
    assert not unexpected, (f"{lesson.name}: code cells {unexpected} show an error:\n{_diagnosis(page)}")
    shot(page, f"lecon-{lesson.stem}-executee", cells(page).first)
    charts = page.locator(f"{NOTEBOOK} .jp-RenderedImage img")
    if charts.count():  # the first chart as drawn in the page, with its title and source
        charts.first.scroll_into_view_if_needed()
        charts.first.screenshot(path=str(CAPTURES / f"lecon-{lesson.stem}-graphique.png"))
    if "afficher_quiz(" in lesson.read_text(encoding="utf-8"):
        assert page.locator(f"{NOTEBOOK} .widget-radio-box, {NOTEBOOK} .widget-checkbox").count(), \
            f"{lesson.name}: the quiz widgets are not displayed"


def test_quiz_feedback(lab, page, course):
    """Answer the first lesson's quiz, wrong then right, and read the feedback shown."""
    from coopdec.quiz import charger_banque, corriger

    server, _ = lab
    lesson = next(p for p in LESSONS if "afficher_quiz(" in p.read_text(encoding="utf-8"))
    code = "\n".join(c.source for c in nbformat.read(lesson, as_version=4).cells if c.cell_type == "code")
    unit = re.search(r"""afficher_quiz\(["']([^"']+)["']""", code).group(1)
    question = charger_banque(unit)["questions"][0]
    assert question.get("type", "unique") == "unique", "the first question should have one answer"
    right = next(i for i, c in enumerate(question["choix"]) if c.get("correct") is True)
    wrong = next(i for i, c in enumerate(question["choix"]) if c.get("correct") is not True)
    open_notebook(page, server.url, f"notebooks/{lesson.name}")
    wait_cells(page, count_cells(course / "notebooks" / lesson.name))
    run_all(page)
    block = page.locator(f"{NOTEBOOK} .widget-vbox", has=page.locator(".widget-radio-box")).filter(
        has_text="Question 1.").last
    feedback = block.locator(".widget-html-content").last
    for choice, name in ((wrong, "quiz-reponse-fausse"), (right, "quiz-bonne-reponse")):
        block.locator(".widget-radio-box label").nth(choice).click()
        block.get_by_role("button", name="Vérifier").click()
        expected = corriger(question, choice).message
        page.wait_for_function("([node, text]) => node.innerText.includes(text)",
                               arg=[feedback.element_handle(), expected[:60]])
        text = feedback.inner_text()
        assert text.startswith(expected.split(".")[0]), text
        assert expected in text.replace("\n", " ") or expected[:80] in text, (expected, text)
        assert "Source :" in text
        shot(page, name, block)
    assert feedback.inner_text().startswith("Bonne réponse.")


def _unit_for_exercise() -> Path:
    unit = ROOT / "release" / "00-bienvenue" / "00-bienvenue.ipynb"
    return unit if unit.is_file() else RELEASES[0]


def test_exercise_check_validate_save_and_restore(lab, page, course, tmp_path):
    """The trainee's whole path through an exercise notebook, on Binder or anywhere."""
    from coopdec import sauvegarde

    server, browser = lab
    release = _unit_for_exercise()
    unit = release.parent.name
    if unit != "00-bienvenue":
        pytest.skip("the scripted answers are those of unit 00-bienvenue")
    notebook = course / "release" / unit / release.name
    open_notebook(page, server.url, f"release/{unit}/{release.name}")
    wait_cells(page, count_cells(notebook))
    run_all(page)

    # A wrong answer, then the right one: the visible test's French message, then « Bravo ».
    answer = cells(page).nth(cell_index(notebook, "reponse_0_1"))
    test = cells(page).nth(cell_index(notebook, "test_0_1"))
    type_in_cell(page, answer, 'reponse_0_1 = "A"')
    run_cell(page, answer)
    message = run_cell(page, test)
    assert "« A » n'est pas la bonne réponse." in message and "À relire" in message, message
    assert "Traceback" not in message, "a failed check shows its message, not a traceback"
    shot(page, "exercice-message-en-francais", test)
    type_in_cell(page, answer, 'reponse_0_1 = "C"')
    run_cell(page, answer)
    message = run_cell(page, test)
    assert message.startswith("Bravo !"), message
    shot(page, "exercice-bravo", test)

    # nbgrader's Validate: three questions are still unanswered.
    verdict, text = validate(page)
    assert "validation-failed" in verdict, text
    assert "The following cell failed" in text and "reponse_0_2" in text, text
    assert "verifier_choix(reponse_0_1" not in text, "exercise 0.1 is answered and must pass"
    shot(page, "validate-echec")
    close_dialog(page)

    # Save the answers as the header says: Ctrl+S, then the notebook's last cell « Sauvegarder
    # mes réponses ». It is given no argument: the kernel finds its notebook by JPY_SESSION_NAME.
    save(page)
    save_cells = [i for i, c in enumerate(nbformat.read(notebook, as_version=4).cells)
                  if c.cell_type == "code" and "sauvegarder_reponses()" in c.source]
    if save_cells:
        cell = cells(page).nth(save_cells[-1])
    else:  # exercise notebooks built before the save cell existed
        cell = add_cell_at_end(page, "from coopdec import sauvegarder_reponses\nsauvegarder_reponses()")
    output = run_cell(page, cell)
    assert "✓ 4 réponse(s) sauvegardée(s), dont 3 encore vide(s)" in output, output
    assert "Attention : la dernière sauvegarde" not in output, "Ctrl+S was just pressed"
    session = add_cell_at_end(page, "import os\nos.environ['JPY_SESSION_NAME']")
    assert run_cell(page, session).strip().strip("'").endswith(f"release/{unit}/{release.name}")
    shot(page, "sauvegarde-lien-de-telechargement", cell)
    with page.expect_download() as download:
        cell.locator("a.coopdec-telecharger").click()
    assert download.value.suggested_filename == f"{unit}-reponses.json"
    downloaded = tmp_path / download.value.suggested_filename
    download.value.save_as(downloaded)
    saved = json.loads(downloaded.read_text(encoding="utf-8"))
    assert saved["devoir"] == unit and saved["reponses"]["reponse_0_1"]["source"] == 'reponse_0_1 = "C"'
    assert saved == json.loads((notebook.parent / f"{unit}-reponses.json").read_text(encoding="utf-8"))

    # A new session: a fresh notebook, the file uploaded with « Charger des fichiers ».
    fresh_dir = course / "nouvelle-session" / unit
    fresh_dir.mkdir(parents=True)
    shutil.copy(release, fresh_dir)
    fresh = fresh_dir / release.name
    open_notebook(page, server.url, f"nouvelle-session/{unit}/{release.name}")
    wait_cells(page, count_cells(fresh))
    with page.expect_file_chooser() as chooser:
        page.locator(".jp-FileBrowser-toolbar [title='Charger des fichiers']").first.click()
    chooser.value.set_files(str(downloaded))
    page.locator(".jp-DirListing-item", has_text=downloaded.name).wait_for()
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=release.name).first.click()
    cell = add_cell_at_end(page, "from coopdec import restaurer_reponses\n"
                                 f'restaurer_reponses("{downloaded.name}")')
    output = run_cell(page, cell)
    assert "✓ 1 réponse(s) restaurée(s)" in output and "Recharger Notebook depuis le disque" in output, output
    shot(page, "restauration-rapport", cell)
    _reload_from_disk(page, fresh)
    restored = cells(page).nth(cell_index(fresh, "reponse_0_1"))
    assert restored.locator(".cm-content").inner_text() == 'reponse_0_1 = "C"'
    shot(page, "restauration-notebook-recharge", restored)

    # The trainer's solutions, restored the same way: Validate's verdict is then a success.
    solutions = tmp_path / "corrige" / unit / release.name
    solutions.parent.mkdir(parents=True)
    shutil.copy(ROOT / "source" / unit / release.name, solutions)
    _, _, written, _ = sauvegarde.sauvegarder(solutions)
    shutil.copy(written, fresh_dir / "corrige-reponses.json")
    cell = add_cell_at_end(page, "from coopdec import restaurer_reponses\n"
                                 'restaurer_reponses("corrige-reponses.json")')
    output = run_cell(page, cell)
    assert "réponse(s) restaurée(s)" in output, output
    _reload_from_disk(page, fresh)
    run_all(page)
    verdict, text = validate(page)
    assert "validation-success" in verdict and "Success! Your notebook passes all the tests." in text, text
    shot(page, "validate-succes")
    close_dialog(page)


def _reload_from_disk(page, path: Path) -> None:
    """Fichier → Recharger Notebook depuis le disque, confirming, as the restore report says."""
    menu(page, "Fichier", "docmanager:reload")
    dialog = page.locator(".jp-Dialog")
    with contextlib.suppress(Exception):
        dialog.wait_for(timeout=5_000)
        dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
        dialog.wait_for(state="detached")
    wait_cells(page, count_cells(path))
    page.wait_for_function(
        "() => !document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current.jp-mod-dirty')")
