"""Fine-tuning data from the ground truth: `hptlens dataset`, and its held-back split for `hptlens eval --split`.

`build_dataset` writes the conversations (the LLM review's own requests, the truth as the
answer), the splits, the manifest, the summary and a Hugging Face `datasets` folder.
"""

from hptlens.dataset.build import Built, DatasetOptions, build_dataset
from hptlens.dataset.examples import DatasetError
from hptlens.dataset.manifest import Manifest, read_manifest

__all__ = ["Built", "DatasetError", "DatasetOptions", "Manifest", "build_dataset", "read_manifest"]
