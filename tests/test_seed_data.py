"""The seed's own published files (../shared/reference/seed-data, beside a checkout) load as diffseg reads them: its three
label files with its spellings and path keys, and its 5,000-image COCO list, identical to the one shipped in data/splits/."""
import json
from pathlib import Path
import pytest
from diffseg.datasets import read_aliases, read_classes
from diffseg.labels import LabelCache

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / 'shared' / 'reference' / 'seed-data'
FILES = {'voc': 'voc12', 'context': 'voc10', 'coco': 'coco'}
needs_seed = pytest.mark.skipif(not SEED.is_dir(), reason='the seed data is not beside this checkout')


@needs_seed
@pytest.mark.parametrize('name', list(FILES))
def test_seed_label_file_loads_and_names_only_dataset_classes(name):
    path = SEED / FILES[name] / 'predict_syn_txt_0.8_img_0.97.json'
    classes = read_classes(name)[0]
    lc = LabelCache.load(path, vocabulary=classes, aliases=read_aliases(name))     # raised on every file before
    raw = json.loads(path.read_text())
    keys = list(raw['image_similarity'])
    assert len(keys) == {'voc': 1449, 'context': 5104, 'coco': 5000}[name]
    for k in keys[:200]:
        got = lc.get(Path(k).stem)
        assert set(got) <= set(classes)
        assert len(got) == len({read_aliases(name).get(n, n) for r in ('image_similarity', 'text_similarity') for n in raw[r][k]})


@needs_seed
def test_context_image_without_labels_is_absent_not_an_error():
    lc = LabelCache.load(SEED / 'voc10' / 'predict_syn_txt_0.8_img_0.97.json', vocabulary=read_classes('context')[0], aliases=read_aliases('context'))
    assert lc.get('2010_001606', default=[]) == []          # the standard list's 5,105th image: skipped and counted by evaluate


@needs_seed
def test_shipped_coco_split_is_the_seeds():
    assert (ROOT / 'data' / 'splits' / 'coco_val_5k.txt').read_text().split() == (SEED / 'coco' / 'val_5k_id.txt').read_text().split()
