"""SMART Backend Services: a system client trades a signed assertion for a short-lived token, and
with it sees what its units serve, within its scopes; every refusal is the spec's OAuth error."""

import datetime
import json
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from accounts.models import SystemClient
from audit.models import AccessEvent
from people.models import Organisation, Section

TOKEN_URL = "http://testserver/accounts/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(private_key, kid, alg):
    algorithm = jwt.algorithms.RSAAlgorithm if alg.startswith("RS") else jwt.algorithms.ECAlgorithm
    jwk = algorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture(scope="module")
def keys():
    return {"rsa": rsa_key(), "ec": ec.generate_private_key(ec.SECP384R1()), "stranger": rsa_key()}


@pytest.fixture
def system(municipality, keys):
    client = SystemClient.objects.create(
        name="Register",
        sections=[Section.OVERVIEW, Section.MEASURES],
        jwks={"keys": [public_jwk(keys["rsa"], "r1", "RS384"), public_jwk(keys["ec"], "e1", "ES384")]},
    )
    client.units.add(municipality)
    return client


def assertion(client, key, *, alg="RS384", kid="r1", **claims):
    now = timezone.now()
    body = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": TOKEN_URL,
        "exp": int((now + datetime.timedelta(minutes=4)).timestamp()),
        "jti": str(uuid.uuid4()),
        **claims,
    }
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid} if kid else None)


def ask_token(http, signed, scope="system/*.rs", **fields):
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed,
        "scope": scope,
        **fields,
    }
    return http.post(reverse("accounts:smart_token"), data)


def token_for(http, system, keys, scope="system/*.rs"):
    response = ask_token(http, assertion(system, keys["rsa"]), scope)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_signed_assertion_gets_a_token_that_sees_the_units_citizens_and_is_logged(
    client, system, keys, citizen, make_staff, make_citizen
):
    elsewhere = Organisation.objects.create(name="Annen kommune", org_type=Organisation.Type.MUNICIPAL)
    make_citizen(make_staff("annen", elsewhere), "Annen")  # served by another unit: not the client's
    answer = token_for(client, system, keys)
    assert answer["token_type"] == "bearer" and answer["expires_in"] == 300 and answer["scope"] == "system/*.rs"
    response = client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {answer['access_token']}")
    assert response.status_code == 200
    bundle = Bundle.model_validate(response.json())
    assert [entry.resource.id for entry in bundle.entry] == [str(citizen.pk)]
    read = AccessEvent.objects.get(citizen_id=citizen.pk, action="read")
    assert read.actor_id is None and read.client_id == system.pk and read.ground == AccessEvent.Ground.SYSTEM
    assert "Register" in read.actor_label


def test_es384_works_too(client, system, keys):
    response = ask_token(client, assertion(system, keys["ec"], alg="ES384", kid="e1"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("unregistered key", "invalid_client"),
        ("expired", "invalid_client"),
        ("lives over five minutes", "invalid_client"),
        ("wrong audience", "invalid_client"),
        ("unknown client", "invalid_client"),
        ("sub is not the client", "invalid_client"),
        ("symmetric algorithm", "invalid_client"),
        ("no jti", "invalid_client"),
        ("not a JWT", "invalid_request"),
    ],
)
def test_a_bad_assertion_is_refused_with_the_specs_error(client, system, keys, case, error):
    now = timezone.now()
    signed = {
        "unregistered key": lambda: assertion(system, keys["stranger"]),
        "expired": lambda: assertion(system, keys["rsa"], exp=int((now - datetime.timedelta(seconds=30)).timestamp())),
        "lives over five minutes": lambda: assertion(
            system, keys["rsa"], exp=int((now + datetime.timedelta(minutes=10)).timestamp())
        ),
        "wrong audience": lambda: assertion(system, keys["rsa"], aud="https://elsewhere.example/token"),
        "unknown client": lambda: assertion(system, keys["rsa"], iss="sc_nobody", sub="sc_nobody"),
        "sub is not the client": lambda: assertion(system, keys["rsa"], sub="someone-else"),
        "symmetric algorithm": lambda: jwt.encode(
            {
                "iss": system.client_id,
                "sub": system.client_id,
                "aud": TOKEN_URL,
                "exp": now.timestamp() + 60,
                "jti": "x",
            },
            "a-shared-secret-that-is-long-enough-for-hs384-0123456789",
            algorithm="HS384",
        ),
        "no jti": lambda: jwt.encode(
            {"iss": system.client_id, "sub": system.client_id, "aud": TOKEN_URL, "exp": now.timestamp() + 60},
            keys["rsa"],
            algorithm="RS384",
            headers={"kid": "r1"},
        ),
        "not a JWT": lambda: "this.is-not.a-jwt",
    }[case]()
    response = ask_token(client, signed)
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["error_description"]


