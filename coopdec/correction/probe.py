"""Check, before a batch, that the sandbox really runs and really isolates.

The probe starts the sandbox once with the interpreter that will run the
kernels and asks it what it can see: its uid, whether the course folder, the
gradebook and ``source/`` are reachable, whether the network is, whether it
can read the course package. It imports nothing heavy: it costs a Python
start.

:func:`font_cache_files` builds matplotlib's font list once per process
inside the sandbox, so that each kernel starts with a warm font cache
(building it takes seconds, and its warning on stderr would cost a test its
points).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox import HOME, GradingSandbox, SandboxUnavailable

_PROBE = r"""
import json, os, socket, sys
report = {"uid": os.getuid(), "euid": os.geteuid(), "visible": {}, "writable": {}}
for name in json.loads(sys.argv[1]):
    report["visible"][name] = os.path.exists(name)
for name in json.loads(sys.argv[2]):
    try:
        with open(os.path.join(name, ".coopdec-probe"), "w") as fh:
            fh.write("x")
        report["writable"][name] = True
    except OSError:
        report["writable"][name] = False
with open("/proc/net/dev") as fh:
    interfaces = [line.split(":")[0].strip() for line in fh.readlines()[2:]]
report["network"] = [name for name in interfaces if name != "lo"]
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2).close()
    report["network"].append("192.0.2.1")
except OSError:
    pass
import subprocess
try:
    report["userns"] = subprocess.run(["unshare", "--user", "true"], capture_output=True).returncode == 0
except OSError:
    report["userns"] = False
import importlib.util
try:
    spec = importlib.util.find_spec("coopdec")
    with open(spec.origin, encoding="utf-8") as fh:
        fh.read(1)
    report["coopdec"] = True
except Exception as exc:  # reported to the trainer
    report["coopdec"] = repr(exc)
print("COOPDEC-PROBE" + json.dumps(report))
"""

_FONTS = r"""
import json, os
import matplotlib.font_manager as fm
path = os.path.join(os.environ["MPLCONFIGDIR"], f"fontlist-v{fm.FontManager.__version__}.json")
print("COOPDEC-FONTS" + json.dumps({"name": os.path.basename(path),
      "text": open(path, encoding="utf-8").read() if os.path.exists(path) else None}))
"""


@dataclass
class ProbeReport:
    """What the sandbox could see and do, as measured from inside."""

    uid: int
    visible: dict[str, bool]
    writable: dict[str, bool]
    network: list[str]
    userns: bool
    coopdec: bool | str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_CACHE: dict[tuple, ProbeReport] = {}
_FONT_CACHE: dict[str, dict[str, bytes]] = {}


def _failure_message(stderr: str) -> str:
    text = stderr.strip().splitlines()[-1] if stderr.strip() else "(aucun message)"
    hints = ""
    if any(k in stderr for k in ("uid map", "user namespace", "No permissions to create new namespace",
                                 "Operation not permitted", "setting up uid map")):
        hints = (" Cette machine interdit les espaces de noms utilisateur non privilégiés : "
                 "activez-les (Debian : sysctl kernel.unprivileged_userns_clone=1 ; Ubuntu 24.04 : "
                 "profil AppArmor de bwrap), ou corrigez avec un compte root. Voir docs/deploiement.md.")
    return f"Le bac à sable ne démarre pas : {text}.{hints}"


def _settings_key(sandbox: GradingSandbox) -> str:
    """The sandbox's configurable settings, as a cache key (``parent`` and ``log`` differ per kernel)."""
    return json.dumps({k: getattr(sandbox, k) for k in sandbox.trait_names(config=True)}, sort_keys=True, default=str)


def probe(sandbox: GradingSandbox, hidden: list[Path], writable_hosts: list[Path] | None = None,
          *, use_cache: bool = True) -> ProbeReport:
    """Run the probe in the sandbox; raise :class:`SandboxUnavailable` if it cannot start.

    ``hidden``: host paths that must not be visible inside (course folder,
    gradebook, ``source/``…). ``writable_hosts``: host folders the sandbox must
    not be able to write to.
    """
    key = (tuple(sorted(str(p) for p in hidden)), tuple(str(p) for p in writable_hosts or []),
           sandbox.as_root, _settings_key(sandbox))
    if use_cache and key in _CACHE:
        return _CACHE[key]
    try:
        result = sandbox.run(
            [sys.executable, "-c", _PROBE, json.dumps([str(p) for p in hidden]),
             json.dumps([str(p) for p in writable_hosts or []] + ["/usr", f"{HOME}/travail", "/tmp"])],
            cwd_name="travail", timeout=180)
    except FileNotFoundError as exc:
        raise SandboxUnavailable(f"Le bac à sable ne démarre pas : {exc}.") from exc
    except subprocess.TimeoutExpired as exc:
        raise SandboxUnavailable("Le bac à sable ne répond pas (plus de 180 s pour démarrer).") from exc
    marker = "COOPDEC-PROBE"
    if result.returncode != 0 or marker not in result.stdout:
        raise SandboxUnavailable(_failure_message(result.stderr))
    data = json.loads(result.stdout.split(marker, 1)[1])
    report = ProbeReport(
        uid=data["uid"], visible=data["visible"], writable=data["writable"], network=data["network"],
        userns=data["userns"], coopdec=data["coopdec"],
    )
    if sandbox.as_root and report.uid == 0:
        report.problems.append("le code des stagiaires tournerait en root")
    for name, seen in report.visible.items():
        if seen:
            report.problems.append(f"{name} est visible depuis le bac à sable")
    for name, ok in report.writable.items():
        if ok and not name.startswith((f"{HOME}/", "/tmp")):
            report.problems.append(f"{name} est modifiable depuis le bac à sable")
    if not report.writable.get("/tmp", False) or not report.writable.get(f"{HOME}/travail", False):
        report.problems.append("le dossier de travail ou /tmp n'est pas modifiable (tout le monde aurait 0)")
    if report.network:
        report.problems.append("le réseau est accessible")
    if report.coopdec is not True:
        report.problems.append(f"le paquet coopdec ne se charge pas ({report.coopdec})")
    _CACHE[key] = report
    return report


