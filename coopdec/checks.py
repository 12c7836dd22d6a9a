"""Answer checks for the visible test cells of the exercises.

An exercise's visible test compares the trainee's answer with a *fingerprint*
(« empreinte ») of the expected answer: a salted SHA-256 of a normalised form of
the answer, written ``"<salt>:<hex digest>"``. The same notebook can thus check
itself on Binder without revealing the answer, and be graded by nbgrader, whose
hidden tests check the answer again without this module.

Every check prints « Bravo » when the answer is right and otherwise raises
:class:`ReponseIncorrecte` (an ``AssertionError``, so nbgrader counts it as a
failed test) with a French message that says what to fix but never the answer.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import re
import unicodedata

import pandas as pd

from coopdec.descriptions import describe

__all__ = [
    "ReponseIncorrecte",
    "empreinte",
    "verifier_choix",
    "verifier_choix_multiples",
    "verifier_ordre",
    "verifier_nombre",
    "verifier_texte",
    "verifier_tableau",
    "verifier_graphique",
]

_DIGEST_LENGTH = 16


class ReponseIncorrecte(AssertionError):
    """Raised when an answer is missing, malformed or wrong (French message)."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows, and keeps in its history, for this error: the message alone.

        Without it, IPython 9 formats the whole traceback to store it (about 0.3 s per
        failed check) although the trainee only ever sees the message (coopdec.erreurs).
        """
        return [f"\x1b[31m✗ {self}\x1b[0m"]


# --------------------------------------------------------------------------
# Normalisation: each kind of answer is reduced to one canonical string.
# --------------------------------------------------------------------------

def _canonical_choice(value: str) -> str:
    return value.strip().strip("\"'«»“”").strip().upper()


def _canonical_text(value: str) -> str:
    """Case-, accent-, punctuation- and spacing-insensitive form of a text."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    without_accents = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.findall(r"[0-9a-z]+", without_accents)
    return " ".join(words)


def _canonical_number(value: float, decimals: int) -> str:
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # -0.0 and 0.0 must give the same fingerprint
    return f"{rounded:.{decimals}f}"


def _digest(salt: str, canonical: str) -> str:
    data = f"{salt}\x1f{canonical}".encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:_DIGEST_LENGTH]


def _split(fingerprint: str) -> tuple[str, str]:
    salt, sep, digest = fingerprint.rpartition(":")
    if not sep or not salt or len(digest) != _DIGEST_LENGTH:
        raise ValueError(f"Empreinte mal formée : {fingerprint!r} (attendu « sel:empreinte »).")
    return salt, digest


def _matches(fingerprint: str, canonical: str) -> bool:
    salt, digest = _split(fingerprint)
    return _digest(salt, canonical) == digest


# --------------------------------------------------------------------------
# Authoring helper
# --------------------------------------------------------------------------

def empreinte(valeur, sel: str, *, genre: str = "choix", decimales: int = 0,
              colonnes: list[str] | None = None) -> str:
    """Return the fingerprint of an expected answer, for course authors.

    ``genre`` is the kind of check that will read it: ``"choix"`` (a letter),
    ``"choix_multiples"`` or ``"ordre"`` (several letters), ``"texte"``,
    ``"nombre"`` (rounded to ``decimales``), ``"valeurs"`` (several numbers, in
    any order, e.g. the bars of a chart) or ``"tableau"`` (a DataFrame or
    Series, numbers rounded to ``decimales``, restricted to ``colonnes`` as
    :func:`verifier_tableau` does).
    """
    if not sel or ":" in sel:
        raise ValueError("Le sel doit être un identifiant non vide, sans « : ».")
    if genre == "choix":
        canonical = _canonical_choice(valeur)
    elif genre == "choix_multiples":
        canonical = ",".join(sorted({_canonical_choice(v) for v in valeur}))
    elif genre == "ordre":
        canonical = ",".join(_canonical_choice(v) for v in valeur)
    elif genre == "texte":
        canonical = _canonical_text(valeur)
    elif genre == "nombre":
        _refuse_rounding_edge(float(valeur), decimales)
        canonical = _canonical_number(valeur, decimales)
    elif genre == "valeurs":
        canonical = _canonical_values(valeur, decimales)
    elif genre == "tableau":
        frame = _as_frame(valeur)
        canonical = _canonical_table(frame[colonnes] if colonnes else frame, decimales)
    else:
        raise ValueError(f"Genre d'empreinte inconnu : {genre!r}.")
    return f"{sel}:{_digest(sel, canonical)}"


