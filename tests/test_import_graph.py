"""The package's imports: no circle, no run-time import of hooks.py, and an import inside a function
only with a comment saying why (read from the source, without importing anything)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "cis_app"


def modules() -> dict[str, Path]:
	found = {}
	for path in APP.rglob("*.py"):
		parts = list(path.relative_to(APP.parent).with_suffix("").parts)
		if parts[-1] == "__init__":
			parts = parts[:-1]
		found[".".join(parts)] = path
	return found


def is_test(path: Path) -> bool:
	return path.name.startswith("test_") or "tests" in path.relative_to(APP).parts


def imported_names(node: ast.AST, module: str, path: Path) -> list[str]:
	if isinstance(node, ast.Import):
		return [alias.name for alias in node.names]
	if isinstance(node, ast.ImportFrom):
		base = node.module or ""
		if node.level:
			package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
			package = package[: len(package) - node.level + 1]
			base = ".".join([*package, base] if base else package)
		return [base] + [f"{base}.{alias.name}" for alias in node.names]
	return []


def import_graph() -> dict[str, set[str]]:
	known = modules()
	graph: dict[str, set[str]] = {name: set() for name in known}
	for module, path in known.items():
		for node in ast.walk(ast.parse(path.read_text())):
			for name in imported_names(node, module, path):
				while name and name not in known:
					name = name.rpartition(".")[0]
				if name and name not in (module, "cis_app"):
					graph[module].add(name)
	return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
	"""The strongly connected components of more than one module (Tarjan)."""
	index: dict[str, int] = {}
	low: dict[str, int] = {}
	stack: list[str] = []
	found: list[list[str]] = []

	def visit(node: str) -> None:
		index[node] = low[node] = len(index)
		stack.append(node)
		for target in graph[node]:
			if target not in index:
				visit(target)
				low[node] = min(low[node], low[target])
			elif target in stack:
				low[node] = min(low[node], index[target])
		if low[node] == index[node]:
			component = []
			while True:
				member = stack.pop()
				component.append(member)
				if member == node:
					break
			if len(component) > 1:
				found.append(sorted(component))

	for node in sorted(graph):
		if node not in index:
			visit(node)
	return found


def test_no_import_circles():
	assert circles(import_graph()) == []


def test_the_app_never_imports_hooks():
	graph = import_graph()
	importers = [
		module
		for module, targets in graph.items()
		if "cis_app.hooks" in targets and not is_test(modules()[module])
	]
	assert importers == []


def test_an_import_inside_a_function_says_why():
	"""A comment on the line above an import (or on it) covers the imports that follow it directly."""
	unexplained = []
	for module, path in modules().items():
		if is_test(path):
			continue
		lines = path.read_text().splitlines()
		for function in ast.walk(ast.parse("\n".join(lines))):
			if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
				continue
			imports = sorted(
				(node for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom))),
				key=lambda node: node.lineno,
			)
			previous = None
			for node in imports:
				commented = lines[node.lineno - 2].strip().startswith("#") or "#" in lines[node.lineno - 1]
				follows = previous is not None and previous[0].end_lineno == node.lineno - 1 and previous[1]
				explained = commented or follows
				if not explained:
					unexplained.append(f"{module}:{node.lineno}")
				previous = (node, explained)
	assert unexplained == []
