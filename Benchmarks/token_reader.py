"""The floor for `oauthtop token NAME`: a Python script that opens the same SQLite store read-only and prints the
session's access token, as a hand-written helper would. `python token_reader.py STORE NAME`. Since tokens are stored
encrypted it prints the sealed text: the floor leaves out finding the key and one AES-GCM open (microseconds), so it
is a little lower than a real reader's."""
import sqlite3
import sys

db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
row = db.execute("SELECT access_token FROM sessions WHERE server = ?", (sys.argv[2],)).fetchone()
if row is None:
    sys.exit(3)
print(row[0])
