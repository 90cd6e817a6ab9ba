"""Run anjana (the baseline k-anonymity library) on records exported by bench/release.py.

This script runs in a side virtual environment (/tmp/anjana-venv by default: anjana pins exact numpy and pandas
versions, so it must not go into the project's environment) and imports neither Django nor Homeward:

    /tmp/anjana-venv/bin/python bench/anjana_runner.py DIR

DIR holds ``records.csv`` (the quasi-identifiers, the sensitive attribute and ``_row``, the record's position
in the export), one ``hierarchy-<qi>.csv`` per quasi-identifier (one row per value of the domain, one column
per level: 0 is the value, the last is "*"), and ``job.json`` (qis, sensitive, k, l, supp_level in percent).
It writes ``anonymised.csv`` (anjana's output, ``_row`` kept) and ``result.json`` (seconds, rows, the k and l
that pycanon finds in the output).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pycanon.anonymity
from anjana.anonymity import k_anonymity, l_diversity


def main(folder: Path) -> int:
    job = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    qis, sensitive = job["qis"], job["sensitive"]
    records = pd.read_csv(folder / "records.csv", dtype=str, keep_default_na=False)
    hierarchies = {}
    for qi in qis:
        table = pd.read_csv(folder / f"hierarchy-{qi}.csv", dtype=str, keep_default_na=False)
        hierarchies[qi] = {level: np.array(table[str(level)].values) for level in range(table.shape[1])}
    log = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(log):
        if job["l"] > 1:
            out = l_diversity(records, [], qis, sensitive, job["k"], job["l"], job["supp_level"], hierarchies)
        else:
            out = k_anonymity(records, [], qis, job["k"], job["supp_level"], hierarchies)
    seconds = time.perf_counter() - started
    out = out.drop(columns=[c for c in ("index", "level_0") if c in out.columns])
    result = {
        "anjana": version("anjana"),
        "pycanon": version("pycanon"),
        "seconds": round(seconds, 2),
        "rows_in": len(records),
        "rows_out": len(out),
        "messages": log.getvalue().strip().splitlines()[-5:],
    }
    if len(out):
        result["pycanon_k"] = int(pycanon.anonymity.k_anonymity(out, qis))
        result["pycanon_l"] = int(pycanon.anonymity.l_diversity(out, qis, [sensitive]))
    out.to_csv(folder / "anonymised.csv", index=False)
    (folder / "result.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