def test_an_assertion_is_used_once(client, system, keys):
    signed = assertion(system, keys["rsa"])
    assert ask_token(client, signed).status_code == 200
    again = ask_token(client, signed)
    assert again.status_code == 400 and again.json()["error"] == "invalid_client"
    assert "used before" in again.json()["error_description"]


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"client_assertion_type": "urn:something:else"}, "invalid_request"),
        ({"scope": "patient/*.rs"}, "invalid_scope"),
        ({"scope": "system/Observation.cud"}, "invalid_scope"),
        ({"scope": ""}, "invalid_scope"),
    ],
)
def test_a_bad_request_is_refused_with_the_specs_error(client, system, keys, fields, error):
    response = ask_token(client, assertion(system, keys["rsa"]), **fields)
    assert response.status_code == 400 and response.json()["error"] == error


def test_a_revoked_client_gets_no_token_and_its_tokens_stop(client, system, keys):
    token = token_for(client, system, keys)["access_token"]
    system.revoked_at = timezone.now()
    system.save(update_fields=["revoked_at"])
    assert client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert ask_token(client, assertion(system, keys["rsa"])).json()["error"] == "invalid_client"


def test_a_token_expires_after_five_minutes(client, system, keys):
    token = token_for(client, system, keys)["access_token"]
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5, seconds=1)):
        assert client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_scopes_narrow_what_a_token_may_do(client, system, keys, citizen):
    system.scopes = "system/Patient.rs"
    system.save(update_fields=["scopes"])
    answer = token_for(client, system, keys, scope="system/*.rs")
    assert answer["scope"] == "system/Patient.rs"  # what was asked, within the registration
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {answer['access_token']}"}
    assert client.get("/fhir/Patient", **bearer).status_code == 200
    assert client.get(f"/fhir/Patient/{citizen.pk}", **bearer).status_code == 200
    refused = client.get("/fhir/Observation", {"subject": f"Patient/{citizen.pk}"}, **bearer)
    assert refused.status_code == 403 and refused.json()["issue"][0]["code"] == "forbidden"
    read_only = token_for(client, system, keys, scope="system/Patient.r")
    only = {"HTTP_AUTHORIZATION": f"Bearer {read_only['access_token']}"}
    assert client.get(f"/fhir/Patient/{citizen.pk}", **only).status_code == 200
    assert client.get("/fhir/Patient", **only).status_code == 403  # a search needs .s
    posted = client.post("/fhir/QuestionnaireResponse", "{}", content_type="application/fhir+json", **bearer)
    assert posted.status_code == 403


