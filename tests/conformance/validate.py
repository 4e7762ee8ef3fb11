#!/usr/bin/env python3
"""Validates requests recorded at a vendor simulator against the vendor's OpenAPI spec.

    validate.py SPEC BASE RECORDED.json

SPEC      the vendor's OpenAPI description (JSON or YAML, 3.0 or 3.1; Swagger 2.0: A11)
BASE      the server base path the spec's paths sit under ("" when none): Adyen's
          paths are "/payments" under servers ".../v71", recorded as "/v71/payments"
RECORDED  a JSON array of {method, path, query, content_type, body} as written by
          tests/e2e/conformance.rs (beep_sandbox::RecordedRequest)

Each request is matched to an operation (path + method) and its path and query
parameters and its body (JSON or form-encoded, against the operation's schema for
that media type) are validated with openapi-core, a maintained validator. One line is
printed per violation; the exit status is 1 when there is any.

Allowances (each narrowly scoped, each with its reason):

  A1  Header parameters are not validated and a missing required header parameter
      (e.g. Stripe's/Mollie's Idempotency-Key, Payone's Authorization) is not a
      violation: the recorder keeps method, path, query, content type and body only,
      never headers (they carry the vendor credentials).
  A2  Security requirements (API keys, bearer tokens, HMAC signatures) are not
      validated, for the same reason: no credentials are recorded.
  A3  Form-encoded bracket nesting (Stripe) is decoded here, not by openapi-core:
      Stripe encodes nested objects and arrays as `a[b][c]=v` / `a[0]=v` / `a[]=v`
      with `style: deepObject`, which OpenAPI defines only for flat objects and
      openapi-core rejects ("not available") even for parameters that are absent.
      For an application/x-www-form-urlencoded body whose schema has such nesting
      (and for deepObject query parameters) the pairs are decoded into nested
      objects/arrays, string leaves are cast where the schema asks for
      integer/number/boolean (as openapi-core casts form values), and the result is
      validated against the spec's schema with openapi-core's own schema validator.
      An absent deepObject parameter is not a violation.
  A4  YAML timestamps stay strings: specs are loaded as JSON-compatible data
      (a SafeLoader without the timestamp resolver), otherwise Mollie's examples and
      defaults turn into datetime objects that JSON Schema cannot validate against.
  A5  Parameters whose schema has an OpenAPI 3.1 type list (Mollie's
      `type: [string, "null"]`): openapi-core 0.23.1's style deserializer crashes on
      them (TypeError "Expected a string value, got list"), so such parameters are
      validated here: the value (cast as in A3) against the spec's schema, with
      openapi-core's schema validator.
  A6  Operations a connector calls that the vendor's spec does not describe (listed in
      SPEC_GAPS with the reason): reported on stderr, not validated. Today only
      SumUp's "Process a checkout" (PUT /v0.1/checkouts/{id}), absent from sumup.json.
  A7  In a request body, a property that the schema lists as `required` but marks
      `readOnly` is not required: OpenAPI says readOnly properties SHOULD NOT be sent
      in requests (3.0: their `required` applies to responses only), and Mollie's
      refund-request reuses the response entity (`resource`, `id`, `mode`, ... are
      readOnly and required there). openapi-core 0.23.1 applies that rule only to 3.0
      specs. Only "'X' is a required property" errors where X is readOnly are dropped.
  A8  Payone's `PaymentReferencesForRefund` puts `additionalProperties: false` beside
      an `allOf` that holds its only properties (`merchantReference`,
      `captureReference`): under JSON Schema that forbids every property, even the
      documented ones, so the refund example in Payone's own docs would fail. The
      loaded spec gets the allOf members' property names copied into the schema's own
      `properties` (so unknown properties are still refused).
  A9  Mollie's simulator picks the outcome from test-only `method` values
      (`mollie_test_paid`, ... see sandbox/src/mollie/mod.rs), which are not Mollie
      methods; the connector passes the BEEP! paymentMethod through unchanged. Before
      validation a top-level `method` matching ^mollie_test_ in a Mollie request body
      is replaced by the real method "creditcard"; everything else is validated as sent.
  A10 Operations absent from the spec that the vendor's Postman collection beside it
      (`<spec stem>.postman.json`, today only lightspeed-x.postman.json) documents:
      Lightspeed X-Series' `POST /api/register_sales` (API 0.9, the only way to write
      a sale; lightspeed-x.json describes API 2.0 only). A collection holds example
      requests, not schemas, so such a request is checked against the example: its
      path against the collection's URL (`:name` segments match any value), and its
      JSON body's shape against the example body: every property sent must appear in
      the example (recursively, array items against the example's first item) with
      the example's JSON type (integer and number are one type: the example's `1` is a
      quantity that may be fractional; a null is accepted where the example has a
      value, as "not set"). Which properties are required is not known from an example
      and not checked. Reported on stderr as validated by the collection.
  A11 Swagger 2.0 specs (today vectron.swagger.json): openapi-core reads
      OpenAPI 3.x only and no maintained 2.0 → 3 converter works offline from PyPI
      (prance's `convert` calls a web service; swagger2openapi is npm), so they are
      validated by swagger2.py beside this file with bravado-core (Yelp's maintained
      Swagger 2.0 library, pinned): path, query and body parameters against the
      operation. A1/A2 apply there too; see swagger2.py for its one extra allowance.
  A12 sevdesk's voucher schemas contradict their own descriptions in three places; the
      loaded spec is corrected narrowly (patch_sevdesk), everything else is as published:
      (a) `saveVoucher` requires `voucherPos`, a property it does not define: its
          positions are `voucherPosSave` (as the operation's description and example
          have it). `voucherPos` is dropped from `required`.
      (b) `Model_Voucher` requires both `taxType` ("Use this in sevdesk-Update 1.0
          (instead of taxRule)") and `taxRule` ("Use this in sevdesk-Update 2.0
          (replaces taxType / taxSet)"); `Model_VoucherPos` both `accountingType` and
          `accountDatev` ("Update 2.0 (replaces accountingType)"). Each pair becomes
          "one of the two is required" (anyOf).
      (c) `Model_VoucherPos` requires both `sumNet` ("Only regarded if 'net' is 'true',
          otherwise its readOnly") and `sumGross` ("Only regarded if 'net' is 'false',
          otherwise its readOnly"). They become: `sumNet` required when `net` is true,
          `sumGross` when `net` is false.
  A13 sevdesk date properties typed `format: date-time` whose own description says
      "timestamp or dd.mm.yyyy" (and whose examples are "01.01.2022"): such a property
      takes a dd.mm.yyyy string or an RFC 3339 date-time (patch_sevdesk), nothing else.
  A14 Query parameters an operation does not declare: OpenAPI does not forbid them and
      openapi-core ignores them, so they are not violations; but they are not validated
      either, so each (method, path template, name) is listed on stderr as
      "undeclared query parameter: GET /Part limit" (a `name[...]` parameter counts as
      declared when `name` is, as deepObject). tests/e2e/conformance.rs requires every
      one a POS/ERP connector sends to be listed there with where the vendor documents
      it (e.g. sevdesk's limit/offset/embed are described only in the spec's prose).
"""

