"""Retrieval: from a question to the ranked passages that answer it.

`embedder.py` is the encoder shared by building and searching; `vectors.py` the dense index over
the passages' vectors and `statement_vectors.py` one vector per responsibility statement;
`lexical.py` BM25 over the analysed passages (`index/text/`). `search.py` holds the `Searcher`,
which follows the current generation, reads the question (`question.py`: its intent, county and
weighed words), asks both retrievers and has `ranking.py` fuse their lists, rerank them by what the
structure and the question's intent say and collapse near-duplicates. What the found passages then
tell a person is `index/card/`'s job.
"""