def _refuse_rounding_edge(value: float, decimals: int) -> None:
    """An expected number must not sit on a rounding boundary.

    Otherwise a trainee's value that differs by a float error (1e-12) could
    round the other way and be refused although it is right.
    """
    scaled = abs(value) * 10**decimals
    if abs((scaled - math.floor(scaled)) - 0.5) < 1e-6:
        raise ValueError(
            f"{value} est trop proche d'une limite d'arrondi à {decimals} décimale(s) : "
            "choisissez un autre nombre de décimales."
        )


# --------------------------------------------------------------------------
# Shared answer screening
# --------------------------------------------------------------------------

_NOT_ANSWERED = (
    "Vous n'avez pas encore répondu : remplacez la ligne « raise NotImplementedError() » "
    "(ou « ... ») par votre réponse, exécutez la cellule de réponse, puis cette cellule-ci."
)


def _require_answer(value, *, text_expected: bool = True) -> None:
    if value is None or value is Ellipsis:
        raise ReponseIncorrecte(_NOT_ANSWERED)
    if text_expected and isinstance(value, str) and not value.strip():
        raise ReponseIncorrecte("Votre réponse est une chaîne vide : écrivez-la entre les guillemets.")


def _bravo(message: str | None) -> None:
    print("Bravo ! " + (message or "C'est la bonne réponse."))


def _wrong(default: str, relire: str | None) -> ReponseIncorrecte:
    if relire:
        default += f" À relire : {relire}"
    return ReponseIncorrecte(default)


def _check_letter(value, options: str) -> str:
    if not isinstance(value, str):
        raise ReponseIncorrecte(
            f"On attend une lettre entre guillemets, par exemple \"{options[0]}\" ; "
            f"vous avez donné {describe(value)}."
        )
    letter = _canonical_choice(value)
    if letter not in options:
        listed = ", ".join(f'"{o}"' for o in options)
        raise ReponseIncorrecte(f"« {value} » n'est pas une des options proposées ({listed}).")
    return letter


# --------------------------------------------------------------------------
# Checks called from the visible test cells
# --------------------------------------------------------------------------

def verifier_choix(reponse, empreinte_attendue: str, *, options: str = "ABCD",
                   relire: str | None = None, bravo: str | None = None) -> None:
    """Check a single-choice answer given as one letter, e.g. ``"B"``."""
    _require_answer(reponse)
    letter = _check_letter(reponse, options)
    if not _matches(empreinte_attendue, letter):
        raise _wrong(f"« {letter} » n'est pas la bonne réponse.", relire)
    _bravo(bravo)


def verifier_choix_multiples(reponse, empreinte_attendue: str, *, options: str = "ABCD",
                             relire: str | None = None, bravo: str | None = None) -> None:
    """Check a « select all that apply » answer given as a list of letters."""
    _require_answer(reponse)
    if isinstance(reponse, str) or not isinstance(reponse, (list, tuple, set)):
        raise ReponseIncorrecte(
            f"On attend une liste de lettres, par exemple [\"{options[0]}\", \"{options[-1]}\"] ; "
            f"vous avez donné {describe(reponse)}."
        )
    if not reponse:
        raise ReponseIncorrecte("Votre liste est vide : indiquez au moins une lettre.")
    letters = sorted({_check_letter(v, options) for v in reponse})
    if not _matches(empreinte_attendue, ",".join(letters)):
        raise _wrong(
            "Ce n'est pas la bonne combinaison : il manque une bonne réponse ou une réponse "
            "est en trop.", relire)
    _bravo(bravo)


