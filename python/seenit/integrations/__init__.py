"""integrations: seenit inside other tools' pipelines (optional extras, imported only when used).

datatrove.py: datatrove steps, ``SeenitDecontaminate`` (drops, purifies or annotates the documents
holding benchmark items' n-grams) and ``SeenitMinhashDedup`` (near-duplicate removal). Tests: tests/integrations/, docs: docs/integrations.md.
"""
