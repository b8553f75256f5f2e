"""studio.code_cache: dataclasses and string annotations made with the cached code are
what Python would have made, a warm cache compiles nothing, and a bad file costs nothing."""

from __future__ import annotations

import ast
import builtins
import collections
import dataclasses
import inspect
import marshal
import typing
from pathlib import Path
from typing import ClassVar, NotRequired, TypedDict

import pytest

from studio import code_cache
from studio.code_cache import HEADER, CodeCache, cached_generated_code

REAL_COMPILE = builtins.compile


def define() -> dict[str, type]:
    """A spread of what dataclasses generates: defaults and factories, frozen + hash,
    order, slots, keyword-only, InitVar, ClassVar, a field out of repr and compare.
    make_dataclass gives the fields real types (this module's annotations are strings)."""

    def post_init(self, scale):
        if scale is not None:
            object.__setattr__(self, "x", self.x * scale)

    frozen = dataclasses.make_dataclass(
        "Frozen",
        [("x", int), ("y", float, dataclasses.field(default=1.5)),
         ("tags", list, dataclasses.field(default_factory=list, compare=False)),
         ("secret", str, dataclasses.field(default="", repr=False)),
         ("scale", dataclasses.InitVar[int | None], dataclasses.field(default=None))],
        namespace={"__post_init__": post_init, "LIMIT": 3,
                   "__annotations__": {"LIMIT": ClassVar[int]}},
        frozen=True, order=True)
    slotted = dataclasses.make_dataclass(
        "Slotted", [("name", str), ("size", int, dataclasses.field(default=0, kw_only=True))],
        slots=True, unsafe_hash=True)
    plain = dataclasses.make_dataclass("Plain", [("a", "str"), ("b", object, None)], eq=False)
    return {"frozen": frozen, "slotted": slotted, "plain": plain}


def behaviour(classes: dict[str, type]) -> dict[str, object]:
    """Everything observable about the classes' generated methods, as plain values."""
    frozen, slotted, plain = classes["frozen"], classes["slotted"], classes["plain"]
    a, b = frozen(2, scale=3), frozen(6, 1.5, ["t"])
    try:
        a.x = 9
        assigned = "assigned"
    except dataclasses.FrozenInstanceError as exc:
        assigned = str(exc)
    s = slotted("n", size=4)
    return {
        "signatures": [str(inspect.signature(c)) for c in classes.values()],
        "annotations": [{k: repr(v) for k, v in c.__init__.__annotations__.items()}
                        for c in classes.values()],
        "docs": [c.__doc__ for c in classes.values()],
        "names": [(c.__init__.__qualname__, c.__repr__.__qualname__) for c in classes.values()],
        "repr": [repr(a), repr(b), repr(s), repr(plain("p"))],
        "eq": (a == b, a < frozen(7), s == slotted("n", size=4), plain("p") == plain("p")),
        "hash": (hash(a) == hash(b), hash(s) == hash(slotted("n", size=4))),
        "assigned": assigned,
        "factory": frozen(1).tags is not frozen(1).tags,
        "slots": (slotted.__slots__, hasattr(s, "__dict__")),
        "replaced": repr(dataclasses.replace(s, size=5)),
        "missing": _error(lambda: frozen()),
        "keyword": _error(lambda: slotted("n", 4)),
    }


def _error(call) -> str:
    try:
        call()
    except TypeError as exc:
        return str(exc)
    return "no error"


def test_classes_from_a_cold_and_a_warm_cache_behave_as_without_one(tmp_path):
    expected = behaviour(define())
    path = tmp_path / "cache" / "code.bin"
    with cached_generated_code(path) as cold:
        assert behaviour(define()) == expected
    assert cold.compiled > 0 and path.read_bytes().startswith(HEADER)

    with cached_generated_code(path) as warm:
        assert behaviour(define()) == expected
    assert warm.compiled == 0  # every method came from the file
    assert warm.used  # and the file was really used
    assert "exec" not in vars(dataclasses)  # the hooks are gone on the way out
    assert "compile" not in vars(typing)
    assert "eval" not in vars(collections)