class _KeySet(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_a_key_set_at_an_address_is_fetched(client, system, keys):
    _KeySet.body = json.dumps({"keys": [public_jwk(keys["rsa"], "r1", "RS384")]}).encode()
    server = HTTPServer(("127.0.0.1", 0), _KeySet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        system.jwks, system.jwks_url = {}, f"http://127.0.0.1:{server.server_port}/jwks.json"
        system.save(update_fields=["jwks", "jwks_url"])
        assert ask_token(client, assertion(system, keys["rsa"])).status_code == 200
        assert ask_token(client, assertion(system, keys["stranger"])).json()["error"] == "invalid_client"
        _KeySet.body = b"<html>not a key set</html>"
        cache.clear()  # the fetched set is kept five minutes
        garbage = ask_token(client, assertion(system, keys["rsa"]))
        assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_client"
        with socket.socket() as closed:  # a port that was free a moment ago: nothing answers there
            closed.bind(("127.0.0.1", 0))
            free_port = closed.getsockname()[1]
        system.jwks_url = f"http://127.0.0.1:{free_port}/nothing-listens-here"
        system.save(update_fields=["jwks_url"])
        assert ask_token(client, assertion(system, keys["rsa"])).json()["error"] == "invalid_client"
    finally:
        server.shutdown()


def test_the_configuration_and_the_metadata_name_the_token_endpoint(client):
    configuration = client.get("/fhir/.well-known/smart-configuration").json()
    assert configuration["token_endpoint"] == TOKEN_URL
    assert configuration["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert set(configuration["token_endpoint_auth_signing_alg_values_supported"]) == {"RS384", "ES384"}
    assert "client-confidential-asymmetric" in configuration["capabilities"]
    security = client.get("/fhir/metadata").json()["rest"][0]["security"]
    assert security["extension"][0]["extension"] == [{"url": "token", "valueUri": TOKEN_URL}]
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_the_admin_registers_keys_and_scopes_and_refuses_private_keys(admin_client, municipality, keys):
    url = reverse("admin:accounts_systemclient_add")
    public = {"keys": [public_jwk(keys["rsa"], "r1", "RS384")]}
    private = {"keys": [{**jwt.algorithms.RSAAlgorithm.to_jwk(keys["rsa"], as_dict=True), "kid": "p"}]}
    base = {"name": "Forskning", "units": [municipality.pk], "sections": [Section.OVERVIEW]}
    for fields, message in (
        ({"scopes": "system/*.rs", "jwks": json.dumps(private)}, "never paste a private key"),
        ({"scopes": "system/*.rs", "jwks": "{}"}, "Give the public key set"),
        ({"scopes": "system/*.cruds", "jwks": json.dumps(public)}, "read and search only"),
        ({"scopes": "patient/*.rs", "jwks": json.dumps(public)}, "is not a system scope"),
    ):
        refused = admin_client.post(url, {**base, **fields})
        assert refused.status_code == 200 and message in refused.text, message
        assert "Forskning" in refused.text  # what was typed is kept
    assert not SystemClient.objects.exists()
    saved = admin_client.post(
        url, {**base, "scopes": "system/Patient.rs system/Observation.rs", "jwks": json.dumps(public)}
    )
    assert saved.status_code == 302
    registered = SystemClient.objects.get()
    assert registered.client_id.startswith("sc_") and registered.jwks == public


def test_the_key_command_registers_a_key_whose_private_half_signs_and_can_issue_a_token(client, system, citizen):
    from io import StringIO

    from cryptography.hazmat.primitives import serialization
    from django.core.management import call_command

    out = StringIO()
    call_command("system_client_key", "Register", "--token", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"client_id: {system.client_id}"
    pem = "\n".join(lines[lines.index("-----BEGIN PRIVATE KEY-----") : lines.index("-----END PRIVATE KEY-----") + 1])
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    system.refresh_from_db()
    assert [key["kid"] for key in system.jwks["keys"]] == ["r1", "e1", "samplan-cli"]  # the others are kept
    assert ask_token(client, assertion(system, private, alg="ES384", kid="samplan-cli")).status_code == 200
    response = client.get("/fhir/Patient", HTTP_AUTHORIZATION=f"Bearer {lines[-1]}")
    assert response.status_code == 200 and response.json()["total"] == 1


def test_a_system_client_reads_the_group_of_its_unit(client, system, keys, citizen, municipality):
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token_for(client, system, keys)['access_token']}"}
    listed = client.get("/fhir/Group", **bearer).json()
    assert [entry["resource"]["id"] for entry in listed["entry"]] == [f"unit-{municipality.pk}"]  # no caseload
    group = client.get(f"/fhir/Group/unit-{municipality.pk}", **bearer).json()
    assert group["member"] == [{"entity": {"reference": f"Patient/{citizen.pk}"}}]
    assert AccessEvent.objects.get(citizen_id=citizen.pk, action="read").client_id == system.pk


def test_the_key_command_writes_the_private_key_as_a_jwk_that_signs(client, system, tmp_path):
    import os
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "key.json"
    call_command("system_client_key", "Register", "--jwk", str(path), stdout=StringIO())
    assert os.stat(path).st_mode & 0o777 == 0o600  # a private key: the owner's alone
    jwk = json.loads(path.read_text())
    assert jwk["kid"] == "samplan-cli" and jwk["alg"] == "ES384" and "d" in jwk
    private = jwt.algorithms.ECAlgorithm.from_jwk(jwk)
    assert ask_token(client, assertion(system, private, alg="ES384", kid="samplan-cli")).status_code == 200
