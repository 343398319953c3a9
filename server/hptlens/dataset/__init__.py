"""Fine-tuning data from the ground truth: `hptlens dataset`, and its held-back split for `hptlens eval --split`.

`build_dataset` writes the conversations (the LLM review's own requests, the truth as the
answer), the splits, the manifest, the summary and a Hugging Face `datasets` folder.

The package imports nothing itself: the CLI reads its defaults (`splits`, `tokens`) for every
`hptlens` command, and the builders (`build`, `examples`, `manifest`) load the LLM review and
the evaluation, which only `hptlens dataset` and `hptlens eval --split` need.
"""