def font_cache_files(sandbox: GradingSandbox) -> dict[str, bytes]:
    """Files that give a kernel matplotlib's font list, built once per process inside the sandbox."""
    if not sandbox.enabled:
        return {}
    key = _settings_key(sandbox)
    if key not in _FONT_CACHE:
        files: dict[str, bytes] = {}
        try:
            result = sandbox.run([sys.executable, "-c", _FONTS], timeout=300)
            if "COOPDEC-FONTS" in result.stdout:
                data = json.loads(result.stdout.split("COOPDEC-FONTS", 1)[1])
                if data["text"]:
                    files = {f"{HOME}/.config/matplotlib/{data['name']}": data["text"].encode("utf-8")}
        except (OSError, subprocess.TimeoutExpired, SandboxUnavailable, ValueError):
            files = {}
        _FONT_CACHE[key] = files
    return _FONT_CACHE[key]


def describe(report: ProbeReport) -> str:
    """One French line for the trainer's log."""
    who = f"uid {report.uid}"
    userns = "bloqués" if not report.userns else "autorisés"
    return (f"bac à sable actif ({who}, réseau coupé, dossier du cours invisible, "
            f"nouveaux espaces de noms {userns})")


def hidden_course_paths(sandbox: GradingSandbox, course_root: Path, db_url: str,
                        exchange_root: Path | None = None) -> list[Path]:
    """Existing host paths a kernel must never see: gradebook, instructor sources, submissions…

    Folders that are only ancestors of what the sandbox may read (the course
    repository holding ``coopdec/``, the home holding the interpreter) are
    replaced by their other entries.
    """
    readable = sandbox.readable_paths()
    candidates = [course_root / name for name in
                  ("source", "submitted", "autograded", "feedback", "release", "nbgrader_config.py")]
    if db_url.startswith("sqlite:///"):
        candidates.append(Path(db_url[len("sqlite:///"):]))
    if exchange_root is not None:
        candidates.append(exchange_root)
    for folder in (course_root, Path(os.path.expanduser("~"))):
        candidates.append(folder)
    paths: list[Path] = []
    for path in candidates:
        path = path.resolve()
        if not path.exists() or path == Path("/"):
            continue
        if any(path == r or path in r.parents for r in readable):
            # an ancestor of a readable tree: its other entries must stay invisible
            for entry in sorted(path.iterdir())[:50]:
                entry = entry.resolve()
                if not any(entry == r or entry in r.parents or r in entry.parents for r in readable):
                    paths.append(entry)
        elif not any(r in path.parents for r in readable):
            paths.append(path)
    return sorted(set(paths))


def main(argv: list[str] | None = None) -> int:
    """``python -m coopdec.correction.probe``: check the sandbox from the course folder, in French."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=".").load_config()
    coursedir = CourseDirectory(config=config)
    sandbox = GradingSandbox(config=config)
    if not sandbox.enabled:
        print("Bac à sable DÉSACTIVÉ par la configuration (COOPDEC_SANS_BAC_A_SABLE) : le code des stagiaires "
              "s'exécuterait avec vos droits.")
        return 1
    exchange = config.Exchange.get("root") if "Exchange" in config else None
    root = Path(coursedir.root)
    try:
        report = probe(sandbox, hidden_course_paths(sandbox, root, coursedir.db_url,
                                                    Path(exchange) if exchange else None), [root])
    except SandboxUnavailable as exc:
        print(exc)
        return 1
    if not report.ok:
        print("Le bac à sable ne protège pas la correction : " + " ; ".join(report.problems))
        return 1
    mode = ("compte root : chaque noyau reçoit un identifiant non privilégié dédié" if sandbox.as_root
            else "compte ordinaire : espace de noms utilisateur, votre identifiant hors du bac à sable")
    print(f"Bac à sable opérationnel — {describe(report)} ; {mode}.")
    print(f"Limites par noyau : {sandbox.cpu_seconds} s de calcul, {sandbox.memory_bytes // 2**20} Mo "
          f"d'espace mémoire, {sandbox.processes} processus, fichiers de {sandbox.file_bytes // 2**20} Mo au plus, "
          f"/tmp de {sandbox.tmpfs_bytes // 2**20} Mo.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
