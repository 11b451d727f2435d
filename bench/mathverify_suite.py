"""math-verify's own test cases through this verifier: agreement and every disagreement's class.

    git clone https://github.com/huggingface/Math-Verify /tmp/Math-Verify   # not vendored here
    PYTHONPATH=. .venv/bin/python bench/mathverify_suite.py /tmp/Math-Verify/tests [--math-verify]

Reads the `@pytest.mark.parametrize` tables (gold, pred, expected) of math-verify's test modules
with `ast.literal_eval` (their code is never run; a non-literal row is skipped and counted) and
grades each pred against its gold twice:

- strict: `verify(pred, gold)` exactly as a trainer would call it (math-verify's preds are often
  a bare `$x = 5$` without a box, which our strict rules do not read: grading-policy rule 4);
- answer: the comparison alone: our extraction when it finds an answer, else the pred's last
  math span, else the whole pred, boxed. This isolates comparison from extraction.

A gold that contains a box or is a whole solution is reduced to its extracted answer first.
Every disagreement is classified by its (file, line) in math-verify commit 5d148cf (the table
below, kept in step with docs/mathverify-differences.md); anything else prints as unclassified.
`--math-verify` also runs math-verify 0.9 on the same rows (its own agreement with its tests).
Nothing of math-verify's test text is stored in this repository.
"""

from __future__ import annotations

import argparse
import ast
import re
from collections import Counter
from pathlib import Path

from verifier.extract import extract, strip_gold
from verifier.verify import verify

FILES = ("test_all.py", "test_boxed.py", "test_numina_cases.py", "test_open_thoughts.py",
         "test_strict.py", "test_yujianll.py")

# Policy differences and known gaps, keyed by (file, line of the row) at math-verify 5d148cf.
_CLASSES: dict[str, tuple[str, ...]] = {
    "decimal comma with a non-zero integer part (`1000,99`, `1,22` are lists; rule 11)":
        ("test_all.py:70", "test_all.py:71"),
    "answer only in prose (no box, no statement): no last-number fallback (rule 4)":
        ("test_all.py:72", "test_all.py:82", "test_all.py:83", "test_all.py:85",
         "test_all.py:86", "test_all.py:138", "test_all.py:621", "test_all.py:627",
         "test_all.py:657", "test_all.py:728", "test_all.py:734", "test_all.py:746",
         "test_all.py:756"),
    "numeric tolerance: rounded decimals are not the exact value (rule 7)":
        ("test_all.py:553", "test_all.py:565", "test_all.py:586", "test_all.py:605",
         "test_all.py:922"),
    "chain with a false link (`x = 5+5+1 = 7 = 11`) is not an answer (rule 13, chains)":
        ("test_all.py:388", "test_all.py:399", "test_all.py:405", "test_all.py:461",
         "test_all.py:462"),
    "approximate value only (`x \\approx 11`) is not the value (rule 7)": ("test_all.py:417",),
    "unknown LaTeX command in the gold (`\\zzz`): gold compared as text": ("test_all.py:452",),
    "last box wins over a later 'final answer is' statement (rule 2)": ("test_all.py:810",),
    "boxes are never merged, in the response or the gold (rule 2)":
        ("test_all.py:868", "test_all.py:873", "test_boxed.py:8", "test_numina_cases.py:69",
         "test_numina_cases.py:74", "test_open_thoughts.py:9", "test_open_thoughts.py:69",
         "test_open_thoughts.py:74", "test_open_thoughts.py:79", "test_open_thoughts.py:89",
         "test_open_thoughts.py:99", "test_open_thoughts.py:104", "test_open_thoughts.py:129",
         "test_open_thoughts.py:134", "test_open_thoughts.py:139", "test_open_thoughts.py:144",
         "test_open_thoughts.py:149"),
    "sets and relations always compared as sets (math-verify's allow_set_relation_comp=False)":
        ("test_all.py:907",),
    "symbols are strict (math-verify's strict=False: f(x) = f(y))": ("test_strict.py:8",),
    "math-verify's expectation differs from the maths (1 - 1/e vs 1 + 1/e)":
        ("test_yujianll.py:28",),
    "not fixed: malformed gold (unclosed box, `1orW(x)` glued)": ("test_numina_cases.py:121",),
    "harness only: math-verify's inline-math line rule (strict agrees)":
        ("test_all.py:132", "test_all.py:133"),
}
CLASS_OF = {key: name for name, keys in _CLASSES.items() for key in keys}
STRICT_BARE = "strict: a bare answer without box or statement is not read (rule 4)"


