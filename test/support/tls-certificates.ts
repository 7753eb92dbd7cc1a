import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a throw-away CA and of what it signed, with their paths. */
export interface TlsCertificates {
  caFile: string;
  ca: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** A client certificate the CA signed, for servers that verify clients. */
  clientCert: string;
  clientKey: string;
}

/**
 * A CA made for one test run (in `dir`, with openssl) and a server certificate for 127.0.0.1 and
 * localhost it signed: nothing trusts it but the test that hands it over.
 */
export async function makeTlsCertificates(dir: string): Promise<TlsCertificates> {
  const path = (name: string) => join(dir, name);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=bus test CA', '-keyout', path('ca-key.pem'), '-out', path('ca.pem')]);
  await writeFile(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await writeFile(path('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, subject] of [['server', '/CN=localhost'], ['client', '/CN=bus client']]) {
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', path(`${name}-key.pem`), '-out', path(`${name}.csr`)]);
    await run('openssl', ['x509', '-req', '-in', path(`${name}.csr`), '-CA', path('ca.pem'), '-CAkey', path('ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', path(`${name}.ext`), '-out', path(`${name}.pem`)]);
  }
  return {
    caFile: path('ca.pem'),
    ca: await readFile(path('ca.pem'), 'utf8'),
    serverCertFile: path('server.pem'),
    serverKeyFile: path('server-key.pem'),
    clientCert: await readFile(path('client.pem'), 'utf8'),
    clientKey: await readFile(path('client-key.pem'), 'utf8'),
  };
}