def verifier_ordre(reponse, empreinte_attendue: str, *, options: str,
                   relire: str | None = None, bravo: str | None = None) -> None:
    """Check an ordering, given as a list holding each option letter once."""
    _require_answer(reponse)
    if isinstance(reponse, str) or not isinstance(reponse, (list, tuple)):
        raise ReponseIncorrecte(
            f"On attend une liste ordonnée de lettres, par exemple {list(options)} ; "
            f"vous avez donné {describe(reponse)}."
        )
    letters = [_check_letter(v, options) for v in reponse]
    if sorted(letters) != sorted(options):
        raise ReponseIncorrecte(
            f"La liste doit contenir chacune des lettres {', '.join(options)} une seule fois."
        )
    if not _matches(empreinte_attendue, ",".join(letters)):
        raise _wrong("Toutes les lettres sont là, mais l'ordre n'est pas le bon.", relire)
    _bravo(bravo)


def verifier_nombre(reponse, empreinte_attendue: str, *, decimales: int = 0,
                    unite: str = "", relire: str | None = None,
                    bravo: str | None = None) -> None:
    """Check a number, compared after rounding to ``decimales`` decimals."""
    _require_answer(reponse, text_expected=False)
    if isinstance(reponse, bool) or not isinstance(reponse, numbers.Real):
        hint = ""
        if isinstance(reponse, str):
            hint = " Écrivez le nombre sans guillemets, avec un point décimal (ex. 12.5)."
        elif isinstance(reponse, (pd.Series, pd.DataFrame)):
            hint = (" Extrayez du tableau la seule valeur demandée (selon la question : .sum(), "
                    ".max(), .mean(), .loc[...]…).")
        raise ReponseIncorrecte(f"On attend un nombre ; vous avez donné {describe(reponse)}.{hint}")
    if not math.isfinite(float(reponse)):
        raise ReponseIncorrecte("Votre résultat n'est pas un nombre fini (NaN ou infini) : "
                                "une valeur manquante s'est-elle glissée dans le calcul ?")
    if not _matches(empreinte_attendue, _canonical_number(reponse, decimales)):
        unit = f" {unite}" if unite else ""
        shown = _canonical_number(reponse, decimales).replace(".", ",")
        raise _wrong(f"{shown}{unit} (valeur arrondie) n'est pas la valeur attendue.", relire)
    _bravo(bravo)


def verifier_texte(reponse, empreinte_attendue: str, *, relire: str | None = None,
                   bravo: str | None = None) -> None:
    """Check a short text; case, accents, punctuation and spacing do not matter."""
    _require_answer(reponse)
    if not isinstance(reponse, str):
        raise ReponseIncorrecte(f"On attend un texte entre guillemets ; vous avez donné {describe(reponse)}.")
    if not _matches(empreinte_attendue, _canonical_text(reponse)):
        raise _wrong(f"« {reponse} » n'est pas la réponse attendue.", relire)
    _bravo(bravo)


def _canonical_values(values, decimals: int) -> str:
    return ",".join(sorted(_canonical_number(v, decimals) for v in values))


def _as_frame(table) -> pd.DataFrame:
    """A DataFrame whose named index levels (group keys) became columns."""
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    if any(name is not None for name in frame.index.names):
        frame = frame.reset_index()
    return frame


def _canonical_table(table, decimals: int) -> str:
    """Rows as text, sorted, so that neither row order nor column names matter."""
    rows = []
    for record in _as_frame(table).itertuples(index=False):
        cells = []
        for value in record:
            if pd.isna(value):
                cells.append("NA")
            elif isinstance(value, numbers.Real) and not isinstance(value, bool):
                cells.append(_canonical_number(value, decimals))
            else:
                cells.append(str(value))
        rows.append("|".join(cells))
    return "\n".join(sorted(rows))


