"""Tests never touch a model hub: force offline mode before anything imports huggingface_hub."""
import os

os.environ['HF_HUB_OFFLINE'] = '1'
os.environ['TRANSFORMERS_OFFLINE'] = '1'
os.environ.setdefault('MPLBACKEND', 'Agg')
