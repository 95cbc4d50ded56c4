#!/usr/bin/env python3
"""Reports import cycles between the files of each crate; exits 1 if there is one.

A file depends on another when it names a path into it (`use crate::a::b::X`, `super::x::Y`,
`crate::a::f()` inline). A module may use what its ancestors define (a child module belongs to
its parent, as `executions/commit.rs` to `executions/`), so edges to ancestors do not count.
Test modules at the end of a file (after `#[cfg(test)]`) are left out.
"""

import pathlib
import re
import sys

CRATES = ["domain", "backend", "app", "server", "frontend", "bench"]
PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\};", re.S)


def module_of(src: pathlib.Path, file: pathlib.Path) -> tuple:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("lib", "main", "mod"):
        parts = parts[:-1]
    return tuple(parts)


def resolve(module: tuple, is_dir_module: bool, root: str, rest: list) -> list:
    base = list(module)
    if root == "crate":
        base = []
    elif root == "super":
        base = base[:-1]
    while rest and rest[0] == "super":
        base = base[:-1]
        rest = rest[1:]
    return base + rest


def paths_in(text: str):
    """Every (root, segments) path the text names, with `use` groups expanded one level. A path
    into a child module the file declares (`worker::run`) has the root `self`."""
    children = re.findall(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", text, re.M)
    for child in children:
        for m in re.finditer(r"(?<![A-Za-z0-9_:])" + child + r"((?:::[A-Za-z_][A-Za-z0-9_]*)+)", text):
            yield "self", [child] + [p for p in m.group(1).split("::") if p]
    for m in USE_GROUP.finditer(text):
        root, prefix = m.group(1), [p for p in m.group(2).split("::") if p]
        for item in re.split(r",(?![^{]*\})", m.group(3)):
            item = item.strip().split(" as ")[0].strip()
            if not item or item == "self":
                yield root, prefix
            else:
                inner = item.split("::{")[0]
                yield root, prefix + [p for p in inner.split("::") if p and p != "*"]
    for m in PATH.finditer(text):
        yield m.group(1), [p for p in m.group(2).split("::") if p]


def crate_cycles(src: pathlib.Path) -> list:
    files = {module_of(src, f): f for f in src.rglob("*.rs")}
    edges = {m: set() for m in files}
    for module, file in files.items():
        text = file.read_text()
        text = text.split("#[cfg(test)]")[0]
        text = re.sub(r"//[^\n]*", "", text)
        for root, segments in paths_in(text):
            target = resolve(module, file.name == "mod.rs", root, segments)
            # The longest prefix that is a file of the crate.
            for n in range(len(target), -1, -1):
                candidate = tuple(target[:n])
                if candidate in files:
                    break
            else:
                continue
            is_ancestor = candidate == module[: len(candidate)]
            if candidate != module and not is_ancestor:
                edges[module].add(candidate)
    return strongly_connected(edges)


def strongly_connected(edges: dict) -> list:
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    failed = False
    for crate in CRATES:
        for component in crate_cycles(root / crate / "src"):
            failed = True
            names = ", ".join("::".join(m) or "lib" for m in component)
            print(f"{crate}: files that import each other: {names}")
    if not failed:
        print("no import cycle between files")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
