"""The grading sandbox: what student code can see and do inside it.

Each test runs real code in the sandbox (bubblewrap + unprivileged uid +
limits) and checks the outcome from the inside and from the outside. Tests
skip, loudly, only where the machine forbids user namespaces.
"""

import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from coopdec.correction.kernel import SandboxedKernelManager
from coopdec.correction.probe import hidden_course_paths, probe
from coopdec.correction.sandbox import HOME, GradingSandbox, SandboxUnavailable
from tests.hostiles.cours import ROOT, sandbox_or_skip


@pytest.fixture(scope="module")
def report():
    return sandbox_or_skip()


@pytest.fixture
def sandbox(report):
    return GradingSandbox()


def run(sandbox, code, **kw):
    result = sandbox.run([sys.executable, "-c", code], **kw)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_probe_finds_the_course_invisible_and_the_network_cut(report, tmp_path):
    course = tmp_path / "cours"
    (course / "source" / "01-x").mkdir(parents=True)
    (course / "source" / "01-x" / "01-x.ipynb").write_text("{}")
    (course / "gradebook.db").write_text("")
    sandbox = GradingSandbox()
    hidden = hidden_course_paths(sandbox, course, f"sqlite:///{course / 'gradebook.db'}")
    assert course / "source" in hidden and course / "gradebook.db" in hidden
    # the repository's own instructor sources and the grader's home are hidden too
    hidden_repo = hidden_course_paths(sandbox, ROOT, f"sqlite:///{ROOT / 'gradebook.db'}")
    assert ROOT / "source" in hidden_repo and ROOT / "tests" in hidden_repo
    checked = probe(sandbox, hidden + hidden_repo, [course, ROOT], use_cache=False)
    assert checked.ok, checked.problems
    assert not any(checked.visible.values())
    assert checked.network == []
    assert checked.writable[f"{HOME}/travail"] and checked.writable["/tmp"]
    assert not checked.writable[str(course)] and not checked.writable["/usr"]
    if os.geteuid() == 0:
        assert checked.uid != 0


def test_code_runs_as_another_user_with_its_limits(sandbox):
    inside = run(sandbox, """
import json, os, resource
print(json.dumps({"uid": os.getuid(), "groups": os.getgroups(),
    "nproc": resource.getrlimit(resource.RLIMIT_NPROC)[0], "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
    "cpu": resource.getrlimit(resource.RLIMIT_CPU)[0], "as": resource.getrlimit(resource.RLIMIT_AS)[0],
    "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0], "pids": sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
    "home": os.environ["HOME"], "cwd": os.getcwd(), "env": sorted(os.environ)}))
""")
    if os.geteuid() == 0:
        assert inside["uid"] >= sandbox.uid_base and inside["groups"] == []
        assert inside["nproc"] == sandbox.processes
    assert inside["fsize"] == sandbox.file_bytes and inside["cpu"] == sandbox.cpu_seconds
    assert inside["as"] == sandbox.memory_bytes and inside["nofile"] == sandbox.open_files
    assert len(inside["pids"]) <= 4, "own PID namespace: only the sandbox's processes are visible"
    assert inside["home"] == HOME and inside["cwd"] == f"{HOME}/travail"
    assert "JPY_PARENT_PID" not in inside["env"] and "COOPDEC_GRADEBOOK" not in inside["env"]


def test_forks_files_and_tmp_are_bounded(sandbox):
    inside = run(sandbox, """
import json, os, time
forks, error = 0, None
try:
    for _ in range(400):
        pid = os.fork()
        if pid == 0:
            time.sleep(2)
            os._exit(0)
        forks += 1
except OSError as exc:
    error = type(exc).__name__
big = None
try:
    with open("gros.bin", "wb") as fh:
        fh.write(b"0" * (60 * 2**20))
except OSError as exc:
    big = exc.errno
full = None
try:
    for i in range(10):
        with open(f"/tmp/f{i}", "wb") as fh:
            fh.write(b"0" * (40 * 2**20))
except OSError as exc:
    full = exc.errno
print(json.dumps({"forks": forks, "error": error, "big": big, "full": full}))
""", timeout=120)
    assert inside["error"] == "BlockingIOError" and inside["forks"] < sandbox.processes
    assert inside["big"] == 27, "RLIMIT_FSIZE: File too large"
    assert inside["full"] in (27, 28), "the sandbox's /tmp is a small tmpfs"


