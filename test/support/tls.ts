import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leftover } from './leftovers.js';

/**
 * Certificates for gRPC TLS tests, made with the `openssl` CLI (.ci/run installs it; tests skip,
 * saying so, without it): a CA, a certificate of the services signed by it, and a certificate
 * signed by a second CA that nothing trusts.
 */

export interface TestCertificates {
  dir: string;
  /** The CA every process trusts (GRPC_TLS_CA_FILE). */
  ca: string;
  /** A certificate and key for 127.0.0.1 and localhost, for serving and as a client certificate. */
  cert: string;
  key: string;
  /** Another CA, and a client certificate it signed: refused where `ca` is required. */
  otherCa: string;
  otherCert: string;
  otherKey: string;
  /** Removes the folder now; it is removed after the file's tests anyway. */
  remove(): Promise<void>;
}

/** Why TLS tests cannot run here, or undefined when they can. */
export function opensslUnavailable(): string | undefined {
  const found = spawnSync('openssl', ['version'], { stdio: 'ignore' });
  return found.status === 0 ? undefined : 'gRPC TLS tests skipped: no openssl CLI (apt-get install openssl)';
}

// Leaf certificates serve and are presented as client certificates: both key usages.
const CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = messenger test
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** Makes the files in a new temporary folder (synchronously: paths are needed when tests are declared). */
export function testCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'messenger-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  writeFileSync(path('openssl.cnf'), CONFIG);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-config',
      'openssl.cnf',
      '-extensions',
      'ca_ext',
      ...newKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  const leaf = (name: string, signer: string, serial: number) => {
    openssl(
      'req',
      '-new',
      '-config',
      'openssl.cnf',
      ...newKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${signer}.pem`,
      '-CAkey',
      `${signer}.key`,
      '-set_serial',
      String(serial),
      '-days',
      '2',
      '-extfile',
      'openssl.cnf',
      '-extensions',
      'leaf_ext',
      '-out',
      `${name}.pem`,
    );
  };
  ca('ca');
  ca('other-ca');
  leaf('service', 'ca', 1);
  leaf('stranger', 'other-ca', 2);
  return {
    dir,
    ca: path('ca.pem'),
    cert: path('service.pem'),
    key: path('service.key'),
    otherCa: path('other-ca.pem'),
    otherCert: path('stranger.pem'),
    otherKey: path('stranger.key'),
    remove: leftover(() => rmSync(dir, { recursive: true, force: true })),
  };
}
