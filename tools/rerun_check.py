"""Check that a chapter's cells can be run a second time: what a student does after editing a cell.

usage: python tools/rerun_check.py NOTEBOOK [NOTEBOOK ...]

Each notebook runs top to bottom under test (IN_TEST=1, the tiny generated data, `#| slow` cells left out), and then
every code cell once more, in order, in the same kernel. A cell that passed the first time and fails the second
(a file it creates already exists, a name it redefines was changed by a later cell, ...) is reported with its id and
the error's last line. Nothing is written back to the notebook."""
import copy, os, sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

def rerun(path: Path) -> list:
    "`(cell id, error)` for the first cell of `path` that fails on its second run; [] when all pass."
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "#| slow" not in c.source and "#| eval: false" not in c.source]
    second = []
    for c in code:
        d = copy.deepcopy(c); d.id = (c.id + "-2")[-60:]; second.append(d)
    nb.cells = code + second
    os.environ["IN_TEST"] = "1"
    client = NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    try: client.execute()
    except CellExecutionError as e:
        failed = next((c for c in nb.cells if c.get("outputs") and any(o.get("output_type") == "error" for o in c.outputs)), None)
        where = failed.id if failed is not None else "?"
        last = str(e).strip().splitlines()[-1] if str(e).strip() else repr(e)
        return [(where, last)]
    return []

if __name__ == "__main__":
    bad = 0
    for p in map(Path, sys.argv[1:]):
        problems = rerun(p)
        print(f"{p.name}: " + ("every cell runs twice" if not problems else "; ".join(f"cell {i} fails when run again: {e}" for i, e in problems)), flush=True)
        bad += bool(problems)
    sys.exit(1 if bad else 0)
