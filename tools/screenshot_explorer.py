"""Open nbs/explore.ipynb in a real JupyterLab in headless Chromium, run it, click through every view, and save one
screenshot per view in docs/.

Needs Debian's chromium (`apt-get install chromium`) and `pip install playwright` (its own browser download is not
used). Usage: python tools/screenshot_explorer.py [OUT_DIR] (default docs/). Exits non-zero, saying what, if the
widgets or a view's figure do not render, if a click on the image does not move the self-attention pixel, or if a
control that does not apply to a view stays enabled.

Checks, in the browser: the class view draws; the refinement menu offers 'twice' (the embedded model has up-block
self-attention); 'iterations' is disabled until the refinement is 'iterative'; a click on the image in the
self-attention view sets the x/y sliders to that pixel and redraws; the layers, heads and timesteps views draw.
"""
import os, re, socket, subprocess, sys, time
from pathlib import Path
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / 'docs'
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
FIGURE = '.jupyter-matplotlib-canvas-div canvas, .jp-OutputArea-output img'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


PAGE = []

def check(ok, what, within: float = 15):
    "Fail unless `ok` (a value, or a function polled for `within` seconds: widget state arrives after the figure) holds."
    if callable(ok):
        end = time.time() + within
        while not ok() and time.time() < end: time.sleep(0.25)
        ok = ok()
    if not ok:
        PAGE[0].screenshot(path=str(OUT / 'failed.png'))
        sys.exit(f'explorer check failed: {what}; the page is in {OUT / "failed.png"}')


def slider(page, name):
    "The value a labelled ipywidgets slider shows."
    box = page.locator('.widget-slider', has=page.locator('label', has_text=re.compile(rf'^{name}$'))).first
    return int(box.locator('.widget-readout').inner_text())


def control(page, name):
    "The form element of the labelled control `name` (a select or a slider's handle box)."
    box = page.locator('.widget-inline-hbox', has=page.locator('label', has_text=re.compile(rf'^{name}$'))).first
    return box


def disabled(page, name):
    box = control(page, name)
    return box.locator('select:disabled, .ui-slider.ui-state-disabled, .noUi-target[disabled], [disabled]').count() > 0


def drawn(page, before, what='the figure'):
    "Wait for the figure to be redrawn (its canvas or image changes) and return its element."
    for _ in range(240):
        fig = page.locator(FIGURE).last
        try:
            if fig.count() and fig.is_visible():
                shot = fig.screenshot(timeout=5000)
                if shot != before:
                    time.sleep(1)                                  # let the redraw finish, then take what stays
                    fig = page.locator(FIGURE).last
                    return fig, fig.screenshot(timeout=5000)
        except Exception: pass                                     # replaced mid-redraw: look again
        time.sleep(0.25)
    page.screenshot(path=str(OUT / 'failed.png'))
    sys.exit(f'explorer check failed: {what} did not (re)draw; the page is in {OUT / "failed.png"}')


def shoot(page, name):
    box = page.locator('.widget-vbox').first
    box.scroll_into_view_if_needed(); time.sleep(1)
    box.screenshot(path=str(OUT / name)); print('saved', OUT / name)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    lab = subprocess.Popen([sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ip=127.0.0.1',
                            '--ServerApp.token=', '--ServerApp.password=', '--ServerApp.disable_check_xsrf=True',
                            f'--ServerApp.root_dir={ROOT}', '--allow-root'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try: socket.create_connection(('127.0.0.1', port), timeout=1).close(); break
            except OSError: time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                '--disable-background-networking', '--disable-component-update', '--disable-sync'])
            page = browser.new_page(viewport={'width': 1900, 'height': 1300}); PAGE.append(page)
            page.goto(f'http://127.0.0.1:{port}/lab/tree/nbs/explore.ipynb', timeout=120_000)
            page.wait_for_selector('.jp-Notebook', timeout=120_000)
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"], .jp-KernelStatus', timeout=120_000)
            time.sleep(3)
            page.click('.jp-Notebook')
            page.get_by_role('menuitem', name='Run').first.click()
            page.get_by_text('Run All Cells', exact=True).first.click()
            page.wait_for_selector('.widget-toggle-buttons', timeout=300_000)
            page.wait_for_selector(FIGURE, timeout=300_000)
            fig, shot = drawn(page, None, 'the class view')
            time.sleep(2)

            refine = control(page, 'refine').locator('select')
            check(lambda: 'twice' in refine.inner_text(), "the refinement menu does not offer 'twice'")
            refine.select_option('none'); fig, shot = drawn(page, shot, "refine='none'")
            check(lambda: disabled(page, 'iterations'), "'iterations' is enabled although the refinement is 'none'")
            refine.select_option('iterative'); fig, shot = drawn(page, shot, "refine='iterative'")
            check(lambda: not disabled(page, 'iterations'), "'iterations' stays disabled for the iterative refinement")
            check(lambda: disabled(page, 'layer'), "'layer' is enabled in the class view")
            refine.select_option('once'); fig, shot = drawn(page, shot, "refine='once'")      # the model's default, for the picture
            shoot(page, 'explore.png')

            page.get_by_role('button', name='self-attention').click(); fig, shot = drawn(page, shot, 'the self-attention view')
            check(lambda: not disabled(page, 'x') and disabled(page, 'refine'), 'the self-attention view enables the wrong controls')
            before = (slider(page, 'x'), slider(page, 'y'))
            b = fig.bounding_box()
            fig.click(position={'x': b['width'] * 0.18, 'y': b['height'] * 0.62})     # inside the left (image) panel
            for _ in range(40):
                if (slider(page, 'x'), slider(page, 'y')) != before: break
                time.sleep(0.25)
            after = (slider(page, 'x'), slider(page, 'y'))
            check(after != before, f'a click on the image did not move the pixel (x, y) = {before}')
            fig, shot = drawn(page, shot, 'the view after the click')
            print('clicked: pixel', before, '->', after)
            shoot(page, 'explore-self-attention.png')

            for view in ['layers', 'heads', 'timesteps']:
                page.get_by_role('button', name=view).click(); fig, shot = drawn(page, shot, f'the {view} view')
                shoot(page, f'explore-{view}.png')
            check(lambda: not disabled(page, 'token'), "'token' is disabled in the timesteps view")
            browser.close()
    finally:
        lab.terminate(); lab.wait(timeout=30)


if __name__ == '__main__':
    main()