def test_no_network_no_new_namespace_no_write_outside(sandbox, tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                hits.append(server.accept()[0])
            except OSError:
                continue

    threading.Thread(target=accept, daemon=True).start()
    outside = tmp_path / "temoin.txt"
    try:
        inside = run(sandbox, f"""
import json, socket, subprocess
out = {{}}
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).close(); out["tcp"] = "ok"
except OSError as exc:
    out["tcp"] = type(exc).__name__
try:
    socket.getaddrinfo("pypi.org", 443); out["dns"] = "ok"
except OSError as exc:
    out["dns"] = type(exc).__name__
out["unshare"] = subprocess.run(["unshare", "--user", "--map-root-user", "true"], capture_output=True).returncode
try:
    open({str(outside)!r}, "w").write("x"); out["write"] = "ok"
except OSError as exc:
    out["write"] = type(exc).__name__
try:
    open("/usr/coopdec", "w"); out["usr"] = "ok"
except OSError as exc:
    out["usr"] = type(exc).__name__
print(json.dumps(out))
""")
    finally:
        stop.set()
    assert inside["tcp"] != "ok" and not hits, "the grader's loopback is unreachable"
    assert inside["dns"] != "ok"
    assert inside["write"] != "ok" and not outside.exists()
    assert inside["usr"] != "ok"
    from coopdec.correction.sandbox import _nested_userns_works
    if _nested_userns_works(sandbox.bwrap):
        assert inside["unshare"] != 0, "no new user namespace inside the sandbox"


def test_course_package_and_data_are_readable_but_not_the_rest_of_the_repository(sandbox):
    inside = run(sandbox, f"""
import json, os
import coopdec.checks
from coopdec.data import charger, jeux_de_donnees
names = list(jeux_de_donnees()["nom"])
print(json.dumps({{"datasets": len(names), "rows": len(charger(names[0])),
    "repo": sorted(os.listdir({str(ROOT)!r}))}}))
""", timeout=300)
    assert inside["datasets"] > 0 and inside["rows"] > 0
    assert set(inside["repo"]) <= {"coopdec", "datasets", "quizzes", ".venv"}
    assert "source" not in inside["repo"] and "tests" not in inside["repo"]


def test_working_folder_has_the_data_files_but_never_the_notebooks(sandbox, tmp_path):
    (tmp_path / "sous").mkdir()
    (tmp_path / "donnees.csv").write_text("x\n1\n")
    (tmp_path / "sous" / "b.txt").write_text("b")
    (tmp_path / "99-x.ipynb").write_text("SECRET_HIDDEN_TEST")
    inside = run(sandbox, """
import json, os
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(".") for f in fs)
open("donnees.csv", "a").write("2\\n")
print(json.dumps({"files": files}))
""", workdir=tmp_path, cwd_name="99-x")
    assert inside["files"] == ["./donnees.csv", "./sous/b.txt"]
    assert (tmp_path / "donnees.csv").read_text() == "x\n1\n", "the kernel works on copies"


def test_unavailable_sandbox_is_refused_in_french(tmp_path):
    sandbox = GradingSandbox(bwrap=str(tmp_path / "pas-de-bwrap"))
    with pytest.raises(SandboxUnavailable, match="bubblewrap"):
        sandbox.prepare(["true"])


def test_kernel_in_the_sandbox_runs_is_interrupted_by_message_and_is_cleaned_up(report, tmp_path):
    from jupyter_core.utils import run_sync

    from coopdec.correction.probe import font_cache_files

    (tmp_path / "donnees.csv").write_text("x\n1\n")
    km = SandboxedKernelManager(sandbox=GradingSandbox(), workdir=str(tmp_path), cwd_name="01-x",
                                extra_files=font_cache_files(GradingSandbox()))
    assert km.kernel_spec.interrupt_mode == "message"

    async def scenario():
        await km.start_kernel()
        runtime = km._runtime_dir
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            km.seal()
            reply = await kc.execute_interactive(
                "import os, json; print(json.dumps([os.getcwd(), sorted(os.listdir('.')), os.getuid()]))",
                timeout=60, output_hook=lambda msg: outputs.append(msg))
            assert reply["content"]["status"] == "ok"
            msg_id = kc.execute("while True:\n    pass")
            time.sleep(2)
            started = time.monotonic()
            await km.interrupt_kernel()
            reply = await kc._async_get_shell_msg(timeout=30)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = await kc._async_get_shell_msg(timeout=30)
            assert reply["content"]["ename"] == "KeyboardInterrupt"
            assert time.monotonic() - started < 30
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return runtime

    outputs = []
    runtime = run_sync(scenario)()
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    cwd, files, uid = json.loads(text.strip().splitlines()[-1])
    assert cwd == f"{HOME}/01-x" and files == ["donnees.csv"]
    if os.geteuid() == 0:
        assert uid != 0
    assert not Path(runtime).exists(), "the kernel's runtime folder is removed"


def test_grading_kernel_starts_without_the_debugger_and_a_forgotten_breakpoint_does_not_stop_it(report, tmp_path):
    from jupyter_core.utils import run_sync

    km = SandboxedKernelManager(sandbox=GradingSandbox(), workdir=str(tmp_path), cwd_name="01-x")
    code = ("import sys, json\n"
            "loaded = sorted(m for m in sys.modules if m.startswith(('debugpy', 'pydevd')) and sys.modules[m])\n"
            "breakpoint()\n"
            "print(json.dumps([loaded, sys.path]))")

    async def scenario():
        await km.start_kernel()
        runtime = str(km._runtime_dir)
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=120)
            km.seal()
            return runtime, await kc.execute_interactive(code, timeout=60, allow_stdin=False,
                                                         output_hook=lambda msg: outputs.append(msg))
        finally:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)

    outputs = []
    runtime, reply = run_sync(scenario)()
    assert reply["content"]["status"] == "ok", reply["content"]
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    loaded, path = json.loads(text.strip().splitlines()[-1])
    assert loaded == []
    # As with ``python -m ipykernel_launcher``: the working folder is importable (IPython adds
    # "" before site-packages), the launch folder (the kernel's runtime folder) is not.
    assert "" in path and not any(entry.startswith(runtime) for entry in path), path


def test_font_cache_is_built_once_for_every_kernel_of_a_batch(monkeypatch):
    # Each kernel of a batch gets its own GradingSandbox (another parent, another log): the
    # cache must still answer, or a sandboxed Python is launched for every copy (0.96 s each).
    from coopdec.correction import probe as probe_module

    calls = []

    def fake_run(self, argv, **kwargs):
        calls.append(argv)
        raise SandboxUnavailable("pas lancé dans ce test")

    monkeypatch.setattr(GradingSandbox, "run", fake_run)
    monkeypatch.setattr(probe_module, "_FONT_CACHE", {})
    first = GradingSandbox(parent=SandboxedKernelManager())
    second = GradingSandbox(parent=SandboxedKernelManager())
    assert probe_module.font_cache_files(first) == probe_module.font_cache_files(second) == {}
    assert len(calls) == 1
    assert probe_module.font_cache_files(GradingSandbox(memory_bytes=first.memory_bytes // 2)) == {}
    assert len(calls) == 2, "other settings, another cache entry"