import copy
import json
import re
import sys
from urllib.parse import parse_qsl

import yaml
from jsonschema_path import SchemaPath
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request import validators as rv
from werkzeug.datastructures import Headers, ImmutableMultiDict

HOST = "http://simulator"


class JsonCompatibleLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML loading that keeps timestamps as strings (allowance A4)."""


JsonCompatibleLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_spec(path):
    with open(path, "rb") as f:
        raw = f.read()
    if path.endswith(".json"):
        return json.loads(raw)
    return yaml.load(raw, Loader=JsonCompatibleLoader)


class Recorded:
    """openapi_core.protocols.Request over one recorded request."""

    def __init__(self, r):
        self.host_url = HOST
        self.path = r["path"]
        self.method = r["method"].lower()
        query = ImmutableMultiDict(parse_qsl(r.get("query") or "", keep_blank_values=True))
        # Headers are not recorded (allowance A1): only the content type is known.
        headers = Headers()
        if r.get("content_type"):
            headers["Content-Type"] = r["content_type"]
        self.parameters = RequestParameters(query=query, header=headers)
        body = r.get("body") or ""
        self.body = body.encode() if body else None
        self.content_type = (r.get("content_type") or "").split(";")[0].strip()


def bracket_decode(pairs):
    """Stripe-style `a[b][0]=v` pairs into nested dicts/lists (allowance A3)."""
    root = {}
    for key, value in pairs:
        head, *rest = key.replace("]", "").split("[")
        parts = [head] + rest
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            if isinstance(node, list):
                if part == "" or int(part) >= len(node):
                    node.append(value if last else ({} if not (nxt == "" or nxt.isdigit()) else []))
                    idx = len(node) - 1
                else:
                    idx = int(part)
                if last:
                    node[idx] = value
                else:
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if (nxt == "" or nxt.isdigit()) else {})
    return root


def resolve(spec, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        node = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema if isinstance(schema, dict) else {}


def candidates(spec, schema):
    schema = resolve(spec, schema)
    alts = schema.get("anyOf") or schema.get("oneOf")
    if alts:
        for alt in alts:
            yield from candidates(spec, alt)
    else:
        yield schema


def cast(spec, schema, value):
    """Casts string leaves the way openapi-core casts form values (allowance A3)."""
    options = list(candidates(spec, schema))
    if isinstance(value, dict):
        for o in options:
            if o.get("type") == "object" or "properties" in o:
                props = o.get("properties", {})
                extra = o.get("additionalProperties")
                extra = extra if isinstance(extra, dict) else {}
                return {k: cast(spec, props.get(k, extra), v) for k, v in value.items()}
        return value
    if isinstance(value, list):
        for o in options:
            if o.get("type") == "array":
                return [cast(spec, o.get("items", {}), v) for v in value]
        return value
    types = set()
    for o in options:
        t = o.get("type")
        types.update(t if isinstance(t, list) else [t])
    for t, conv in (("integer", int), ("number", float)):
        if t in types:
            try:
                return conv(value)
            except ValueError:
                pass
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value


def own_params(spec, pattern, method):
    """Parameters validated here rather than by openapi-core (allowances A3, A5):
    (name, in) -> (level "op"/"path", index in that `parameters` list, param)."""
    out = {}
    item = spec["paths"][pattern]
    for level, params in (("op", item[method].get("parameters", [])), ("path", item.get("parameters", []))):
        for i, p in enumerate(params):
            p = resolve(spec, p)
            schema = resolve(spec, p.get("schema", {}))
            deep = p.get("in") == "query" and p.get("style") == "deepObject"
            typelist = isinstance(schema.get("type"), list)
            if deep or typelist:
                out.setdefault((p["name"], p["in"]), (level, i, p))
    return out


def strip_params(spec, pattern, method, own):
    """The spec openapi-core sees: without the parameters validated here."""
    item = spec["paths"][pattern]
    for level, holder in (("op", item[method]), ("path", item)):
        drop = {i for (lvl, i, _) in own.values() if lvl == level}
        if drop and "parameters" in holder:
            holder["parameters"] = [p for i, p in enumerate(holder["parameters"]) if i not in drop]


def schema_errors(validator, schema_path, value, what):
    """Validates with openapi-core's schema validator (refs resolve in the spec)."""
    try:
        validator._validate_schema(schema_path, value)
    except Exception as exc:
        return [ValueError(f"{what}: {describe(exc)}")]
    return []