def verifier_tableau(reponse, empreinte_attendue: str, *, lignes: int,
                     colonnes: list[str] | None = None, decimales: int = 0,
                     relire: str | None = None, bravo: str | None = None) -> None:
    """Check a pandas table (DataFrame or Series), whatever the order of its rows.

    The number of rows and the column names are not secret: they are given to
    the check in clear so that its messages can point at the problem.
    """
    _require_answer(reponse)
    if not isinstance(reponse, (pd.DataFrame, pd.Series)):
        raise ReponseIncorrecte(
            f"On attend un tableau pandas (DataFrame ou Series) ; vous avez donné {describe(reponse)}."
        )
    frame = _as_frame(reponse)
    if colonnes is not None:
        missing = [c for c in colonnes if c not in frame.columns]
        if missing:
            raise ReponseIncorrecte(
                "Colonne(s) manquante(s) : " + ", ".join(f"« {c} »" for c in missing)
                + ". Colonnes présentes : " + ", ".join(f"« {c} »" for c in frame.columns) + "."
            )
        frame = frame[colonnes]
    if len(frame) != lignes:
        raise _wrong(f"Votre tableau a {len(frame)} ligne(s) ; on en attend {lignes}.", relire)
    if not _matches(empreinte_attendue, _canonical_table(frame, decimales)):
        raise _wrong("La forme du tableau est bonne, mais certaines valeurs diffèrent de celles attendues.",
                     relire)
    _bravo(bravo)


def _plotted_values(ax) -> list[float]:
    """Bar lengths (heights of vertical bars, widths of horizontal ones)."""
    from matplotlib.container import BarContainer

    values = []
    for container in ax.containers:
        if isinstance(container, BarContainer):
            values.extend(float(v) for v in container.datavalues)
    return values


def verifier_graphique(graphique, *, barres: int | None = None,
                       empreinte_valeurs: str | None = None, decimales: int = 0,
                       relire: str | None = None, bravo: str | None = None) -> None:
    """Check a chart: a matplotlib ``Axes`` (or ``Figure``) with a title and a source.

    With ``barres``, the chart must be a bar chart with that many bars; with
    ``empreinte_valeurs`` (``genre="valeurs"``), the bar lengths must be the
    expected numbers, in any order.
    """
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    _require_answer(graphique, text_expected=False)
    if isinstance(graphique, Figure):
        if not graphique.axes:
            raise ReponseIncorrecte("Votre figure est vide : tracez quelque chose dans ax.")
        graphique = graphique.axes[0]
    if not isinstance(graphique, Axes):
        raise ReponseIncorrecte(
            "On attend un graphique matplotlib, la variable ax créée par « fig, ax = plt.subplots() » ; "
            f"vous avez donné {describe(graphique)}."
        )
    advice = "utilisez mettre_en_forme(ax, titre=..., source=...)."
    if not graphique.get_title().strip():
        raise ReponseIncorrecte("Votre graphique n'a pas de titre : " + advice)
    if not any(text.get_text().strip() for text in graphique.figure.texts):
        raise ReponseIncorrecte("Votre graphique n'indique pas sa source sous le tracé : " + advice)
    values = _plotted_values(graphique)
    if barres is not None and len(values) != barres:
        kind = "aucune barre" if not values else f"{len(values)} barre(s)"
        raise _wrong(f"Votre graphique a {kind} ; on en attend {barres}.", relire)
    if empreinte_valeurs is not None and not _matches(empreinte_valeurs, _canonical_values(values, decimales)):
        raise _wrong("Le graphique est bien présenté, mais les longueurs des barres ne sont pas celles "
                     "attendues : vérifiez le tableau que vous tracez.", relire)
    _bravo(bravo)
