"""Package metadata comes from settings.ini (nbdev 2 layout); no pkg_resources needed."""
from configparser import ConfigParser
from pathlib import Path
import setuptools

here = Path(__file__).parent
cfg = ConfigParser(delimiters=['='])
cfg.read(here / 'settings.ini')
c = cfg['DEFAULT']
reqs = c.get('requirements', '').split()
dev = c.get('dev_requirements', '').split()
scripts = [s.strip() for s in c.get('console_scripts', '').split() if s.strip()]
# data/ (the embedded model, class lists, samples) goes into wheels as <prefix>/share/diffseg/data/...
data_files = {}
for f in sorted((here / 'data').rglob('*')):
    if f.is_file(): data_files.setdefault(str(Path('share', c['lib_name'], f.parent.relative_to(here))), []).append(str(f.relative_to(here)))

setuptools.setup(
    name=c['lib_name'], version=c['version'], description=c['description'],
    long_description=(here / 'README.md').read_text(), long_description_content_type='text/markdown',
    author=c['author'], author_email=c['author_email'], license='Apache-2.0',
    url=c['git_url'], python_requires=f">={c['min_python']}",
    packages=setuptools.find_packages(include=[c['lib_name'], c['lib_name'] + '.*']),
    include_package_data=True, install_requires=reqs, data_files=sorted(data_files.items()),
    extras_require={'dev': dev, 'test': dev},
    entry_points={'console_scripts': scripts, 'nbdev': [f"{c['lib_name']}={c['lib_name']}._modidx:d"]},
    zip_safe=False,
)
