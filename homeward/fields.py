"""Model fields that keep identifying data encrypted at rest, and a picklist field that holds several values."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import models

from homeward.keys import keyring


class EncryptedTextField(models.TextField):
    """A text column whose value is AES-GCM ciphertext bound to its table and column.

    Python code sees plain ``str`` (empty string for no value); the database sees only ciphertext. Such a
    column cannot be filtered or ordered on: search goes through blind indexes instead.
    """

    description = "Encrypted text"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if self.db_index or self.unique:
            errors.append(checks.Error("Encrypted fields cannot be indexed or unique.", obj=self))
        return errors

    @property
    def context(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return ""
        return keyring().encrypt(str(value), self.context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return keyring().decrypt(value, self.context)

    def to_python(self, value: Any) -> str:
        return "" if value is None else str(value)


class PicklistMultiField(models.CharField):
    """Several picklist values in one column, stored as ``|A|B|`` so that ``__contains='|A|'`` filters on
    SQLite and PostgreSQL alike. Python code sees a list of value names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 1000)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    @staticmethod
    def encode(values: list[str]) -> str:
        cleaned = [v for v in dict.fromkeys(values) if v]
        return "|" + "|".join(cleaned) + "|" if cleaned else ""

    @staticmethod
    def needle(value: str) -> str:
        return f"|{value}|"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[str]:
        return self.to_python(value)

    def to_python(self, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        return [v for v in str(value).split("|") if v]

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return self.encode(list(value))
        if value is None:
            return ""
        return value

    def validate(self, value: Any, model_instance: Any) -> None:
        # Each value is checked against the field's choices; the column itself is free of `choices`.
        from django.core.exceptions import ValidationError

        allowed = {key for key, _label in self.allowed_choices}
        for item in value or []:
            if item not in allowed:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                )
        if not self.blank and not value:
            raise ValidationError(self.error_messages["blank"], code="blank")

    @property
    def allowed_choices(self) -> list[tuple[str, Any]]:
        return list(getattr(self, "_allowed_choices", []))

    def deconstruct(self) -> tuple[Any, Any, Any, Any]:
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is list:
            kwargs.pop("default")
        return name, path, args, kwargs

    def value_to_string(self, obj: Any) -> str:
        return self.encode(self.value_from_object(obj))


def picklist_multi(choices: type[models.TextChoices], **kwargs: Any) -> PicklistMultiField:
    field = PicklistMultiField(**kwargs)
    field._allowed_choices = list(choices.choices)  # type: ignore[attr-defined]
    return field
