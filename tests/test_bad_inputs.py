"""Bad input, table-driven: every case below must fail with ONE clear message before any work is done (nothing written),
through the Python API, the `diffseg` command line and the papermill evaluation notebook. The message must say what is
wrong (the expected fragment); the CLI must exit 1 with one line and no traceback."""
import json, os, re
from pathlib import Path
import numpy as np
import pytest
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='module')
def env(tmp_path_factory):
    from diffseg.segmenter import Segmenter
    from diffseg.shapes import scene
    from diffseg.testing import write_fixture
    tmp = tmp_path_factory.mktemp('bad')
    seg = Segmenter.from_pretrained()
    img = scene('test', 0).pil()
    (tmp / 'junk.png').write_bytes(b'not an image')
    (tmp / 'bad.json').write_text('{"image_similarity": ')
    (tmp / 'empty').mkdir()
    os.mkfifo(tmp / 'fifo')                                   # reading it would block forever
    (tmp / 'string-labels.json').write_text(json.dumps({'image_similarity': {'shapes_test_0.png': 'circle'}}))
    (tmp / 'other-split.json').write_text(json.dumps({'image_similarity': {'2008_000002.jpg': ['circle']}, 'text_similarity': {}}))
    img.save(tmp / 'ok.png')
    import shutil
    bad_model = shutil.copytree(ROOT / 'data' / 'shapes-sd', tmp / 'bad-model')      # its diffseg.json sets a threshold of 5
    cfg = json.loads((bad_model / 'diffseg.json').read_text()); cfg['single']['threshold'] = 5
    (bad_model / 'diffseg.json').write_text(json.dumps(cfg))
    bad_root = write_fixture(tmp / 'voc-bad-ids')                           # a downloaded split list naming a path outside
    (bad_root / 'VOCdevkit' / 'VOC2012' / 'ImageSets' / 'Segmentation' / 'val.txt').write_text('../../escaped/x\n')
    return dict(tmp=tmp, seg=seg, bad_model=bad_model, img=img, set=seg.set_image(img) and seg, voc_root=write_fixture(tmp / 'voc'),
                readout=seg.attend(img, ['circle'], cross_weights={1: 1.0}, refine='none'))


def _with_ids(ids):
    "The shapes split with the given ids (as a downloaded split list might hold them)."
    from diffseg.datasets import get_dataset
    ds = get_dataset('shapes', limit=2); ds.ids = list(ids); return ds


def _evaluate(e, **kw):
    from diffseg.evaluate import evaluate
    from diffseg.datasets import get_dataset
    ds = kw.pop('ds', None) or get_dataset('shapes', limit=2)
    return evaluate(e['seg'], ds, e['tmp'] / 'eval-out', progress=False, **kw)

