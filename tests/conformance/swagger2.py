"""Swagger 2.0 request validation for validate.py (allowance A11 there).

openapi-core validates OpenAPI 3.0/3.1 only, and no maintained Swagger 2.0 → OpenAPI 3
converter works offline from PyPI (prance's `convert` posts the spec to the Mermade web
service; the maintained converter, swagger2openapi, is an npm package). So Swagger 2.0
specs (today vectron.swagger.json) are validated with bravado-core, Yelp's
maintained Swagger 2.0 library, pinned in requirements.txt: each recorded request is
matched to its operation here (path template under BASE, method) and bravado-core's
`unmarshal_request` validates its path, query and body parameters against the
operation's parameter definitions and schemas (formats included: `uuid`, `int32`, …).

The allowances of validate.py apply as far as they concern Swagger 2.0:

  A1  Header parameters are not recorded: a required one gets a placeholder value.
  A2  Security is not recorded, so it is not validated: the `security` requirements are
      removed before bravado-core sees the spec (bravado-core would otherwise demand the
      `X-API-Token` header, and it refuses a spec whose requirements name a scheme that
      `securityDefinitions` lacks).
  S1  The spec document itself is not validated against the Swagger 2.0 schema
      (`validate_swagger_spec: False`): vectron.swagger.json's `info.license` is `{}`
      without the required `name`, which says nothing about requests.
"""

import copy
import json
import re
import sys
import warnings
from urllib.parse import parse_qsl

PLACEHOLDER = "not-recorded"


def _operations(spec):
    """(method, compiled path regex, path template, operation) for every operation."""
    out = []
    for template, item in spec.get("paths", {}).items():
        rx = "^" + re.sub(r"\\\{([^}/]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        for method in ("get", "put", "post", "delete", "patch", "head", "options"):
            if method in item:
                out.append((method, re.compile(rx), template))
    return out


def main(spec_path, spec, base, recorded_path):
    """Validates the recorded requests; prints violations, returns the exit status."""
    # bravado-core uses jsonschema's RefResolver, deprecated there: not our concern.
    warnings.simplefilter("ignore")
    from bravado_core.request import IncomingRequest, unmarshal_request
    from bravado_core.spec import Spec

    spec = copy.deepcopy(spec)
    spec.pop("security", None)  # A2
    for item in spec.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict):
                op.pop("security", None)
    swagger = Spec.from_dict(
        spec,
        origin_url="http://simulator" + base + "/",
        config={
            "validate_swagger_spec": False,  # S1
            "validate_requests": True,
            "validate_responses": False,
            "use_models": False,
        },
    )
    by_key = {}
    for resource in swagger.resources.values():
        for op in resource.operations.values():
            by_key[(op.http_method, op.path_name)] = op
    operations = _operations(spec)
    default_consumes = spec.get("consumes") or ["application/json"]

    class Recorded(IncomingRequest):
        def __init__(self, path, query, headers, body):
            self.path = path
            self.query = query
            self.headers = headers
            self.form = {}
            self.files = {}
            self._body = body

        def json(self):
            return json.loads(self._body) if self._body else None

    with open(recorded_path) as f:
        recorded = json.load(f)
    violations = 0
    undeclared = set()
    for i, r in enumerate(recorded):
        label = f"#{i} {r['method']} {r['path']}" + (f"?{r['query']}" if r.get("query") else "")

        def violation(message):
            nonlocal violations
            violations += 1
            print(f"{label}: {message}")

        if base and not r["path"].startswith(base + "/"):
            violation(f"path is outside the base path {base!r}")
            continue
        path = r["path"][len(base):]
        method = r["method"].lower()
        match = next(
            ((m, template) for m, rx, template in operations if m == method and rx.match(path)),
            None,
        )
        if match is None:
            templates = [t for _, rx, t in operations if rx.match(path)]
            violation(
                f"no {r['method']} operation for this path (the spec has {templates})"
                if templates
                else "no path of the spec matches"
            )
            continue
        template = match[1]
        op = by_key[(method, template)]
        rx = next(rx for m, rx, t in operations if m == method and t == template)
        variables = rx.match(path).groupdict()

        query = {}
        for k, v in parse_qsl(r.get("query") or "", keep_blank_values=True):
            query[k] = [*query[k], v] if isinstance(query.get(k), list) else (
                [query[k], v] if k in query else v
            )
        declared = {
            swagger.deref(p).get("name")
            for p in op.op_spec.get("parameters", []) + spec["paths"][template].get("parameters", [])
            if swagger.deref(p).get("in") == "query"
        }
        # As validate.py's A14: allowed, but listed, since nothing validates them.
        undeclared.update((r["method"], template, k) for k in query if k not in declared)
        headers = {}
        if r.get("content_type"):
            headers["Content-Type"] = r["content_type"]
        for p in op.op_spec.get("parameters", []) + spec["paths"][template].get("parameters", []):
            p = swagger.deref(p)
            if p.get("in") == "header" and p.get("required"):
                headers.setdefault(p["name"], PLACEHOLDER)  # A1

        body = r.get("body") or ""
        if body:
            consumes = op.op_spec.get("consumes") or default_consumes
            mime = (r.get("content_type") or "").split(";")[0].strip()
            if mime not in consumes:
                violation(f"content type {mime!r}, the operation consumes {consumes}")
                continue
            if mime == "application/json":
                try:
                    json.loads(body)
                except ValueError as exc:
                    violation(f"body is not JSON: {exc}")
                    continue
        try:
            unmarshal_request(Recorded(variables, query, headers, body), op)
        except Exception as exc:  # jsonschema ValidationError, SwaggerMappingError, …
            message = getattr(exc, "message", None) or str(exc)
            violation(f"{type(exc).__name__}: {message.splitlines()[0] if message else exc}")
    for method, template, name in sorted(undeclared):
        print(f"undeclared query parameter: {method} {template} {name}", file=sys.stderr)
    print(
        f"{len(recorded)} requests checked (Swagger 2.0, bravado-core), {violations} violations",
        file=sys.stderr,
    )
    return 1 if violations else 0


if __name__ == "__main__":
    # swagger2.py SPEC BASE RECORDED.json (run by validate.py, which must not import
    # openapi-core into the same process).
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        loaded = json.load(f)
    sys.exit(main(sys.argv[1], loaded, sys.argv[2].rstrip("/"), sys.argv[3]))
