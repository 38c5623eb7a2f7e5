"""Building: from source files to a new index generation, and a draft's own copy of it.

`indexer.py` holds the `Indexer`, which reads changed files (through `ingest/`), embeds their
passages and statements, writes the dense, lexical and typo indexes of a new generation and
switches to it in one commit, and retires or brings back documents. `sandbox.py` bounds the work
one file may cause and reads an uploaded file in a limited child process. `preview.py` gives a
draft its own database and generation, which only its editor searches.
"""
