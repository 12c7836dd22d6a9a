"""Carry the trainee's answers out of their interpreter, as plain data.

Just before each test cell runs, the grading kernel is asked for the values of
the names that the test reads. Each value is encoded as *plain data* (JSON of
numbers, texts, lists, dicts, NumPy arrays and scalars, pandas tables with
their dtypes), checked with ``type(x) is …`` so that no subclass and no
student-defined object can pass for a plain value. A value that cannot be
encoded is described by its type (``opaque``), noting whether that type was
defined by the trainee's own code.

The clean re-check (:mod:`.recheck`) decodes these values in a fresh
interpreter that never ran any of the trainee's code, and runs the test cells
again there. Whatever the trainee's code did to their own interpreter (hooks,
redefined builtins, patched ``coopdec.checks``, objects equal to anything),
the claim it can make is only a plain value, and the real tests judge it.

The names analysis helpers (:func:`loaded_names`, :func:`bound_names`) are
here too: they decide which names a test reads.
"""

from __future__ import annotations

import ast
import json
import math

#: Marker of the capture's reply.
MARKER = "COOPDEC-CAPTURE:"

#: Largest number of scalar items encoded for one name.
MAX_ITEMS = 200_000

# The encoder runs *inside the trainee's kernel*, evaluated as a user
# expression (no input transformer, no cell event sees it). It only reads.
ENCODER = r'''
def _encode_all(ns, names, max_items):
    import sys
    from types import ModuleType
    budget = [max_items]
    np = sys.modules.get("numpy")
    pd = sys.modules.get("pandas")

    class Opaque(Exception):
        pass

    def student_type(t):
        try:
            return any(getattr(k, "__module__", None) == "__main__" for k in t.__mro__)
        except Exception:
            return True

    def opaque(v, why):
        t = type(v)
        student = student_type(t)
        if t.__name__ in ("function", "builtin_function_or_method") or callable(v):
            mod = getattr(v, "__module__", None)
            student = student or mod in (None, "__main__")
        return {"t": "opaque", "type": f"{t.__module__}.{t.__qualname__}", "student": bool(student),
                "why": why}

    def tick(n=1):
        budget[0] -= n
        if budget[0] < 0:
            raise Opaque("trop volumineux")

    def scalar(v):
        t = type(v)
        if v is None:
            return {"t": "none"}
        if t is bool:
            return {"t": "bool", "v": v}
        if t is int:
            return {"t": "int", "v": str(v)}
        if t is float:
            return {"t": "float", "v": repr(v)}
        if t is str:
            tick(len(v) // 64)
            return {"t": "str", "v": v}
        if np is not None and isinstance(v, np.generic) and t.__module__ == "numpy":
            if t is np.bool_:
                return {"t": "np", "dtype": "bool", "v": {"t": "bool", "v": bool(v)}}
            if v.dtype.kind in "iu":
                return {"t": "np", "dtype": str(v.dtype), "v": {"t": "int", "v": str(int(v))}}
            if v.dtype.kind == "f":
                return {"t": "np", "dtype": str(v.dtype), "v": {"t": "float", "v": repr(float(v))}}
            if v.dtype.kind == "M":
                return {"t": "np", "dtype": str(v.dtype), "v": {"t": "str", "v": str(v)}}
            raise Opaque("type NumPy non pris en charge")
        if pd is not None:
            if v is pd.NA:
                return {"t": "na"}
            if v is pd.NaT:
                return {"t": "nat"}
            if t is pd.Timestamp:
                return {"t": "timestamp", "v": v.isoformat()}
            if t is pd.Timedelta:
                return {"t": "timedelta", "v": v.value}
        return None

    def enc(v, depth=0):
        if depth > 20:
            raise Opaque("trop imbriqué")
        tick()
        s = scalar(v)
        if s is not None:
            return s
        t = type(v)
        if t in (list, tuple, set, frozenset):
            items = sorted(v, key=repr) if t in (set, frozenset) else v
            return {"t": t.__name__, "v": [enc(x, depth + 1) for x in items]}
        if t is dict:
            return {"t": "dict", "v": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        if np is not None and t is np.ndarray:
            if v.dtype.kind not in "biufMUS" or v.dtype.hasobject:
                raise Opaque("tableau NumPy d'objets")
            tick(v.size)
            return {"t": "ndarray", "dtype": str(v.dtype), "shape": list(v.shape),
                    "v": [enc(x, depth + 1) for x in v.ravel().tolist()]}
        if pd is not None and t in (pd.Series, pd.DataFrame, pd.Index, pd.RangeIndex, pd.MultiIndex):
            return frame(v, depth)
        if t is ModuleType:
            return {"t": "module", "name": str(v.__name__)}
        if isinstance(v, type) or t.__name__ in ("function", "builtin_function_or_method"):
            module = getattr(v, "__module__", None)
            qualname = getattr(v, "__qualname__", "")
            if type(module) is str and module != "__main__" and type(qualname) is str and "<" not in qualname:
                return {"t": "ref", "module": module, "qualname": qualname}
        raise Opaque("type non transportable")

    def column(values, dtype, depth):
        tick(len(values))
        return {"dtype": str(dtype), "v": [enc(x, depth + 1) for x in list(values)]}

    def index(ix, depth):
        t = type(ix)
        if t is pd.RangeIndex:
            return {"t": "range", "start": ix.start, "stop": ix.stop, "step": ix.step,
                    "name": enc(ix.name, depth + 1)}
        if t is pd.MultiIndex:
            return {"t": "multi", "names": [enc(n, depth + 1) for n in ix.names],
                    "levels": [column(ix.get_level_values(i), ix.levels[i].dtype, depth)
                               for i in range(ix.nlevels)]}
        if t is pd.Index:
            return {"t": "index", "name": enc(ix.name, depth + 1), "col": column(ix, ix.dtype, depth)}
        raise Opaque("type d'index non pris en charge")

    def frame(v, depth):
        t = type(v)
        if t in (pd.Index, pd.RangeIndex, pd.MultiIndex):
            return {"t": "pdindex", "index": index(v, depth)}
        if t is pd.Series:
            return {"t": "series", "name": enc(v.name, depth + 1), "col": column(v.array, v.dtype, depth),
                    "index": index(v.index, depth)}
        cols = []
        for i in range(v.shape[1]):
            s = v.iloc[:, i]
            cols.append({"name": enc(v.columns[i], depth + 1), "col": column(s.array, s.dtype, depth)})
        return {"t": "frame", "columns": cols, "index": index(v.index, depth),
                "columns_index": index(v.columns, depth) if type(v.columns) is pd.MultiIndex else None}

    out = {}
    for name in names:
        if name not in ns:
            out[name] = {"t": "missing"}
            continue
        v = ns[name]
        try:
            out[name] = enc(v)
        except Opaque as why:
            out[name] = opaque(v, str(why))
        except Exception as exc:
            out[name] = opaque(v, f"erreur : {type(exc).__name__}")
    return out
'''


