"""A system client's key pair, made here: the public half is registered, the private half printed once.

    python manage.py system_client_key "Demo register" [--token] [--jwk FILE]

Prints the client id, the token endpoint's path and the private key (PEM, ES384) to sign assertions
with (SMART Backend Services; see README, "Machine access"). The key replaces any key this command
made before for the client (kid "samplan-cli"); keys registered otherwise are kept. ``--token``
also issues an access token at once (what the token endpoint gives for a valid assertion; valid five
minutes) as the last line: two steps to a first FHIR read. ``--jwk FILE`` also writes the private
key as a JSON Web Key (owner-only), the form bulk clients such as smart-on-fhir's bulk-data-client take.
"""

import json
import os

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.models import SystemClient
from accounts.smart import TOKEN_LIFETIME, issue_token

KID = "samplan-cli"


class Command(BaseCommand):
    help = "Make a key pair for a system client: register the public key, print the private one (and a token)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The system client's name, as registered in the admin.")
        parser.add_argument("--token", action="store_true", help="Also get an access token with the new key.")
        parser.add_argument("--jwk", metavar="FILE", help="Also write the private key as a JWK to FILE (mode 600).")

    def handle(self, *args, name, token, jwk=None, **options):
        client = SystemClient.objects.usable().filter(name=name).first()
        if client is None:
            raise CommandError(f"No system client named {name!r} that is not revoked.")
        private = ec.generate_private_key(ec.SECP384R1())
        public = {**jwt.algorithms.ECAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": KID, "alg": "ES384"}
        kept = [key for key in (client.jwks or {}).get("keys", []) if key.get("kid") != KID]
        client.jwks = {"keys": [*kept, public]}
        client.save(update_fields=["jwks"])
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.stdout.write(f"client_id: {client.client_id}")
        self.stdout.write(f"token endpoint: {reverse('accounts:smart_token')} (sign aud as its full https address)")
        self.stdout.write(f"key id (kid): {KID}, algorithm ES384. The private key, shown once:")
        self.stdout.write(pem)
        if jwk:
            fd = os.open(jwk, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump({**jwt.algorithms.ECAlgorithm.to_jwk(private, as_dict=True), "kid": KID, "alg": "ES384"}, out)
            self.stdout.write(f"The private key as a JWK: {jwk}")
        if token:
            self.stdout.write(self._token(client))

    def _token(self, client):
        token = issue_token(client, client.scopes)
        self.stdout.write(f"Access token ({client.scopes}, valid {int(TOKEN_LIFETIME.total_seconds())} s):")
        return token