def test_a_warm_start_does_not_write_the_file_again(tmp_path):
    path = tmp_path / "code.bin"
    with cached_generated_code(path):
        define()
    written = path.stat().st_mtime_ns
    with cached_generated_code(path) as cache:
        define()
    assert cache.save() is False
    assert path.stat().st_mtime_ns == written


@pytest.mark.parametrize("content", [
    b"",
    b"\x00\xffnot a cache at all" * 100,
    b"\x00\x00\x0d\x0a" + HEADER[4:] + marshal.dumps({}),  # another Python's magic number
    HEADER + marshal.dumps({"def f(): pass": 1})[:-3],  # cut short
    HEADER + marshal.dumps(["a", "list"]),
    HEADER + marshal.dumps({("exec", "text"): "not code", 3: compile("x = 1", "<s>", "exec"),
                            ("single", "x = 1"): compile("x = 1", "<s>", "single")}),
], ids=["empty", "garbage", "other-python", "truncated", "not-a-dict", "wrong-types"])
def test_a_damaged_or_foreign_file_is_ignored_and_replaced(tmp_path, content):
    path = tmp_path / "code.bin"
    path.write_bytes(content)
    expected = behaviour(define())
    with cached_generated_code(path) as cache:
        assert len(cache) == 0
        assert behaviour(define()) == expected
    assert cache.compiled > 0
    assert len(CodeCache(path)) == cache.compiled  # a good file again


