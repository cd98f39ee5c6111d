"""Every notebook in nbs/ is a test case: its cells run top to bottom through nbdev's runner.

Cells flagged with a skip flag from settings.ini (`#| gpu`, `#| hub`, `#| slow`) are skipped unless the flag is
forced with the environment variable DIFFSEG_TEST_FLAGS (e.g. `DIFFSEG_TEST_FLAGS="slow" pytest`)."""
import os
from configparser import ConfigParser
from pathlib import Path
import pytest
from nbdev.test import test_nb as run_nb  # renamed so pytest does not collect it

ROOT = Path(__file__).resolve().parents[1]
CFG = ConfigParser(delimiters=['=']); CFG.read(ROOT / 'settings.ini')
SKIP = CFG['DEFAULT']['tst_flags'].split()
NOTEBOOKS = sorted((ROOT / 'nbs').glob('*.ipynb'))


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook(nb, capfd):
    force = os.environ.get('DIFFSEG_TEST_FLAGS', '').split()
    cwd = os.getcwd()
    try:
        ok, secs = run_nb(nb, skip_flags=[f for f in SKIP if f not in force], force_flags=force, basepath=str(ROOT))
    finally:
        os.chdir(cwd)
    err = capfd.readouterr().err
    assert ok, f'{nb.name} failed:\n{err[-6000:]}'