def body_errors(spec, validator, op_path, request):
    """The body against the operation's schema for its media type."""
    pattern, method = op_path.parts[1], op_path.parts[2]
    body = spec["paths"][pattern][method].get("requestBody")
    if body is None:
        if request.body:
            return [ValueError("the operation takes no request body, one was sent")]
        return []
    body = resolve(spec, body)
    if not request.body:
        return [ValueError("missing required request body")] if body.get("required") else []
    media = body.get("content", {}).get(request.content_type)
    if request.content_type == "application/x-www-form-urlencoded" and media is not None:
        encoding = media.get("encoding") or {}
        if any(e.get("style") == "deepObject" for e in encoding.values()):
            schema = media.get("schema", {})
            pairs = parse_qsl(request.body.decode(), keep_blank_values=True)
            value = cast(spec, schema, bracket_decode(pairs))
            schema_path = op_path / "requestBody" / "content" / request.content_type / "schema"
            return schema_errors(validator, schema_path, value, "form body")
    errors = []
    for err in validator.iter_errors(request):
        if type(err).__name__ == "MissingRequestBody":
            continue  # an optional body left out
        err = drop_allowed_body_errors(spec, err)
        if err is not None:
            errors.append(err)
    return errors


# Allowance A6: operations the connectors call that the vendor's published spec does
# not describe, with the reason; such a request is reported (stderr), not validated.
SPEC_GAPS = [
    (
        "sumup.json",
        "PUT",
        re.compile(r"^/v0\.1/checkouts/[^/]+$"),
        "SumUp's spec (sumup-rs 058533c621) omits \"Process a checkout\" "
        "(PUT /v0.1/checkouts/{id}); SumUp's public docs describe it",
    ),
]


