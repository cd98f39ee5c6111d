"""Plain tests of the project's own contracts: README ↔ CI, notebooks ready for papermill, the installed CLI."""
import json, os, re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_block(marker):
    text = (ROOT / 'README.md').read_text()
    m = re.search(rf'<!-- {marker} -->\s*```bash\n(.*?)```', text, re.S)
    return m.group(1).strip() if m else None


def test_readme_has_the_two_commands_ci_runs():
    setup, test = readme_block('setup'), readme_block('test')
    assert setup and 'pip install' in setup and 'papermill nbs/eval.ipynb' in setup
    assert test and 'pytest' in test
    ci = (ROOT / '.ci' / 'run').read_text()
    assert 'block setup' in ci and 'block test' in ci and 'git diff --exit-code' in ci


def test_parameterised_notebooks_keep_their_papermill_tag():
    for name in ['eval', 'bench', 'explore', '15_embedded_model', 'quality', 'small_objects']:
        nb = json.loads((ROOT / 'nbs' / f'{name}.ipynb').read_text())
        tagged = [c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', [])]
        assert len(tagged) == 1, f'{name}.ipynb needs exactly one cell tagged "parameters"'
    assert 'allowed_cell_metadata_keys = tags' in (ROOT / 'settings.ini').read_text()


def test_eval_notebook_parameters_are_the_declared_settings():
    "The eval notebook's setting parameters are made from diffseg.settings' declarations, so they cannot drift."
    from diffseg.settings import parameter_lines, USER_SETTINGS
    nb = json.loads((ROOT / 'nbs' / 'eval.ipynb').read_text())
    cell = next(''.join(c['source']) for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', []))
    lines = [l for l in cell.splitlines() if l.split('=')[0].strip() in USER_SETTINGS]
    assert lines == parameter_lines(), 'regenerate the parameters cell of nbs/eval.ipynb from diffseg.settings.parameter_lines()'


def test_every_notebook_uses_the_python3_kernel():
    for p in (ROOT / 'nbs').glob('*.ipynb'):
        assert json.loads(p.read_text())['metadata']['kernelspec']['name'] == 'python3', p.name


def test_console_script_help():
    out = subprocess.run([sys.executable, '-m', 'diffseg.cli', '--help'], capture_output=True, text=True)
    assert out.returncode == 0 and 'segment' in out.stdout and 'eval' in out.stdout


def test_embedded_model_is_a_standard_pipeline_folder():
    m = ROOT / 'data' / 'shapes-sd'
    index = json.loads((m / 'model_index.json').read_text())
    assert index['_class_name'] == 'StableDiffusionPipeline'
    for part in ['unet', 'vae', 'text_encoder']:
        assert list((m / part).glob('*.safetensors')), part
    assert (m / 'tokenizer' / 'tokenizer.json').exists() and (m / 'diffseg.json').exists()


def test_wheel_carries_the_data_folder(tmp_path):
    "A wheel installs data/ (embedded model, class lists) under <prefix>/share/diffseg/data, where the package looks."
    import zipfile
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', str(ROOT), '--no-deps', '--no-build-isolation', '-q', '-w', str(tmp_path)],
                   check=True, capture_output=True)
    names = zipfile.ZipFile(next(tmp_path.glob('diffseg-*.whl'))).namelist()
    share = {n.split('/share/diffseg/', 1)[1] for n in names if '/share/diffseg/' in n}
    shipped = {str(p.relative_to(ROOT)) for p in (ROOT / 'data').rglob('*') if p.is_file()}
    assert 'data/shapes-sd/unet/diffusion_pytorch_model.safetensors' in share and share == shipped
    from diffseg.io import _data_dir
    assert _data_dir() == ROOT / 'data'     # a source checkout uses its own data/


def test_package_modules_import_without_cycles():
    "The data path reads bottom-up: no module of diffseg/ imports (even lazily) one that imports it back."
    graph = {}
    for p in (ROOT / 'diffseg').glob('*.py'):
        if p.name.startswith('_'): continue
        src = p.read_text()
        deps = set(re.findall(r'from (?:diffseg)?\.(\w+) import', src)) | set(re.findall(r'from diffseg\.(\w+) import', src))
        deps |= {m for names in re.findall(r'from diffseg import ([\w, ]+)', src) for m in re.split(r'[, ]+', names) if m}
        graph[p.stem] = {d for d in deps if d != p.stem and (ROOT / 'diffseg' / f'{d}.py').exists()}
    assert graph['io'] == set() and graph['maps'] == set() and 'segmenter' not in graph['attention']
    state = {}
    def visit(m, path):
        if state.get(m) == 'done': return
        assert state.get(m) != 'open', f"import cycle: {' -> '.join(path + [m])}"
        state[m] = 'open'
        for d in graph[m]: visit(d, path + [m])
        state[m] = 'done'
    for m in graph: visit(m, [])


def test_only_the_family_adapters_know_the_families():
    "Nothing outside diffseg/models.py asks which model family it has: no family names compared, no denoiser class names read."
    asks = re.compile(r"family\s*(==|!=|\bin\b)|\.family\b|\b(unet|denoiser|model)\)?\.__name__|'(sdxl|pixart|sd3|flux)'|addition_embed_type")
    for p in (ROOT / 'diffseg').glob('*.py'):
        if p.name in ('models.py', 'testing.py', '_modidx.py'): continue      # the adapters, and the fixtures that build every family
        hits = [l.strip() for l in p.read_text().splitlines() if asks.search(l)]
        assert not hits, f"{p.name} asks for the model family: {hits[:3]}"


def test_a_cached_hub_id_loads_offline(tmp_path):
    "A hub id whose snapshot is in the cache loads offline, as diffusers' own from_pretrained does (the tokenizer lookup used to fail)."
    code = f"""
import os
from pathlib import Path
from diffseg.testing import random_model
repo, h = Path({str(tmp_path)!r}) / 'models--org--tiny-sd', 'a' * 40
random_model(repo / 'snapshots' / h); (repo / 'refs').mkdir(); (repo / 'refs' / 'main').write_text(h)
from diffseg import Segmenter
seg = Segmenter.from_pretrained('org/tiny-sd')
print('loaded', seg.name, seg.source.name)
"""
    env = {**__import__('os').environ, 'HF_HUB_CACHE': str(tmp_path), 'HF_HUB_OFFLINE': '1', 'TRANSFORMERS_OFFLINE': '1'}
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and 'loaded org/tiny-sd ' + 'a' * 40 in out.stdout, out.stderr[-2000:]


def test_papermill_sees_every_documented_parameter():
    "papermill drops a parameter whose line it cannot parse (e.g. an '=' in its comment) and then warns 'unknown parameter'."
    import papermill as pm
    for name in ['eval', 'bench', 'explore', '15_embedded_model', 'quality', 'small_objects']:
        nb = json.loads((ROOT / 'nbs' / f'{name}.ipynb').read_text())
        cell = next(c for c in nb['cells'] if 'parameters' in c.get('metadata', {}).get('tags', []))
        assigned = re.findall(r'^(\w+)\s*=', ''.join(cell['source']), re.M)
        assert assigned and sorted(pm.inspect_notebook(str(ROOT / 'nbs' / f'{name}.ipynb'))) == sorted(assigned), name


def test_eval_notebook_on_two_processes_matches_one(tmp_path):
    "nbs/eval.ipynb with num_processes=2 (accelerate's notebook_launcher, CPU) gives the metrics of one process."
    import papermill as pm
    runs = {}
    for n in (1, 2):
        out = tmp_path / f'p{n}'
        pm.execute_notebook(str(ROOT / 'nbs' / 'eval.ipynb'), str(tmp_path / f'p{n}.ipynb'), cwd=str(ROOT), progress_bar=False,
                            parameters=dict(limit=4, batch_size=1, num_processes=n, output_dir=str(out), n_show=2), kernel_name='python3')
        runs[n] = json.loads((out / 'metrics.json').read_text())
    assert runs[2]['n_processes'] == 2 and runs[1]['n_processes'] == 1
    assert all(runs[1][k] == runs[2][k] for k in ('miou', 'iou', 'confusion', 'n_images'))


def test_papermill_run_shows_progress_and_reads_list_parameters(tmp_path):
    "A papermill run prints text progress (images done, rate) into its log: a widget would show '0/N' there and never move."
    out = subprocess.run([sys.executable, '-m', 'papermill', 'nbs/eval.ipynb', str(tmp_path / 'out.ipynb'), '-p', 'limit', '4',
                          '-p', 'output_dir', str(tmp_path / 'ev'), '-p', 'timesteps', '[100, 200]', '--log-output', '--cwd', str(ROOT)],
                         cwd=ROOT, capture_output=True, text=True, env={**os.environ, 'MPLBACKEND': 'Agg'})
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert re.search(r'shapes: 100%.*\b4/4\b.*img/s', log), log[-3000:]
    m = json.loads((tmp_path / 'ev' / 'metrics.json').read_text())          # -p passes a list as text: read as the list it spells
    assert m['run']['settings']['timesteps'] == [100, 200], m['run']['settings']['timesteps']


def test_every_setting_is_a_flag_and_a_notebook_parameter():
    "Generated from the declarations: no setting is out of reach of the CLI or papermill; text values read as what they spell."
    import papermill as pm
    from diffseg.settings import FIELDS
    from diffseg.cli import parser
    params = set(pm.inspect_notebook(str(ROOT / 'nbs' / 'eval.ipynb')))
    assert set(FIELDS) <= params, sorted(set(FIELDS) - params)
    a = parser().parse_args(['segment', 'x.png', '--labels', 'a', '--cross-heads', '{4: [0, 21]}', '--token-pick', "{'potted plant': [1]}",
                             '--cross-weights', '4:0.7,2:0.3', '--timesteps', '100,200', '--template', 'a photo of {}', '--cross-layers', 'None'])
    assert (a.cross_heads, a.token_pick, a.cross_weights, a.timesteps, a.template, a.cross_layers) == (
        {4: [0, 21]}, {'potted plant': [1]}, {4: 0.7, 2: 0.3}, (100, 200), 'a photo of {}', None)
    e = parser().parse_args(['eval', '--entropy', '0.015', '--clusters', '32', '--resize', 'lanczos'])
    assert (e.entropy, e.clusters, e.resize) == (0.015, 32, 'lanczos')


def test_nbdev_readme_is_switched_off_and_leaves_the_readme(tmp_path):
    "nbdev_readme stops with the project's message before rendering; README.md and the notebooks are left as they were."
    import shutil
    files = subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in [f for f in files if f.endswith(('.ipynb', '.ini', '.md', '.toml')) and '/' not in f.removeprefix('nbs/')]:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True); shutil.copy(ROOT / f, tmp_path / f)
    before = (tmp_path / 'README.md').read_bytes()
    bin_dir = str(Path(sys.executable).parent)
    out = subprocess.run(['nbdev_readme'], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                         env={**os.environ, 'PATH': bin_dir + os.pathsep + os.environ['PATH']})
    assert out.returncode != 0
    assert 'README.md is written by hand and tested' in out.stderr + out.stdout, (out.stdout + out.stderr)[-2000:]
    assert (tmp_path / 'README.md').read_bytes() == before
    assert not (tmp_path / 'runs').exists() and not list(tmp_path.glob('_proc/**/*.safetensors'))   # nothing was executed