API = {   # name: (call, expected fragment of the message)
    'no labels': (lambda e: e['set'].segment([]), 'non-empty list'),
    'duplicate labels': (lambda e: e['set'].segment(['circle', 'circle']), "duplicate labels ['circle']"),
    "'background' as a class": (lambda e: e['set'].segment(['circle', 'Background']), "'Background' cannot be a class"),
    'same token twice': (lambda e: e['set'].segment(['Circle', 'circle']), 'are the same words'),
    'unknown setting': (lambda e: e['set'].segment(['circle'], thresh=0.3), "unknown setting(s) ['thresh']"),
    'unknown mode': (lambda e: e['set'].segment(['circle'], mode='fast'), 'mode must be one of'),
    'threshold out of range': (lambda e: e['set'].segment(['circle'], threshold=1.5), 'threshold=1.5 is invalid'),
    'threshold as text': (lambda e: e['set'].segment(['circle'], threshold='0.4'), 'pass the value itself, threshold=0.4'),
    'timesteps as text': (lambda e: e['set'].segment(['circle'], timesteps='[100, 200]'), 'timesteps=[100, 200] (text is read'),
    'misspelt setting': (lambda e: e['set'].segment(['circle'], treshold=0.3), "did you mean 'threshold'"),
    'image given to segment()': (lambda e: e['set'].segment(e['img'], ['circle']), 'seg.set_image(image); seg.segment('),
    'unknown layer at construction': (lambda e: type(e['seg']).from_pretrained(cross_layers=['up_blocks.9.']), 'match no cross-attention layer'),
    'too many heads at construction': (lambda e: type(e['seg']).from_pretrained(self_heads=[0, 4]), 'have 4 heads (0–3), e.g. self_heads=[0, 3]'),
    "a level the model lacks, as an example": (lambda e: e['set'].segment(['circle'], cross_heads={1: 'x'}), 'e.g. {1: [0, 11]}'),
    'no timesteps': (lambda e: e['set'].segment(['circle'], timesteps=[]), 'non-empty list'),
    'timestep past the schedule': (lambda e: e['set'].segment(['circle'], timesteps=[5000]), 'timesteps 0..999'),
    'fractional timestep': (lambda e: e['set'].segment(['circle'], timesteps=[1.5]), 'whole numbers'),
    'zero iterations': (lambda e: e['set'].segment(['circle'], n_iter=0), '≥ 1'),
    'level the model lacks': (lambda e: e['set'].segment(['circle'], cross_weights={16: 1.0}), 'has cross-attention at factors'),
    'no level weights': (lambda e: e['set'].segment(['circle'], cross_weights={}), 'cross_weights={} is invalid'),
    'unknown refinement': (lambda e: e['set'].segment(['circle'], refine='thrice'), "refine='thrice' is invalid"),
    'image_size after encoding': (lambda e: e['set'].segment(['circle'], image_size=128), 'set_image(image, image_size=...)'),
    'post setting to set_image': (lambda e: e['seg'].set_image(e['img'], threshold=0.3), 'only encoding settings'),
    'unknown capture': (lambda e: e['seg'].attend(e['img'], ['circle'], capture='some'), 'capture must be one of'),
    'pass setting to a readout': (lambda e: e['readout'].scores(timesteps=[200]), 'timesteps applies in the denoiser pass'),
    'level not captured': (lambda e: e['readout'].scores(cross_weights={2: 1.0}), 'did not capture'),
    'refine without self-attention': (lambda e: e['readout'].scores(refine='once'), 'needs the self-attention'),
    'label not in own prompt': (lambda e: e['seg'].attend(e['img'], ['square'], prompt='a circle'), "'square' does not occur"),
    'prompt too long': (lambda e: e['set'].segment([f'square{i}' for i in range(40)]), 'the text encoder takes 32'),
    'images vs label lists': (lambda e: e['seg'].segment_batch([e['img']] * 2, [['circle']] * 3), 'got 2 images but 3 label lists'),
    'batch size 0': (lambda e: e['seg'].segment_batch([e['img']], ['circle'], batch_size=0), 'batch_size must be'),
    'image_size far past the model': (lambda e: e['seg'].set_image(e['img'], image_size=40000), 'a larger image goes through sliding windows'),
    'image_size of a few latent pixels': (lambda e: e['seg'].set_image(e['img'], image_size=12), 'image_size=12 is invalid'),
    'window off the latent grid': (lambda e: e['seg'].set_image(e['img'], window=66), 'multiple of 4 pixels'),
    'stride without window': (lambda e: e['seg'].set_image(e['img'], stride=32), 'give window=... too'),
    'window after encoding': (lambda e: e['set'].segment(['circle'], window=64), 'set_image(image, window=...)'),
    'window_area out of range': (lambda e: e['set'].segment(['circle'], window_area=2), 'window_area=2 is invalid'),
    'ELBO calibration without losses': (lambda e: e['readout'].scores(elbo_strength=3.0), 'elbo_timesteps'),
    'ELBO template without a slot': (lambda e: e['set'].segment(['circle'], elbo_template='a photo'), 'with {} where the class goes'),
    'recipe level the model lacks': (lambda e: e['set'].segment(['circle'], recipe='elbo-t2ialign'), "run it here with recipe='elbo-t2ialign', cross_weights={1: 1.0, 2: 1.0}"),
    'missing model folder': (lambda e: __import__('diffseg').Segmenter.from_pretrained('./no/such/folder'), 'model folder not found'),
    'not a model folder': (lambda e: __import__('diffseg').Segmenter.from_pretrained(e['tmp'] / 'empty'), 'is not a diffusers StableDiffusionPipeline folder'),
    'no such device': (lambda e: __import__('diffseg').Segmenter.from_pretrained(device='gpu'), 'is not a device name'),
    'fp16 on the CPU': (lambda e: __import__('diffseg').Segmenter.from_pretrained(device='cpu', dtype='float16'), "use dtype='float32'"),
    'unknown dtype': (lambda e: __import__('diffseg').Segmenter.from_pretrained(dtype='int8'), "dtype must be 'auto'"),
    "a model's own bad default": (lambda e: __import__('diffseg').Segmenter.from_pretrained(e['bad_model']), "diffseg.json are invalid (single: threshold=5"),
    'bad default setting': (lambda e: __import__('diffseg').Segmenter.from_pretrained(threshold=2), 'threshold=2 is invalid'),
    'missing image': (lambda e: e['seg'].set_image(e['tmp'] / 'missing.png'), 'image file not found'),
    'not an image': (lambda e: e['seg'].set_image(e['tmp'] / 'junk.png'), 'cannot read'),
    'not image-like': (lambda e: e['seg'].set_image(3), 'expected a PIL image'),
    'two-channel array': (lambda e: e['seg'].set_image(np.zeros((8, 8, 2), np.uint8)), 'must be H×W'),
    'NaN pixels': (lambda e: e['seg'].set_image(np.full((8, 8, 3), np.nan)), 'NaN'),
    'empty image': (lambda e: e['seg'].set_image(np.zeros((0, 0, 3), np.uint8)), 'the image is empty (0×0'),
    'seed past 64 bits': (lambda e: e['set'].segment(['circle'], seed=2 ** 70), 'and ≤ 9223372036854775807'),
    'float pixels 0..255': (lambda e: e['seg'].set_image(np.full((8, 8, 3), 200.0)), 'must hold values in [0, 1]'),
    'a folder as an image': (lambda e: e['seg'].set_image(e['tmp'] / 'empty'), 'is not a regular file'),
    'a pipe as an image': (lambda e: e['seg'].set_image(e['tmp'] / 'fifo'), 'is not a regular file'),
    'unknown dataset': (lambda e: __import__('diffseg').get_dataset('cityscapes'), "unknown dataset 'cityscapes'"),
    'misspelt split': (lambda e: __import__('diffseg').get_dataset('shapes', split='tset'), "not 'tset'"),
    'limit 0': (lambda e: __import__('diffseg').get_dataset('shapes', limit=0), 'limit must be a whole number ≥ 1'),
    'negative limit': (lambda e: __import__('diffseg').get_dataset('shapes', limit=-3), 'limit must be a whole number ≥ 1'),
    'dataset without data_root': (lambda e: __import__('diffseg').get_dataset('voc'), 'needs data_root'),
    'evaluate batch size 0': (lambda e: _evaluate(e, batch_size=0), 'batch_size must be'),
    'missing label file': (lambda e: _evaluate(e, labels=str(e['tmp'] / 'nope.json')), 'label file not found'),
    'corrupt label file': (lambda e: _evaluate(e, labels=str(e['tmp'] / 'bad.json')), 'is not valid JSON'),
    'absolute dataset id': (lambda e: _evaluate(e, ds=_with_ids(['/etc/passwd'])), "'/etc/passwd' cannot name a file inside"),
    'dataset id escaping the output': (lambda e: _evaluate(e, ds=_with_ids(['../../escaped/x'])), "has a '..' part"),
    'dataset id too long': (lambda e: _evaluate(e, ds=_with_ids(['x' * 300])), 'longer than the 255 bytes'),
    'duplicate dataset ids': (lambda e: _evaluate(e, ds=_with_ids(['shapes_test_0', 'shapes_test_0'])), 'lists 1 id(s) twice'),
    'label file mapping to a string': (lambda e: _evaluate(e, labels=str(e['tmp'] / 'string-labels.json')), "maps 'shapes_test_0.png' to 'circle', not to a list"),
    'label file of another split': (lambda e: _evaluate(e, labels=str(e['tmp'] / 'other-split.json')), 'names no class for any of the 2 images'),
    'entropy that overflows': (lambda e: e['set'].segment(['circle'], refine='iterative', entropy=1e308), 'must be a number in [0, 10]'),
    'vocabulary the model lacks': (lambda e: _evaluate(e, ds=__import__('diffseg').get_dataset('voc', e['voc_root'])), 'does not know 20 of the 20'),
    'unknown labeler setting': (lambda e: __import__('diffseg').AttentionLabeler(e['seg'], thresh=0.3), "unknown AttentionLabeler setting(s) ['thresh']"),
    'empty vocabulary': (lambda e: __import__('diffseg').AttentionLabeler(e['seg']).predict(e['img'], []), 'the vocabulary is empty'),
}


