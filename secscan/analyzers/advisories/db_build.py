"""Building the index of an installed advisory database (:mod:`.db_index`) from the records of a source.

``records.jsonl`` keeps what secscan uses of each readable, not withdrawn record (one compact JSON line),
``index.json`` the byte ranges of the lines naming each (ecosystem, normalized name).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secscan.analyzers.advisories.db_index import FORMAT, INDEX, RECORDS, SEP
from secscan.analyzers.advisories.osv import OsvDatabase, no_records, raw_records, read_record

MAX_DETAILS = 4000  # the finding shows the first paragraph (600 characters) of the details
KEPT = ("id", "aliases", "summary", "severity", "affected", "modified")


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data[k] for k in KEPT if k in data}
    if isinstance(data.get("details"), str):
        out["details"] = data["details"][:MAX_DETAILS]
    dbs = data.get("database_specific")
    if isinstance(dbs, dict):
        out["database_specific"] = {k: dbs[k] for k in ("severity", "cwe_ids") if k in dbs}
    return out


def build(sources: Path, out: Path) -> OsvDatabase:
    """Read every record under sources and write records.jsonl and index.json into out; the returned
    database holds the counts (and ``problem`` when sources hold no usable record), not the records."""
    db = OsvDatabase(str(sources))
    keys: dict[str, list[tuple[int, int]]] = {}
    offset = 0
    newest = ""
    with (out / RECORDS).open("wb") as fh:
        for raw, where in raw_records(db, sources):
            got = read_record(db, raw, where)
            if got is None:
                continue
            data, rec = got
            newest = max(newest, rec.modified or "")
            line = (json.dumps(_compact(data), separators=(",", ":"), ensure_ascii=False) + "\n").encode()
            fh.write(line)
            db.records += 1
            for eco in {e.ecosystem for e in rec.affected}:
                db.per_ecosystem[eco] = db.per_ecosystem.get(eco, 0) + 1
            for key in dict.fromkeys(e.key for e in rec.affected):
                keys.setdefault(SEP.join(key), []).append((offset, len(line)))
            offset += len(line)
    (out / INDEX).write_text(json.dumps({"format": FORMAT, "keys": keys}, separators=(",", ":")), "utf-8")
    if db.problem is None and db.records == 0:
        db.problem = no_records(sources)
    db.info = {"newest_record": newest or None}
    return db
