"""Turn a settings section's marshmallow schema into form fields and back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict


@dataclass(frozen=True)
class FieldView:
    """What the settings template needs to draw one field."""

    name: str
    label: Any
    description: Any
    kind: str
    value: Any
    errors: list[str]
    choices: list[tuple[str, str]]
    required: bool


def _kind(field: fields.Field) -> str:
    if field.metadata.get("secret"):
        return "password"
    if isinstance(field, fields.Boolean):
        return "checkbox"
    if isinstance(field, fields.Email):
        return "email"
    if isinstance(field, fields.URL):
        return "url"
    if isinstance(field, (fields.Integer, fields.Decimal, fields.Float)):
        return "number"
    if _choices(field):
        return "select"
    if field.metadata.get("multiline"):
        return "textarea"
    return "text"


def _choices(field: fields.Field) -> list[tuple[str, str]]:
    for validator in field.validators:
        if isinstance(validator, validate.OneOf):
            labels = validator.labels or validator.choices
            return [(str(c), str(label)) for c, label in zip(validator.choices, labels, strict=False)]
    return []


def describe_fields(schema: Schema, values: dict[str, Any], errors: dict[str, Any]) -> list[FieldView]:
    views = []
    for name, field in schema.fields.items():
        problems = errors.get(name) or []
        views.append(
            FieldView(
                name=name,
                label=field.metadata.get("label", name.replace("_", " ").capitalize()),
                description=field.metadata.get("description", ""),
                kind=_kind(field),
                value=values.get(name),
                errors=[str(p) for p in (problems if isinstance(problems, list) else [problems])],
                choices=_choices(field),
                required=field.required,
            )
        )
    return views


def form_values(schema: Schema, form: MultiDict[str, str]) -> dict[str, Any]:
    """The submitted values, as marshmallow expects them (checkboxes, empty numbers)."""
    data: dict[str, Any] = {}
    for name, field in schema.fields.items():
        if isinstance(field, fields.Boolean):
            data[name] = name in form
            continue
        raw = form.get(name, "")
        if raw == "" and not isinstance(field, fields.String):
            data[name] = None
        elif raw == "" and isinstance(field, fields.Email):
            data[name] = None
        else:
            data[name] = raw
    return data
