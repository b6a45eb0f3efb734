"""Synthetic rule packs and evidence sets for the benchmark, written as ordinary grader files.

Everything is generated from a seed, so two runs measure the same data, and goes through the
real loaders: the benchmark times what `grader grade` does, not a shortcut.

- ``write_pack(root, rules)``: a pack of 20 criteria over 4 pillars sharing ``rules`` rules,
  with a 41-fact catalogue; rules mix counting thresholds, none/some combinations, any-of
  tests on facts and text, numeric comparisons and a pair clause now and then.
- ``write_forces(root, n, per_force)``: ``n`` items split into forces of at most ``per_force``
  items, each force an evidence set folder of one item file.
- ``write_acpo_forces(root, forces, items)``: forces shaped like the bundled Derbyshire set
  (its items resampled, renamed, with some yes/no facts flipped) for the bundled ACPO pack.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

CRITERIA = 20
PILLARS = ["alpha", "beta", "gamma", "delta"]
BOOLS = [f"b{i:02d}" for i in range(24)]
NUMBERS = [f"n{i:02d}" for i in range(10)]
TEXTS = [f"t{i:02d}" for i in range(6)]
WORDS = ["analyst", "hub", "review", "gold", "group", "tasking", "covert", "protocol", "training", "audit",
         "partner", "risk", "threat", "profile", "unit", "team", "policy", "plan", "budget", "vetting"]
KINDS = ["strength", "strength", "strength", "work-in-progress", "area-for-improvement", "observation"]
#: What an item is about, for pair clauses (two items on the same topic). Three items in ten name
#: one of 200 topics, so pairs stay about as common as in real evidence: a pair clause reports
#: every matching pair, and with a handful of topics shared by every item its output (and any
#: program's time to list it) would grow with the square of a force's size.
TOPICS = [f"topic-{i:03d}" for i in range(200)]
DOC = "bench-report"

POLICY = {
    "adverse": ["fails", "insufficient-evidence"],
    "mitigated_as": "meets",
    "pillar": {
        "rules": [
            {"grade": "fails",
             "when": {"name": "gaps", "count": {"outcome": ["fails", "insufficient-evidence"], "significant": True},
                      "at_least": 2},
             "because": "{gaps.count} significant criteria are not evidenced ({gaps})."},
            {"grade": "exceeds",
             "when": {"name": "beyond", "count": {"outcome": ["exceeds"], "significant": True},
                      "at_least_fraction": 0.5},
             "because": "Beyond the standard in {beyond.count} significant criteria ({beyond})."},
            {"grade": "meets", "because": "The significant criteria of this pillar are evidenced."},
        ],
    },
    "overall": {
        "rules": [
            {"grade": "fails", "when": {"name": "failed", "count": {"grade": ["fails"]}, "at_least": 1},
             "because": "Pillars failing: {failed}."},
            {"grade": "meets", "because": "No pillar fails."},
        ],
    },
}


def _dump(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _rule(rng: random.Random, n: int, crit: int) -> dict[str, object]:
    """One rule of a few shapes; every shape is 2 to 5 tests, as real criteria are."""
    b1, b2 = rng.sample(BOOLS, 2)
    num, txt = rng.choice(NUMBERS), rng.choice(TEXTS)
    shape = n % 5
    if shape == 0:
        when: dict[str, object] = {"name": "found", "at_least": rng.randint(1, 3),
                                   "where": {"all": [{"kind": "strength"}, {"fact": b1, "equals": True}]}}
    elif shape == 1:
        when = {"all": [{"name": "found", "some": {"fact": num, "gte": rng.randint(2, 8)}},
                        {"none": {"all": [{"kind": "area-for-improvement"}, {"fact": b2, "equals": True}]}}]}
    elif shape == 2:
        when = {"name": "found", "some": {"any": [{"fact": b1, "equals": True}, {"text": rng.choice(WORDS)},
                                                  {"fact": txt, "one_of": rng.sample(WORDS, 2)}]}}
    elif shape == 3:
        when = {"name": "found", "at_most": 1, "where": {"all": [{"kind": ["work-in-progress", "area-for-improvement"]},
                                                                 {"not": {"fact": b2, "equals": True}}]}}
    else:
        when = {"name": "found", "pair": {"first": {"fact": b1, "equals": True}, "second": {"kind": "strength"},
                                          "same": ["facts.topic"]}} if n % 10 == 4 else \
            {"name": "found", "some": {"all": [{"fact": num, "between": [1, 6]}, {"tag": rng.choice(WORDS)}]}}
    outcome = ["fails", "meets", "exceeds"][n % 3]
    return {"id": f"r{n:03d}", "outcome": outcome, "when": when, "because": f"Rule {n} of criterion {crit} ({{found}})."}


def write_pack(root: Path, rules: int, seed: int = 7) -> Path:
    """A pack of ``rules`` rules spread over 20 criteria (so evidence fits every size of pack)."""
    rng = random.Random(seed)
    pack = root / f"pack-r{rules}"
    _dump(pack / "pack.yaml", {
        "name": "bench-pack", "version": "1.0.0", "title": "Benchmark pack",
        "scale": [{"id": "exceeds", "label": "Exceeds"}, {"id": "meets", "label": "Meets"},
                  {"id": "fails", "label": "Fails"}],
        "pillars": [{"id": p, "title": p.title(), "aim": f"The aim of {p}."} for p in PILLARS],
        "policy": POLICY,
    })
    facts = {b: {"type": "bool", "description": f"Flag {b}."} for b in BOOLS}
    facts.update({n: {"type": "number", "description": f"Count {n}."} for n in NUMBERS})
    facts.update({t: {"type": "text", "description": f"Text {t}."} for t in TEXTS})
    facts["topic"] = {"type": "text", "description": "What the item is about."}
    _dump(pack / "facts" / "bench.yaml", {"facts": facts})
    per: list[list[dict[str, object]]] = [[] for _ in range(CRITERIA)]
    for n in range(rules):
        per[n % CRITERIA].append(_rule(rng, n, n % CRITERIA + 1))
    for c in range(CRITERIA):
        cid = f"B-{c + 1:02d}"
        crit: dict[str, object] = {
            "id": cid, "pillar": PILLARS[c % len(PILLARS)], "title": f"Criterion {c + 1}",
            "standard": f"The standard of criterion {c + 1}.", "significant": c % 3 != 2,
            "rules": per[c] or [{"id": "any", "outcome": "meets", "when": {"some": {"kind": "strength"}},
                                 "because": "Some strength."}],
        }
        _dump(pack / "criteria" / f"{cid}.yaml", crit)
    return pack


def _item(rng: random.Random, iid: str) -> str:
    c = rng.randrange(CRITERIA)
    crits = [f"B-{c + 1:02d}"]
    if rng.random() < 0.2:
        other = rng.randrange(CRITERIA)
        if other != c:
            crits.append(f"B-{other + 1:02d}")
    facts = {b: rng.random() < 0.6 for b in rng.sample(BOOLS, 3)}
    facts[rng.choice(NUMBERS)] = rng.randint(0, 10)
    if rng.random() < 0.5:
        facts[rng.choice(TEXTS)] = rng.choice(WORDS)
    if rng.random() < 0.3:
        facts["topic"] = rng.choice(TOPICS)
    fact_text = ", ".join(f"{k}: {str(v).lower() if isinstance(v, bool) else v}" for k, v in facts.items())
    words = " ".join(rng.choice(WORDS) for _ in range(8))
    tags = ", ".join(rng.sample(WORDS, 2))
    return (f"  - id: {iid}\n    pillar: {PILLARS[c % len(PILLARS)]}\n    criteria: [{', '.join(crits)}]\n"
            f"    kind: {rng.choice(KINDS)}\n    statement: The force {words}.\n    facts: {{{fact_text}}}\n"
            f"    tags: [{tags}]\n    source: {{section: Summary {c + 1}}}\n")


def write_force(root: Path, name: str, items: int, seed: int) -> Path:
    """One evidence set folder of ``items`` synthetic items in one file."""
    rng = random.Random(seed)
    force = root / name
    (force / "items").mkdir(parents=True, exist_ok=True)
    (force / "evidence-set.yaml").write_text(
        f"id: {name}\nforce: Synthetic {name}\nframework: bench-pack\ntitle: Benchmark inspection\n"
        f"inspected: 2008-07-01\ndocuments:\n  {DOC}:\n    title: Benchmark report\n", encoding="utf-8")
    parts = ["defaults:\n  verified: true\n  marking: OFFICIAL\n  collected: 2008-07-01\n"
             f"  source:\n    document: {DOC}\nitems:\n"]
    parts.extend(_item(rng, f"I{n:07d}") for n in range(items))
    (force / "items" / "items.yaml").write_text("".join(parts), encoding="utf-8")
    return force


def write_forces(root: Path, n: int, per_force: int, seed: int = 11) -> list[Path]:
    """``n`` items in forces of at most ``per_force`` items."""
    out = []
    done = 0
    while done < n:
        size = min(per_force, n - done)
        out.append(write_force(root, f"force-{len(out):04d}", size, seed + len(out)))
        done += size
    return out


def write_acpo_forces(root: Path, forces: int, items: int, source: Path, seed: int = 3) -> list[Path]:
    """Forces shaped like ``source`` (an evidence set for the bundled pack): its items resampled to
    ``items`` per force, renamed, with one yes/no fact in ten flipped."""
    from grader.loading.evidence import load_evidence

    loaded = load_evidence(source)
    base = loaded.evidence.items
    manifest = loaded.evidence.manifest.model_dump(mode="python", exclude_none=True)
    rng = random.Random(seed)
    out = []
    for f in range(forces):
        force = root / f"acpo-{f:02d}"
        m = {**manifest, "id": f"acpo-{f:02d}", "force": f"Synthetic Constabulary {f:02d}"}
        _dump(force / "evidence-set.yaml", m)
        chosen = []
        for n in range(items):
            item = rng.choice(base).model_dump(mode="python", exclude_none=True)
            item["id"] = f"{item['id']}-{n}"
            for k, v in list(item.get("facts", {}).items()):
                if isinstance(v, bool) and rng.random() < 0.1:
                    item["facts"][k] = not v
            chosen.append(item)
        _dump(force / "items" / "items.yaml", {"items": chosen})
        out.append(force)
    return out

