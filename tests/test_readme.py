"""The README's Python examples run as written, and its CI commands are the ones CI runs."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_readme_example_runs(block, capsys):
    exec(compile(block, str(README), "exec"), {})
    printed = capsys.readouterr().out
    for comment in (line[2:] for line in block.splitlines() if line.startswith("# ")):
        if comment.endswith("..."):  # "INST 6 16 威海市中醫(yī)院 威海市中医院 0.9997 ...": scores may move
            prefix = comment.removesuffix("...").rsplit(" ", 2)[0]
            assert any(out.startswith(prefix) for out in printed.splitlines()), (comment, printed)
        else:
            assert comment in printed.splitlines(), (comment, printed)
