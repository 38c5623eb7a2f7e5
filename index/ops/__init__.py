"""Operations on what has been stored: a document's history, and backing the whole up.

`history.py` rebuilds any version of a document from the stored passages and says what changed
between two versions, changes of principal called out. `backup.py` is `kb backup` and `kb restore`:
a consistent copy of the database with the current generation and the kept sources, and putting it
back. Neither is on a question's way; both read the store (`index/storage/`).
"""
