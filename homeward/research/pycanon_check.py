"""The independent check of a research release, run with pycanon in a Python environment of its own.

pycanon pins exact versions of numpy, pandas, scipy and typing_extensions, so it cannot live in Homeward's
own environment without freezing those for everything else. It is installed in a separate virtual environment
(``make verifier``; ``HOMEWARD_PYCANON_PYTHON`` names its interpreter) and this file is run there as a script:
it imports nothing from Homeward or Django, reads one JSON request on standard input —
``{"files": {name: csv_text}, "qi": {name: [columns]}, "sensitive": {name: [columns]}}`` — and writes
``{name: {"k": int, "l": int}, "pycanon": version}`` on standard output. Being a second implementation in a
second process, it shares no code with the search it checks.
"""

from __future__ import annotations

import io
import json
import sys


def main() -> int:
    from importlib.metadata import version

    import pandas as pd
    from pycanon import anonymity

    request = json.load(sys.stdin)
    out: dict[str, object] = {"pycanon": version("pycanon")}
    for name, text in request["files"].items():
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        qi = request["qi"][name]
        answer = {"k": int(anonymity.k_anonymity(frame, qi)) if len(frame) else 0}
        sensitive = request.get("sensitive", {}).get(name) or []
        if sensitive and len(frame):
            answer["l"] = int(anonymity.l_diversity(frame, qi, sensitive))
        out[name] = answer
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
