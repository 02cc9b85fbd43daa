"""The served OpenAPI document: a valid OpenAPI 3.1 document whose every reference resolves,
that declares every request body and every status code each operation answers."""

from typing import Any

import pytest
import schemathesis
from django.test import Client

from parcelops.api import hoist_definitions

SCHEMA_URL = "/api/v1/openapi.json"
ERRORS_REF = "#/components/schemas/ErrorsOut"

# Each operation's declared status codes. Every signed-in call may also be refused (401), be
# over its token's rate limit (429); a body that is not JSON is 400, a bad field 422.
SIGNED_IN = {"401", "429"}
ORDER_STEP = {"200", "401", "403", "404", "409", "422", "429"}
EXPECTED_STATUSES = {
    ("get", "/api/v1/health"): {"200", "503"},
    ("get", "/api/v1/track/{tracking_number}"): {"200", "404", "409", "422", "429"},
    ("post", "/api/v1/tracking/push/kuaidi100"): {"200", "400", "401", "413", "500"},
    ("post", "/api/v1/tracking/push/aftership"): {"200", "400", "401", "413", "500"},
    ("post", "/api/v1/tracking/push/17track"): {"200", "400", "401", "413", "500"},
    ("post", "/api/v1/tracking/events"): {"200", "207", "400", "403", "413"} | SIGNED_IN,
    ("post", "/api/v1/orders"): {"200", "201", "400", "403", "409", "422"} | SIGNED_IN,
    ("get", "/api/v1/orders"): {"200", "403", "422"} | SIGNED_IN,
    ("get", "/api/v1/orders/{number}"): {"200", "403", "404"} | SIGNED_IN,
    ("patch", "/api/v1/orders/{number}"): ORDER_STEP | {"400"},
    ("delete", "/api/v1/orders/{number}"): ORDER_STEP,
    ("post", "/api/v1/orders/{number}/submit-review"): ORDER_STEP | {"400"},
    ("post", "/api/v1/orders/{number}/approve"): ORDER_STEP | {"400"},
    ("post", "/api/v1/orders/{number}/reject"): ORDER_STEP | {"400"},
    ("post", "/api/v1/orders/{number}/confirm"): ORDER_STEP,
    ("post", "/api/v1/orders/{number}/mark-paid"): ORDER_STEP,
    ("post", "/api/v1/orders/{number}/assign"): ORDER_STEP | {"400"},
    ("post", "/api/v1/orders/{number}/cancel"): ORDER_STEP | {"400"},
    ("post", "/api/v1/orders/{number}/transition"): ORDER_STEP | {"400"},
    ("post", "/api/v1/orders/{number}/complete"): ORDER_STEP,
    ("post", "/api/v1/orders/{number}/shipments"): (ORDER_STEP - {"200"}) | {"201", "400"},
    ("get", "/api/v1/orders/{number}/shipments"): {"200", "403", "404"} | SIGNED_IN,
    # A packed or shipped order's label (PDF); a bad format query is 422.
    ("get", "/api/v1/orders/{number}/label.pdf"): ORDER_STEP,
    ("get", "/api/v1/orders/{number}/carrier-options"): {"200", "403", "404", "409"} | SIGNED_IN,
    ("get", "/api/v1/shipments"): {"200", "403", "422"} | SIGNED_IN,
    ("get", "/api/v1/public/orders/{number}"): {"200", "404", "429"},
    ("get", "/api/v1/carriers"): {"200", "403"} | SIGNED_IN,
    ("get", "/api/v1/carriers/detect"): {"200", "403", "422"} | SIGNED_IN,
    ("get", "/api/v1/cases"): {"200", "403", "422"} | SIGNED_IN,
    ("post", "/api/v1/cases"): {"200", "201", "400", "403", "409", "422"} | SIGNED_IN,
    ("get", "/api/v1/cases/{id}"): {"200", "403", "404", "422"} | SIGNED_IN,
    **{
        ("post", f"/api/v1/cases/{{id}}/{action}"): ORDER_STEP | {"400"}
        for action in (
            "note",
            "severity",
            "assign",
            "contact-carrier",
            "notify-customer",
            "reship",
            "refund",
            "claim",
            "close",
        )
    },
    # The warehouse's pick lists (issue 16, picking and packing).
    ("post", "/api/v1/pick-lists"): {"201", "400", "403", "422"} | SIGNED_IN,
    ("get", "/api/v1/pick-lists/{number}"): {"200", "403", "404", "422"} | SIGNED_IN,
    # Stock by SKU and bin (issue 16, stock).
    ("get", "/api/v1/stock"): {"200", "403", "422"} | SIGNED_IN,
}


@pytest.fixture(scope="module")
def document(django_db_blocker) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def _references(node: Any, where: str = "#") -> list[tuple[str, str]]:
    """Every `$ref` in the document with the JSON pointer of the object that holds it."""
    if isinstance(node, dict):
        found = [(where, node["$ref"])] if "$ref" in node else []
        for key, value in node.items():
            found += _references(value, f"{where}/{key}")
        return found
    if isinstance(node, list):
        return [ref for i, item in enumerate(node) for ref in _references(item, f"{where}/{i}")]
    return []