def test_a_cache_that_cannot_be_written_costs_only_the_compile(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache's folder would be")
    with cached_generated_code(blocker / "cache" / "code.bin") as cache:
        define()
    assert cache.compiled > 0
    assert cache.save() is False


def test_someone_elses_hook_is_left_in_place(tmp_path, monkeypatch):
    calls = []

    def their_exec(source, globals=None, locals=None):
        calls.append(source)
        exec(source, globals, locals)

    monkeypatch.setattr(dataclasses, "exec", their_exec, raising=False)
    with cached_generated_code(tmp_path / "code.bin") as cache:
        define()
    assert calls and cache.compiled == 0
    assert dataclasses.exec is their_exec  # type: ignore[attr-defined]
    assert not (tmp_path / "code.bin").exists()


def test_a_file_grown_past_the_limit_keeps_only_what_was_used(tmp_path, monkeypatch):
    path = tmp_path / "code.bin"
    with cached_generated_code(path):
        define()
        dataclasses.make_dataclass("Gone", [("only_in_an_old_version", int)])
    total = len(CodeCache(path))
    monkeypatch.setattr(code_cache, "MAX_ENTRIES", 1)
    with cached_generated_code(path) as cache:
        define()
    kept = CodeCache(path)
    assert len(kept) == len(cache.used) < total
    assert not any("only_in_an_old_version" in str(key[3]) for key in kept._codes)


def test_the_cache_lives_with_the_home(tmp_path, monkeypatch):
    from studio.core.paths import StudioPaths

    monkeypatch.setenv("STUDIO_HOME", str(tmp_path))
    assert StudioPaths.resolve().code_cache_file == tmp_path / "cache" / "generated-code.bin"
    bare = StudioPaths(tmp_path / "c", tmp_path / "d", tmp_path / "l")
    assert bare.code_cache_file == tmp_path / "d" / "cache" / "generated-code.bin"
    assert isinstance(bare.code_cache_file, Path)


def annotations() -> dict[str, object]:
    """String annotations as typing reads them: a TypedDict's fields (pydantic-core's schema
    types are such) and forward references evaluated later."""
    namespace = {"TypedDict": TypedDict, "NotRequired": NotRequired, "Any": typing.Any}
    exec("class Schema(TypedDict, total=False):\n"
         "    type: 'str'\n"
         "    items: 'list[Schema]'\n"
         "    extra: 'NotRequired[dict[str, Any] | None]'\n", namespace)
    schema = namespace["Schema"]
    ref = typing.ForwardRef("dict[str, list[int]] | None")
    try:
        typing.ForwardRef("not valid(")
        bad = "accepted"
    except SyntaxError as exc:
        bad = str(exc)
    return {
        "hints": repr(typing.get_type_hints(schema, localns={**namespace, "Schema": schema})),
        "raw": repr(schema.__annotations__),
        "ref": repr(ref._evaluate(globals(), None, recursive_guard=frozenset())),
        "optional": (schema.__optional_keys__, schema.__required_keys__),
        "bad": bad,
    }


def test_string_annotations_read_with_the_cache_are_the_same(tmp_path):
    expected = annotations()
    path = tmp_path / "code.bin"
    with cached_generated_code(path) as cold:
        assert annotations() == expected
    assert any(key[0] == "eval" for key in cold.used)
    with cached_generated_code(path) as warm:
        assert annotations() == expected
    assert warm.compiled == 0


def test_a_library_s_own_compiles_are_kept_with_the_flags_they_inherit(tmp_path):
    """`compiling` (around `import PySide6`): compile() of a module's source is cached with
    the __future__ features of the code that called it, as compile() itself would."""
    path = tmp_path / "code.bin"
    source = b"def f(x: not_defined_anywhere) -> None:\n    return None\n"
    with cached_generated_code(path) as cache, cache.compiling():
        assert builtins.compile is not REAL_COMPILE
        inherited = compile(source, "lib/annotated.py", "exec")  # this module: annotations
        plain = compile(source, "lib/annotated.py", "exec", dont_inherit=True)
    assert builtins.compile is REAL_COMPILE  # put back on the way out
    namespace: dict = {}
    exec(inherited, namespace)  # the annotation stays a string: nothing to look up
    assert namespace["f"].__annotations__["x"] == "not_defined_anywhere"
    with pytest.raises(NameError):
        exec(plain, {})  # without the feature the annotation is evaluated at once
    assert inherited.co_filename == "lib/annotated.py"
    assert len(cache) == 2  # the two are kept apart

    with cached_generated_code(path) as warm, warm.compiling():
        again = compile(source, "lib/annotated.py", "exec")
    assert warm.compiled == 0
    assert again.co_code == inherited.co_code


def test_compiles_of_other_kinds_are_done_as_asked(tmp_path):
    cache = CodeCache(tmp_path / "code.bin")
    tree = cache.compile("x", "<string>", "eval", flags=ast.PyCF_ONLY_AST)
    assert isinstance(tree, ast.Expression)
    assert cache.compile("x = 1", "<string>", "single").co_filename == "<string>"
    assert cache.compile("assert x", "m.py", "exec", optimize=2).co_code  # -OO: not kept
    assert len(cache) == 0
    assert cache.compile("1 + 1", "<string>", "eval", dont_inherit=True) is \
        cache.compile("1 + 1", "<string>", "eval", dont_inherit=True)
    assert len(cache) == 1


def named_tuples() -> dict[str, object]:
    point = collections.namedtuple("Point", ["x", "y", "label"], defaults=["origin"])
    p = point(1, 2)
    return {"repr": repr(p), "new": str(inspect.signature(point.__new__)),
            "made": point._make([3, 4, "b"]), "fields": point._fields,
            "defaults": point._field_defaults, "replaced": p._replace(x=9),
            "missing": _error(lambda: point()), "doc": point.__doc__}


def test_named_tuples_made_with_the_cache_are_the_same(tmp_path):
    expected = named_tuples()
    path = tmp_path / "code.bin"
    with cached_generated_code(path) as cold:
        assert named_tuples() == expected
    assert any(key[0] == "eval" and "_tuple_new" in str(key[3]) for key in cold.used)
    with cached_generated_code(path) as warm:
        assert named_tuples() == expected
    assert warm.compiled == 0


def test_a_huge_file_in_the_cache_s_place_is_not_read(tmp_path, monkeypatch):
    from studio.core import cache_files

    path = tmp_path / "code.bin"
    with path.open("wb") as big:  # sparse: 100 MB on paper, nothing on disk
        big.write(HEADER)
        big.truncate(100 * 1024 * 1024)
    read = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    assert len(CodeCache(path)) == 0
    assert read == []  # refused from its size alone
    assert path.stat().st_size > cache_files.MAX_BYTES
