"""Evidence sets and results for the batch, diff and moderation tests, built from the bundled set.

Copies are edited as text (an item's lines removed, a value replaced) so that everything else in
the copy is byte for byte the bundled evidence, or rebuilt through grader's own YAML reader (so
YAML 1.2 values survive) when a test needs many varied forces.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

from grader.bundled import default_evidence, default_pack
from grader.grading.run import grade_paths
from grader.loading.yamlsrc import load_yaml
from grader.models.result import GradingResult
from grader.render.json import render_json


def copy_set(src: Path, dst: Path, set_id: str | None = None, force: str | None = None) -> Path:
    """Copy an evidence set folder, optionally giving it another id and force name."""
    shutil.copytree(src, dst)
    manifest = dst / "evidence-set.yaml"
    text = manifest.read_text(encoding="utf-8")
    if set_id is not None:
        text = text.replace("id: derbyshire-2008", f"id: {set_id}", 1)
    if force is not None:
        text = text.replace("force: Derbyshire Constabulary", f"force: {force}", 1)
    manifest.write_text(text, encoding="utf-8")
    return dst


def item_file(set_dir: Path, item_id: str) -> Path:
    for path in sorted((set_dir / "items").glob("*.yaml")):
        if f"  - id: {item_id}\n" in path.read_text(encoding="utf-8"):
            return path
    raise AssertionError(f"no item {item_id} in {set_dir}")


def remove_item(set_dir: Path, item_id: str) -> None:
    """Delete one item's lines: from ``  - id: ITEM`` to the next item, comment or top-level key."""
    path = item_file(set_dir, item_id)
    out: list[str] = []
    skipping = False
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("  - "):
            skipping = line == f"  - id: {item_id}\n"
        elif line.startswith("  #") or (line.strip() and not line.startswith(" ")):
            skipping = False
        if not skipping:
            out.append(line)
    path.write_text("".join(out), encoding="utf-8")
    assert f"id: {item_id}\n" not in path.read_text(encoding="utf-8")


def duplicate_item(set_dir: Path, item_id: str, new_id: str) -> None:
    """Add a second item with the same content as ``item_id`` (as if recorded as two bullets)."""
    path = item_file(set_dir, item_id)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"  - id: {item_id}\n")
    end = start + 1
    while end < len(lines) and not (lines[end].startswith("  - ") or lines[end].startswith("  #")
                                    or (lines[end].strip() and not lines[end].startswith(" "))):
        end += 1
    copy = [f"  - id: {new_id}\n", *lines[start + 1:end]]
    path.write_text("".join(lines[:end] + copy + lines[end:]), encoding="utf-8")


def replace_in_item(set_dir: Path, item_id: str, old: str, new: str) -> None:
    """Replace text inside one item's lines only."""
    path = item_file(set_dir, item_id)
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {item_id}\n")
    nxt = text.find("\n  - ", start + 1)
    end = len(text) if nxt < 0 else nxt
    block = text[start:end]
    assert old in block, f"{old!r} not in {item_id}"
    path.write_text(text[:start] + block.replace(old, new, 1) + text[end:], encoding="utf-8")


def grade_to_file(set_dir: Path, out: Path, pack_dir: Path | None = None) -> GradingResult:
    """Grade with the real flow and write the result JSON as `grader grade --out` does."""
    result = grade_paths(set_dir, pack_dir or default_pack())
    out.write_text(render_json(result), encoding="utf-8")
    return result


def synthetic_force(dst: Path, n: int, seed: int) -> Path:
    """A varied force built from the bundled set: some items dropped, some facts flipped.

    Values go through grader's YAML reader and back, so YAML 1.2 text ("no", dates) survives.
    """
    rng = random.Random(seed)
    src = default_evidence()
    shutil.copytree(src, dst)
    manifest = load_yaml(dst / "evidence-set.yaml").data
    manifest["id"] = f"force-{n:02d}"
    manifest["force"] = f"Synthetic Constabulary {n:02d}"
    (dst / "evidence-set.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    for path in sorted((dst / "items").glob("*.yaml")):
        data = load_yaml(path).data
        kept = []
        for entry in data["items"]:
            if entry.get("kind", data.get("defaults", {}).get("kind")) != "indicator" and rng.random() < 0.15:
                continue
            for name, value in list(entry.get("facts", {}).items()):
                if isinstance(value, bool) and rng.random() < 0.1:
                    entry["facts"][name] = not value
            kept.append(entry)
        data["items"] = kept
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return dst