def _resolve(document: dict[str, Any], reference: str) -> Any:
    assert reference.startswith("#/"), f"{reference} points outside the document"
    node: Any = document
    for token in reference[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise LookupError(reference)
    return node


def test_the_document_is_valid_openapi_3(document):
    assert document["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.1 meta-schema


def test_every_reference_resolves_within_the_document(document):
    references = _references(document)
    assert len(references) > 20
    unresolved = []
    for holder, reference in references:
        try:
            _resolve(document, reference)
        except LookupError:
            unresolved.append(f"{holder}: {reference}")
    assert unresolved == []


def test_the_document_is_the_same_on_every_request(document, db):
    # Hoisting once rewrote the routes' own declarations: the second request lost them.
    for _ in range(2):
        assert Client().get(SCHEMA_URL).json() == document


def test_the_resolver_notices_a_dangling_reference():
    document = {"components": {"schemas": {"A": {"type": "object"}}}}
    assert _resolve(document, "#/components/schemas/A") == {"type": "object"}
    for dangling in ("#/$defs/A", "#/components/schemas/B", "#/components/schemas/A/x"):
        with pytest.raises(LookupError):
            _resolve(document, dangling)


def test_the_order_intake_body_refers_to_components(document):
    body = document["paths"]["/api/v1/orders"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert body["required"] is True
    assert schema["properties"]["customer"] == {"$ref": "#/components/schemas/CustomerIn"}
    assert schema["properties"]["shipping_address"] == {"$ref": "#/components/schemas/AddressIn"}
    assert schema["properties"]["lines"]["items"] == {"$ref": "#/components/schemas/LineIn"}
    assert set(document["components"]["schemas"]) >= {"CustomerIn", "AddressIn", "LineIn"}
    assert "$defs" not in str(document)


def test_every_operation_declares_the_statuses_it_answers(document):
    declared = {
        key: set(operation["responses"]) for key, operation in _operations(document).items()
    }
    assert declared == EXPECTED_STATUSES


def test_every_error_answer_has_the_one_errors_shape(document):
    errors_out = dict(document["components"]["schemas"]["ErrorsOut"])
    assert errors_out.pop("description").startswith("Every error answer")
    assert errors_out == {
        "properties": {
            "errors": {
                "items": {"$ref": "#/components/schemas/FieldErrorOut"},
                "title": "Errors",
                "type": "array",
            }
        },
        "required": ["errors"],
        "title": "ErrorsOut",
        "type": "object",
    }
    # Kuaidi100 is answered in its own words; the health check's 503 is its 200's shape,
    # each check's state, which the probe and the operator read.
    own_shapes = {"/api/v1/tracking/push/kuaidi100", "/api/v1/health"}
    for (_method, path), operation in _operations(document).items():
        for status, response in operation["responses"].items():
            if status < "400" or path in own_shapes:
                continue
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERRORS_REF}, (path, status)


def test_the_push_endpoints_declare_their_bodies(document):
    push = document["paths"]
    kuaidi100 = push["/api/v1/tracking/push/kuaidi100"]["post"]["requestBody"]
    form = kuaidi100["content"]["application/x-www-form-urlencoded"]["schema"]
    assert kuaidi100["required"] is True
    assert form["required"] == ["param", "sign"]
    assert set(form["properties"]) == {"param", "sign"}
    for path in ("/api/v1/tracking/push/aftership", "/api/v1/tracking/push/17track"):
        body = push[path]["post"]["requestBody"]
        assert body["required"] is True
        assert body["content"]["application/json"]["schema"]["type"] == "object"
    batch = push["/api/v1/tracking/events"]["post"]["requestBody"]
    assert batch["content"]["application/json"]["schema"]["type"] == "object"
    assert "events" in batch["content"]["application/json"]["schema"]["properties"]


def test_the_kuaidi100_replies_are_in_its_own_format(document):
    operation = document["paths"]["/api/v1/tracking/push/kuaidi100"]["post"]
    for status in ("200", "400", "401", "413", "500"):
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Kuaidi100Reply"}


def test_every_body_an_operation_reads_is_declared(document):
    reads_a_body = {
        (method, path)
        for (method, path) in EXPECTED_STATUSES
        if method in {"post", "patch"}
        and not path.endswith(("/confirm", "/mark-paid", "/complete"))
    }
    declared = {key for key, op in _operations(document).items() if "requestBody" in op}
    assert declared == reads_a_body


def test_nested_definitions_move_to_the_components_and_their_references_follow():
    paths = {
        "/a": {
            "requestBody": {"schema": {"$defs": {"X": {"type": "string"}}, "$ref": "#/$defs/X"}}
        },
        "/b": [{"items": {"$ref": "#/$defs/Y"}, "$defs": {"Y": {"type": "integer"}}}],
    }
    components = {"X": {"type": "string"}}  # the same definition twice is one component
    hoist_definitions(paths, components)
    assert paths == {
        "/a": {"requestBody": {"schema": {"$ref": "#/components/schemas/X"}}},
        "/b": [{"items": {"$ref": "#/components/schemas/Y"}}],
    }
    assert components == {"X": {"type": "string"}, "Y": {"type": "integer"}}


def test_two_different_definitions_of_one_name_are_refused():
    components = {"X": {"type": "string"}}
    with pytest.raises(ValueError, match="two different schemas are both named X"):
        hoist_definitions({"$defs": {"X": {"type": "integer"}}}, components)
