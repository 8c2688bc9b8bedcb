"""Reference segmentation for profitchain's Chinese tokenizer (issue #27).

Run once, by hand, with Python's jieba (PyPI `jieba==0.42.1`, its bundled default
dictionary):

    python3 -m pip install jieba==0.42.1
    python3 tests/data/reference/jieba/make_reference.py

It writes `segments.json`: for each line of `comments_zh.txt`, the tokens of
`jieba.cut(line)` — jieba's default (accurate) mode with the HMM on for words not in the
dictionary, every token kept (punctuation too). The Rust test
(`tests/it/feedback.rs`) compares jieba-rs's `cut(line, true)` with it token for token.
"""

import json
import pathlib

import jieba

here = pathlib.Path(__file__).parent
lines = [l.strip() for l in (here / "comments_zh.txt").read_text(encoding="utf-8").splitlines() if l.strip()]
out = {
    "generator": f"jieba {jieba.__version__}, jieba.cut(line) (default mode, HMM on), default dictionary",
    "segments": [{"text": l, "tokens": list(jieba.cut(l))} for l in lines],
}
(here / "segments.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"{len(lines)} comments, {sum(len(s['tokens']) for s in out['segments'])} tokens")