@pytest.mark.parametrize('name', list(API))
def test_api(name, env):
    call, fragment = API[name]
    with pytest.raises((ValueError, TypeError, FileNotFoundError, RuntimeError)) as info:
        call(env)
    assert fragment in str(info.value), f'{name}: {info.value}'
    assert not (env['tmp'] / 'eval-out').exists(), f'{name}: an evaluation folder was written before the error'


CLI = {
    'missing image': (['segment', '{tmp}/missing.png', '--labels', 'circle'], 'image file not found'),
    'threshold out of range': (['segment', '{tmp}/ok.png', '--labels', 'circle', '--threshold', '1.5'], '--threshold 1.5 is invalid'),
    'limit 0': (['eval', '--limit', '0', '--output-dir', '{tmp}/cli-eval'], 'limit must be a whole number ≥ 1'),
    'negative limit': (['eval', '--limit', '-3', '--output-dir', '{tmp}/cli-eval'], 'limit must be a whole number ≥ 1'),
    'timestep past the schedule': (['eval', '--timesteps', '5000', '--output-dir', '{tmp}/cli-eval'], 'timesteps 0..999'),
    'voc without data root': (['eval', '--dataset', 'voc', '--output-dir', '{tmp}/cli-eval'], 'needs data_root'),
    'misspelt split': (['eval', '--split', 'tset', '--output-dir', '{tmp}/cli-eval'], "not 'tset'"),
    'missing model': (['eval', '--model', './nope', '--output-dir', '{tmp}/cli-eval'], 'model folder not found'),
    'no such device': (['eval', '--device', 'gpu', '--output-dir', '{tmp}/cli-eval'], 'is not a device name'),
    'split id escaping the output': (['eval', '--dataset', 'voc', '--data-root', '{tmp}/voc-bad-ids', '--output-dir', '{tmp}/cli-eval'], "has a '..' part"),
    'label file of another split': (['eval', '--labels', '{tmp}/other-split.json', '--output-dir', '{tmp}/cli-eval'], 'names no class for any'),
    'a pipe as an image': (['segment', '{tmp}/fifo', '--labels', 'circle', '--out', '{tmp}/cli-eval'], 'is not a regular file'),
    "a model's own bad default": (['eval', '--model', '{tmp}/bad-model', '--output-dir', '{tmp}/cli-eval'], 'bad-model/diffseg.json are invalid (single: threshold=5 is invalid'),
    'URL path escaping --out': (['segment', 'http://127.0.0.1:9/a/../../../x.png', '--labels', 'circle', '--out', '{tmp}/cli-eval'], "'..' part"),
    'duplicate labels, once, before any image': (['segment', '{tmp}/ok.png', '--labels', 'circle,circle', '--out', '{tmp}/cli-eval'], "duplicate labels"),
    'unwritable --out': (['segment', '{tmp}/ok.png', '--labels', 'circle', '--out', '/proc/diffseg-out'], 'cannot write to --out'),
    'output name too long': (['segment', '{tmp}/' + 'x' * 250 + '.png', '--labels', 'circle', '--out', '{tmp}/cli-eval'], 'longer than the 255 bytes'),
}
if not torch.cuda.is_available():
    CLI['cuda without a GPU'] = (['eval', '--device', 'cuda', '--output-dir', '{tmp}/cli-eval'], 'sees no CUDA GPU')


