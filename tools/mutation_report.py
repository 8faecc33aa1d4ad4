"""The mutation score of each core module, with and without wording-only mutants.

Reads what `mutmut run` left in mutants/ (run by `make mutation`; see the README):

    .venv/bin/python tools/mutation_report.py              # the table
    .venv/bin/python tools/mutation_report.py --survivors  # ...and every mutant not killed

A mutant is wording-only when all it changes is the text of string literals that read as
words: sentences, phrases and single words ("today", "guests"). A literal that looks like a
machine token (a key, code, setting or path: no spaces, with `:` `.` `_` `-` `/` `~` `=` or
a digit, such as "event_promoted" or "referrals.points_event_attendance") is behaviour, so
mutants of keys still count. Killed and timed-out mutants are killed; survivors, suspicious
mutants and mutants no test of the module reaches ("no tests") are not.
"""

import argparse
import ast
import json
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"

#: mutmut's exit codes (mutmut.stats.status_by_exit_code), folded into what a score needs.
KILLED_CODES = {1, 3, 36, 37, 24, -24, 152, 255}
SKIPPED_CODES = {34}
TOKEN = re.compile(r"^[^\s]*[:._\-/~=0-9][^\s]*$")


@dataclass
class ModuleScore:
    path: str
    killed: int = 0
    not_killed: list[str] = field(default_factory=list)
    unchecked: int = 0
    wording_killed: int = 0
    wording_not_killed: list[str] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return self.killed + len(self.not_killed)

    def score(self, without_wording: bool = False) -> float | None:
        killed, counted = self.killed, self.counted
        if without_wording:
            killed -= self.wording_killed
            counted -= self.wording_killed + len(self.wording_not_killed)
        return 100 * killed / counted if counted else None


def core_modules() -> list[str]:
    """The files `[tool.mutmut] only_mutate` names, in that order."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["tool"]["mutmut"]["only_mutate"]


def _functions(tree: ast.AST) -> dict[str, ast.AST]:
    return {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _shape(node: ast.AST) -> str:
    """The function's code with every string literal blanked and its name dropped."""
    node = ast.parse(ast.unparse(node)).body[0]
    node.name = "f"
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            child.value = ""
    return ast.dump(node)


def is_wording_only(original: ast.AST, mutant: ast.AST) -> bool:
    """True when the mutant differs only in string literals, none of them a machine token."""
    if _shape(original) != _shape(mutant):
        return False
    changed = [
        before
        for before, after in zip(_strings(original), _strings(mutant), strict=True)
        if before != after
    ]
    return bool(changed) and not any(TOKEN.match(text) for text in changed)


def score_module(path: str) -> ModuleScore | None:
    """The module's score from its .meta file, or None when mutmut has not run on it."""
    meta = MUTANTS / f"{path}.meta"
    if not meta.exists():
        return None
    results = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    functions = _functions(ast.parse((MUTANTS / path).read_text(encoding="utf-8")))
    score = ModuleScore(path)
    for key, exit_code in results.items():
        name = key.rsplit(".", 1)[1]
        wording = is_wording_only(
            functions[name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"], functions[name]
        )
        if exit_code is None:
            score.unchecked += 1
        elif exit_code in SKIPPED_CODES:
            continue
        elif exit_code in KILLED_CODES:
            score.killed += 1
            score.wording_killed += wording
        else:
            score.not_killed.append(key)
            if wording:
                score.wording_not_killed.append(key)
    return score


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--survivors", action="store_true", help="list every mutant not killed")
    args = parser.parse_args(argv)
    header = ("module", "mutants", "killed", "not killed", "score", "wording", "w/o wording")
    rows = []
    scores = []
    for path in core_modules():
        score = score_module(path)
        if score is None:
            rows.append((path, "not run", "", "", "", "", ""))
            continue
        scores.append(score)
        rows.append(
            (
                path,
                str(score.counted)
                + (f" (+{score.unchecked} unchecked)" if score.unchecked else ""),
                str(score.killed),
                str(len(score.not_killed)),
                _percent(score.score()),
                str(score.wording_killed + len(score.wording_not_killed)),
                _percent(score.score(without_wording=True)),
            )
        )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    if args.survivors:
        for score in scores:
            for key in score.not_killed:
                tag = " (wording)" if key in score.wording_not_killed else ""
                print(f"{key}{tag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
