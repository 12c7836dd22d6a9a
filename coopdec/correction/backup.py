"""Gradebook backups: one copy before each grading batch, restorable.

Backups are consistent SQLite copies (the online backup API, safe while
formgrader is open) in ``correction/sauvegardes/``; the most recent ones are
kept. Restoring first backs up the current gradebook, so a restore can itself
be undone.

Command line, from the course folder::

    python -m coopdec.correction.backup liste
    python -m coopdec.correction.backup restaurer correction/sauvegardes/gradebook-….db
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
from datetime import datetime
from pathlib import Path

from .journal import state_folder


def sqlite_path(db_url: str) -> Path | None:
    if db_url.startswith("sqlite:///"):
        return Path(db_url[len("sqlite:///"):])
    return None


def backup_folder(course_root: Path) -> Path:
    return state_folder(course_root) / "sauvegardes"


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def backup(db_url: str, course_root: Path, label: str, keep: int = 30) -> Path | None:
    """Copy the gradebook to ``correction/sauvegardes/gradebook-<date>-<label>.db``."""
    db = sqlite_path(db_url)
    if db is None or not db.is_file():
        return None
    folder = backup_folder(course_root)
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^a-z0-9_.-]+", "-", label.lower())[:40] or "lot"
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"gradebook-{stamp}-{safe}.db"
    _copy(db, target)
    for old in list_backups(course_root)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return target


def list_backups(course_root: Path) -> list[Path]:
    """Backups, oldest first."""
    folder = backup_folder(course_root)
    return sorted(folder.glob("gradebook-*.db")) if folder.is_dir() else []


def restore(db_url: str, course_root: Path, copy: Path) -> Path | None:
    """Put ``copy`` back as the gradebook; return the backup of the gradebook it replaced."""
    db = sqlite_path(db_url)
    if db is None:
        raise ValueError("Seuls les carnets de notes SQLite peuvent être restaurés par cet outil.")
    copy = Path(copy)
    check = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ValueError(f"La sauvegarde {copy} est endommagée.")
    finally:
        check.close()
    before = backup(db_url, course_root, "avant-restauration", keep=0) if db.is_file() else None
    _copy(copy, db)
    return before


def _config():
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=".").load_config()
    coursedir = CourseDirectory(config=config)
    return coursedir.db_url, Path(coursedir.root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sauvegardes du carnet de notes (gradebook.db).")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("liste", help="lister les sauvegardes")
    sub.add_parser("sauvegarder", help="faire une sauvegarde maintenant")
    rest = sub.add_parser("restaurer", help="remettre une sauvegarde en place")
    rest.add_argument("fichier")
    args = parser.parse_args(argv)
    db_url, root = _config()
    if args.action == "liste":
        for path in list_backups(root):
            print(path)
    elif args.action == "sauvegarder":
        print(f"Sauvegarde : {backup(db_url, root, 'manuelle')}")
    else:
        before = restore(db_url, root, Path(args.fichier))
        print(f"Carnet de notes restauré depuis {args.fichier}.")
        if before:
            print(f"L'ancien carnet est sauvegardé dans {before} (pour annuler).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
