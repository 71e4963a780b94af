"""Fill English msgstr in coopnum/translations/en/LC_MESSAGES/messages.po from a JSON dict {msgid: msgstr}.

Usage: python scripts/fill_po.py translations.json  (entries already translated are kept unless given)."""

import json
import sys

from babel.messages.pofile import read_po, write_po

PO = "coopnum/translations/en/LC_MESSAGES/messages.po"

with open(sys.argv[1], encoding="utf-8") as fh:
    table = json.load(fh)
with open(PO, "rb") as fh:
    catalog = read_po(fh, locale="en")
for message in catalog:
    if message.id and message.id in table:
        message.string = table[message.id]
        message.flags.discard("fuzzy")
with open(PO, "wb") as fh:
    write_po(fh, catalog, width=120, sort_output=True, omit_header=False)
missing = [m.id for m in catalog if m.id and not m.string]
print(f"{len(missing)} untranslated", *missing[:50], sep="\n")
