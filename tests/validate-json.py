#!/usr/bin/python3
"""validate-json.py SCHEMA [FILE]: every line of FILE (or stdin) is a JSON
object valid against SCHEMA; prints each failure and exits 1 on any."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft202012Validator(schema)
src = open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin
bad = 0
n = 0
for lineno, line in enumerate(src, 1):
    if not line.strip():
        continue
    n += 1
    try:
        doc = json.loads(line)
    except ValueError as e:
        print(f"line {lineno}: not JSON: {e}")
        bad += 1
        continue
    errors = list(validator.iter_errors(doc))
    if errors:
        bad += 1
        best = jsonschema.exceptions.best_match(errors)
        print(f"line {lineno}: {best.message} at {list(best.absolute_path)}")
if n == 0:
    print("no JSON lines to validate")
    bad += 1
sys.exit(1 if bad else 0)
