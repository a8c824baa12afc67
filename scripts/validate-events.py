#!/usr/bin/env python3
"""Validate event documents against the JSON Schemas (draft 2020-12) in a schema directory.

Usage:
  scripts/validate-events.py SCHEMA_DIR < documents.jsonl
      Each stdin line is {"schema": "<name>", "value": <document>}; <name> (e.g.
      "offer.presented") maps to SCHEMA_DIR/<name>.schema.json. Blank lines are skipped.
  scripts/validate-events.py --self-test [SCHEMA_DIR]
      Validates SCHEMA_DIR/examples/<name>.json against <name>.schema.json
      (SCHEMA_DIR defaults to the repository's schemas/).

Prints one line per error, "line N (<schema>): <json path>: <message>", then
"N valid, M invalid". Exits 0 only when M == 0 and N >= 1; exits 2 on a usage error or
a broken schema directory. Requires jsonschema >= 4.18 (with `referencing`).
"""
import json
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover
    sys.exit(f"validate-events: needs jsonschema>=4.18 and referencing ({error}); "
             "run scripts/ensure-deps --python")

SUFFIX = ".schema.json"


def load_validators(schema_dir):
    """Returns {name: validator} for every *.schema.json, sharing one registry keyed by $id."""
    schemas = {}
    for path in sorted(Path(schema_dir).glob("*" + SUFFIX)):
        with path.open(encoding="utf-8") as handle:
            schema = json.load(handle)
        if "$id" not in schema:
            raise SystemExit(f"validate-events: {path} has no $id")
        Draft202012Validator.check_schema(schema)
        schemas[path.name[: -len(SUFFIX)]] = schema
    if not schemas:
        raise SystemExit(f"validate-events: no *{SUFFIX} files in {schema_dir}")
    registry = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in schemas.values()
    )
    return {name: Draft202012Validator(schema, registry=registry) for name, schema in schemas.items()}


def leaf_errors(error, note=""):
    """Flattens an error into (json path, message) pairs. A failed oneOf/anyOf is replaced by
    the errors of its most plausible branch (the one failing least at the top level, e.g. on
    the "op" const or a missing key), so messages point at the real problem."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)

        def score(item):
            _, subs = item
            shape = sum(1 for sub in subs if not sub.path or sub.validator == "const")
            return shape, len(subs)

        index, subs = min(branches.items(), key=score)
        label = f"{error.validator} branch {index}"
        return [pair for sub in sorted(subs, key=sort_key) for pair in leaf_errors(sub, label)]
    message = error.message + (f" (in {note})" if note else "")
    return [(error.json_path, message)]


def sort_key(error):
    return [str(part) for part in error.absolute_path], error.message


class Checker:
    def __init__(self, validators):
        self.validators = validators
        self.valid = 0
        self.invalid = 0

    def check(self, label, schema_name, document):
        validator = self.validators.get(schema_name)
        if validator is None:
            problems = [("$", f"unknown schema {schema_name!r} (known: {', '.join(sorted(self.validators))})")]
        else:
            errors = sorted(validator.iter_errors(document), key=sort_key)
            problems = [pair for error in errors for pair in leaf_errors(error)]
        self.report(label, schema_name, problems)

    def report(self, label, schema_name, problems):
        for path, message in problems:
            print(f"{label} ({schema_name}): {path}: {message}")
        if problems:
            self.invalid += 1
        else:
            self.valid += 1

    def finish(self):
        if self.valid + self.invalid == 0:
            print("no documents on stdin")
            print("0 valid, 0 invalid")
            return 1
        print(f"{self.valid} valid, {self.invalid} invalid")
        return 0 if self.invalid == 0 else 1


def check_stdin(checker):
    for number, raw in enumerate(sys.stdin, start=1):
        if not raw.strip():
            continue
        label = f"line {number}"
        try:
            envelope = json.loads(raw)
        except json.JSONDecodeError as error:
            checker.report(label, "?", [("$", f"not JSON: {error}")])
            continue
        if not isinstance(envelope, dict) or not isinstance(envelope.get("schema"), str) or "value" not in envelope:
            checker.report(label, "?", [("$", 'expected {"schema": "<name>", "value": <document>}')])
            continue
        checker.check(label, envelope["schema"], envelope["value"])


def self_test(checker, schema_dir):
    examples = Path(schema_dir) / "examples"
    files = sorted(examples.glob("*.json"))
    for path in files:
        with path.open(encoding="utf-8") as handle:
            document = json.load(handle)
        checker.check(f"examples/{path.name}", path.stem, document)
    # Every event/offer schema should have an example (common.schema.json only holds $defs).
    covered = {path.stem for path in files}
    for name in sorted(set(checker.validators) - covered - {"common"}):
        checker.report(f"examples/{name}.json", name, [("$", "missing example")])


def main(argv):
    args = argv[1:]
    if args and args[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    selftest = bool(args) and args[0] == "--self-test"
    if selftest:
        args = args[1:]
        if not args:
            args = [str(Path(__file__).resolve().parent.parent / "schemas")]
    if len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        validators = load_validators(args[0])
    except (OSError, json.JSONDecodeError, SchemaError) as error:
        print(f"validate-events: bad schema directory {args[0]}: {error}", file=sys.stderr)
        return 2
    checker = Checker(validators)
    if selftest:
        self_test(checker, args[0])
    else:
        check_stdin(checker)
    return checker.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
