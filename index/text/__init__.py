"""Text analysis: the terms a passage is indexed by and a question is searched with.

The first step of both ways through the index. `analyzer.py` turns Swedish text into Snowball stems
and the compound parts the corpus itself uses; `abbreviations.py` finds the abbreviations a text
spells out; `passage_words.py` counts each passage's words once and carries them from one generation
to the next; `typos.py` finds a typo's candidates among the corpus words; `vocabulary.py` puts these
together, with the thesaurus (`index/data/thesaurus.toml`), into the weighted expansions of a
question's words. Nothing here searches: retrieval (`index/retrieve/`) uses what this package makes.
"""