@pytest.mark.parametrize('name', list(CLI))
def test_cli(name, env, capsys):
    from diffseg.cli import main
    args, fragment = CLI[name]
    rc = main([a.format(tmp=env['tmp']) for a in args] + ['--quiet'])
    err = capsys.readouterr().err
    assert rc == 1 and fragment in err and 'Traceback' not in err, f'{name}: rc={rc} {err[-500:]}'
    assert not (env['tmp'] / 'cli-eval').exists(), f'{name}: the output folder was written before the error'


NOTEBOOK = {
    'unknown dataset': (dict(dataset='cityscapes'), "unknown dataset 'cityscapes'"),
    'threshold out of range': (dict(threshold=7), 'threshold=7 is invalid'),
    'limit 0': (dict(limit=0), 'limit must be a whole number ≥ 1'),
    'sweep without a held-out split': (dict(sweep=True), 'needs a held-out split'),
    'split id escaping the output': (dict(dataset='voc', data_root='{tmp}/voc-bad-ids'), "has a '..' part"),
    'label file of another split': (dict(labels='{tmp}/other-split.json'), 'names no class for any'),
    'no processes': (dict(num_processes=0), 'num_processes must be a whole number ≥ 1'),
}


@pytest.mark.parametrize('name', list(NOTEBOOK))
def test_eval_notebook(name, env):
    import papermill as pm
    params, fragment = NOTEBOOK[name]
    params = {k: v.format(tmp=env['tmp']) if isinstance(v, str) else v for k, v in params.items()}
    out_dir = env['tmp'] / f'nb-{name.replace(" ", "-")}'
    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(str(ROOT / 'nbs' / 'eval.ipynb'), str(env['tmp'] / 'out.ipynb'), cwd=str(ROOT), progress_bar=False,
                            parameters=dict(params, output_dir=str(out_dir)), kernel_name='python3', log_output=False)
    assert fragment in info.value.evalue and info.value.ename in ('ValueError', 'TypeError'), info.value.evalue
    assert not out_dir.exists()


def test_the_table_is_large_enough():
    assert len(API) + len(CLI) + len(NOTEBOOK) >= 40
