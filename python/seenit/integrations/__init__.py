"""integrations: seenit inside other tools' pipelines (optional extras, imported only when used).

datatrove.py: ``SeenitDecontaminate``, a datatrove filter step that drops, purifies or annotates
the documents holding benchmark items' n-grams. Tests: tests/integrations/, docs: docs/integrations.md.
"""