def spec_gap(spec_path, method, path):
    name = spec_path.rsplit("/", 1)[-1]
    for spec_name, m, rx, reason in SPEC_GAPS:
        if spec_name == name and m == method and rx.match(path):
            return reason
    return None


def patch_spec(spec_path, spec):
    """Allowance A8: Payone's PaymentReferencesForRefund; A12/A13: sevdesk (see the
    docstring)."""
    if spec_path.endswith("sevdesk.yaml"):
        patch_sevdesk(spec)
    if spec_path.endswith("payone-pcp.yaml"):
        schema = spec.get("components", {}).get("schemas", {}).get("PaymentReferencesForRefund")
        if schema and schema.get("additionalProperties") is False and "allOf" in schema:
            props = schema.setdefault("properties", {})
            for member in schema["allOf"]:
                for name in resolve(spec, member).get("properties", {}):
                    props.setdefault(name, {})


def patch_sevdesk(spec):
    """Allowances A12 and A13: sevdesk's self-contradicting voucher schemas and dates."""
    schemas = spec.get("components", {}).get("schemas", {})
    save = schemas.get("saveVoucher", {})
    if "voucherPos" in save.get("required", []) and "voucherPos" not in save.get("properties", {}):
        save["required"] = [r for r in save["required"] if r != "voucherPos"]  # A12a
    for name, old, new in (
        ("Model_Voucher", "taxType", "taxRule"),
        ("Model_VoucherPos", "accountingType", "accountDatev"),
    ):  # A12b
        schema = schemas.get(name, {})
        if {old, new} <= set(schema.get("required", [])):
            schema["required"] = [r for r in schema["required"] if r not in (old, new)]
            schema.setdefault("allOf", []).append({"anyOf": [{"required": [old]}, {"required": [new]}]})
    pos = schemas.get("Model_VoucherPos", {})
    if {"sumNet", "sumGross"} <= set(pos.get("required", [])):  # A12c
        pos["required"] = [r for r in pos["required"] if r not in ("sumNet", "sumGross")]
        pos.setdefault("allOf", []).append({"anyOf": [
            {"properties": {"net": {"enum": [True]}}, "required": ["net", "sumNet"]},
            {"properties": {"net": {"enum": [False]}}, "required": ["net", "sumGross"]},
        ]})
    german_or_rfc3339 = (
        r"^(\d{2}\.\d{2}\.\d{4}"
        r"|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))$"
    )

    def dates(node):  # A13
        if isinstance(node, dict):
            if node.get("format") == "date-time" and "dd.mm.yyyy" in str(node.get("description", "")):
                del node["format"]
                node["pattern"] = german_or_rfc3339
            for value in node.values():
                dates(value)
        elif isinstance(node, list):
            for value in node:
                dates(value)

    dates(schemas)


def patch_request(spec_path, r):
    """Allowance A9: Mollie simulator outcome tokens as `method`."""
    if spec_path.endswith("mollie.yaml") and (r.get("content_type") or "").startswith("application/json"):
        try:
            body = json.loads(r.get("body") or "")
        except ValueError:
            return r
        if isinstance(body, dict) and str(body.get("method", "")).startswith("mollie_test_"):
            body["method"] = "creditcard"
            return dict(r, body=json.dumps(body))
    return r


def load_postman(spec_path):
    """Allowance A10: the example requests of the Postman collection beside the spec,
    as (method, path regex, example body text or None, request name)."""
    import os

    path = os.path.splitext(spec_path)[0] + ".postman.json"
    if not os.path.exists(path):
        return []
    with open(path) as f:
        collection = json.load(f)
    out = []

    def walk(items):
        for item in items:
            if "item" in item:
                walk(item["item"])
                continue
            req = item.get("request") or {}
            url = req.get("url") or {}
            segments = url.get("path") if isinstance(url, dict) else None
            if not segments:
                continue
            rx = "^/" + "/".join(
                "[^/]+" if seg.startswith(":") else re.escape(seg) for seg in segments
            ) + "$"
            # Parsed when a request matches: some of a collection's examples are not JSON.
            raw = (req.get("body") or {}).get("raw") or None
            out.append((req.get("method", "GET"), re.compile(rx), raw, item.get("name", "")))

    walk(collection.get("item", []))
    return out


