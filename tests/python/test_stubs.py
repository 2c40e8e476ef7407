"""The hand-written type stubs (python/gaitlens/_core.pyi) against the compiled module: every
public function, class and class member of gaitlens._core is declared, and nothing declared is
missing from the module. Private names (leading underscore, e.g. the _synth helpers wrapped by
gaitlens.synth) are the wrappers' business and not checked."""

import ast
import pathlib

import gaitlens._core as core

STUB = pathlib.Path(__file__).resolve().parents[2] / "python" / "gaitlens" / "_core.pyi"


def _declared(body):
    names = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
    return {name: node for name, node in names.items() if not name.startswith("_")}


def _public(names):
    return {name for name in names if not name.startswith("_")}


def test_module_level_names_match():
    declared = _declared(ast.parse(STUB.read_text()).body)
    actual = _public(dir(core))
    assert sorted(actual - set(declared)) == [], "in gaitlens._core but not in _core.pyi"
    assert sorted(set(declared) - actual) == [], "in _core.pyi but not in gaitlens._core"


def test_class_members_match():
    declared = _declared(ast.parse(STUB.read_text()).body)
    inherited = set(dir(OSError)) | set(dir(ValueError)) | set(dir(object))
    problems = []
    for name, node in declared.items():
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(core, name)
        members = set(_declared(node.body))
        actual = _public(set(dir(cls)) - inherited)
        if actual - members:
            problems.append(f"{name}: not declared: {sorted(actual - members)}")
        if members - set(dir(cls)):
            problems.append(f"{name}: declared but missing: {sorted(members - set(dir(cls)))}")
    assert problems == []
