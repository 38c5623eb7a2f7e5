"""What a person is told about the passages found: the answer card and each document's status.

`answer.py` reads the card off the responsibility statements and priority levels of the best hits
(`index/retrieve/`): the statement that answers, its principal or priority, or an abstention when
none does. `status.py` derives the one status a document is shown with everywhere (gällande,
förslag, remiss, upphävd or utgången), which ranking, the card and the pages all use.
"""
