"""Open nbs/explore.ipynb in a real JupyterLab in headless Chromium, run it, and save a screenshot of the widgets.

Needs Debian's chromium (`apt-get install chromium`) and `pip install playwright` (its own browser download is not
used). Usage: python tools/screenshot_explorer.py [docs/explore.png]. Exits non-zero if the widgets or the
dashboard figure do not render.
"""
import os, socket, subprocess, sys, time
from pathlib import Path
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / 'docs' / 'explore.png'
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def main():
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
            page = browser.new_page(viewport={'width': 1500, 'height': 1100})
            page.goto(f'http://127.0.0.1:{port}/lab/tree/nbs/explore.ipynb', timeout=120_000)
            page.wait_for_selector('.jp-Notebook', timeout=120_000)
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"], .jp-KernelStatus', timeout=120_000)
            time.sleep(3)
            page.click('.jp-Notebook')
            page.get_by_role('menuitem', name='Run').first.click()
            page.get_by_text('Run All Cells', exact=True).first.click()
            page.wait_for_selector('.widget-button', timeout=300_000)
            page.wait_for_selector('.jp-OutputArea-output img', timeout=300_000)
            time.sleep(2)
            page.locator('.widget-vbox').first.scroll_into_view_if_needed()
            OUT.parent.mkdir(parents=True, exist_ok=True)
            box = page.locator('.widget-vbox').first
            box.screenshot(path=str(OUT))
            browser.close()
        print(f'saved {OUT}')
    finally:
        lab.terminate(); lab.wait(timeout=30)


if __name__ == '__main__':
    main()
