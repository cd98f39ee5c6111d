#!/usr/bin/env bash
# Issue 14's GPU targets in one device run: SD 1.5's architecture (random weights), 512², fp16, batch 1 and 16.
#
# The device machine (see /work/.library/device) has PyTorch, transformers, tokenizers, safetensors and huggingface_hub,
# but not diffusers, papermill or a Jupyter kernel, and cannot reach a registry. So, once, on this machine:
#     bash benchmarks/gpu.sh download            # wheels/ (git-ignored, ~21 MiB): what the device image lacks, for its Python 3.12
# then through the device tool:
#     run(command="bash benchmarks/gpu.sh", carry=["wheels"], timeout_s=540)
# and copy the record that comes back ($OUT/bench-gpu-512.json) to benchmarks/bench-gpu-512-<date>.json.
# BENCH_ARGS adds papermill parameters (e.g. "-p scale tiny -p resolution 64" for a quick check of the script itself).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# The packages the device image lacks (KINDS.md's list, 2026-11-17), pinned as resolved for diffusers 0.42.1 + papermill + ipykernel.
NEEDED="asttokens==3.0.2 comm==0.2.3 debugpy==1.8.22 diffusers==0.42.1 entrypoints==0.4.2 executing==2.3.0 fastjsonschema==2.22.3
importlib_metadata==10.2.0 ipykernel==7.4.0 ipython==9.18.1 ipython_pygments_lexers==1.1.1 jedi==0.20.1 jsonschema==4.26.0
jsonschema_specifications==2025.9.1 jupyter_client==8.10.0 jupyter_core==5.9.1 matplotlib_inline==0.2.2 nbclient==0.11.0 nbformat==5.11.1
nest_asyncio2==1.7.4 papermill==2.7.0 parso==0.8.7 pexpect==4.9.0 platformdirs==4.14.8 prompt_toolkit==3.0.53 ptyprocess==0.7.0
pure_eval==0.2.4 pyzmq==27.3.0 referencing==0.37.0 rpds_py==2026.9.1 stack_data==0.6.3 tenacity==9.2.1 tornado==6.6.1 traitlets==5.16.1
tzdata==2026.6 wcwidth==0.9.4 zipp==4.1.2"

if [ "${1:-}" = download ]; then
    rm -rf wheels && mkdir wheels
    $PY -m pip download $NEEDED --no-deps --only-binary=:all: --python-version "${DEVICE_PYTHON:-3.12}" \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any -d wheels -q
    du -sh wheels; exit 0
fi

OUT=${OUT:-runs/gpu}; mkdir -p "$OUT"
ls wheels/*.whl >/dev/null 2>&1 || { echo "no wheels/: run 'bash benchmarks/gpu.sh download' here first and carry wheels" >&2; exit 2; }
$PY -m pip install -q --no-index --no-deps wheels/*.whl 2>&1 | tail -3
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
$PY -c "import torch, diffusers, transformers, papermill; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), '| diffusers', diffusers.__version__, '| transformers', transformers.__version__)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
$PY -m papermill nbs/bench.ipynb "$OUT/bench-gpu.ipynb" --cwd . -p device "${BENCH_DEVICE:-cuda}" -p output "$OUT/bench-gpu-512.json" ${BENCH_ARGS:-} 2>&1 \
    | grep -v -e 'Executing:' -e 'WARNING | Kernel is running over TCP' | tee "$OUT/bench.log"
$PY - "$OUT/bench-gpu-512.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for b, v in r['per_batch'].items():
    print(f"batch {b}: {v['single_images_per_s']:.1f} images/s single pass, capture {v['capture_overhead']:.3f}x, memory ratio {v['capture_memory_ratio']:.2f}")
print('segment() ratios:', {k: round(v['segment_overhead'], 3) for k, v in r['segment'].items()}, '| peak GiB:', r['peak_gpu_memory_gib'])
EOF