def postman_match(postman, method, path):
    for m, rx, example, name in postman:
        if m == method and rx.match(path):
            return example, name
    return None


def json_type(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", dict: "object", list: "array", type(None): "null"}[type(value)]


def shape_errors(example, value, where="(root)"):
    """Allowance A10: `value` against the shape of a collection's example."""
    if value is None or example is None:
        return []
    if json_type(example) != json_type(value):
        return [f"at {where}: {json_type(value)} where the collection's example has {json_type(example)}"]
    if isinstance(example, dict):
        errors = []
        for key, v in value.items():
            if key not in example:
                errors.append(f"at {where}: property {key!r} is not in the collection's example")
            else:
                errors += shape_errors(example[key], v, f"{where}/{key}")
        return errors
    if isinstance(example, list) and example:
        return [e for i, v in enumerate(value) for e in shape_errors(example[0], v, f"{where}/{i}")]
    return []


def postman_errors(example, r):
    body = r.get("body") or ""
    if example is None:
        return ["the collection's example sends no body, one was sent"] if body else []
    if not (r.get("content_type") or "").startswith("application/json"):
        return [f"content type {r.get('content_type')!r}, the collection's example is JSON"]
    try:
        example = json.loads(example)
    except ValueError as exc:
        return [f"the collection's example is not JSON ({exc}): nothing to validate against"]
    try:
        value = json.loads(body)
    except ValueError as exc:
        return [f"the body is not JSON: {exc}"]
    return shape_errors(example, value)


def readonly_required(spec, sub):
    """Allowance A7: "'X' is a required property" where X is readOnly."""
    if sub.validator != "required":
        return False
    missing = sub.message.split("'")[1] if sub.message.count("'") >= 2 else None
    props = sub.schema.get("properties", {}) if isinstance(sub.schema, dict) else {}
    return missing is not None and resolve(spec, props.get(missing, {})).get("readOnly") is True


def drop_allowed_body_errors(spec, err):
    """The error without A7's sub-errors; None when nothing else is left."""
    cause = err.__cause__
    subs = getattr(cause, "schema_errors", None)
    if not subs:
        return err
    left = [e for e in subs if not readonly_required(spec, e)]
    if not left:
        return None
    cause.schema_errors = left
    return err


def in_spec(params, r):
    try:
        params._find_path(Recorded(r))
        return True
    except Exception:
        return False


def undeclared_query(spec, pattern, method, pairs):
    """Allowance A14: the query parameter names the operation does not declare."""
    item = spec["paths"][pattern]
    declared = {
        resolve(spec, p).get("name")
        for p in item[method].get("parameters", []) + item.get("parameters", [])
        if resolve(spec, p).get("in") == "query"
    }
    out = set()
    for key, _ in pairs:
        if key not in declared and key.split("[", 1)[0] not in declared:
            out.add(key)
    return out


def is_allowed(err):
    """Allowance A1: a required header parameter the recorder cannot have seen."""
    from openapi_core.validation.request.exceptions import MissingRequiredParameter

    if isinstance(err, MissingRequiredParameter):
        return getattr(err, "location", None) == "header"
    return False


def describe(err):
    parts = [f"{type(err).__name__}: {err}"]
    cause = err.__cause__
    while cause is not None:
        parts.append(f"{type(cause).__name__}: {cause}")
        for sub in getattr(cause, "schema_errors", None) or []:
            where = "/".join(str(p) for p in sub.absolute_path) or "(root)"
            parts.append(f"at {where}: {sub.message}")
        cause = cause.__cause__
    return " | ".join(parts)


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    spec_path, base, recorded_path = sys.argv[1:]
    base = base.rstrip("/")
    spec = load_spec(spec_path)
    if str(spec.get("swagger", "")) == "2.0":
        # Allowance A11, in its own process: bravado-core's reference resolver breaks
        # once openapi-core's validators are imported (it fetches the OAS 3.1 dialect).
        import os
        import subprocess

        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "swagger2.py")
        return subprocess.run([sys.executable, script, spec_path, base, recorded_path]).returncode
    # The recorded paths keep the base path; the spec's server becomes the simulator.
    spec["servers"] = [{"url": HOST + base}]
    version = str(spec.get("openapi", ""))
    if version.startswith("3.1"):
        params_cls, body_cls = rv.V31RequestParametersValidator, rv.V31RequestBodyValidator
    elif version.startswith("3.0"):
        params_cls, body_cls = rv.V30RequestParametersValidator, rv.V30RequestBodyValidator
    else:
        print(f"{spec_path}: unsupported OpenAPI version {version!r}")
        return 1
    patch_spec(spec_path, spec)
    original = copy.deepcopy(spec)
    full = SchemaPath.from_dict(original)
    # openapi-core validates against `spec`, from which the parameters validated here
    # (allowances A3, A5) are removed operation by operation; `full` keeps them all.
    schema = SchemaPath.from_dict(spec)
    # Security is not validated (allowance A2): only parameters and body.
    params = params_cls(schema)
    body = body_cls(schema)
    checker = params_cls(full)

    postman = load_postman(spec_path)
    with open(recorded_path) as f:
        recorded = json.load(f)
    violations = 0
    undeclared = set()  # allowance A14
    for i, r in enumerate(recorded):
        r = patch_request(spec_path, r)
        label = f"#{i} {r['method']} {r['path']}" + (f"?{r['query']}" if r.get("query") else "")
        documented = postman_match(postman, r["method"], r["path"])
        if documented and not in_spec(params, r):
            example, name = documented
            errors = postman_errors(example, r)
            for err in errors:
                print(f"{label}: {err} (Postman collection: {name!r})")
            violations += len(errors)
            print(f"{label}: not in the spec, validated by the Postman collection's "
                  f"example {name!r}, allowance A10", file=sys.stderr)
            continue
        if base and not r["path"].startswith(base + "/"):
            print(f"{label}: path is outside the base path {base!r}")
            violations += 1
            continue
        gap = spec_gap(spec_path, r["method"], r["path"][len(base):])
        if gap:
            print(f"{label}: not validated, allowance A6: {gap}", file=sys.stderr)
            continue
        errors = []
        try:
            _, operation, _, path_result, _ = params._find_path(Recorded(r))
        except Exception as exc:  # PathNotFound, OperationNotFound, ServerNotFound
            print(f"{label}: {describe(exc)}")
            violations += 1
            continue
        pattern, method = operation.parts[1], operation.parts[2]
        own = own_params(original, pattern, method)
        strip_params(spec, pattern, method, own)
        errors += params.iter_errors(Recorded(r))
        pairs = parse_qsl(r.get("query") or "", keep_blank_values=True)
        for (name, where), (level, index, p) in own.items():
            base_path = full / "paths" / pattern
            if level == "op":
                base_path = base_path / method
            schema_path = base_path / "parameters" / index / "schema"
            if where == "path":
                if name not in path_result.variables:
                    continue
                value = cast(original, p.get("schema", {}), path_result.variables[name])
            elif where == "query":
                mine = [(k, v) for k, v in pairs if k == name or k.startswith(name + "[")]
                if not mine:
                    if p.get("required"):
                        errors.append(ValueError(f"missing required query parameter {name}"))
                    continue
                if p.get("style") == "deepObject":
                    value = bracket_decode(mine).get(name)
                elif len(mine) > 1:
                    value = [v for _, v in mine]
                else:
                    value = mine[0][1]
                value = cast(original, p.get("schema", {}), value)
            else:
                continue  # headers and cookies are not recorded (allowance A1)
            errors += schema_errors(checker, schema_path, value, f"{where} parameter {name}")
        errors += body_errors(original, body, operation, Recorded(r))
        for name in undeclared_query(original, pattern, method, pairs):
            undeclared.add(f"{r['method']} {pattern} {name}")
        for err in errors:
            if is_allowed(err):
                continue
            violations += 1
            print(f"{label}: {describe(err)}")
    for line in sorted(undeclared):
        print(f"undeclared query parameter: {line}", file=sys.stderr)
    print(f"{len(recorded)} requests checked, {violations} violations", file=sys.stderr)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
