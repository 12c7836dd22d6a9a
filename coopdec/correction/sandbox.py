"""Build the bubblewrap command that runs untrusted student code.

Only the *kernel* is isolated: the grader process keeps the gradebook and
``source/``. The sandbox sees a minimal, read-only filesystem:

- ``/usr`` (and the ``/bin``, ``/lib``… links), a few files of ``/etc``;
- the Python that runs the grader (``sys.base_prefix`` and ``sys.prefix``);
- the course package ``coopdec/`` and the shared ``datasets/`` and ``quizzes/``
  folders beside it (nothing else of the course repository or course folder);
- a size-limited, throw-away home ``/home/stagiaire`` whose folder
  ``/home/stagiaire/<assignment>`` holds copies of the submission's data files
  (never its notebooks: the autograded notebook contains the hidden tests);
- a size-limited ``/tmp``, and the kernel's own runtime folder (connection
  file and IPC sockets).

No network (``--unshare-net``: the kernel talks to the grader over IPC
sockets), its own PID, IPC and UTS namespaces, a new session (no terminal
injection), and resource limits (CPU seconds, address space, processes, file
size, open files).

Two ways to get there, chosen automatically:

- **grader is root** (a shared grading account or a CI machine): bubblewrap
  runs privileged to set up the mounts, then ``setpriv`` drops to a dedicated
  unprivileged uid taken from a pool (so ``RLIMIT_NPROC`` bounds *this*
  sandbox only), and a nested unprivileged bubblewrap forbids creating further
  user namespaces when the host allows it;
- **grader is an ordinary user** (a trainer's JupyterHub account): bubblewrap
  runs unprivileged in a user namespace with ``--disable-userns``. The kernel
  keeps the trainer's uid outside the sandbox but sees none of the trainer's
  files.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from traitlets import Bool, Integer, List, Unicode
from traitlets.config import LoggingConfigurable

#: Where the kernel works, inside the sandbox.
HOME = "/home/stagiaire"

#: Files of /etc that Python, matplotlib and the C library read.
ETC_ENTRIES = (
    "passwd", "group", "nsswitch.conf", "localtime", "timezone", "hosts",
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "fonts", "alternatives",
    "mime.types", "locale.alias",
)

#: Top-level links or folders of a merged-/usr Debian system.
ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run on this machine; the message is French, for trainers."""


def course_package_paths() -> list[Path]:
    """The course package and the shared data folders the kernel may read.

    The course package is installed in editable mode from the repository, so
    the folders ``datasets/`` and ``quizzes/`` sit beside it.
    """
    spec = importlib.util.find_spec("coopdec")
    if spec is None or not spec.submodule_search_locations:
        return []
    package = Path(next(iter(spec.submodule_search_locations))).resolve()
    paths = [package]
    for name in ("datasets", "quizzes"):
        if (package.parent / name).is_dir():
            paths.append(package.parent / name)
    override = os.environ.get("COOPDEC_DATASETS")
    if override and Path(override).is_dir():
        paths.append(Path(override).resolve())
    return paths


def _python_paths() -> list[Path]:
    """The trees needed to run this interpreter (base install and virtual env)."""
    paths = []
    for prefix in (sys.base_prefix, sys.prefix):
        p = Path(prefix).resolve()
        if p not in paths:
            paths.append(p)
    return paths