def capture_expression(names: list[str], max_items: int = MAX_ITEMS) -> str:
    """A user expression that returns the encoded values of ``names`` as a JSON text."""
    return (
        "(lambda _s, _n: (exec(_s, _n), __import__('json').dumps("
        f"_n['_encode_all'](globals(), {names!r}, {max_items})))[1])"
        f"({ENCODER!r}, {{}})"
    )


def parse_reply(reply: dict) -> dict | None:
    """The captured values in an ``execute_reply``, or None if the capture failed."""
    content = reply.get("content", {})
    result = content.get("user_expressions", {}).get("capture", {})
    if result.get("status") != "ok":
        return None
    text = result.get("data", {}).get("text/plain", "")
    try:
        value = ast.literal_eval(text)
        data = json.loads(value)
    except (ValueError, SyntaxError, TypeError):
        return None
    return data if isinstance(data, dict) else None


# ---------------------------------------------------------------------------
# Decoding (in the clean interpreter)
# ---------------------------------------------------------------------------

#: Libraries whose objects (functions, classes, modules) an answer may refer to.
IMPORTABLE = {
    "coopdec", "pandas", "numpy", "matplotlib", "math", "statistics", "datetime", "collections",
    "builtins", "re", "json", "random", "functools", "itertools", "operator", "decimal", "fractions",
    "string", "typing", "textwrap", "unicodedata", "calendar", "csv", "pathlib", "ipywidgets", "yaml",
}


class Undecodable(ValueError):
    """A captured value cannot be rebuilt: the test cannot be re-checked."""