def harvest(tests: Path) -> tuple[list[dict], int]:
    """(rows, skipped): literal parametrize rows that have gold, pred and an expectation."""
    rows, skipped = [], 0
    for name in FILES:
        tree = ast.parse((tests / name).read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            for dec in fn.decorator_list:
                if not isinstance(dec, ast.Call) or not ast.unparse(dec.func).endswith(
                    "parametrize"
                ):
                    continue
                names = [n.strip() for n in ast.literal_eval(dec.args[0]).split(",")]
                if "gold" not in names or "pred" not in names:
                    continue
                for elt in dec.args[1].elts:
                    try:
                        row = dict(zip(names, ast.literal_eval(elt), strict=True))
                    except ValueError:
                        skipped += 1
                        continue
                    expected = row.get("expected", row.get("result"))
                    rows.append({"key": f"{name}:{elt.lineno}", "gold": row["gold"],
                                 "pred": row["pred"], "expected": bool(expected), "row": row})
    return rows, skipped


def gold_answer(gold: str) -> str:
    if "\\boxed" in gold or "\\fbox" in gold or len(gold) > 200:
        found = extract(gold).answer
        if found is not None:
            return found
    return gold


_SPAN_RE = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


def answer_response(pred: str) -> str:
    """The comparison-only stand-in: extraction, else the last math span, else the whole pred."""
    if extract(pred).answer is not None:
        return pred
    spans = _SPAN_RE.findall(pred)
    inner = next(x for x in spans[-1] if x) if spans else strip_gold(pred.strip())
    return "\\boxed{" + inner.strip() + "}"


def run_math_verify(row: dict) -> bool | None:
    try:
        from math_verify import parse
        from math_verify import verify as mv_verify
    except ImportError:
        return None
    return bool(mv_verify(parse(row["gold"]), parse(row["pred"])))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tests", type=Path, help="math-verify's tests/ folder")
    ap.add_argument("--math-verify", action="store_true", help="also run math-verify itself")
    args = ap.parse_args(argv)
    rows, skipped = harvest(args.tests)
    strict_agree = answer_agree = answer_fp = 0
    classes: Counter[str] = Counter()
    for row in rows:
        gold = gold_answer(row["gold"])
        strict = verify(row["pred"], gold).correct
        answer = verify(answer_response(row["pred"]), gold).correct
        strict_agree += strict == row["expected"]
        answer_agree += answer == row["expected"]
        answer_fp += answer and not row["expected"]
        if answer != row["expected"]:
            classes[CLASS_OF.get(row["key"], f"unclassified {row['key']}")] += 1
        elif strict != row["expected"]:
            classes[STRICT_BARE] += 1
    n = len(rows)
    print(f"rows {n} (skipped {skipped} non-literal)")
    print(f"strict agreement {strict_agree}/{n}; answer agreement {answer_agree}/{n}; "
          f"answer paid where math-verify's test expects 0: {answer_fp}")
    if args.math_verify:
        mv = [run_math_verify(r) for r in rows]
        print(f"math-verify 0.9 (default parse/verify) agreement "
              f"{sum(m == r['expected'] for m, r in zip(mv, rows, strict=True))}/{n}")
    print("disagreements by class:")
    for name, count in classes.most_common():
        print(f"  {count:4d}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
