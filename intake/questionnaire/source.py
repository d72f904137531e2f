"""Read YAML safely while remembering the line of every key and list entry.

The loader is PyYAML's ``SafeLoader`` (what ``yaml.safe_load`` uses, on libyaml
when available): no Python
tags, no object construction. Mappings come back as ``LineMap`` and sequences as
``LineList``, plain ``dict``/``list`` subclasses that also know their lines, so
every error can name the line it is about. Timestamps stay strings, so the
parsed definition is plain JSON and can be stored as is.
"""

from __future__ import annotations

from typing import Any, Protocol

import yaml

MAX_SOURCE_BYTES = 1_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64  # nested lists and mappings; a questionnaire needs about 8


class LineMap(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return getattr(self, "key_lines", {}).get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each entry (1-based)."""

    line: int | None = None
    item_lines: list[int]

    def line_of(self, index: int) -> int | None:
        lines = getattr(self, "item_lines", [])
        return lines[index] if index < len(lines) else self.line


def line_of(value: Any, key: str | int | None = None) -> int | None:
    """The line of ``value`` (or of its entry ``key``), when known."""
    if key is not None and isinstance(value, LineMap) and isinstance(key, str):
        return value.line_of(key)
    if key is not None and isinstance(value, LineList) and isinstance(key, int):
        return value.line_of(key)
    return getattr(value, "line", None)


class _Mark(Protocol):
    """Where the parser is (PyYAML's pure-Python and libyaml marks alike); 0-based."""

    line: int


class SourceError(Exception):
    """The text is not YAML we accept; ``line`` is where the parser stopped."""

    def __init__(self, message: str, line: int | None = None, code: str = "E-YAML") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.code = code


# libyaml's parser when PyYAML was built with it (same safe constructors, faster).
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):  # type: ignore[misc,valid-type]  # a base chosen at import
    """SafeLoader that builds LineMap/LineList and bounds the work it does."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0

    def construct_document(self, node: yaml.Node) -> Any:
        self._count(node)
        return super().construct_document(node)

    def _count(self, node: yaml.Node) -> None:
        # Counting nodes after aliases are resolved defeats "billion laughs" documents;
        # the depth too, as an alias nests what it repeats wherever it stands.
        stack = [(node, 1)]
        while stack:
            current, depth = stack.pop()
            self._nodes += 1
            if self._nodes > MAX_NODES:
                raise SourceError(
                    f"the document is too large (more than {MAX_NODES} values, "
                    "possibly through repeated aliases)",
                    current.start_mark.line + 1,
                )
            if depth > MAX_DEPTH:
                raise _too_deep(current.start_mark)
            if isinstance(current, yaml.MappingNode):
                for k, v in current.value:
                    stack.extend(((k, depth + 1), (v, depth + 1)))
            elif isinstance(current, yaml.SequenceNode):
                stack.extend((child, depth + 1) for child in current.value)


_STEP = {yaml.SequenceStartEvent: 1, yaml.MappingStartEvent: 1,
         yaml.SequenceEndEvent: -1, yaml.MappingEndEvent: -1}  # fmt: skip


def _check_depth(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before composing: composing and
    constructing recurse once per level (1,000 levels overflow Python's stack,
    50,000 crash libyaml), while reading the events does not."""
    depth = 0
    step = _STEP.get
    for event in yaml.parse(text, Loader=_SafeBase):
        depth += step(event.__class__, 0)
        if depth > MAX_DEPTH:
            raise _too_deep(event.start_mark)


def _too_deep(mark: _Mark | None) -> SourceError:
    return SourceError(
        f"the document nests deeper than {MAX_DEPTH} levels of lists and mappings",
        mark.line + 1 if mark is not None else None,
    )


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise SourceError(
                f"key '{key}' appears twice", key_node.start_mark.line + 1, "E-DUPLICATE-KEY"
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def parse(text: str) -> Any:
    """Parse one YAML document into LineMap/LineList/scalars, or raise SourceError."""
    if len(text.encode("utf-8", errors="replace")) > MAX_SOURCE_BYTES:
        raise SourceError(f"the file is larger than {MAX_SOURCE_BYTES // 1000} kB", None)
    loader = _LineLoader(text)
    try:
        _check_depth(text)
        return loader.get_single_data()
    except SourceError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}, {problem}"
        raise SourceError(f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise SourceError(f"not valid YAML: {exc}", None) from None
    finally:
        loader.dispose()
