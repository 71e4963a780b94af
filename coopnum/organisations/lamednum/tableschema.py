"""The TableSchema JSON file: read lazily, once, cross-checked with the constants of ``fields``; the
constraints and regexes the validator uses come from it."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from .fields import ENUMS, FIELDS, SCHEMA_RESOURCE


@functools.cache
def schema() -> dict[str, Any]:
    """The TableSchema, read once from the package data. Fails if it disagrees with the constants of ``fields``."""
    text = resources.files("coopnum.organisations").joinpath("data", SCHEMA_RESOURCE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    names = [field["name"] for field in loaded["fields"]]
    if names != FIELDS:
        raise RuntimeError(f"{SCHEMA_RESOURCE} ne correspond plus à FIELDS : {names}")
    for name, values in ENUMS.items():
        pattern = _field(loaded, name)["constraints"]["pattern"]
        if enum_values_from_pattern(pattern) != values:
            raise RuntimeError(f"{SCHEMA_RESOURCE} : les valeurs de « {name} » ne correspondent plus.")
    return loaded


def _field(loaded: Mapping[str, Any], name: str) -> dict[str, Any]:
    for field in loaded["fields"]:
        if field["name"] == name:
            return field
    raise KeyError(name)


@functools.cache
def _constraints() -> dict[str, dict[str, Any]]:
    return {field["name"]: dict(field.get("constraints", {})) for field in schema()["fields"]}


@functools.cache
def _pattern(name: str) -> re.Pattern[str] | None:
    pattern = _constraints()[name].get("pattern")
    # re.ASCII: "\d" must mean [0-9], as in the XML Schema / JavaScript flavours validators use.
    return re.compile(pattern, re.ASCII) if pattern else None


_ENUM_PATTERN = re.compile(r"\(\?:\(\?:\^\|\\\|\)\((?P<body>.*)\)\)\+\$", re.DOTALL)


def enum_values_from_pattern(pattern: str) -> tuple[str, ...]:
    """The literal alternatives of an enum regex of the form ``(?:(?:^|\\|)(v1|v2|…))+$``, unescaped."""
    match = _ENUM_PATTERN.fullmatch(pattern)
    if match is None:
        raise ValueError(f"motif d'énumération non reconnu : {pattern!r}")
    values: list[str] = []
    current: list[str] = []
    depth = 0
    chars = iter(match["body"])
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))  # an escaped character is a literal
        elif char == "(":
            depth += 1
            current.append(char)
        elif char == ")":
            depth -= 1
            current.append(char)
        elif char == "|" and depth == 0:
            values.append("".join(current))
            current = []
        else:
            current.append(char)
    values.append("".join(current))
    return tuple(values)
