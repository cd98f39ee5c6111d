"""README as tested documentation: every Python block runs, in order, on the embedded model (in a scratch folder that
sees the repository's data/); a block marked `<!-- needs: ... -->` (a checkpoint, a dataset) is compiled and its names
checked instead. Every `diffseg` command line in a shell block parses with the real CLI, and every `papermill -p`
names a parameter of the notebook it runs."""
import ast, builtins, re, shlex
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r'(?:<!-- needs: (?P<needs>[^>]*?) -->\n)?```(?P<lang>python|bash)\n(?P<code>.*?)```', re.S)


def blocks(lang):
    text = (ROOT / 'README.md').read_text()
    return [(m['needs'], m['code'], text[:m.start()].count('\n') + 1) for m in BLOCK.finditer(text) if m['lang'] == lang]


def undefined_names(code: str, known) -> set:
    "Names a block reads that nothing defines: not assigned or imported in it, not known from earlier blocks, not builtins."
    tree = ast.parse(code)
    defined = set(known) | set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)): defined.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)): defined |= {(a.asname or a.name).split('.')[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)): defined.add(node.name)
        elif isinstance(node, ast.arg): defined.add(node.arg)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - defined


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    import matplotlib; matplotlib.use('Agg')
    monkeypatch.chdir(tmp_path); (tmp_path / 'data').symlink_to(ROOT / 'data')
    found = blocks('python'); assert len(found) >= 5
    ns = {}
    for needs, code, line in found:
        compiled = compile(code, f'README.md:{line}', 'exec')
        missing = undefined_names(code, ns)
        assert not missing, f'README.md:{line}: the block uses {sorted(missing)}, which nothing defines'
        if needs: continue                                      # a checkpoint or dataset this machine does not have
        try: exec(compiled, ns)
        except Exception as e: pytest.fail(f'README.md:{line}: the block fails: {type(e).__name__}: {e}')


def _notebook_parameters(nb):
    import papermill as pm
    return set(pm.inspect_notebook(str(ROOT / nb)))


def test_readme_command_lines_are_valid():
    from diffseg.cli import parser
    cmds = [c for _, code, line in blocks('bash') for c in code.replace('\\\n', ' ').splitlines() if c.strip()]
    checked = 0
    for cmd in cmds:
        words, parts = shlex.split(cmd.split(' #', 1)[0]), [[]]
        for w in words:                                          # one command at a time: split at && || ; |
            if w in ('&&', '||', ';', '|'): parts.append([])
            else: parts[-1].append(w)
        for words in filter(None, parts):
            if words[0] in ('diffseg', 'accelerate') and 'diffseg' in words:
                try: parser().parse_args(words[words.index('diffseg') + 1:])
                except SystemExit: pytest.fail(f'README command does not parse: {cmd}')
                checked += 1
            if words[0] == 'papermill':
                params = {words[j + 1] for j, w in enumerate(words) if w == '-p'}
                unknown = params - _notebook_parameters(words[1])
                assert not unknown, f'README command passes {sorted(unknown)}, which {words[1]} does not take: {cmd}'
                checked += 1
    assert checked >= 8, checked