def decode(item: dict):
    """Rebuild a value encoded by the capture; raise :class:`Undecodable` otherwise."""
    kind = item.get("t")
    if kind == "none":
        return None
    if kind == "bool":
        return bool(item["v"])
    if kind == "int":
        return int(item["v"])
    if kind == "float":
        text = item["v"]
        return float(text) if text not in ("nan", "inf", "-inf") else float(text)
    if kind == "str":
        return str(item["v"])
    if kind in ("list", "tuple", "set", "frozenset"):
        values = [decode(x) for x in item["v"]]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[kind](values)
    if kind == "dict":
        return {decode(k): decode(v) for k, v in item["v"]}
    if kind in ("np", "ndarray"):
        import numpy as np

        if kind == "np":
            return np.dtype(item["dtype"]).type(decode(item["v"]))
        values = [decode(x) for x in item["v"]]
        return np.array(values, dtype=item["dtype"]).reshape(item["shape"])
    if kind in ("module", "ref"):
        import importlib

        module = str(item["module"] if kind == "ref" else item["name"])
        if module.split(".")[0] not in IMPORTABLE:
            raise Undecodable(f"module {module}")
        try:
            target = importlib.import_module(module)
            if kind == "ref":
                for part in item["qualname"].split("."):
                    target = getattr(target, part)
        except (ImportError, AttributeError, ValueError) as exc:
            raise Undecodable(f"{kind}: {exc}") from exc
        return target
    if kind in ("na", "nat", "timestamp", "timedelta", "series", "frame", "pdindex"):
        return _decode_pandas(item)
    raise Undecodable(kind)


def _decode_pandas(item: dict):
    import pandas as pd

    kind = item["t"]
    if kind == "na":
        return pd.NA
    if kind == "nat":
        return pd.NaT
    if kind == "timestamp":
        return pd.Timestamp(item["v"])
    if kind == "timedelta":
        return pd.Timedelta(item["v"])
    try:
        if kind == "series":
            return pd.Series(_column(item["col"]), index=_index(item["index"]), name=decode(item["name"]))
        if kind == "pdindex":
            return _index(item["index"])
        data = {}
        names = []
        for i, col in enumerate(item["columns"]):
            names.append(decode(col["name"]))
            data[i] = _column(col["col"])
        frame = pd.DataFrame(data, index=_index(item["index"]))
        if item.get("columns_index"):
            frame.columns = _index(item["columns_index"])
        else:
            frame.columns = pd.Index(names, dtype=object) if names else frame.columns
        return frame
    except (TypeError, ValueError, KeyError) as exc:
        raise Undecodable(f"{kind}: {exc}") from exc


def _column(col: dict):
    import pandas as pd

    values = [decode(x) for x in col["v"]]
    dtype = col["dtype"]
    try:
        return pd.array(values, dtype=dtype)
    except (TypeError, ValueError):
        return pd.array(values, dtype=object)


def _index(ix: dict):
    import pandas as pd

    if ix["t"] == "range":
        return pd.RangeIndex(ix["start"], ix["stop"], ix["step"], name=decode(ix["name"]))
    if ix["t"] == "multi":
        arrays = [_column(level) for level in ix["levels"]]
        return pd.MultiIndex.from_arrays(arrays, names=[decode(n) for n in ix["names"]])
    if ix["t"] == "index":
        return pd.Index(_column(ix["col"]), name=decode(ix["name"]))
    raise Undecodable(ix["t"])


# ---------------------------------------------------------------------------
# Which names does a cell read or bind?
# ---------------------------------------------------------------------------

def python_source(source: str) -> str:
    """The Python code of a cell, with IPython syntax (magics, ``!cmd``) turned into calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - an unparsable cell is analysed as is
        return source


def _tree(source: str) -> ast.AST | None:
    try:
        return ast.parse(python_source(source))
    except SyntaxError:
        return None


def bound_names(source: str) -> set[str]:
    """Names a cell assigns, imports, defines or declares global, at any depth."""
    tree = _tree(source)
    if tree is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.Global):
            names.update(node.names)
        elif isinstance(node, ast.MatchAs) and node.name:
            names.add(node.name)
    return names


def loaded_names(source: str) -> set[str]:
    """Names a test cell reads from the notebook's namespace (builtins included: they can be rebound)."""
    tree = _tree(source)
    if tree is None:
        return set()
    loaded = {node.id for node in ast.walk(tree)
              if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return loaded - bound_names(source)


def is_finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