def _covered(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


@dataclass
class Prepared:
    """A command ready to launch, and what to release once it has started or ended."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    uid: int | None = None
    _lock_fd: int | None = None
    _fds: list[int] = field(default_factory=list)

    def close_fds(self) -> None:
        """Close the descriptors that were only needed to start the sandbox."""
        for fd in self._fds:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fds = []

    def release(self) -> None:
        """Close the remaining descriptors and give the uid back to the pool."""
        self.close_fds()
        if self._lock_fd is not None:
            try:
                os.close(self._lock_fd)
            except OSError:
                pass
            self._lock_fd = None


class GradingSandbox(LoggingConfigurable):
    """Settings and command builder of the grading sandbox.

    Set ``c.GradingSandbox.enabled = False`` (or the environment variable
    ``COOPDEC_SANS_BAC_A_SABLE=1``, read by ``nbgrader_config.py``) to grade
    without protection on a machine that cannot run it: an explicit choice.
    """

    enabled = Bool(True, help="Run student code in the sandbox; False is an explicit opt-out.").tag(config=True)
    bwrap = Unicode("bwrap", help="The bubblewrap executable.").tag(config=True)
    uid_base = Integer(62000, help="First uid of the pool used when the grader is root.").tag(config=True)
    uid_slots = Integer(32, help="Size of the uid pool (parallel sandboxes).").tag(config=True)
    cpu_seconds = Integer(300, help="CPU seconds per kernel (RLIMIT_CPU).").tag(config=True)
    memory_bytes = Integer(4 * 2**30, help="Address space per process (RLIMIT_AS).").tag(config=True)
    processes = Integer(128, help="Processes and threads of the sandbox (RLIMIT_NPROC).").tag(config=True)
    file_bytes = Integer(50 * 2**20, help="Largest file the code may write (RLIMIT_FSIZE).").tag(config=True)
    open_files = Integer(256, help="Open files per process (RLIMIT_NOFILE).").tag(config=True)
    tmpfs_bytes = Integer(256 * 2**20, help="Size of the sandbox's /tmp and of its home.").tag(config=True)
    workdir_max_bytes = Integer(
        200 * 2**20, help="Largest total size of the data files copied next to the notebook."
    ).tag(config=True)
    extra_ro_paths = List(Unicode(), help="More host paths the kernel may read.").tag(config=True)
    passthrough_env = List(
        Unicode(), ["NBGRADER_EXECUTION", "COOPDEC_DATASETS", "TZ"],
        help="Environment variables copied into the sandbox when set.",
    ).tag(config=True)
    runtime_root = Unicode(
        "", help="Folder for the kernels' runtime folders (default: a private folder in /tmp)."
    ).tag(config=True)

    # ------------------------------------------------------------------ paths

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def runtime_base(self) -> Path:
        """A private folder for runtime dirs and uid locks (short path: socket names are limited)."""
        if self.runtime_root:
            base = Path(self.runtime_root)
        else:
            base = Path(tempfile.gettempdir()) / f"coopdec-bac-a-sable-{os.geteuid()}"
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = base.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            raise SandboxUnavailable(
                f"Le dossier de travail du bac à sable {base} n'appartient pas au correcteur : "
                "supprimez-le ou choisissez-en un autre (c.GradingSandbox.runtime_root)."
            )
        os.chmod(base, 0o700)
        return base

    def new_runtime_dir(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="k", dir=self.runtime_base()))

    def readable_paths(self) -> list[Path]:
        paths = _python_paths()
        for p in course_package_paths() + [Path(x) for x in self.extra_ro_paths]:
            p = p.resolve()
            if p.exists() and not _covered(p, paths):
                paths.append(p)
        return paths

    # ------------------------------------------------------------------ uids

    def _take_uid(self) -> tuple[int, int]:
        """Reserve an unused uid of the pool with a lock file held while the sandbox runs."""
        import pwd

        locks = self.runtime_base() / "uids"
        locks.mkdir(mode=0o700, exist_ok=True)
        for uid in range(self.uid_base, self.uid_base + self.uid_slots):
            try:
                pwd.getpwuid(uid)
                continue  # a real account: never borrow it
            except KeyError:
                pass
            fd = os.open(locks / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            return uid, fd
        raise SandboxUnavailable(
            f"Aucun identifiant libre entre {self.uid_base} et {self.uid_base + self.uid_slots - 1} "
            "pour le bac à sable : trop de corrections en parallèle ?"
        )

    def _nproc_limit(self, uid: int) -> int:
        """RLIMIT_NPROC counts every task of the real uid: add the ones already running."""
        if self.as_root:
            return self.processes
        running = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                if os.stat(entry.path).st_uid == uid:
                    running += len(os.listdir(os.path.join(entry.path, "task")))
            except OSError:
                continue
        return running + self.processes

    # ------------------------------------------------------------------ command

    def prepare(
        self,
        argv: list[str],
        *,
        cwd_name: str = "travail",
        workdir: Path | None = None,
        runtime_dir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        files: dict[str, bytes] | None = None,
    ) -> Prepared:
        """Wrap ``argv`` so that it runs in the sandbox.

        ``workdir``: host folder whose files (except notebooks) are copied into
        the sandbox's working folder ``/home/stagiaire/<cwd_name>``.
        ``runtime_dir``: host folder bound read-write at the same path (kernel
        connection file and sockets). ``files``: extra files to create in the
        sandbox (path → content), e.g. matplotlib's font cache.
        """
        if not shutil.which(self.bwrap):
            raise SandboxUnavailable(
                "bubblewrap (bwrap) n'est pas installé : la correction ne peut pas isoler le code "
                "des stagiaires. Installez-le (Debian/Ubuntu : sudo apt-get install bubblewrap), "
                "voir docs/deploiement.md."
            )
        prepared = Prepared(argv=[])
        args: list[str] = []
        made: set[str] = set()

        def parents(path: str) -> None:
            parts = Path(path).parts[1:-1]
            current = "/"
            for part in parts:
                current = os.path.join(current, part)
                if current not in made:
                    made.add(current)
                    args.extend(["--perms", "0755", "--dir", current])

        def ro_bind(path: Path) -> None:
            parents(str(path))
            args.extend(["--ro-bind", str(path), str(path)])
            made.add(str(path))

        def memfile(dest: str, data: bytes, mode: str = "0644") -> None:
            fd = os.memfd_create("coopdec", 0)
            os.write(fd, data)
            os.lseek(fd, 0, os.SEEK_SET)
            prepared._fds.append(fd)
            parents(dest)
            args.extend(["--perms", mode, "--file", str(fd), dest])

        # System: /usr, the merged-/usr links, selected /etc entries.
        args.extend(["--ro-bind", "/usr", "/usr"])
        made.add("/usr")
        for name in ROOT_LINKS:
            p = Path("/") / name
            if p.is_symlink():
                args.extend(["--symlink", os.readlink(p), str(p)])
            elif p.is_dir():
                args.extend(["--ro-bind", str(p), str(p)])
        args.extend(["--perms", "0755", "--dir", "/etc"])
        made.add("/etc")
        for name in ETC_ENTRIES:
            if os.path.lexists(f"/etc/{name}"):
                args.extend(["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"])
        args.extend(["--dev", "/dev", "--proc", "/proc"])
        args.extend(["--perms", "1777", "--size", str(self.tmpfs_bytes), "--tmpfs", "/tmp"])
        made.add("/tmp")

        for path in self.readable_paths():
            if not _covered(path, [Path("/usr")]):
                ro_bind(path)

        # The throw-away home and working folder.
        parents(HOME + "/x")
        args.extend(["--perms", "0777", "--size", str(self.tmpfs_bytes), "--tmpfs", HOME])
        made.add(HOME)
        cwd = f"{HOME}/{cwd_name}"
        for folder in (cwd, f"{HOME}/.config", f"{HOME}/.config/matplotlib"):
            args.extend(["--perms", "0777", "--dir", folder])
            made.add(folder)
        if workdir is not None:
            total = 0
            for src in sorted(Path(workdir).rglob("*")):
                rel = src.relative_to(workdir)
                if src.suffix == ".ipynb" or ".ipynb_checkpoints" in rel.parts or src.is_symlink():
                    continue
                dest = f"{cwd}/{rel.as_posix()}"
                if src.is_dir():
                    if dest not in made:
                        made.add(dest)
                        args.extend(["--perms", "0777", "--dir", dest])
                elif src.is_file():
                    total += src.stat().st_size
                    if total > self.workdir_max_bytes:
                        raise SandboxUnavailable(
                            f"Les fichiers de {workdir} dépassent {self.workdir_max_bytes // 2**20} Mo : "
                            "ils ne sont pas copiés dans le bac à sable."
                        )
                    fd = os.open(src, os.O_RDONLY | os.O_CLOEXEC)
                    prepared._fds.append(fd)
                    args.extend(["--perms", "0666", "--file", str(fd), dest])
        for dest, data in (files or {}).items():
            memfile(dest, data)

        if runtime_dir is not None:
            parents(str(runtime_dir))
            args.extend(["--bind", str(runtime_dir), str(runtime_dir)])

        env = {
            "HOME": HOME,
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "LANG": "C.UTF-8",
            "PYTHONUTF8": "1",
            "PYTHONNOUSERSITE": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "TMPDIR": "/tmp",
            "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
        }
        for name in self.passthrough_env:
            if name in os.environ:
                env[name] = os.environ[name]
        env.update(extra_env or {})
        args.append("--clearenv")
        for key, value in env.items():
            args.extend(["--setenv", key, value])
        args.extend(["--chdir", cwd])

        limits = [
            f"--cpu={self.cpu_seconds}",
            f"--as={self.memory_bytes}",
            f"--fsize={self.file_bytes}",
            f"--nofile={self.open_files}",
            "--core=0",
        ]
        common = ["--die-with-parent", "--new-session"]
        if self.as_root:
            uid, lock_fd = self._take_uid()
            prepared.uid, prepared._lock_fd = uid, lock_fd
            limits.append(f"--nproc={self._nproc_limit(uid)}")
            # Privileged bubblewrap (no user namespace, so that the uid drop is real).
            outer = [self.bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                     "--unshare-cgroup-try", *common, *args, "--"]
            drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs", "--"]
            inner = []
            if _nested_userns_works(self.bwrap):
                inner = [self.bwrap, "--unshare-user", "--disable-userns", "--bind", "/", "/",
                         "--dev-bind", "/dev", "/dev", "--die-with-parent", "--"]
            prepared.argv = outer + drop + ["prlimit", *limits, "--"] + inner + list(argv)
        else:
            prepared.uid = os.getuid()
            limits.append(f"--nproc={self._nproc_limit(os.getuid())}")
            prepared.argv = (["prlimit", *limits, "--", self.bwrap, "--unshare-all", "--unshare-user",
                              "--disable-userns", *common, *args, "--"] + list(argv))
        prepared.pass_fds = tuple(prepared._fds)
        return prepared

    def run(self, argv: list[str], *, timeout: float = 120, input: str | None = None, **prepare_args):
        """Run ``argv`` in the sandbox and wait for it (a :class:`subprocess.CompletedProcess`)."""
        import subprocess

        prepared = self.prepare(argv, **prepare_args)
        try:
            return subprocess.run(prepared.argv, pass_fds=prepared.pass_fds, capture_output=True, text=True,
                                  timeout=timeout, input=input, cwd="/")
        finally:
            prepared.release()

    def give_runtime_dir(self, runtime_dir: Path, uid: int | None) -> None:
        """Let the sandbox uid create its sockets in ``runtime_dir``."""
        if self.as_root and uid is not None:
            os.chown(runtime_dir, uid, uid)
            for entry in runtime_dir.iterdir():
                os.chown(entry, uid, uid)

    def seal_runtime_dir(self, runtime_dir: Path, uid: int | None) -> None:
        """Once the kernel's sockets exist, stop it from creating files in ``runtime_dir``."""
        if self.as_root and uid is not None:
            os.chown(runtime_dir, 0, uid)
            os.chmod(runtime_dir, 0o750)


_NESTED: dict[str, bool] = {}


def _nested_userns_works(bwrap: str) -> bool:
    """Whether an unprivileged uid can create the user namespace that blocks further ones."""
    if bwrap not in _NESTED:
        import subprocess

        probe = [bwrap, "--unshare-user", "--disable-userns", "--ro-bind", "/", "/", "--", "true"]
        if os.geteuid() == 0:
            probe = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] + probe
        try:
            _NESTED[bwrap] = subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
        except (OSError, subprocess.SubprocessError):
            _NESTED[bwrap] = False
    return _NESTED[bwrap]
