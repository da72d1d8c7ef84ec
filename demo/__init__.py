"""Rasid's demo: a small fictional Arabic news corpus and a loopback server for it.

- ``demo/spec/``         the readable spec (outlets, feeds, articles) — edit this;
- ``demo/corpus/``       files generated from it by ``python -m demo.build_corpus``;
- ``demo.server``        ``serve_corpus()``, ``demo_feeds()``, ``write_feeds_yaml()``;
- ``demo.expected``      ground truth for end-to-end tests.

See docs/demo.md.
"""
