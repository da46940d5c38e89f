"""`seenit scan`: one contamination audit of a corpus against many benchmarks (see scanning/engine.py for the corpus-sized steps)."""
