"""The condition language of ``relevant``: parsed and interpreted, never ``eval``-ed.

Grammar (lowest precedence first)::

    expr    := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | compare
    compare := operand (('==' | '!=' | '<' | '>' | '<=' | '>=' | 'in' | 'not in') operand)?
    operand := NUMBER | STRING | '[' literal (',' literal)* ']' | NAME | '(' expr ')'
    NAME    := q.<section>.<question>[.<row>] | item.code | item.title
               | respondent.kind | respondent.province

There are no calls, no attribute access beyond these names, no arithmetic and no
exponent notation, so nothing in a condition can reach Python. ``check`` resolves
names and types when the questionnaire file is checked; ``evaluate`` only walks
the checked tree.

An unanswered question has no value: every comparison with it is false, except
``!=`` and ``not in``, which are true.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from intake.questionnaire.dates import is_iso_date

MAX_LENGTH = 1000
MAX_DEPTH = 30
MAX_LIST = 200

ValueType = Literal["text", "number", "date", "list"]


class ConditionError(Exception):
    """A condition that cannot be parsed or checked; ``column`` is 1-based."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<string>'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-\[\]]+)*)
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
    """,
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in"}
_EXPONENT = re.compile(r"-?\d+(?:\.\d+)?[eE]")


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, keyword, end
    text: str
    column: int


def tokenize(source: str) -> list[Token]:
    if len(source) > MAX_LENGTH:
        raise ConditionError(f"the condition is longer than {MAX_LENGTH} characters", 1)
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        if _EXPONENT.match(source, pos):
            raise ConditionError("exponent notation is not allowed", pos + 1)
        match = _TOKEN.match(source, pos)
        if match is None:
            char = source[pos]
            hint = ""
            if char in "+-*/%^&|~":
                hint = " (conditions compare values; they do no arithmetic)"
            elif char == "=":
                hint = " (write == to compare)"
            elif char == ".":
                hint = " (attribute access is not allowed)"
            raise ConditionError(f"unexpected character {char!r}{hint}", pos + 1)
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "name" and text in _KEYWORDS:
            kind = "keyword"
        if kind != "ws":
            tokens.append(Token(kind, text, pos + 1))
        pos = match.end()
    tokens.append(Token("end", "", len(source) + 1))
    return tokens


# --------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Literal_:
    value: str | int | Decimal | tuple[Any, ...]
    column: int


@dataclass(frozen=True)
class Name:
    parts: tuple[str, ...]
    column: int

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node
    column: int


@dataclass(frozen=True)
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Literal_ | Name | Compare | BoolOp | Not


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = tokenize(source)
        self.pos = 0
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str) -> Token:
        if not self.at(kind, text):
            raise ConditionError(
                f"expected '{text}' but found {self._describe()}", self.current.column
            )
        return self.take()

    def _describe(self) -> str:
        token = self.current
        return "the end of the condition" if token.kind == "end" else f"'{token.text}'"

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionError(
                f"the condition nests deeper than {MAX_DEPTH} levels", self.current.column
            )

    def parse(self) -> Node:
        if self.at("end"):
            raise ConditionError("the condition is empty", 1)
        node = self.expr()
        if not self.at("end"):
            raise ConditionError(f"unexpected {self._describe()}", self.current.column)
        return node

    def expr(self) -> Node:
        self._enter()
        operands = [self.and_()]
        while self.at("keyword", "or"):
            self.take()
            operands.append(self.and_())
        self.depth -= 1
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def and_(self) -> Node:
        operands = [self.not_()]
        while self.at("keyword", "and"):
            self.take()
            operands.append(self.not_())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def not_(self) -> Node:
        if self.at("keyword", "not"):
            self.take()
            self._enter()
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> Node:
        left = self.operand()
        token = self.current
        if token.kind == "op" and token.text in {"==", "!=", "<", ">", "<=", ">="}:
            self.take()
            return Compare(token.text, left, self.operand(), token.column)
        if self.at("keyword", "in"):
            self.take()
            return Compare("in", left, self.operand(), token.column)
        if self.at("keyword", "not") and self.tokens[self.pos + 1].text == "in":
            self.pos += 2
            return Compare("not in", left, self.operand(), token.column)
        return left

    def operand(self) -> Node:
        token = self.current
        if token.kind == "number":
            self.take()
            return Literal_(_number(token.text), token.column)
        if token.kind == "string":
            self.take()
            return Literal_(_unquote(token.text), token.column)
        if token.kind == "name":
            self.take()
            if self.at("op", "("):
                raise ConditionError(f"'{token.text}(...)': calls are not allowed", token.column)
            return Name(_name_parts(token), token.column)
        if self.at("op", "["):
            return self.list_()
        if self.at("op", "("):
            self.take()
            node = self.expr()
            self.expect("op", ")")
            return node
        raise ConditionError(f"expected a value but found {self._describe()}", token.column)

    def list_(self) -> Literal_:
        start = self.take()
        values: list[Any] = []
        if not self.at("op", "]"):
            while True:
                token = self.current
                if token.kind == "number":
                    values.append(_number(self.take().text))
                elif token.kind == "string":
                    values.append(_unquote(self.take().text))
                else:
                    raise ConditionError(
                        f"a list holds only strings and numbers, not {self._describe()}",
                        token.column,
                    )
                if len(values) > MAX_LIST:
                    raise ConditionError(f"a list holds at most {MAX_LIST} values", token.column)
                if self.at("op", ","):
                    self.take()
                    continue
                break
        self.expect("op", "]")
        return Literal_(tuple(values), start.column)


def _number(text: str) -> int | Decimal:
    if "." in text:
        return Decimal(text)
    return int(text)


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _name_parts(token: Token) -> tuple[str, ...]:
    parts = tuple(token.text.split("."))
    for part in parts:
        if not part or part.startswith("_"):
            raise ConditionError(
                f"'{token.text}': names cannot be empty or start with '_'", token.column
            )
    return parts


def parse(source: str) -> Node:
    """Parse a condition into its tree, or raise ConditionError."""
    return _Parser(source).parse()


# --------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Reference:
    """What a name refers to, as the checker sees it."""

    type: ValueType
    allowed: frozenset[str | int] | None = None  # choice values, when the set is closed
    ordered: bool = False  # numbers and dates (and numeric scales) can be ordered


Resolver = Callable[[Name], Reference]


def check(node: Node, resolve: Resolver) -> None:
    """Check names and types; ``resolve`` raises ConditionError for unknown names."""
    _check_bool(node, resolve)


def _check_bool(node: Node, resolve: Resolver) -> None:
    if isinstance(node, BoolOp):
        for operand in node.operands:
            _check_bool(operand, resolve)
    elif isinstance(node, Not):
        _check_bool(node.operand, resolve)
    elif isinstance(node, Compare):
        _check_compare(node, resolve)
    elif isinstance(node, Name):
        raise ConditionError(
            f"'{node.text}' alone is not a condition; compare it, e.g. {node.text} == 'ja'",
            node.column,
        )
    else:
        raise ConditionError("a value alone is not a condition; compare it", node.column)


def _operand_type(node: Node, resolve: Resolver) -> tuple[ValueType | str, Reference | None]:
    if isinstance(node, Name):
        ref = resolve(node)
        return ref.type, ref
    if isinstance(node, Literal_):
        if isinstance(node.value, tuple):
            return "literal-list", None
        if isinstance(node.value, str):
            return "literal-text", None
        return "literal-number", None
    raise ConditionError("a comparison cannot be compared again; use 'and' or 'or'", _col(node))


def _col(node: Node) -> int | None:
    return getattr(node, "column", None)


def _literal_fits(value: Any, ref: Reference, column: int | None, name: str) -> None:
    if ref.type == "text" or ref.type == "list":
        if not isinstance(value, str):
            if ref.allowed and value in ref.allowed:
                return
            raise ConditionError(
                f"{name} holds text; write '{value}' in quotes to compare with it", column
            )
    elif ref.type == "number":
        if not isinstance(value, int | Decimal):
            raise ConditionError(
                f"{name} holds a number; compare it with a number, not '{value}'", column
            )
    elif ref.type == "date":
        if not isinstance(value, str) or not is_iso_date(value):
            raise ConditionError(f"{name} holds a date; compare it with 'YYYY-MM-DD'", column)
    if ref.allowed is not None and value not in ref.allowed:
        options = ", ".join(repr(v) for v in sorted(ref.allowed, key=str))
        raise ConditionError(
            f"{value!r} is not a possible value of {name} (possible: {options})", column
        )


def _check_compare(node: Compare, resolve: Resolver) -> None:
    left_type, left_ref = _operand_type(node.left, resolve)
    right_type, right_ref = _operand_type(node.right, resolve)
    op = node.op
    if left_ref is None and right_ref is None:
        raise ConditionError("compare a question or item with a value, not two values", node.column)

    if op in {"in", "not in"}:
        if right_type == "list" and right_ref is not None:
            # 'value' in q.s.multiple
            if left_ref is not None:
                raise ConditionError(
                    f"use a quoted value before '{op}' {_name(node.right)}", node.column
                )
            assert isinstance(node.left, Literal_)  # no reference on the left: a value
            _literal_fits(node.left.value, right_ref, _col(node.left), _name(node.right))
            return
        if right_type != "literal-list":
            raise ConditionError(
                f"'{op}' needs a list such as ['a', 'b'] or a multiple-choice question "
                "on its right",
                node.column,
            )
        if left_ref is None or left_ref.type == "list":
            raise ConditionError(
                f"'{op}' [..] tests a single answer; {_name(node.left)} is not one", node.column
            )
        assert isinstance(node.right, Literal_) and isinstance(node.right.value, tuple)
        for value in node.right.value:
            _literal_fits(value, left_ref, _col(node.right), _name(node.left))
        return

    # ==, !=, <, >, <=, >=
    if left_ref is not None and right_ref is not None:
        if left_ref.type != right_ref.type or left_ref.type == "list":
            raise ConditionError(
                f"cannot compare {_name(node.left)} ({left_ref.type}) with "
                f"{_name(node.right)} ({right_ref.type})",
                node.column,
            )
        ref = left_ref
    else:
        either = left_ref or right_ref
        literal = node.right if right_ref is None else node.left
        assert either is not None and isinstance(literal, Literal_)
        ref = either
        name = _name(node.left if left_ref is not None else node.right)
        if ref.type == "list":
            raise ConditionError(
                f"{name} is a multiple-choice answer; test it with 'value' in {name}", node.column
            )
        if isinstance(literal.value, tuple):
            raise ConditionError(f"use 'in' to compare {name} with a list", node.column)
        _literal_fits(literal.value, ref, literal.column, name)
    if op in {"<", ">", "<=", ">="} and not ref.ordered:
        raise ConditionError(
            f"'{op}' needs numbers or dates; {_name(node.left)} is {ref.type}", node.column
        )


def _name(node: Node) -> str:
    return node.text if isinstance(node, Name) else "the value"


# --------------------------------------------------------------------------- evaluation

Lookup = Callable[[tuple[str, ...]], Any]


def evaluate(node: Node, lookup: Lookup | Mapping[str, Any]) -> bool:
    """Evaluate a checked condition; ``lookup`` maps a name's parts to its value (or None)."""
    if isinstance(lookup, Mapping):
        mapping = lookup
        lookup = lambda parts: mapping.get(".".join(parts))  # noqa: E731
    return bool(_eval(node, lookup))


def _eval(node: Node, lookup: Lookup) -> Any:
    if isinstance(node, BoolOp):
        if node.op == "and":
            return all(_eval(o, lookup) for o in node.operands)
        return any(_eval(o, lookup) for o in node.operands)
    if isinstance(node, Not):
        return not _eval(node.operand, lookup)
    if isinstance(node, Literal_):
        return node.value
    if isinstance(node, Name):
        return lookup(node.parts)
    return _compare(node.op, _eval(node.left, lookup), _eval(node.right, lookup))


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in {"in", "not in"}:
        if left is None or right is None:
            return op == "not in"
        container = right if isinstance(right, list | tuple) else ()
        found = any(_equal(left, item) for item in container)
        return found if op == "in" else not found
    if left is None or right is None:
        return op == "!="
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    left, right = _ordered(left), _ordered(right)
    try:
        if op == "<":
            return bool(left < right)
        if op == ">":
            return bool(left > right)
        if op == "<=":
            return bool(left <= right)
        return bool(left >= right)
    except TypeError:
        return False


def _equal(left: Any, right: Any) -> bool:
    return bool(_ordered(left) == _ordered(right))


def _ordered(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return value
    return value
