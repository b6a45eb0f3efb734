"""JSON Schema for the files grader reads and writes, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from grader.models.evidence import EvidenceItem, EvidenceSetManifest, ItemDefaults
from grader.models.result import GradingResult


class EvidenceItemFile(BaseModel):
    """An evidence item file: optional defaults and a list of items."""

    model_config = ConfigDict(extra="forbid", title="grader evidence item file")
    defaults: ItemDefaults | None = None
    items: list[EvidenceItem] = Field(default_factory=list)


def schema_for(which: str) -> dict[str, Any]:
    """``result``, ``evidence`` (an item file) or ``evidence-set`` (the manifest)."""
    model: type[BaseModel] = {
        "result": GradingResult,
        "evidence": EvidenceItemFile,
        "evidence-set": EvidenceSetManifest,
    }[which]
    schema = model.model_json_schema(mode="serialization" if which == "result" else "validation")
    if which == "evidence":
        # In a file, an item may leave to `defaults:` whatever ItemDefaults can supply.
        defs = schema["$defs"]
        supplied = set(ItemDefaults.model_fields)
        item = defs["EvidenceItem"]
        item["required"] = [f for f in item.get("required", []) if f not in supplied]
        defs["Source"]["required"] = [f for f in defs["Source"].get("required", []) if f != "document"]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
