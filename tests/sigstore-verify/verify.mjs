// Verifies one cosign signature with @sigstore/verify, as a third party would: the payload's bytes, the
// base64 DER ECDSA signature from the layer's dev.cosignproject.cosign/signature annotation, and the SPKI PEM
// public key. Exit 0 when the signature verifies, 1 when it does not, 2 on bad usage.
//
// Uses the library's own high-level path, not a hand-rolled crypto call: the signature goes into a Sigstore
// bundle (messageSignature, verification material = a public-key hint), the key into trust material through
// toTrustMaterial's key finder, and Verifier.verify checks it with every threshold at 0: a bare key signature
// has no transparency log entry, no timestamp and no certificate. The payload's fields (identity, digest) are
// not the library's business; the C# verifier checks those.
//
// Usage: node verify.mjs PAYLOAD_FILE BASE64_SIGNATURE PUBLIC_KEY_PEM_FILE
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sigstoreVerify from '@sigstore/verify';

const { Verifier, VerificationError, toSignedEntity, toTrustMaterial } = sigstoreVerify;

// HashAlgorithm.SHA2_256 in sigstore's protobuf-specs (common.proto).
const SHA2_256 = 1;
const KEY_HINT = 'farm';

if (process.argv.length !== 5) {
  console.error('usage: node verify.mjs PAYLOAD_FILE BASE64_SIGNATURE PUBLIC_KEY_PEM_FILE');
  process.exit(2);
}

const [payloadPath, signatureBase64, keyPath] = process.argv.slice(2);
const payload = readFileSync(payloadPath);
const signature = Buffer.from(signatureBase64, 'base64');
const publicKeyPem = readFileSync(keyPath, 'utf8');

const bundle = {
  mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  verificationMaterial: {
    content: { $case: 'publicKey', publicKey: { hint: KEY_HINT } },
    tlogEntries: [],
    timestampVerificationData: { rfc3161Timestamps: [] },
  },
  content: {
    $case: 'messageSignature',
    messageSignature: {
      messageDigest: { algorithm: SHA2_256, digest: createHash('sha256').update(payload).digest() },
      signature,
    },
  },
};

const trustMaterial = toTrustMaterial(
  { certificateAuthorities: [], timestampAuthorities: [], tlogs: [], ctlogs: [] },
  { [KEY_HINT]: { rawBytes: publicKeyPem } },
);
const verifier = new Verifier(trustMaterial, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });

try {
  verifier.verify(toSignedEntity(bundle, payload));
  console.log('verified');
} catch (error) {
  if (!(error instanceof VerificationError)) {
    throw error;
  }

  console.error(`not verified: ${error.code}: ${error.message}`);
  process.exit(1);
}
